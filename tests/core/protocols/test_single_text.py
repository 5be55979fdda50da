"""The ``single_text`` protocol's mediator (sim.core.protocols.single_text), against values
computed by hand.

The running example is the small scenario of ``tests/conftest.py`` (contributions ``c = s v``)::

    us      alpha (0, -1/16, -1/4)  beta (0, -1/8)  gamma (0, -1/4)   asked always
    russia  alpha (0,  1/8,   1/4)  beta (0,  1/8)  gamma (0,  1/4)   asked always
    ukraine gamma (0, -1/2), others 0                                 asked when gamma is off g0
    allies  everything 0                                             asked when beta is off b0

Packages are numbered 4a + 2b + g. A rank is (refusals, shortfall, refusing), ``refusing``
with bit ``a`` set for each refusing actor ``a`` (us 1, russia 2, ukraine 4, allies 8).
``amend`` is called as the round calls it: on the run's ``State`` (text, utility table,
``amend_aspirations``) and the ``Rules`` (package numbering, who is asked), here built with
``sim.engines.setup`` for the small scenario and by hand for a one-actor table; it edits
``state.text`` in place and returns the :class:`~sim.core.bundles.Amendment` with its terms.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.core import decisions as d
from sim.core.bundles import Amendment, Rules, State
from sim.core.protocols import single_text
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol

US, RUSSIA, UKRAINE, ALLIES = range(4)
WEIGHTS = np.array([1.0, 1.0, 2.0])
VALUES = np.array(
    [
        [[0.0, -0.25, -1.0], [0.0, -0.5, 0.0], [0.0, -0.5, 0.0]],  # us
        [[0.0, 0.5, 1.0], [0.0, 0.5, 0.0], [0.0, 0.5, 0.0]],  # russia
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1.0, 0.0]],  # ukraine
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],  # nato_allies
    ]
)


def package(*levels: int) -> np.ndarray:
    return np.array(levels, dtype=np.int64)


@pytest.fixture
def small(small_scenario):
    """(rules, state) of the small scenario, the state's utility table filled from the
    hand-computed contributions (what ``start_run`` fills from the draws)."""
    rules, state = rules_for(small_scenario, Protocol()), new_state(small_scenario)
    for a in range(4):
        c = d.item_contributions(VALUES[a], WEIGHTS)
        d.utility_table(c, rules.n_levels, state.utility_table[a])
    return rules, state


def rank(small, aspirations, text):
    rules, state = small
    return single_text.text_rank(
        state.utility_table, rules.asked, np.asarray(aspirations, dtype=np.float64),
        d.package_index(text, rules.strides),
    )  # fmt: skip


def amend(rules, state, aspirations, text):
    """Set the text and step 4's aspirations, amend, return (Amendment, the text after)."""
    state.text[:] = text
    state.amend_aspirations[:] = aspirations
    state.aspirations[:] = np.nan  # step 1's aspirations must not enter step 4
    amendment = single_text.amend(1, 0, None, rules, state)
    return amendment, state.text.tolist()


def one_actor(contributions):
    """Rules and State for one actor who must accept every text, items alpha (3 levels) and
    beta (2), built by hand: packages (a, b) numbered 2a + b."""
    n_levels = np.array([3, 2], dtype=np.int64)
    packages = np.array(list(itertools.product(range(3), range(2))), dtype=np.int64)
    rules = Rules(
        opening=package(0, 0), n_levels=n_levels, strides=d.package_strides(n_levels),
        packages=packages,
        asked=d.must_accept_table(np.array([True]), np.zeros((1, 2), dtype=np.bool_), packages),
        ratify_items=np.zeros((1, 2), dtype=np.bool_), start_rung=1, escalator=0, max_rounds=12,
        keep_talking=False, west_speaker=-1,
    )  # fmt: skip
    table = d.utility_table(np.asarray(contributions, dtype=np.float64), n_levels, np.empty(6))
    state = State(
        text=package(0, 0), rung=np.ones(1, dtype=np.int64), reservations=np.zeros(1),
        utility_table=table[None, :], contributions=np.empty((2, 3)), utilities=np.empty(1),
        aspirations=np.empty(1), asked=np.zeros(1, dtype=np.bool_),
        accepted=np.zeros(1, dtype=np.bool_), amend_aspirations=np.empty(1),
        needs_yes=np.ones(1, dtype=np.bool_),
    )  # fmt: skip
    return rules, state


