"""Scenario validation (field paths of the errors) and the bundled scenarios."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import ConfigError
from sim.scenario import scenario_from_dict, missing_shifts_warning

ITEMS = ("nato_membership", "force_posture", "intermediate_missiles", "donbas", "un_process")
LEVELS = {
    "nato_membership": ("open_door", "moratorium_20y", "permanent_ban"),
    "force_posture": ("status_quo", "adapted_cfe", "rollback_1997"),
    "intermediate_missiles": ("none", "inf_return"),
    "donbas": ("status_quo", "minsk_ii_autonomy", "unconditional_autonomy"),
    "un_process": ("none", "un_territorial_process"),
}
ACTORS = ("us", "russia", "ukraine", "nato_allies")
BUNDLED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def error_field(data: dict) -> str:
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(data)
    return error.value.field


# --- the small scenario: what validation builds -------------------------------------------


def test_small_scenario_is_built_as_specified(small_scenario):
    """Items, levels, actors, opening offer, veto and ratifier matrices come out in file order."""
    s = small_scenario
    assert s.item_names == ("alpha", "beta", "gamma")
    assert s.n_levels.tolist() == [3, 2, 2]
    assert s.actor_names == ("us", "russia", "ukraine", "nato_allies")
    assert s.opening_offer == (0, 0, 0)
    assert s.every_text().tolist() == [True, True, False, False]
    assert s.veto_matrix().tolist() == [
        [False, False, False],
        [False, False, False],
        [False, False, True],
        [False, True, False],
    ]
    assert s.ratifier_matrix().tolist() == [[False, True, False]] + [[False, False, False]] * 3
    assert s.escalation.start_rung == 1
    assert s.escalating_actor == 1


def test_packages_are_numbered_last_item_fastest(small_scenario):
    """``packages`` lists all 3*2*2 packages in item order, the last item changing fastest."""
    packages = small_scenario.packages
    assert packages.shape == (12, 3)
    assert packages[:5].tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0]]
    assert packages[-1].tolist() == [2, 1, 1]


def test_priors_are_listed_by_dotted_path(small_scenario):
    """priors() names every random input by the path that also names its stream."""
    paths = set(small_scenario.priors())
    # 4 actors * (4 values + 3 saliences + 4 tactic fields) + 1 ratifier bias + 5 escalation
    assert len(paths) == 4 * 11 + 1 + 5
    assert "actors.russia.values.alpha.a2" in paths
    assert "actors.us.ratifier.bias" in paths
    assert "actors.russia.ratifier.bias" not in paths
    assert "escalation.p_spillover" in paths


def test_priors_come_in_table_order_actor_by_actor(small_scenario):
    """priors() lists an actor's priors in the parameter table's order (values, salience,
    reservation, opening_surplus, deadline, concession_exponent, ratifier bias), actor by
    actor, then the escalation's; ``prior(path)`` is one of them."""
    us = [
        "values.alpha.a1", "values.alpha.a2", "values.beta.b1", "values.gamma.g1",
        "salience.alpha", "salience.beta", "salience.gamma", "reservation", "opening_surplus",
        "deadline", "concession_exponent",
    ]  # fmt: skip
    paths = list(small_scenario.priors())
    assert paths[:12] == [f"actors.us.{p}" for p in us] + ["actors.us.ratifier.bias"]
    assert paths[12:23] == [f"actors.russia.{p}" for p in us]
    assert paths[-5:] == [
        f"escalation.{p}" for p in ("beta0", "beta_gap", "beta_time", "p_deadline", "p_spillover")
    ]
    s = small_scenario
    assert s.prior("actors.russia.values.alpha.a2").params == {"value": 1.0}
    assert s.prior("actors.us.ratifier.bias").params == {"value": 0.0}
    assert s.prior("actors.ukraine.deadline").params == {"value": 4}
    assert s.prior("escalation.beta0").params == {"value": -1000.0}
    assert s.prior("actors.nato_allies.salience.gamma").params == {"value": 2.0}
    with pytest.raises(KeyError):
        s.prior("actors.russia.ratifier.bias")  # Russia has no ratifier
    with pytest.raises(KeyError):
        s.prior("escalation.shifts.limited_incursion.russia")  # no shifts given
    priors = s.priors()
    priors.clear()  # a copy: the scenario keeps its own
    assert len(s.priors()) == 4 * 11 + 1 + 5


