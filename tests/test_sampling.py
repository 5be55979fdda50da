"""Common random numbers: block streams, chunk independence, paired sweeps, forced deadlines."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

from sim.core import bundles
from sim.parameters import ActorDraws, EscalationDraws
from sim.protocols import Protocol
from sim.sampling import BLOCK_SIZE, Draws, draw, open_uniforms, stream_uniforms
from sim.scenario import scenario_from_dict

B = BLOCK_SIZE
# Every array of a chunk's draws, as (part of the bundle, field): the actors' and the
# escalation's parameters (from the parameter table) and the random events' uniforms.
ARRAY_FIELDS = [
    (part, name)
    for part, fields in (
        ("actors", ActorDraws._fields),
        ("escalation", EscalationDraws._fields),
        ("events", bundles.Events._fields),
    )
    for name in fields
]


def array(draws: Draws, field: tuple[str, str]) -> np.ndarray:
    part, name = field
    return getattr(getattr(draws, part), name)


def test_array_fields_are_every_array_of_the_bundle(small_scenario):
    """The bundle holds exactly these arrays, each with the run as its first axis, so the
    field-by-field comparisons below miss none."""
    d = draw(small_scenario, Protocol(max_rounds=3), 0, 0, 5)
    assert bundles.Draws._fields == ("actors", "escalation", "events")
    bundle = d.bundle
    fields = [(part, name) for part in bundle._fields for name in getattr(bundle, part)._fields]
    assert fields == ARRAY_FIELDS
    assert len(ARRAY_FIELDS) == 8 + 7 + 5
    assert all(array(d, field).shape[0] == 5 for field in ARRAY_FIELDS)
    assert d.actors is bundle.actors and d.escalation is bundle.escalation
    assert d.events is bundle.events


def test_block_size_is_the_documented_constant():
    """B is a constant of the code: changing it changes every result."""
    assert BLOCK_SIZE == 16_384


def test_stream_is_the_designed_generator():
    """Block j of stream `name` comes from
    Generator(PCG64(SeedSequence(seed, spawn_key=(j, crc32(name)))))."""
    seed, name = 7, "actors.russia.reservation"
    for block in (0, 2):
        expected = np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence(seed, spawn_key=(block, zlib.crc32(name.encode())))
            )
        ).random(B)
        got = stream_uniforms(seed, name, block * B + 100, block * B + 200)
        assert np.array_equal(got, expected[100:200])


@pytest.mark.parametrize(
    "cuts",
    [
        [0, 10, B - 1, B + 1, 2 * B, 2 * B + 5, 3 * B + 7],
        [0, B, 2 * B, 3 * B + 7],
        [0, 1, 2, 3 * B + 7],
        [0, 3 * B + 7],
    ],
)
def test_stream_slices_do_not_depend_on_the_split(cuts):
    """Uniforms of runs [0, n) are the same however [0, n) is cut, across block boundaries."""
    whole = stream_uniforms(3, "round.1", 0, 3 * B + 7)
    pieces = [stream_uniforms(3, "round.1", lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:])]
    assert np.array_equal(np.concatenate(pieces), whole)
    # a single run in the middle of the third block
    assert stream_uniforms(3, "round.1", 2 * B + 3, 2 * B + 4)[0] == whole[2 * B + 3]


def test_streams_differ_by_name_and_seed():
    """Different names or seeds give different uniforms; uniforms are in [0, 1)."""
    a = stream_uniforms(0, "round.1", 0, 1000)
    assert not np.array_equal(a, stream_uniforms(0, "round.2", 0, 1000))
    assert not np.array_equal(a, stream_uniforms(1, "round.1", 0, 1000))
    assert a.min() >= 0.0 and a.max() < 1.0


def assert_draws_equal(left: Draws, right: Draws) -> None:
    for field in ARRAY_FIELDS:
        assert np.array_equal(array(left, field), array(right, field)), field
    assert left.parameters.keys() == right.parameters.keys()
    for path in left.parameters:
        assert np.array_equal(left.parameters[path], right.parameters[path]), path


def concatenate(parts: list[Draws]) -> Draws:
    joined = [
        type(part)(*(np.concatenate([d.bundle[j][i] for d in parts]) for i in range(len(part))))
        for j, part in enumerate(parts[0].bundle)
    ]
    return Draws(
        start=parts[0].start,
        bundle=bundles.Draws(*joined),
        parameters={
            p: np.concatenate([d.parameters[p] for d in parts]) for p in parts[0].parameters
        },
    )


def test_draw_in_chunks_equals_draw_at_once(bundled_scenario):
    """draw() of [0, n) equals the concatenation of the draws of its chunks (across a block)."""
    scenario, protocol = bundled_scenario("lieven_2022"), Protocol(max_rounds=4)
    n = B + 1000
    whole = draw(scenario, protocol, 11, 0, n)
    parts = [
        draw(scenario, protocol, 11, lo, hi)
        for lo, hi in [(0, 5), (5, B - 1), (B - 1, B + 3), (B + 3, n)]
    ]
    assert [p.start for p in parts] == [0, 5, B - 1, B + 3]
    assert_draws_equal(concatenate(parts), whole)
    assert whole.n == n
    assert whole.events.u_round.shape == (n, 4)
    assert whole.actors.values.shape == (n, 4, 5, 3)
    assert whole.escalation.shifts.shape == (n, 5, 4)


def test_draws_run_is_one_run(bundled_scenario):
    """Draws.run(k) is the chunk's k-th run as a one-run chunk starting at start + k."""
    scenario, protocol = bundled_scenario("lieven_2022"), Protocol()
    chunk = draw(scenario, protocol, 5, 100, 110)
    one = chunk.run(3)
    assert one.start == 103 and one.n == 1
    assert_draws_equal(
        one, dataclasses.replace(draw(scenario, protocol, 5, 103, 104), parameters={})
    )


