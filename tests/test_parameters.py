"""The parameter table (sim.parameters): the names and keys derived from it, how concrete
paths map to parameters, that scenarios and the sampler agree with it, and its ranges."""

from __future__ import annotations

import math

import pytest

from sim.errors import ConfigError
from sim.parameters import (
    BY_PATH,
    NON_NEGATIVE,
    PARAMETERS,
    POSITIVE,
    PROBABILITY,
    REAL,
    UNIT,
    ActorDraws,
    EscalationDraws,
    Range,
    Shape,
    owned_by,
    parameter_of,
)
from sim.sampling import instances

ACTOR_NAMES = (
    "values", "salience", "reservation", "opening_surplus", "deadline", "concession_exponent",
    "ratifier_bias", "red_lines_hold",
)  # fmt: skip
ESCALATION_NAMES = ("beta0", "beta_gap", "beta_time", "p_deadline", "p_spillover", "shifts", "aftermath")


# --- names and keys --------------------------------------------------------------------------


def test_draw_bundles_are_the_tables_names_in_order():
    """ActorDraws and EscalationDraws have one field per parameter of their owner, named as
    the compiled code reads it, in the table's order (the positional order of the bundles)."""
    assert ActorDraws._fields == tuple(p.name for p in owned_by("actors")) == ACTOR_NAMES
    escalation = tuple(p.name for p in owned_by("escalation"))
    assert EscalationDraws._fields == escalation == ESCALATION_NAMES
    assert len(PARAMETERS) == len(ACTOR_NAMES) + len(ESCALATION_NAMES)
    assert {p.owner for p in PARAMETERS} == {"actors", "escalation"}


@pytest.mark.parametrize(
    "path, owner, name, key, shape",
    [
        (
            "actors.{actor}.values.{item}.{level}", "actors", "values",
            ("values", "{item}", "{level}"), Shape.ACTOR_LEVEL,
        ),
        (
            "actors.{actor}.salience.{item}", "actors", "salience", ("salience", "{item}"),
            Shape.ACTOR_ITEM,
        ),
        ("actors.{actor}.reservation", "actors", "reservation", ("reservation",), Shape.ACTOR),
        (
            "actors.{actor}.ratifier.bias", "actors", "ratifier_bias", ("ratifier", "bias"),
            Shape.ACTOR,
        ),
        (
            "actors.{actor}.red_lines.{item}.hold", "actors", "red_lines_hold",
            ("red_lines", "{item}", "hold"), Shape.ACTOR_ITEM,
        ),
        ("escalation.beta0", "escalation", "beta0", ("beta0",), Shape.SCALAR),
        ("escalation.aftermath", "escalation", "aftermath", ("aftermath",), Shape.SCALAR),
        (
            "escalation.shifts.{rung}.{actor}", "escalation", "shifts",
            ("shifts", "{rung}", "{actor}"), Shape.RUNG_ACTOR,
        ),
    ],
)  # fmt: skip
def test_owner_name_and_key_come_from_the_path(path, owner, name, key, shape):
    """The owner is the path's first part; the name drops it and the placeholders (dots as
    underscores); the YAML key is the path below the owner's node (below the actor's name
    for actor parameters)."""
    p = BY_PATH[path]
    assert (p.owner, p.name, p.key, p.shape) == (owner, name, key, shape)
    assert p.column("actors.russia.reservation") == "scenario.actors.russia.reservation"


def test_the_table_has_one_row_per_path():
    assert len(BY_PATH) == len(PARAMETERS)
    assert [p.path for p in PARAMETERS] == list(BY_PATH)
    # only the deadline and the aftermath are whole numbers; the ratifier's bias, the red
    # lines' hold, the shifts and the aftermath are optional; only the aftermath (a number of
    # periods) restricts its prior families, to the integer ones
    assert [p.name for p in PARAMETERS if p.whole] == ["deadline", "aftermath"]
    optional = [p.name for p in PARAMETERS if not p.required]
    assert optional == ["ratifier_bias", "red_lines_hold", "shifts", "aftermath"]
    assert {p.name: p.families for p in PARAMETERS if p.families is not None} == {
        "aftermath": ("fixed", "uniform_integer")
    }
    assert all(p.default == 0.0 for p in PARAMETERS)  # no prior: 0 (no red line, no period)
    # every placeholder of a path is an axis of its shape (the run axis aside)
    for p in PARAMETERS:
        placeholders = tuple(part.strip("{}") for part in p.path.split(".") if part.startswith("{"))
        assert sorted(placeholders) == sorted(p.shape.value), p.path