def test_actors_hold_their_roles_not_their_priors(small_scenario):
    """An Actor is its place in the game; its sampled parameters are priors by path."""
    actor = small_scenario.actors[2]
    assert [f.name for f in dataclasses.fields(actor)] == [
        "name", "description", "must_accept_every_text", "veto_items", "ratifier", "red_lines",
    ]  # fmt: skip
    assert (actor.name, actor.must_accept_every_text, actor.veto_items) == (
        "ukraine", False, ("gamma",),
    )  # fmt: skip
    assert small_scenario.actors[0].ratifier.items == ("beta",)
    assert small_scenario.actors[1].ratifier is None
    assert all(a.red_lines == {} for a in small_scenario.actors)
    assert small_scenario.red_line_matrix().shape == (4, 3, 3) and not small_scenario.red_line_matrix().any()


# --- red lines and the aftermath -------------------------------------------------------------


def test_red_lines_are_parsed(scenario_dict, fixed_prior):
    """A red line names the levels it rules out: the US (whose yes every text needs) may rule
    out any level, the status quo included; Ukraine only levels above 0 of its veto item. A
    red line without a hold prior binds in every run (fixed 1)."""
    scenario_dict["actors"]["us"]["red_lines"] = {"alpha": {"levels": ["a0", "a2"]}}
    scenario_dict["actors"]["ukraine"]["red_lines"] = {"gamma": {"levels": ["g1"], "hold": fixed_prior(0.25)}}
    s = scenario_from_dict(scenario_dict)
    assert [a.red_lines for a in s.actors] == [{"alpha": ("a0", "a2")}, {}, {"gamma": ("g1",)}, {}]
    matrix = s.red_line_matrix()
    assert matrix[0].tolist() == [[True, False, True], [False] * 3, [False] * 3]
    assert matrix[2].tolist() == [[False] * 3, [False] * 3, [False, True, False]]
    assert not matrix[1].any() and not matrix[3].any()
    default = s.prior("actors.us.red_lines.alpha.hold")
    assert (default.dist, default.params) == ("fixed", {"value": 1.0})
    assert s.prior("actors.ukraine.red_lines.gamma.hold").params == {"value": 0.25}
    # no prior for the (actor, item) pairs without a red line: they hold 0 in the draws
    assert [path for path in s.priors() if ".red_lines." in path] == [
        "actors.us.red_lines.alpha.hold", "actors.ukraine.red_lines.gamma.hold",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "actor, red_lines, field",
    [
        ("us", {"omega": {"levels": ["o1"]}}, "scenario.actors.us.red_lines.omega"),
        ("us", {"alpha": {"levels": ["a9"]}}, "scenario.actors.us.red_lines.alpha.levels"),
        ("us", {"alpha": {"levels": []}}, "scenario.actors.us.red_lines.alpha.levels"),
        ("us", {"alpha": {}}, "scenario.actors.us.red_lines.alpha.levels"),
        # an actor asked only on its veto items: its red lines only there ...
        ("ukraine", {"alpha": {"levels": ["a1"]}}, "scenario.actors.ukraine.red_lines.alpha"),
        # ... and never on the status quo
        ("ukraine", {"gamma": {"levels": ["g0"]}}, "scenario.actors.ukraine.red_lines.gamma.levels"),
        ("us", {"alpha": {"levels": ["a2"], "hold": 1.5}}, "scenario.actors.us.red_lines.alpha.hold"),
    ],
)
def test_bad_red_lines(scenario_dict, fixed_prior, actor, red_lines, field):
    for line in red_lines.values():
        if "hold" in line:
            line["hold"] = fixed_prior(line["hold"])  # a probability above 1
    scenario_dict["actors"][actor]["red_lines"] = red_lines
    assert error_field(scenario_dict) == field