def test_draws_follow_the_priors(bundled_scenario):
    """Each array holds its prior's inverse CDF at its stream's (opened) uniforms."""
    scenario, protocol = bundled_scenario("lieven_2022"), Protocol()
    d = draw(scenario, protocol, 2, 0, 50)
    priors = scenario.priors()
    russia, items = 1, scenario.item_names
    r = priors["actors.russia.reservation"].ppf(
        open_uniforms(stream_uniforms(2, "actors.russia.reservation", 0, 50))
    )
    actors, escalation, events = d.actors, d.escalation, d.events
    assert np.array_equal(actors.reservation[:, russia], r)
    path = "actors.russia.values.nato_membership.permanent_ban"
    v = priors[path].ppf(open_uniforms(stream_uniforms(2, path, 0, 50)))
    assert np.array_equal(actors.values[:, russia, items.index("nato_membership"), 2], v)
    assert np.all(actors.values[:, :, :, 0] == 0.0)  # level 0 is worth 0
    assert np.all(actors.values[:, :, items.index("intermediate_missiles"), 2] == 0.0)  # padding
    t = stream_uniforms(2, "actors.russia.deadline", 0, 50)
    assert np.array_equal(
        actors.deadline[:, russia], np.ceil(priors["actors.russia.deadline"].ppf(open_uniforms(t)))
    )
    assert actors.deadline.dtype == np.int64
    assert np.array_equal(events.u_round[:, 2], stream_uniforms(2, "round.3", 0, 50))
    assert np.array_equal(events.u_deadline, stream_uniforms(2, "deadline", 0, 50))
    assert np.array_equal(events.u_spill, stream_uniforms(2, "spill", 0, 50))
    rung_li = 2  # limited_incursion
    path = "escalation.shifts.limited_incursion.russia"
    assert np.array_equal(
        escalation.shifts[:, rung_li, russia],
        priors[path].ppf(open_uniforms(stream_uniforms(2, path, 0, 50))),
    )
    assert np.all(escalation.shifts[:, :2] == 0.0)  # no shifts for diplomacy or the build-up
    # the same draws by path, for the outcome table
    assert np.array_equal(d.parameters["actors.russia.reservation"], r)
    assert np.array_equal(d.parameters[path], escalation.shifts[:, rung_li, russia])