# --- concrete paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, template",
    [
        ("actors.russia.reservation", "actors.{actor}.reservation"),
        ("actors.us.values.donbas.minsk_ii_autonomy", "actors.{actor}.values.{item}.{level}"),
        ("actors.ukraine.salience.donbas", "actors.{actor}.salience.{item}"),
        ("actors.us.ratifier.bias", "actors.{actor}.ratifier.bias"),
        ("actors.us.red_lines.nato_membership.hold", "actors.{actor}.red_lines.{item}.hold"),
        ("escalation.p_spillover", "escalation.p_spillover"),
        ("escalation.aftermath", "escalation.aftermath"),
        ("escalation.shifts.full_scale_invasion.russia", "escalation.shifts.{rung}.{actor}"),
    ],
)
def test_parameter_of_a_concrete_path(path, template):
    assert parameter_of(path) is BY_PATH[template]


@pytest.mark.parametrize(
    "path",
    [
        "actors.russia.unknown",
        "actors.russia.values.donbas",  # a level short
        "actors.russia.values.donbas.a.b",  # a level too many
        "actors.russia.ratifier.name",
        "actors.us.red_lines.nato_membership",  # the red line itself, not its hold
        "actors.us.red_lines.nato_membership.levels",  # structure, not a prior
        "escalation.beta0.extra",
        "escalation.gamma",
        "scenario.actors.russia.reservation",  # a column, not a path
        "",
    ],
)
def test_an_unknown_path_raises_key_error(path):
    with pytest.raises(KeyError):
        parameter_of(path)


def test_every_bundled_prior_belongs_to_a_parameter(bundled_scenario, bundled_scenario_paths):
    """Every path of every bundled scenario's priors() maps to a parameter of its owner."""
    assert len(bundled_scenario_paths) >= 2
    for file in bundled_scenario_paths:
        scenario = bundled_scenario(file.stem)
        for path in scenario.priors():
            parameter = parameter_of(path)
            assert path.split(".")[0] == parameter.owner, path
            assert path.count(".") == parameter.path.count("."), path


def test_priors_are_the_sampled_paths_that_have_a_prior(bundled_scenario, bundled_scenario_paths):
    """For every bundled scenario: the paths of priors() are exactly the concrete paths the
    sampler fills (``sim.sampling.instances``) for which the scenario gives a prior; every
    required parameter has a prior at every one of its paths; each path is filled by the
    parameter ``parameter_of`` names."""
    for file in bundled_scenario_paths:
        scenario = bundled_scenario(file.stem)
        priors = scenario.priors()
        sampled = {}
        for parameter in PARAMETERS:
            for path, index in instances(parameter, scenario):
                assert path not in sampled, path  # one array entry per path
                sampled[path] = (parameter, index)
        assert set(priors) == {path for path in sampled if path in priors}
        assert set(priors) <= set(sampled), set(priors) - set(sampled)
        for path, (parameter, _) in sampled.items():
            if parameter.required:
                assert path in priors, (file.stem, path)
        for path in priors:
            assert parameter_of(path) is sampled[path][0], path
        # not vacuous: the optional parameters leave some paths without a prior (their default)
        assert any(path not in priors for path in sampled)


def test_instances_of_the_small_scenario(small_scenario):
    """The concrete paths and array indices the sampler fills, by hand: values skip level 0;
    shifts skip rung 0 (never first reached)."""
    values = list(instances(BY_PATH["actors.{actor}.values.{item}.{level}"], small_scenario))
    assert values[:4] == [
        ("actors.us.values.alpha.a1", (0, 0, 1)),
        ("actors.us.values.alpha.a2", (0, 0, 2)),
        ("actors.us.values.beta.b1", (0, 1, 1)),
        ("actors.us.values.gamma.g1", (0, 2, 1)),
    ]
    assert len(values) == 4 * 4
    shifts = list(instances(BY_PATH["escalation.shifts.{rung}.{actor}"], small_scenario))
    assert shifts[0] == ("escalation.shifts.coercive_buildup.us", (1, 0))
    assert shifts[-1] == ("escalation.shifts.nato_russia_clash.nato_allies", (4, 3))
    assert len(shifts) == 4 * 4
    beta0 = list(instances(BY_PATH["escalation.beta0"], small_scenario))
    assert beta0 == [("escalation.beta0", ())]
    # a hold for every actor and item (filled only where a red line is declared)
    hold = list(instances(BY_PATH["actors.{actor}.red_lines.{item}.hold"], small_scenario))
    assert hold[:3] == [
        ("actors.us.red_lines.alpha.hold", (0, 0)),
        ("actors.us.red_lines.beta.hold", (0, 1)),
        ("actors.us.red_lines.gamma.hold", (0, 2)),
    ]
    assert hold[-1] == ("actors.nato_allies.red_lines.gamma.hold", (3, 2)) and len(hold) == 4 * 3
    assert list(instances(BY_PATH["escalation.aftermath"], small_scenario)) == [("escalation.aftermath", ())]