def test_the_aftermath_prior(scenario_dict, fixed_prior):
    """K, the periods after the talks, comes from an integer family: fixed or
    uniform_integer on whole numbers low <= high (low = high allowed), never below 0."""

    def integer(low, high, dist="uniform_integer"):
        return {"dist": dist, "low": low, "high": high, "rationale": "test", "source": "test", "evidence": "assumption"}

    for low, high in ((0, 4), (2, 2)):
        scenario_dict["escalation"]["aftermath"] = integer(low, high)
        params = scenario_from_dict(scenario_dict).prior("escalation.aftermath").params
        assert params == {"low": float(low), "high": float(high)}
    scenario_dict["escalation"]["aftermath"] = fixed_prior(2)
    assert scenario_from_dict(scenario_dict).prior("escalation.aftermath").params == {"value": 2}
    for prior, field in (
        (integer(0, 4, "uniform"), "scenario.escalation.aftermath.dist"),
        (integer(0.5, 4), "scenario.escalation.aftermath.low"),
        (integer(3, 2), "scenario.escalation.aftermath.high"),
        (integer(-1, 2), "scenario.escalation.aftermath"),
        (fixed_prior(-1), "scenario.escalation.aftermath"),
    ):
        scenario_dict["escalation"]["aftermath"] = prior
        assert error_field(scenario_dict) == field, prior


def test_default_start_rung_and_actor(scenario_dict):
    """Without start_rung and actor the ladder starts at rung 1 with Russia escalating."""
    del scenario_dict["escalation"]["start_rung"], scenario_dict["escalation"]["actor"]
    s = scenario_from_dict(scenario_dict)
    assert s.escalation.start_rung == 1
    assert s.escalation.actor == "russia"


# --- validation errors and their field paths ----------------------------------------------


def test_unknown_item_in_opening_offer(scenario_dict):
    """An opening offer naming an item the scenario lacks is rejected at that item's path."""
    scenario_dict["opening_offer"]["delta"] = "d1"
    assert error_field(scenario_dict) == "scenario.opening_offer.delta"


def test_missing_item_in_opening_offer(scenario_dict):
    """An opening offer must give a level for every item."""
    del scenario_dict["opening_offer"]["beta"]
    assert error_field(scenario_dict) == "scenario.opening_offer.beta"


def test_unknown_level_in_opening_offer(scenario_dict):
    """An opening offer with a level the item does not have is rejected at the item."""
    scenario_dict["opening_offer"]["alpha"] = "a3"
    assert error_field(scenario_dict) == "scenario.opening_offer.alpha"


def test_unknown_level_in_values(scenario_dict):
    """A value for a level the item lacks (or for level 0, which is worth 0) is rejected."""
    scenario_dict["actors"]["ukraine"]["values"]["beta"]["b2"] = scenario_dict["actors"]["ukraine"][
        "values"
    ]["beta"]["b1"]
    assert error_field(scenario_dict) == "scenario.actors.ukraine.values.beta.b2"


def test_level_zero_is_not_listed_in_values(scenario_dict, fixed_prior):
    """Listing level 0's value is an error: it is 0 by definition."""
    scenario_dict["actors"]["us"]["values"]["gamma"]["g0"] = fixed_prior(0.0)
    assert error_field(scenario_dict) == "scenario.actors.us.values.gamma.g0"


def test_missing_value_for_a_level(scenario_dict):
    """Every level above 0 needs a value prior for every actor."""
    del scenario_dict["actors"]["russia"]["values"]["alpha"]["a2"]
    assert error_field(scenario_dict) == "scenario.actors.russia.values.alpha.a2"


@pytest.mark.parametrize(
    "field",
    ["reservation", "opening_surplus", "deadline", "concession_exponent", "values", "salience"],
)
def test_missing_actor_field(scenario_dict, field):
    """An actor without one of its required fields is rejected at that field."""
    del scenario_dict["actors"]["nato_allies"][field]
    assert error_field(scenario_dict) == f"scenario.actors.nato_allies.{field}"


def test_missing_salience_for_an_item(scenario_dict):
    """Every actor needs a salience weight for every item."""
    del scenario_dict["actors"]["us"]["salience"]["gamma"]
    assert error_field(scenario_dict) == "scenario.actors.us.salience.gamma"


def test_all_zero_salience(scenario_dict, fixed_prior):
    """Weights that are all fixed at 0 cannot be normalised."""
    scenario_dict["actors"]["us"]["salience"] = {
        item: fixed_prior(0.0) for item in ("alpha", "beta", "gamma")
    }
    assert error_field(scenario_dict) == "scenario.actors.us.salience"