def test_fixed_priors_draw_their_value(small_scenario):
    """In the all-fixed scenario every draw is the prior's value (the draws are known)."""
    d = draw(small_scenario, Protocol(max_rounds=3), 0, 0, 4)
    actors, escalation = d.actors, d.escalation
    assert np.array_equal(actors.salience, np.broadcast_to([1.0, 1.0, 2.0], (4, 4, 3)))
    assert np.array_equal(actors.reservation, np.full((4, 4), -1.0))
    assert np.array_equal(actors.opening_surplus, np.zeros((4, 4)))
    assert np.array_equal(actors.deadline, np.full((4, 4), 4))
    assert np.array_equal(actors.concession_exponent, np.ones((4, 4)))
    assert np.array_equal(actors.values[0, 1], [[0.0, 0.5, 1.0], [0.0, 0.5, 0.0], [0.0, 0.5, 0.0]])
    assert np.array_equal(escalation.beta0, np.full(4, -1000.0))
    assert np.array_equal(actors.ratifier_bias, np.zeros((4, 4)))
    assert np.array_equal(escalation.shifts, np.zeros((4, 5, 4)))  # no shifts given: 0
    assert d.events.u_round.shape == (4, 3)
    # no red lines: hold 0 and uniform 1 (never < hold); no aftermath: 0 periods, no uniforms
    assert np.array_equal(actors.red_lines_hold, np.zeros((4, 4, 3)))
    assert np.array_equal(d.events.u_red_line, np.ones((4, 4, 3)))
    assert np.array_equal(escalation.aftermath, np.zeros(4)) and escalation.aftermath.dtype == np.int64
    assert d.events.u_after.shape == (4, 0)


def test_changing_one_prior_changes_nothing_else(bundled_scenario_data):
    """Common random numbers: a new prior (or family) for one parameter leaves every other
    parameter array and every per-round, deadline and spill-over uniform unchanged."""
    data = bundled_scenario_data("lieven_2022")
    base = draw(scenario_from_dict(data), Protocol(), 9, 0, 3000)
    changed = "actors.russia.reservation"
    for new_prior in (
        {"dist": "uniform", "low": 0.3, "high": 0.5, "rationale": "r", "source": "s", "evidence": "assumption"},
        {
            "dist": "truncnormal",
            "mean": 0.1,
            "sd": 0.2,
            "low": -0.5,
            "high": 0.6,
            "rationale": "r",
            "source": "s",
            "evidence": "assumption",
        },
        {"dist": "fixed", "value": 0.2, "rationale": "r", "source": "s", "evidence": "assumption"},
    ):
        data["actors"]["russia"]["reservation"] = new_prior
        other = draw(scenario_from_dict(data), Protocol(), 9, 0, 3000)
        assert other.parameters.keys() == base.parameters.keys()
        for path in base.parameters:
            if path != changed:
                assert np.array_equal(other.parameters[path], base.parameters[path]), path
        assert not np.array_equal(other.parameters[changed], base.parameters[changed])
        for field in ARRAY_FIELDS:
            if field != ("actors", "reservation"):
                assert np.array_equal(array(other, field), array(base, field)), field
        assert np.array_equal(
            np.delete(other.actors.reservation, 1, axis=1),
            np.delete(base.actors.reservation, 1, axis=1),
        )
        assert not np.array_equal(other.actors.reservation[:, 1], base.actors.reservation[:, 1])


def test_fixed_to_random_prior_leaves_other_streams(scenario_dict, uniform_prior):
    """Turning a fixed prior into a random one draws only that prior's own stream."""
    base = draw(scenario_from_dict(scenario_dict), Protocol(), 4, 0, 200)
    scenario_dict["escalation"]["beta0"] = uniform_prior(-3.0, -2.0)
    other = draw(scenario_from_dict(scenario_dict), Protocol(), 4, 0, 200)
    for field in ARRAY_FIELDS:
        if field != ("escalation", "beta0"):
            assert np.array_equal(array(other, field), array(base, field)), field
    expected = -3.0 + open_uniforms(stream_uniforms(4, "escalation.beta0", 0, 200)) * 1.0
    assert np.array_equal(other.escalation.beta0, expected)


