"""The pure numerical core (sim.core.decisions), against values computed by hand.

Most numbers are dyadic (sums of powers of two), so float64 arithmetic is exact and the
tests assert with ``==``. The running example is the small scenario of ``tests/conftest.py``:
items alpha (3 levels), beta (2), gamma (2); salience weights (1, 1, 2) -> s = (1/4, 1/4, 1/2).
The mediator's rank and amendment live with their protocol (tests/core/protocols/), the round
that calls these decisions in tests/core/test_round.py.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.core import decisions as d
from sim.core.enums import RoundOutcome, Status
from sim.protocols import Protocol
from sim.sampling import draw

US, RUSSIA, UKRAINE, ALLIES = range(4)
WEIGHTS = np.array([1.0, 1.0, 2.0])  # s = (0.25, 0.25, 0.5)
# values[actor, item, level]; level 0 is worth 0, padding levels 0
VALUES = np.array(
    [
        [[0.0, -0.25, -1.0], [0.0, -0.5, 0.0], [0.0, -0.5, 0.0]],  # us
        [[0.0, 0.5, 1.0], [0.0, 0.5, 0.0], [0.0, 0.5, 0.0]],  # russia
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1.0, 0.0]],  # ukraine
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],  # nato_allies
    ]
)
N_LEVELS = np.array([3, 2, 2], dtype=np.int64)
EVERY_TEXT = np.array([True, True, False, False])
VETO = np.array([[False] * 3, [False] * 3, [False, False, True], [False, True, False]])
RATIFY = np.array([[False, True, False], [False] * 3, [False, False, True], [False, True, False]])


def package(*levels: int) -> np.ndarray:
    return np.array(levels, dtype=np.int64)


@pytest.fixture(scope="module")
def contributions() -> np.ndarray:
    """c[a, i, l] = s_i * v[a, i, l]:
    us     alpha (0, -0.0625, -0.25)  beta (0, -0.125)  gamma (0, -0.25)
    russia alpha (0,  0.125,   0.25)  beta (0,  0.125)  gamma (0,  0.25)
    ukraine gamma (0, -0.5); nato_allies all 0."""
    return np.stack([d.item_contributions(VALUES[a], WEIGHTS) for a in range(4)])


def tables(contributions, n_levels, every_text, veto):
    """(utilities[a, p], asked[a, p], strides) for every package of the items."""
    packages = np.array(list(itertools.product(*(range(k) for k in n_levels))), dtype=np.int64)
    utilities = np.stack(
        [d.utility_table(c, n_levels, np.empty(len(packages))) for c in contributions]
    )
    return utilities, d.must_accept_table(every_text, veto, packages), d.package_strides(n_levels)


# --- utility ---------------------------------------------------------------------------


def test_item_contributions_normalise_salience(contributions):
    """Weights (1, 1, 2) sum to 4: s = (0.25, 0.25, 0.5), and c = s * v level by level."""
    assert contributions[US].tolist() == [
        [0.0, -0.0625, -0.25],
        [0.0, -0.125, 0.0],
        [0.0, -0.25, 0.0],
    ]
    assert contributions[RUSSIA].tolist() == [
        [0.0, 0.125, 0.25],
        [0.0, 0.125, 0.0],
        [0.0, 0.25, 0.0],
    ]
    assert contributions[UKRAINE].tolist() == [[0.0] * 3, [0.0] * 3, [0.0, -0.5, 0.0]]


def test_item_contributions_sum_weights_left_to_right():
    """s_i = w_i / ((w_1 + w_2) + w_3): (0.1 + 0.2) + 0.3 = 0.6000000000000001, not 0.6."""
    values = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    weights = np.array([0.1, 0.2, 0.3])
    out = d.item_contributions(values, weights)
    total = (0.1 + 0.2) + 0.3
    assert out[:, 1].tolist() == [0.1 / total, 0.2 / total, 0.3 / total]
    assert 0.1 / total != 0.1 / (0.1 + (0.2 + 0.3))  # the order is observable


def test_item_contributions_scale_invariance():
    """Multiplying every weight by 2^k changes nothing (normalisation)."""
    values = VALUES[US]
    assert np.array_equal(
        d.item_contributions(values, WEIGHTS * 8.0), d.item_contributions(values, WEIGHTS)
    )
    # a single positive weight takes all: s = (0, 1, 0)
    out = d.item_contributions(values, np.array([0.0, 3.0, 0.0]))
    assert out.tolist() == [[0.0, -0.0, -0.0], [0.0, -0.5, 0.0], [0.0, -0.0, 0.0]]


def test_utility_sums_in_item_order(contributions):
    """U_us(a2, b1, g1) = -0.25 - 0.125 - 0.25 = -0.625; U_russia(a1, b0, g1) = 0.125 + 0 + 0.25."""
    assert d.utility(contributions[US], package(2, 1, 1)) == -0.625
    assert d.utility(contributions[RUSSIA], package(1, 0, 1)) == 0.375
    assert d.utility(contributions[UKRAINE], package(2, 1, 0)) == 0.0
    assert d.utility(contributions[US], package(0, 0, 0)) == 0.0
    # (0.1 + 0.2) + 0.3 = 0.6000000000000001: left to right, in item order
    c = np.array([[0.0, 0.1], [0.0, 0.2], [0.0, 0.3]])
    assert d.utility(c, package(1, 1, 1)) == 0.6000000000000001


# --- aspiration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "e, expected",
    [
        # e = 1 (linear): r + h (1 - t/T) = 0.25 + 0.5 * (0.75, 0.5, 0.25)
        (1.0, [0.625, 0.5, 0.375]),
        # e = 1/2 (Boulware): (t/T)^2 = 1/16, 1/4, 9/16 -> 0.25 + 0.5 * (15/16, 3/4, 7/16)
        (0.5, [0.71875, 0.625, 0.46875]),
        # e = 2 (Conceder): (t/T)^(1/2) = 0.5, sqrt(0.5), sqrt(0.75)
        (
            2.0,
            [
                0.5,
                0.25 + 0.5 * (1.0 - math.pow(0.5, 0.5)),
                0.25 + 0.5 * (1.0 - math.pow(0.75, 0.5)),
            ],
        ),
    ],
)
def test_aspiration_before_the_deadline(e, expected):
    """asp(t) = r + h (1 - (t/T)^(1/e)) for t < T (r = 0.25, h = 0.5, T = 4)."""
    assert [d.aspiration(0.25, 0.5, 4, e, t) for t in (1, 2, 3)] == expected


@pytest.mark.parametrize("e", [0.5, 1.0, 2.0])
def test_aspiration_at_and_after_the_deadline(e):
    """asp(t) = r from t = T on, whatever the exponent."""
    assert [d.aspiration(0.25, 0.5, 4, e, t) for t in (4, 5, 12)] == [0.25, 0.25, 0.25]
    assert d.aspiration(-0.3, 0.7, 1, e, 1) == -0.3  # T = 1 (the ultimatum): asp = r at once


def test_boulware_holds_out_longer_than_conceder():
    """For the same r, h, T, a Boulware actor (e < 1) aspires higher than a Conceder (e > 1)
    in every round before the deadline: 0.71875 > 0.5, 0.625 > 0.396..., 0.46875 > 0.316..."""
    for t in (1, 2, 3):
        assert (
            d.aspiration(0.25, 0.5, 4, 0.5, t)
            > d.aspiration(0.25, 0.5, 4, 1.0, t)
            > d.aspiration(0.25, 0.5, 4, 2.0, t)
        )


def test_aspiration_without_surplus_is_the_reservation():
    """h = 0: asp(t) = r in every round."""
    assert [d.aspiration(-0.125, 0.0, 6, 0.7, t) for t in range(1, 8)] == [-0.125] * 7


# --- acceptance and who must say yes ---------------------------------------------------


def test_accepts_at_the_boundary():
    """An actor accepts iff U >= asp: equality accepts, one ulp below refuses."""
    assert d.accepts(0.5, 0.5)
    assert d.accepts(0.5000000000000001, 0.5)
    assert not d.accepts(np.nextafter(0.5, 0.0), 0.5)
    assert not d.accepts(-0.25, -0.125)


def test_must_accept():
    """Actors who must accept every text are always asked; the others only when the text is
    off level 0 on one of their veto items."""
    veto = np.array([False, True, False])
    assert d.must_accept(True, veto, package(0, 0, 0))
    assert d.must_accept(True, np.zeros(3, dtype=np.bool_), package(0, 0, 0))
    assert not d.must_accept(False, veto, package(0, 0, 0))
    assert not d.must_accept(False, veto, package(2, 0, 1))
    assert d.must_accept(False, veto, package(0, 1, 0))
    assert not d.must_accept(False, np.zeros(3, dtype=np.bool_), package(2, 1, 1))


# --- escalation --------------------------------------------------------------------------


def test_sigmoid_values():
    """sigma(0) = 1/2, sigma(log 3) = 1/(1 + 1/3) = 3/4, saturation at +-1000."""
    assert d.sigmoid(0.0) == 0.5
    assert d.sigmoid(math.log(3.0)) == pytest.approx(0.75, abs=1e-16)
    assert d.sigmoid(1000.0) == 1.0
    assert d.sigmoid(-700.0) == 1.0 / (1.0 + math.exp(700.0))  # tiny but not 0
    assert d.sigmoid(-700.0) > 0.0


@pytest.mark.parametrize("z", [-710.0, -745.0, -1000.0, -1e308])
def test_sigmoid_is_zero_where_exp_overflows(z):
    """exp(-z) overflows for z < -709.78: sigma = 0 there (no error, no NaN)."""
    with pytest.raises(OverflowError):
        math.exp(-z)
    assert d.sigmoid(z) == 0.0


def test_sigmoid_is_the_formula_wherever_exp_is_finite():
    """Where exp(-z) is finite, sigma(z) = 1/(1 + exp(-z)) exactly (DESIGN.md)."""
    assert d.sigmoid(-709.5) == 1.0 / (1.0 + math.exp(709.5))


def test_escalation_probability():
    """sigma(beta0 + beta_gap * gap + beta_time * min(1, t/T)):
    -2 + 4 * 0.25 + 1 * (2/4) = -0.5;  after the deadline -2 + 1 + 1 * min(1, 6/4) = 0 -> 1/2."""
    assert d.escalation_probability(-2.0, 4.0, 1.0, 0.25, 2, 4) == 1.0 / (1.0 + math.exp(0.5))
    assert d.escalation_probability(-2.0, 4.0, 1.0, 0.25, 6, 4) == 0.5
    assert d.escalation_probability(-1000.0, 0.0, 0.0, 0.9, 3, 4) == 0.0
    assert d.escalation_probability(1000.0, 0.0, 0.0, -0.9, 3, 4) == 1.0


def test_rungs_to_climb():
    """One rung iff u_t < p; one more in the deadline round iff u_deadline < p_deadline."""
    assert d.rungs_to_climb(0.3, 0.5, 2, 4, 0.1, 0.5) == 1  # not the deadline round
    assert d.rungs_to_climb(0.5, 0.5, 2, 4, 0.1, 0.5) == 0  # u = p: no climb (strict <)
    assert d.rungs_to_climb(0.3, 0.5, 4, 4, 0.1, 0.5) == 2  # deadline round, both draws
    assert d.rungs_to_climb(0.7, 0.5, 4, 4, 0.1, 0.5) == 1  # deadline draw alone
    assert d.rungs_to_climb(0.3, 0.5, 4, 4, 0.5, 0.5) == 1  # u_deadline = p_deadline: no
    assert d.rungs_to_climb(0.3, 0.5, 5, 4, 0.0, 1.0) == 1  # after the deadline round: no draw
    assert d.rungs_to_climb(0.0, 0.0, 4, 4, 0.0, 0.0) == 0  # zero probabilities never fire


SHIFTS = np.array(
    [
        [0.0, 0.0, 0.0, 0.0],  # diplomacy (never shifts)
        [-1.0, -1.0, -1.0, -1.0],  # coercive build-up
        [-0.0625, -0.125, -0.25, -0.03125],  # limited incursion
        [-0.125, -0.25, -0.5, -0.0625],  # full-scale invasion
        [-0.5, -0.5, -0.5, -0.5],  # NATO-Russia clash
    ]
)


def climb(rung, steps, start=1, u_spill=0.9, p_spill=0.5, keep=False):
    reservations = np.zeros(4)
    rung, ends = d.climb(rung, steps, start, reservations, SHIFTS, u_spill, p_spill, keep)
    return rung, ends, reservations.tolist()


def test_climb_one_rung_shifts_reservations():
    """1 -> 2: shift[2] added to every reservation; talks go on."""
    assert climb(1, 1) == (2, False, [-0.0625, -0.125, -0.25, -0.03125])


def test_climb_no_steps():
    """Zero steps: nothing changes."""
    assert climb(1, 0) == (1, False, [0.0] * 4)


def test_climb_two_rungs_to_war():
    """1 -> 3 in one round: shift[2] + shift[3]; no spill-over (0.9 >= 0.5): war, talks end."""
    assert climb(1, 2) == (3, True, [-0.1875, -0.375, -0.75, -0.09375])


def test_climb_stops_at_full_scale_invasion():
    """2 -> 3 with two steps: the climb stops at 3 (shift[3] only, never shift[4])."""
    assert climb(2, 2) == (3, True, [-0.125, -0.25, -0.5, -0.0625])


def test_climb_spills_over_to_rung_4():
    """u_spill < p_spillover on first reaching 3: rung 4, shift[3] + shift[4], talks end."""
    assert climb(2, 1, u_spill=0.1) == (4, True, [-0.625, -0.75, -1.0, -0.5625])
    assert climb(2, 1, u_spill=0.5, p_spill=0.5) == (
        3,
        True,
        [-0.125, -0.25, -0.5, -0.0625],
    )  # strict <


def test_climb_keep_talking_after_invasion():
    """continue_after_invasion: rung 3 does not end the talks, and there is no further climb."""
    assert climb(2, 1, keep=True) == (3, False, [-0.125, -0.25, -0.5, -0.0625])
    assert climb(3, 2, keep=True) == (3, False, [0.0] * 4)
    # a spill-over still ends them
    assert climb(2, 1, u_spill=0.1, keep=True) == (4, True, [-0.625, -0.75, -1.0, -0.5625])


def test_climb_shifts_only_above_the_starting_rung():
    """Rungs at or below the starting rung add no shift: 0 -> 2 from start 1 adds shift[2] only."""
    assert climb(0, 2, start=1) == (2, False, [-0.0625, -0.125, -0.25, -0.03125])
    assert climb(0, 2, start=2) == (2, False, [0.0] * 4)


# --- package numbers and utility tables -------------------------------------------------


def test_package_numbers_run_last_item_fastest():
    """Items with 3, 2, 2 levels: strides (4, 2, 1); (2, 1, 0) is package 2*4 + 1*2 + 0 = 10."""
    strides = d.package_strides(N_LEVELS)
    assert strides.tolist() == [4, 2, 1]
    assert d.package_index(package(2, 1, 0), strides) == 10
    assert d.package_index(package(0, 0, 0), strides) == 0
    assert d.package_index(package(2, 1, 1), strides) == 11


@settings(max_examples=60, deadline=None)
@given(
    n_levels=st.lists(st.integers(1, 5), min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_utility_table_equals_utility_bit_for_bit(n_levels, seed):
    """The prefix-sharing table holds exactly the floats ``utility`` computes, package by
    package (same additions in the same order), for any number of items and levels."""
    n_levels = np.array(n_levels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    c = rng.uniform(-1, 1, (len(n_levels), int(n_levels.max())))
    packages = list(itertools.product(*(range(k) for k in n_levels)))
    table = d.utility_table(c, n_levels, np.full(len(packages), np.nan))
    expected = [d.utility(c, np.array(p, dtype=np.int64)) for p in packages]
    assert table.tolist() == expected


def test_utility_tables_bit_for_bit_with_utility(bundled_scenario):
    """``utility_tables`` (what the package explorer and the optimiser read) holds, for every
    run, actor and package, exactly the float ``utility(item_contributions(v, w), x)``: the
    sampled draws of 40 runs of the flagship scenario (108 packages)."""
    scenario = bundled_scenario("lieven_2022")
    draws = draw(scenario, Protocol(), 11, 100, 140)
    actors = draws.actors
    tables_ = d.utility_tables(actors.values, actors.salience, scenario.n_levels)
    assert tables_.shape == (40, len(scenario.actors), 108) == (draws.n, 4, len(scenario.packages))
    for k in range(draws.n):
        for a in range(len(scenario.actors)):
            c = d.item_contributions(actors.values[k, a], actors.salience[k, a])
            expected = [d.utility(c, x) for x in scenario.packages]
            assert tables_[k, a].tolist() == expected, (k, a)
    # not vacuous: the runs' tables differ (random priors), and a table is not constant
    assert not np.array_equal(tables_[0], tables_[1])
    assert len(np.unique(tables_[0, RUSSIA])) > 10


def test_utility_tables_by_hand():
    """Two runs of the small scenario (the second with every weight doubled: the same
    saliences): Russia's row is the hand-computed RUSSIA_UTILITIES, Ukraine's -1/2 exactly on
    the g1 packages (odd numbers)."""
    weights = np.broadcast_to(WEIGHTS, (2, 4, 3)).copy()
    weights[1] *= 2.0
    out = d.utility_tables(np.stack([VALUES, VALUES]), weights, N_LEVELS)
    assert out.shape == (2, 4, 12)
    assert out[0, RUSSIA].tolist() == out[1, RUSSIA].tolist() == RUSSIA_UTILITIES
    assert out[0, UKRAINE].tolist() == [-0.5 if p % 2 else 0.0 for p in range(12)]
    assert out[0, US, 11] == -0.625 and out[0, ALLIES].tolist() == [0.0] * 12


def test_must_accept_table(contributions):
    """asked[a, p] = must_accept for every package: the US and Russia always; Ukraine when
    gamma is off 0 (packages with g = 1: odd numbers); the allies when beta is off 0."""
    _, asked, _ = tables(contributions, N_LEVELS, EVERY_TEXT, VETO)
    assert asked[US].all() and asked[RUSSIA].all()
    assert asked[UKRAINE].tolist() == [p % 2 == 1 for p in range(12)]
    assert asked[ALLIES].tolist() == [(p // 2) % 2 == 1 for p in range(12)]


# --- ratification and status -------------------------------------------------------------


PACKAGES = np.array(list(itertools.product(range(3), range(2), range(2))), dtype=np.int64)
STRIDES = d.package_strides(N_LEVELS)  # packages numbered 4a + 2b + g


def crossing(red_lines, text):
    """``crosses[:, p]`` of ``text`` (``crossings_table``) for the held red lines
    ``red_lines``, (actor, item, level) triples."""
    levels = np.zeros((4, 3, 3), dtype=np.bool_)
    held = np.zeros((4, 3), dtype=np.bool_)
    for a, i, level in red_lines:
        levels[a, i, level] = held[a, i] = True
    table = d.crossings_table(held, levels, PACKAGES, np.zeros((4, len(PACKAGES)), dtype=np.bool_))
    return table[:, d.package_index(text, STRIDES)]


def first_refusal(contributions, reservations, biases, text, red_lines=()):
    """The first refusing ratifier of ``text``, as the round asks: whose ratifier votes on it
    (``votes_table`` of RATIFY) and whose held red lines it crosses."""
    votes = d.votes_table(RATIFY, PACKAGES)
    return d.first_ratification_refusal(
        np.array([d.utility(c, text) for c in contributions]),
        np.asarray(reservations, dtype=np.float64),
        np.asarray(biases, dtype=np.float64),
        votes[:, d.package_index(text, STRIDES)],
        crossing(red_lines, text),
    )


def test_votes_table():
    """votes[a, p]: a's ratifier votes iff the package is off level 0 on one of its items:
    the US (beta) and the allies (beta) on packages with b = 1, Ukraine (gamma) on odd
    numbers, Russia (no ratifier) never."""
    votes = d.votes_table(RATIFY, PACKAGES)
    assert votes.dtype == np.bool_ and votes.shape == (4, 12)
    assert votes[US].tolist() == votes[ALLIES].tolist() == [(p // 2) % 2 == 1 for p in range(12)]
    assert votes[UKRAINE].tolist() == [p % 2 == 1 for p in range(12)]
    assert not votes[RUSSIA].any()


def test_ratifiers_vote_only_on_their_items(contributions):
    """(a1, b0, g0) touches no ratifier item (us: beta, ukraine: gamma, allies: beta): no vote,
    however high the reservations."""
    assert first_refusal(contributions, [0.5, 0.5, 0.5, 0.5], [0.0] * 4, package(1, 0, 0)) == -1


def test_ratifiers_approve_at_equality(contributions):
    """(a1, b1, g0): us U + b = -0.1875 >= -0.25; allies 0 + 0 >= 0 (equality approves)."""
    assert first_refusal(contributions, [-0.25, 0.0, -0.25, 0.0], [0.0] * 4, package(1, 1, 0)) == -1
    # a bias of -2^-10 makes the allies refuse: 0 - 2^-10 < 0
    assert (
        first_refusal(
            contributions, [-0.25, 0.0, -0.25, 0.0], [0.0, 0.0, 0.0, -(2.0**-10)], package(1, 1, 0)
        )
        == 3
    )


def test_first_refusing_ratifier_in_actor_order(contributions):
    """(a0, b1, g1): us -0.375 < -0.25 and ukraine -0.5 < -0.25 both refuse: the US is first;
    with a US bias of 0.125 (-0.375 + 0.125 = -0.25 >= -0.25) Ukraine is."""
    r = [-0.25, 0.0, -0.25, -1.0]
    assert first_refusal(contributions, r, [0.0] * 4, package(0, 1, 1)) == 0
    assert first_refusal(contributions, r, [0.125, 0.0, 0.0, 0.0], package(0, 1, 1)) == 2


def test_a_ratifier_refuses_a_text_across_a_held_red_line(contributions):
    """(a1, b1, g0) is approved at equality (above); a held US red line on b1 makes the Senate
    refuse it whatever the utility (-0.1875 >= -0.25): the US; one of the allies on b1: the
    allies. A red line on a level the text does not take (a2) changes nothing, and neither
    does one crossed where the ratifier does not vote: the Senate votes on beta only, so on
    (a1, b0, g0) a US red line on a1 sends nothing to it."""
    r, b = [-0.25, 0.0, -0.25, 0.0], [0.0] * 4
    assert first_refusal(contributions, r, b, package(1, 1, 0), red_lines=[(US, 1, 1)]) == US
    assert first_refusal(contributions, r, b, package(1, 1, 0), red_lines=[(ALLIES, 1, 1)]) == ALLIES
    assert first_refusal(contributions, r, b, package(1, 1, 0), red_lines=[(US, 0, 2)]) == -1
    assert first_refusal(contributions, r, b, package(1, 0, 0), red_lines=[(US, 0, 1)]) == -1


@pytest.mark.parametrize(
    "u, b, r, crosses, refuses",
    [
        (-0.1875, 0.0, -0.25, False, False),
        (-0.25, 0.0, -0.25, False, False),  # equality approves
        (-0.1875, -0.125, -0.25, False, True),  # -0.3125 < -0.25
        (0.5, 0.0, -1.0, True, True),  # across a held red line, whatever the utility
    ],
)
def test_ratifier_refuses(u, b, r, crosses, refuses):
    assert d.ratifier_refuses(u, b, r, crosses) is refuses


@pytest.mark.parametrize(
    "u, hold, holds",
    [(0.25, 0.5, True), (0.5, 0.5, False), (1.0 - 2.0**-53, 1.0, True), (0.0, 0.0, False)],
)
def test_red_line_holds_iff_u_below_hold(u, hold, holds):
    """u < hold: hold 1 binds for every uniform in [0, 1), hold 0 never."""
    assert d.red_line_holds(u, hold) is holds


def test_crossings_table():
    """crosses[a, p] iff package p takes a level one of a's held red lines rules out. The US
    rules out a2 (packages 8-11); Ukraine a1 and g1 (a package crosses if it takes either);
    the allies rule out b1 but theirs does not bind in this run; Russia has none."""
    levels = np.zeros((4, 3, 3), dtype=np.bool_)
    levels[US, 0, 2] = levels[UKRAINE, 0, 1] = levels[UKRAINE, 2, 1] = levels[ALLIES, 1, 1] = True
    held = np.array([[True, False, False], [False] * 3, [True, False, True], [False] * 3])
    out = np.ones((4, 12), dtype=np.bool_)  # every entry is written
    assert d.crossings_table(held, levels, PACKAGES, out) is out
    assert out[US].tolist() == [p >= 8 for p in range(12)]
    assert not out[RUSSIA].any() and not out[ALLIES].any()
    assert out[UKRAINE].tolist() == [p // 4 == 1 or p % 2 == 1 for p in range(12)]
    held[ALLIES, 1] = True
    d.crossings_table(held, levels, PACKAGES, out)
    assert out[ALLIES].tolist() == [(p // 2) % 2 == 1 for p in range(12)]


@pytest.mark.parametrize(
    "outcome, rung, status",
    [
        (RoundOutcome.AGREED, 1, Status.AGREEMENT),
        (RoundOutcome.AGREED, 3, Status.AGREEMENT),  # after a war, with continue_after_invasion
        (RoundOutcome.RATIFICATION_FAILED, 3, Status.RATIFICATION_FAILED),
        (RoundOutcome.RATIFICATION_FAILED, 1, Status.RATIFICATION_FAILED),
        (RoundOutcome.TALKS_ENDED, 4, Status.NATO_RUSSIA_WAR),
        (RoundOutcome.TALKS_ENDED, 3, Status.WAR),
        (RoundOutcome.LAST_ROUND, 3, Status.WAR),  # max_rounds after a war (keep talking)
        (RoundOutcome.LAST_ROUND, 2, Status.LIMITED_ESCALATION),
        (RoundOutcome.LAST_ROUND, 1, Status.STALEMATE),
        (RoundOutcome.LAST_ROUND, 0, Status.STALEMATE),
    ],
)
def test_run_status(outcome, rung, status):
    """Statuses in DESIGN.md's order: agreement, ratification_failed, rung 4, 3, 2, else;
    a Status member, also for a plain int outcome (as stored in a RoundResult)."""
    got = d.run_status(outcome, rung)
    assert got == status and type(got) is Status
    assert d.run_status(int(outcome), rung) == status


# --- properties --------------------------------------------------------------------------

unit = st.floats(-1.0, 1.0, allow_nan=False)


@st.composite
def actor_tables(draw):
    n_items = draw(st.integers(1, 5))
    n_max = draw(st.integers(2, 4))
    values = draw(hnp.arrays(np.float64, (n_items, n_max), elements=unit))
    values[:, 0] = 0.0
    weights = draw(hnp.arrays(np.float64, n_items, elements=st.floats(0.0, 1e6, allow_nan=False)))
    assume(weights.sum() > 0.0)
    levels = draw(hnp.arrays(np.int64, n_items, elements=st.integers(0, n_max - 1)))
    return values, weights, levels


@settings(max_examples=300, deadline=None)
@given(actor_tables())
def test_utility_stays_in_the_unit_interval(table):
    """With values in [-1, 1] and normalised salience, -1 <= U(x) <= 1 for every package, up to
    the rounding of DESIGN.md's float formula (a few ulps per item, see the next test)."""
    values, weights, levels = table
    u = d.utility(d.item_contributions(values, weights), levels)
    bound = 1.0 + 4 * len(weights) * np.finfo(np.float64).eps
    assert -bound <= u <= bound
    if np.all(np.abs(values) <= 0.5):
        assert -1.0 < u < 1.0