def test_unknown_veto_item(scenario_dict):
    """A veto on an item the scenario lacks is rejected."""
    scenario_dict["actors"]["ukraine"]["veto_items"] = ["gamma", "crimea"]
    assert error_field(scenario_dict) == "scenario.actors.ukraine.veto_items"


def test_unknown_ratifier_item(scenario_dict):
    """A ratifier triggered by an unknown item is rejected."""
    scenario_dict["actors"]["us"]["ratifier"]["items"] = ["omega"]
    assert error_field(scenario_dict) == "scenario.actors.us.ratifier.items"


def test_ratifier_needs_a_bias(scenario_dict):
    """A ratifier without a bias prior is rejected at its bias."""
    del scenario_dict["actors"]["us"]["ratifier"]["bias"]
    assert error_field(scenario_dict) == "scenario.actors.us.ratifier.bias"


def test_reservation_outside_unit_interval(scenario_dict, uniform_prior):
    """A reservation prior reaching beyond [-1, 1] is rejected at the reservation."""
    scenario_dict["actors"]["russia"]["reservation"] = uniform_prior(0.5, 1.5)
    assert error_field(scenario_dict) == "scenario.actors.russia.reservation"


def test_normal_prior_on_a_probability(scenario_dict):
    """A normal prior on p_spillover has support outside [0, 1] and is rejected."""
    scenario_dict["escalation"]["p_spillover"] = {
        "dist": "normal",
        "mean": 0.05,
        "sd": 0.01,
        "rationale": "r",
        "source": "s",
        "evidence": "assumption",
    }
    assert error_field(scenario_dict) == "scenario.escalation.p_spillover"


@pytest.mark.parametrize("field", ["opening_surplus", "concession_exponent", "deadline"])
def test_normal_prior_on_a_bounded_tactic(scenario_dict, field):
    """A normal prior on h (>= 0), e (> 0) or T (> 0) has support outside the range: rejected."""
    scenario_dict["actors"]["ukraine"][field] = {
        "dist": "normal",
        "mean": 2.0,
        "sd": 0.5,
        "rationale": "r",
        "source": "s",
        "evidence": "assumption",
    }
    assert error_field(scenario_dict) == f"scenario.actors.ukraine.{field}"


def test_zero_lower_bound_on_deadline_and_exponent(scenario_dict, uniform_prior):
    """T and e must be positive: a uniform prior starting at 0 is rejected; h may be 0."""
    scenario_dict["actors"]["us"]["opening_surplus"] = uniform_prior(0.0, 0.5)
    scenario_from_dict(scenario_dict)
    scenario_dict["actors"]["us"]["deadline"] = uniform_prior(0.0, 6.0)
    assert error_field(scenario_dict) == "scenario.actors.us.deadline"
    scenario_dict["actors"]["us"]["deadline"] = uniform_prior(0.5, 6.0)
    scenario_dict["actors"]["us"]["concession_exponent"] = uniform_prior(0.0, 2.0)
    assert error_field(scenario_dict) == "scenario.actors.us.concession_exponent"


def test_missing_prior_rationale_inside_a_scenario(scenario_dict):
    """The rationale check reports the prior's full path in the scenario."""
    scenario_dict["actors"]["ukraine"]["values"]["gamma"]["g1"]["rationale"] = ""
    assert error_field(scenario_dict) == "scenario.actors.ukraine.values.gamma.g1.rationale"


def test_unknown_actor_in_shifts(scenario_dict, fixed_prior):
    """A reservation shift for an actor the scenario lacks is rejected at that actor."""
    scenario_dict["escalation"]["shifts"] = {
        "limited_incursion": {"russia": fixed_prior(-0.1), "belarus": fixed_prior(-0.1)}
    }
    assert error_field(scenario_dict) == "scenario.escalation.shifts.limited_incursion.belarus"


def test_unknown_rung_in_shifts(scenario_dict, fixed_prior):
    """Shifts are keyed by rung names above diplomacy; anything else is rejected."""
    scenario_dict["escalation"]["shifts"] = {"diplomacy": {"russia": fixed_prior(-0.1)}}
    assert error_field(scenario_dict) == "scenario.escalation.shifts.diplomacy"


@pytest.mark.parametrize("rung", [3, 4, -1, True, "1"])
def test_start_rung_must_be_0_1_or_2(scenario_dict, rung):
    """A run starts at rung 0, 1 or 2; rung 3 (war) or anything else is rejected."""
    scenario_dict["escalation"]["start_rung"] = rung
    assert error_field(scenario_dict) == "scenario.escalation.start_rung"