def test_more_rounds_leave_earlier_rounds_unchanged(bundled_scenario):
    """Raising max_rounds adds round streams; rounds 1..R and all parameters stay the same."""
    scenario = bundled_scenario("lieven_2022")
    short = draw(scenario, Protocol(max_rounds=3), 1, 0, 500)
    long = draw(scenario, Protocol(max_rounds=12), 1, 0, 500)
    assert np.array_equal(long.events.u_round[:, :3], short.events.u_round)
    assert long.events.u_round.shape == (500, 12)
    for field in ARRAY_FIELDS:
        if field != ("events", "u_round"):
            assert np.array_equal(array(long, field), array(short, field)), field


def test_ultimatum_forces_every_deadline_to_one(bundled_scenario):
    """Under the ultimatum every actor's deadline is 1 (aspiration = reservation); nothing
    else changes."""
    scenario = bundled_scenario("lieven_2022")
    ultimatum = draw(scenario, Protocol("ultimatum", max_rounds=1), 6, 0, 1000)
    single = draw(scenario, Protocol(max_rounds=1), 6, 0, 1000)
    assert np.array_equal(ultimatum.actors.deadline, np.ones((1000, 4), dtype=np.int64))
    assert ultimatum.actors.deadline.dtype == np.int64
    assert not np.array_equal(single.actors.deadline, ultimatum.actors.deadline)
    for actor in scenario.actor_names:
        assert np.array_equal(ultimatum.parameters[f"actors.{actor}.deadline"], np.ones(1000))
    for field in ARRAY_FIELDS:
        if field != ("actors", "deadline"):
            assert np.array_equal(array(ultimatum, field), array(single, field)), field


def test_red_line_and_aftermath_draws(scenario_dict, fixed_prior):
    """Each declared red line has its hold (1 when no prior is given) and its own uniform
    stream ``actors.<actor>.red_lines.<item>``; every other (actor, item) holds 0 and 1. The
    aftermath's K is drawn from its integer prior (uniform_integer on 1..3: low +
    floor(u * 3)) and each of the K_max = 3 periods has its climb stream ``aftermath.<p>``."""
    us, ukraine, beta, gamma = 0, 2, 1, 2
    scenario_dict["actors"]["us"]["red_lines"] = {"beta": {"levels": ["b1"], "hold": fixed_prior(0.5)}}
    scenario_dict["actors"]["ukraine"]["red_lines"] = {"gamma": {"levels": ["g1"]}}
    scenario_dict["escalation"]["aftermath"] = {
        "dist": "uniform_integer", "low": 1, "high": 3, "rationale": "test", "source": "test",
        "evidence": "assumption",
    }  # fmt: skip
    d = draw(scenario_from_dict(scenario_dict), Protocol(), 4, 0, 200)
    hold = np.zeros((200, 4, 3))
    hold[:, us, beta], hold[:, ukraine, gamma] = 0.5, 1.0
    assert np.array_equal(d.actors.red_lines_hold, hold)
    u = np.ones((200, 4, 3))
    u[:, us, beta] = stream_uniforms(4, "actors.us.red_lines.beta", 0, 200)
    u[:, ukraine, gamma] = stream_uniforms(4, "actors.ukraine.red_lines.gamma", 0, 200)
    assert np.array_equal(d.events.u_red_line, u)
    k = 1 + np.floor(open_uniforms(stream_uniforms(4, "escalation.aftermath", 0, 200)) * 3)
    assert d.escalation.aftermath.dtype == np.int64 and np.array_equal(d.escalation.aftermath, k)
    assert set(d.escalation.aftermath.tolist()) == {1, 2, 3}
    assert d.events.u_after.shape == (200, 3)
    for period in (1, 2, 3):
        assert np.array_equal(d.events.u_after[:, period - 1], stream_uniforms(4, f"aftermath.{period}", 0, 200))
    by_path = {"actors.us.red_lines.beta.hold", "actors.ukraine.red_lines.gamma.hold", "escalation.aftermath"}
    assert by_path <= set(d.parameters)