def single(amended, item, step, candidates, before, after):
    """The Amendment ``single_text`` returns: no proposer, no offer."""
    return Amendment(
        amended, item, step, -1, -1, candidates, *before[:2], *after[:2], before[2], after[2]
    )


# --- the rank --------------------------------------------------------------------------------


def test_text_rank_counts_refusals_and_shortfall(small):
    """Rank = (refusing must-say-yes actors, sum of their shortfalls, who refuses), aspirations
    (us, russia, ukraine, allies) = (-0.0625, 0.375, -0.25, 0)."""
    asp = [-0.0625, 0.375, -0.25, 0.0]
    # (a0, b0, g0): only us and russia asked. us 0 >= -0.0625; russia 0 < 0.375 (short 0.375)
    assert rank(small, asp, package(0, 0, 0)) == (1, 0.375, 0b0010)
    # (a1, b1, g1): all four asked.
    # us -0.0625-0.125-0.25 = -0.4375 (short 0.375); russia 0.5 >= 0.375;
    # ukraine -0.5 (short 0.25); allies 0 >= 0 (equality: no refusal) -> (2, 0.625), us + ukraine
    assert rank(small, asp, package(1, 1, 1)) == (2, 0.625, 0b0101)


def test_text_rank_ignores_actors_not_asked(small):
    """Actors not asked about a text do not enter its rank, however unhappy they are."""
    asp = [-0.0625, 0.375, -0.25, 0.875]
    # (a1, b0, g1): allies not asked (beta at level 0).
    # us -0.3125 (short 0.25); russia 0.375 >= 0.375; ukraine -0.5 (short 0.25) -> (2, 0.5)
    assert rank(small, asp, package(1, 0, 1)) == (2, 0.5, 0b0101)
    # (a1, b1, g1): allies asked, 0 < 0.875 -> 0.375 + 0.25 + 0.875 = 1.5
    assert rank(small, asp, package(1, 1, 1)) == (3, 1.5, 0b1101)


def test_ranks_better_is_lexicographic_and_strict():
    """Fewer refusals win whatever the shortfall; then a smaller shortfall; ties are not better."""
    assert single_text.ranks_better(0, 5.0, 1, 0.0)
    assert not single_text.ranks_better(2, 0.0, 1, 0.5)
    assert single_text.ranks_better(1, 0.125, 1, 0.25)
    assert not single_text.ranks_better(1, 0.25, 1, 0.25)
    assert not single_text.ranks_better(1, 0.375, 1, 0.25)


# --- the amendment ---------------------------------------------------------------------------


def test_amend_round_1_of_the_trace(small):
    """Text (a0, b0, g0), aspirations us -0.0625, russia 0.375, ukraine -0.25, allies -1.
    current:    russia short 0.375                                       -> (1, 0.375)
    alpha up:   russia 0.125 (short 0.25), us -0.0625 >= -0.0625          -> (1, 0.25)  best
    beta up:    russia 0.125 (0.25), us -0.125 (0.0625)                   -> (2, 0.3125)
    gamma up:   russia 0.25 (0.125), us -0.25 (0.1875), ukraine -0.5 (0.25) -> (3, 0.5625)
    Three candidates (no item can go down from level 0); russia refuses before and after."""
    rules, state = small
    amendment, text = amend(rules, state, [-0.0625, 0.375, -0.25, -1.0], package(0, 0, 0))
    assert amendment == single(True, 0, 1, 3, (1, 0.375, 0b0010), (1, 0.25, 0b0010))
    assert text == [1, 0, 0]


def test_amend_round_2_of_the_trace(small):
    """Text (a1, b0, g0), aspirations us -0.125, russia 0.25, ukraine -0.25, allies -1.
    current:    russia 0.125 (short 0.125)                                -> (1, 0.125)
    alpha up:   russia 0.25 ok, us -0.25 (0.125)                          -> (1, 0.125) tie: no
    alpha down: russia 0 (0.25)                                           -> (1, 0.25)
    beta up:    russia 0.25 ok, us -0.1875 (0.0625)                       -> (1, 0.0625) best
    gamma up:   russia 0.375 ok, us -0.3125 (0.1875), ukraine (0.25)      -> (2, 0.4375)
    Four candidates; the refusal moves from russia to the US."""
    rules, state = small
    amendment, text = amend(rules, state, [-0.125, 0.25, -0.25, -1.0], package(1, 0, 0))
    assert amendment == single(True, 1, 1, 4, (1, 0.125, 0b0010), (1, 0.0625, 0b0001))
    assert text == [1, 1, 0]