def test_unknown_escalating_actor(scenario_dict):
    """The escalating actor must be one of the scenario's actors."""
    scenario_dict["escalation"]["actor"] = "china"
    assert error_field(scenario_dict) == "scenario.escalation.actor"


def test_missing_escalation_parameter(scenario_dict):
    """Every escalation parameter is a required prior."""
    del scenario_dict["escalation"]["beta_time"]
    assert error_field(scenario_dict) == "scenario.escalation.beta_time"


def test_someone_must_accept_every_text(scenario_dict):
    """A scenario in which no actor must accept every text is rejected."""
    for actor in scenario_dict["actors"].values():
        actor["must_accept_every_text"] = False
    assert error_field(scenario_dict) == "scenario.actors"


def test_item_needs_two_distinct_levels(scenario_dict):
    """An item needs at least two levels, all distinct."""
    scenario_dict["items"]["beta"]["levels"] = ["b0"]
    assert error_field(scenario_dict) == "scenario.items.beta.levels"
    scenario_dict["items"]["beta"]["levels"] = ["b0", "b0"]
    assert error_field(scenario_dict) == "scenario.items.beta.levels"


def test_where_prefixes_every_path(scenario_dict):
    """The ``where`` argument is the prefix of the reported path."""
    scenario_dict["escalation"]["start_rung"] = 3
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(scenario_dict, where="custom")
    assert error.value.field == "custom.escalation.start_rung"


# --- bundled scenarios --------------------------------------------------------------------


def test_reference_scenarios_are_bundled(bundled_scenario_paths):
    """Both reference scenarios of DESIGN.md are among the bundled scenario files."""
    assert {"lieven_2022", "us_response_2022"} <= {p.stem for p in bundled_scenario_paths}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_loads_with_cited_priors(path):
    """Every bundled scenario validates, is named after its file, has at least the four
    default parties' roles (the US and Russia must accept every text), and every prior
    carries a non-empty rationale and source."""
    with open(path, encoding="utf-8") as handle:
        s = scenario_from_dict(yaml.safe_load(handle))
    assert s.name == path.stem
    assert {"us", "russia", "ukraine"} <= set(s.actor_names)
    assert (
        s.every_text()[s.actor_names.index("us")] and s.every_text()[s.actor_names.index("russia")]
    )
    assert len(s.packages) == int(np.prod(s.n_levels))
    priors = s.priors()
    assert priors
    for prior_path, p in priors.items():
        assert p.rationale.strip(), prior_path
        assert p.source.strip(), prior_path


@pytest.mark.parametrize(
    "name, offer",
    [("lieven_2022", (1, 1, 1, 1, 1)), ("us_response_2022", (0, 0, 0, 0, 0))],
)
def test_bundled_scenarios_load(bundled_scenario, name, offer):
    """Each bundled scenario validates, with DESIGN.md's items, levels, actors and offer."""
    s = bundled_scenario(name)
    assert s.name == name
    assert s.item_names == ITEMS
    assert {item.name: item.levels for item in s.items} == LEVELS
    assert s.actor_names == ACTORS
    assert s.opening_offer == offer
    assert s.every_text().tolist() == [True, True, False, False]
    assert s.veto_matrix().tolist() == [
        [False] * 5,
        [False] * 5,
        [True, False, False, True, True],  # ukraine: nato_membership, donbas, un_process
        [True, True, False, False, False],  # allies: nato_membership, force_posture
    ]
    assert s.escalation.start_rung == 1 and s.escalation.actor == "russia"
    assert s.ratifier_matrix().tolist() == [
        [True, True, True, False, False],  # US Senate: treaty items
        [False] * 5,  # Russia: none
        [True, False, False, True, True],  # Rada: its veto items
        [True, False, False, False, False],  # NATO consensus: nato_membership
    ]