def test_every_entry_is_its_prior_at_its_stream(bundled_scenario_data):
    """The compiled sampler against the definition, entry by entry: each parameter entry is
    its prior's inverse CDF at its own stream's opened uniform (every family, scipy's beta
    included), the entries without a prior hold the default, and each event array holds its
    stream as drawn; over a chunk that starts inside one block, spans the next and ends in a
    third, off a tile of the fill (the definition here is the plain one: one stream, one
    ``ppf``, per path)."""
    from sim.parameters import owned_by
    from sim.sampling import TILE, instances

    data = bundled_scenario_data("lieven_2022")
    escalation = data["escalation"]
    escalation["beta0"] = {**escalation["beta0"], "dist": "normal", "mean": -3.0, "sd": 0.4}
    for key in ("low", "high"):
        escalation["beta0"].pop(key)
    reservation = data["actors"]["russia"]["reservation"]
    data["actors"]["russia"]["reservation"] = {**reservation, "dist": "beta", "a": 2.0, "b": 3.0}
    scenario, protocol = scenario_from_dict(data), Protocol(max_rounds=4)
    families = {prior.dist for prior in scenario.priors().values()}
    assert {"uniform", "uniform_integer", "normal", "truncnormal", "beta", "fixed"} <= families
    seed, start, stop = 4, B - 7, 2 * B + 3 * TILE + 11
    d, priors = draw(scenario, protocol, seed, start, stop), scenario.priors()

    def defined(path: str) -> np.ndarray:
        return priors[path].ppf(open_uniforms(stream_uniforms(seed, path, start, stop)))

    for owner, part in (("actors", d.actors), ("escalation", d.escalation)):
        for parameter in owned_by(owner):
            values = getattr(part, parameter.name)
            assert values.flags["C_CONTIGUOUS"]  # one run's draws lie together
            expected = np.full(values.shape, parameter.default, dtype=np.float64)
            for path, index in instances(parameter, scenario):
                if path in priors:
                    expected[(slice(None), *index)] = defined(path)
                    assert np.array_equal(d.parameters[path], expected[(slice(None), *index)])
            if parameter.whole:
                expected = np.ceil(expected)
            assert np.array_equal(values, expected), parameter.path
    for t in range(1, protocol.max_rounds + 1):
        assert np.array_equal(d.events.u_round[:, t - 1], stream_uniforms(seed, f"round.{t}", start, stop))
    assert np.array_equal(d.events.u_spill, stream_uniforms(seed, "spill", start, stop))
    assert list(d.parameters) == list(priors)


def test_recycled_memory_gives_the_same_draws(bundled_scenario):
    """Drawing into an earlier chunk's memory (the Monte Carlo loop's ``recycle``) writes
    every entry: poisoned with NaN first, the recycled draws equal fresh ones, arrays and
    parameters; a larger chunk than the recycled one gets new memory."""
    scenario, protocol = bundled_scenario("lieven_2022"), Protocol()
    old = draw(scenario, protocol, 1, 0, 300)
    for values in old.floats:
        values.fill(np.nan)
    again = draw(scenario, protocol, 1, 1000, 1250, recycle=old)
    assert all(np.shares_memory(new, used) for new, used in zip(again.floats, old.floats))
    fresh = draw(scenario, protocol, 1, 1000, 1250)
    assert_draws_equal(again, fresh)
    assert all(np.array_equal(again.parameters[path], fresh.parameters[path]) for path in fresh.parameters)
    bigger = draw(scenario, protocol, 1, 0, 301, recycle=again)
    assert not any(np.shares_memory(new, used) for new, used in zip(bigger.floats, old.floats))