def test_utility_can_round_one_ulp_above_one():
    """The exact float recipe (s_i = w_i / sum w, then sum s_i v_i) may exceed 1 by an ulp:
    weights (5.4, 2.8), both values 1: 5.4/8.2 + 2.8/8.2 = 1 + 2^-52. Not a model error; this
    pins the behaviour so that nobody relies on U <= 1 exactly."""
    values = np.array([[0.0, 1.0], [0.0, 1.0]])
    u = d.utility(d.item_contributions(values, np.array([5.4, 2.8])), package(1, 1))
    assert u == 1.0 + 2.0**-52


@settings(max_examples=300, deadline=None)
@given(
    r=unit,
    h=st.floats(0.0, 2.0, allow_nan=False),
    deadline=st.integers(1, 40),
    e=st.floats(0.05, 20.0, allow_nan=False),
)
def test_aspiration_falls_to_the_reservation(r, h, deadline, e):
    """asp(t) is non-increasing in t, never below r, and equals r at and after the deadline."""
    path = [d.aspiration(r, h, deadline, e, t) for t in range(1, deadline + 4)]
    assert all(later <= earlier for earlier, later in zip(path, path[1:]))
    assert all(a >= r for a in path)
    assert path[deadline - 1 :] == [r] * 4


# Russia's utility of each of the 12 packages (4a + 2b + g) of the small scenario:
# c_alpha (0, 1/8, 1/4) + c_beta (0, 1/8) + c_gamma (0, 1/4)
RUSSIA_UTILITIES = [0.0, 0.25, 0.125, 0.375, 0.125, 0.375, 0.25, 0.5, 0.25, 0.5, 0.375, 0.625]


@pytest.mark.parametrize(
    "aspiration_now, accepted",
    [
        (0.375, [3, 5, 7, 9, 10, 11]),  # U = 0.375 exactly accepts
        (np.nextafter(0.375, 1.0), [7, 9, 11]),  # one ulp above: the 0.375 packages refuse
        (0.625, [11]),
        (np.nextafter(0.625, 1.0), []),
        (0.0, list(range(12))),
        (-0.125, list(range(12))),
    ],
)
def test_accepted_packages_at_an_aspiration(contributions, aspiration_now, accepted):
    """The packages Russia accepts at a given aspiration, by hand (U_R listed above): exactly
    those whose utility reaches it. The table's utilities are checked against the hand values
    first, so a wrong table cannot pass."""
    utilities, _, _ = tables(contributions, N_LEVELS, EVERY_TEXT, VETO)
    assert utilities[RUSSIA].tolist() == RUSSIA_UTILITIES
    got = [p for p in range(12) if d.accepts(utilities[RUSSIA, p], aspiration_now)]
    assert got == accepted