@pytest.mark.parametrize("name", ["lieven_2022", "us_response_2022"])
def test_reference_scenarios_list_every_prior(bundled_scenario, name):
    """The reference scenarios list all 92 priors, each with a rationale, a source and an
    evidence type."""
    priors = bundled_scenario(name).priors()
    # 4 actors * (8 values + 5 saliences + 4 tactic fields) + 3 ratifier biases
    # + 6 escalation parameters (the aftermath included) + 3 rungs * 4 actors of shifts
    # + 3 red lines (the US on membership and posture, the allies on membership)
    # = 68 + 3 + 6 + 12 + 3
    assert len(priors) == 92
    for path, p in priors.items():
        assert p.rationale.strip(), path
        assert p.source.strip(), path
        assert p.evidence in ("quote", "external", "assumption", "calibrated"), path


def test_the_back_test_is_dated_and_flagged(bundled_scenario):
    """DESIGN.md, "Evidence": us_response_2022 is set on 26 Jan 2022 and is a back-test."""
    import datetime

    s = bundled_scenario("us_response_2022")
    assert (s.as_of, s.backtest) == (datetime.date(2022, 1, 26), True)


def test_bundled_scenarios_share_their_priors(bundled_scenario):
    """The two bundled scenarios differ only in their opening offer (a paired comparison; their
    as_of differs too, which forces no difference in the priors)."""
    a, b = bundled_scenario("lieven_2022"), bundled_scenario("us_response_2022")
    assert a.priors() == b.priors()
    assert a.opening_offer != b.opening_offer


# --- as_of and backtest (DESIGN.md, "Evidence") -------------------------------------------


def test_as_of_and_backtest_are_read(scenario_dict):
    import datetime

    s = scenario_from_dict(scenario_dict)
    assert (s.as_of, s.backtest) == (datetime.date(2022, 1, 26), False)
    scenario_dict["as_of"] = datetime.date(2021, 12, 17)  # YAML reads an unquoted date as a date
    scenario_dict["backtest"] = True
    s = scenario_from_dict(scenario_dict)
    assert (s.as_of, s.backtest) == (datetime.date(2021, 12, 17), True)


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("as_of", None, "is required"),
        ("as_of", "???", "is required"),
        ("as_of", "26 Jan 2022", "YYYY-MM-DD"),
        ("as_of", "2022-02-30", "YYYY-MM-DD"),
        ("as_of", 2022, "YYYY-MM-DD"),
        ("backtest", "yes", "true or false"),
    ],
)
def test_bad_as_of_or_backtest(scenario_dict, key, value, words):
    if value is None:
        del scenario_dict[key]
    else:
        scenario_dict[key] = value
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(scenario_dict)
    assert error.value.field == f"scenario.{key}"
    assert words in str(error.value)


def test_a_prior_without_evidence_inside_a_scenario(scenario_dict):
    """The evidence check reports the prior's full path in the scenario."""
    del scenario_dict["actors"]["ukraine"]["values"]["gamma"]["g1"]["evidence"]
    assert error_field(scenario_dict) == "scenario.actors.ukraine.values.gamma.g1.evidence"


def test_missing_shifts_warning_names_each_actor_and_rung(scenario_dict, fixed_prior, build_scenario):
    """Shifts are optional (0 if not given), but leaving one out is worth a line: the rungs a
    run can climb to, above the start rung, for each actor without a shift there."""
    rungs = ("limited_incursion", "full_scale_invasion", "nato_russia_clash")
    actors = ("us", "russia", "ukraine", "nato_allies")
    scenario_dict["escalation"]["shifts"] = {rung: {actor: fixed_prior(0.0) for actor in actors} for rung in rungs}
    assert missing_shifts_warning(build_scenario(scenario_dict)) is None
    del scenario_dict["escalation"]["shifts"]["limited_incursion"]["us"]
    del scenario_dict["escalation"]["shifts"]["nato_russia_clash"]["us"]
    del scenario_dict["escalation"]["shifts"]["full_scale_invasion"]["ukraine"]
    line = missing_shifts_warning(build_scenario(scenario_dict))
    assert line == (
        "scenario.escalation.shifts: no shift for us at limited_incursion, nato_russia_clash; "
        "ukraine at full_scale_invasion: those reservations stay put (shift 0) when the rung is reached"
    )
    scenario_dict["escalation"]["start_rung"] = 0  # coercive_buildup can now be reached, and has no shifts
    line = missing_shifts_warning(build_scenario(scenario_dict))
    assert "us at coercive_buildup, limited_incursion, nato_russia_clash" in line and "russia at coercive_buildup" in line