def test_amend_ties_go_to_the_first_candidate(small):
    """Text (a0, b0, g1), russia alone refusing (asp 0.75), everyone else accepting (asp -1).
    current 0.25 (short 0.5); alpha up 0.375 (0.375); beta up 0.375 (0.375); gamma down 0 (0.75):
    alpha up and beta up tie, alpha up comes first."""
    rules, state = small
    amendment, text = amend(rules, state, [-1.0, 0.75, -1.0, -1.0], package(0, 0, 1))
    assert amendment == single(True, 0, 1, 3, (1, 0.5, 0b0010), (1, 0.375, 0b0010))
    assert text == [1, 0, 1]


def test_amend_uses_the_amend_aspirations(small):
    """Step 4 ranks at ``amend_aspirations`` (after the round's shifts), not at step 1's: with
    Russia's aspiration -1 the status quo already ranks (0, 0) and nothing is strictly better;
    at 0.375 (round 1 of the trace) the text moves. (The helper sets step 1's to NaN.)"""
    rules, state = small
    amendment, text = amend(rules, state, [-1.0] * 4, package(0, 0, 0))
    assert amendment == single(False, -1, 0, 3, (0, 0.0, 0), (0, 0.0, 0))
    assert text == [0, 0, 0]
    _, text = amend(rules, state, [-0.0625, 0.375, -0.25, -1.0], package(0, 0, 0))
    assert text == [1, 0, 0]


def test_amend_order_up_before_down():
    """From level 1 of alpha, up (level 2) and down (level 0) both gain 0.25: up is taken.
    One actor: alpha (0, -0.25, 0), beta (0, 0); aspiration 0.5; text (1, 0) worth -0.25."""
    rules, state = one_actor([[0.0, -0.25, 0.0], [0.0, 0.0, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 0))
    assert amendment == single(True, 0, 1, 3, (1, 0.75, 1), (1, 0.5, 1))
    assert text == [2, 0]


def test_amend_order_item_1_down_before_item_2_up():
    """alpha down (-0.25 -> 0) and beta up (-0.25 + 0.25 = 0) tie: alpha down comes first."""
    rules, state = one_actor([[0.0, -0.25, -0.5], [0.0, 0.25, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 0))
    assert amendment == single(True, 0, -1, 3, (1, 0.75, 1), (1, 0.5, 1))
    assert text == [0, 0]


def test_amend_needs_a_strict_improvement():
    """When no amendment ranks strictly better, the text stays; the rank after is the rank
    before. Every package worth 0: alpha up, alpha down and beta down all tie with the text."""
    rules, state = one_actor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 1))
    assert amendment == single(False, -1, 0, 3, (1, 0.5, 1), (1, 0.5, 1))
    assert text == [1, 1]


def test_amend_stays_inside_the_levels():
    """Candidates never leave [0, n_levels - 1]: at the top of every item only the two downs
    exist (2 candidates). The top package (worth 0.5 + 0.5 = 1) is accepted at 1.0: rank
    (0, 0), and nothing is strictly better."""
    rules, state = one_actor([[0.0, 0.25, 0.5], [0.0, 0.5, 0.0]])
    amendment, text = amend(rules, state, [1.0], package(2, 1))
    assert amendment == single(False, -1, 0, 2, (0, 0.0, 0), (0, 0.0, 0))
    assert text == [2, 1]


def test_amend_edits_the_text_in_place_and_nothing_else(small):
    """The round's text is ``state.text`` itself (the same array, moved one step); the utility
    table, the aspirations and the rules are read, not written."""
    rules, state = small
    text = state.text
    table = state.utility_table.copy()
    asked = rules.asked.copy()
    amendment, after = amend(rules, state, [-0.0625, 0.375, -0.25, -1.0], package(0, 0, 0))
    assert amendment.amended and after == [1, 0, 0]
    assert state.text is text and text.tolist() == [1, 0, 0]
    assert np.array_equal(state.utility_table, table) and np.array_equal(rules.asked, asked)
    assert state.amend_aspirations.tolist() == [-0.0625, 0.375, -0.25, -1.0]
    assert rules.opening.tolist() == [0, 0, 0]