# --- a missing prior -------------------------------------------------------------------------

REQUIRED = [p for p in PARAMETERS if p.required]


def test_the_required_parameters():
    assert [p.name for p in REQUIRED] == [
        "values", "salience", "reservation", "opening_surplus", "deadline",
        "concession_exponent", "beta0", "beta_gap", "beta_time", "p_deadline", "p_spillover",
    ]  # fmt: skip


@pytest.mark.parametrize("parameter", REQUIRED, ids=lambda p: p.name)
def test_a_missing_required_prior_is_named(
    scenario_dict, build_scenario, small_scenario, parameter
):
    """Deleting one required prior (the last concrete path of the parameter in the small
    scenario) fails validation at exactly that field."""
    path = [path for path, _ in instances(parameter, small_scenario)][-1]
    node = scenario_dict
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    del node[last]
    with pytest.raises(ConfigError) as error:
        build_scenario(scenario_dict)
    assert error.value.field == f"scenario.{path}"
    assert "required" in error.value.reason


def test_an_optional_prior_may_be_missing(scenario_dict, build_scenario):
    """Shifts are optional (0 when absent); a ratifier's bias is not, when it has a ratifier."""
    scenario_dict["escalation"].pop("shifts")
    priors = build_scenario(scenario_dict).priors()
    assert not any(path.startswith("escalation.shifts.") for path in priors)
    del scenario_dict["actors"]["us"]["ratifier"]["bias"]
    with pytest.raises(ConfigError) as error:
        build_scenario(scenario_dict)
    assert error.value.field == "scenario.actors.us.ratifier.bias"


# --- ranges ----------------------------------------------------------------------------------

TINY = math.ulp(0.0)


@pytest.mark.parametrize(
    "range_, low, high, inside",
    [
        (UNIT, -1.0, 1.0, True),  # closed at both ends
        (UNIT, -1.0 - 2.0**-52, 1.0, False),
        (UNIT, -1.0, 1.0 + 2.0**-52, False),
        (PROBABILITY, 0.0, 1.0, True),
        (PROBABILITY, -TINY, 0.5, False),
        (NON_NEGATIVE, 0.0, math.inf, True),  # closed at 0
        (POSITIVE, 0.0, 1.0, False),  # open at 0
        (POSITIVE, TINY, 1.0, True),
        (POSITIVE, 1.0, math.inf, True),  # closed at +inf: a normal's upper end is allowed
        (REAL, -math.inf, math.inf, True),
        (Range(0.0, 1.0, open_low=True), 0.0, 0.0, False),
        (Range(0.0, 1.0, open_low=True), 1.0, 1.0, True),
    ],
)
def test_range_contains(range_, low, high, inside):
    assert range_.contains(low, high) is inside


def test_range_prints_its_ends():
    assert [str(r) for r in (UNIT, PROBABILITY, NON_NEGATIVE, POSITIVE, REAL)] == [
        "[-1, 1]", "[0, 1]", "[0, inf]", "(0, inf]", "[-inf, inf]",
    ]  # fmt: skip


def test_each_parameter_has_its_range():
    allowed = {p.name: p.allowed for p in PARAMETERS}
    assert allowed == {
        "values": UNIT, "salience": NON_NEGATIVE, "reservation": UNIT,
        "opening_surplus": NON_NEGATIVE, "deadline": POSITIVE, "concession_exponent": POSITIVE,
        "ratifier_bias": REAL, "red_lines_hold": PROBABILITY, "beta0": REAL, "beta_gap": REAL,
        "beta_time": REAL, "p_deadline": PROBABILITY, "p_spillover": PROBABILITY, "shifts": REAL,
        "aftermath": NON_NEGATIVE,
    }  # fmt: skip
