"""The ``single_text`` protocol's mediator (sim.core.protocols.single_text), against values
computed by hand.

The running example is the small scenario of ``tests/conftest.py`` (contributions ``c = s v``)::

    us      alpha (0, -1/16, -1/4)  beta (0, -1/8)  gamma (0, -1/4)   asked always
    russia  alpha (0,  1/8,   1/4)  beta (0,  1/8)  gamma (0,  1/4)   asked always
    ukraine gamma (0, -1/2), others 0                                 asked when gamma is off g0
    allies  everything 0                                             asked when beta is off b0

Packages are numbered 4a + 2b + g. A rank is (refusals, shortfall, refusing, anticipated),
``refusing`` with bit ``a`` set for each refusing actor ``a`` (us 1, russia 2, ukraine 4,
allies 8), ``anticipated`` with the bits of those counted for their ratifier.
``text_rank`` and ``amend`` are called as the round calls them: on the run's ``State`` (text,
utility table, ``amend_aspirations``, current reservations, held red lines and the packages
that cross them) and the ``Rules`` (package numbering, who is asked, whose ratifier votes,
whether the mediator anticipates ratification), here built with ``sim.engines.setup`` for the
small scenario (the default protocol: the mediator anticipates) and by hand for a one-actor
table; ``amend`` edits ``state.text`` in place and returns the
:class:`~sim.core.bundles.Amendment` with its terms. Of the draws, step 4 reads only the
ratifiers' biases (``draws.actors.ratifier_bias[k]``), given here by :func:`biased`.

Every reservation is the scenario's -1 unless a test says otherwise, so the US Senate (on
beta, bias 0) approves every text (U_us >= -0.625 > -1) and the anticipating mediator ranks
as the 0.1 mediator did: ``anticipated`` is 0 in the hand traces below.
"""

from __future__ import annotations

import itertools
from collections import namedtuple

import numpy as np
import pytest

from sim.core import decisions as d
from sim.core.bundles import Amendment, Rules, State
from sim.core.protocols import single_text
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol
from sim.scenario import scenario_from_dict

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


RatifierBias = namedtuple("RatifierBias", "ratifier_bias")
StepFourDraws = namedtuple("StepFourDraws", "actors")


def biased(biases):
    """Draws of one run (k = 0) as far as step 4 reads them: the ratifiers' biases."""
    return StepFourDraws(RatifierBias(np.array([biases], dtype=np.float64)))


def setup(scenario, protocol=Protocol(), reservations=(-1.0, -1.0, -1.0, -1.0), held=()):
    """(rules, state) of a small scenario, the state filled as ``start_run`` fills it from
    the draws: the utility table from the hand-computed contributions, the reservations, and
    which red lines bind (``held``: (actor, item) pairs) with the packages crossing them."""
    rules, state = rules_for(scenario, protocol), new_state(scenario)
    for a in range(4):
        c = d.item_contributions(VALUES[a], WEIGHTS)
        d.utility_table(c, rules.n_levels, state.utility_table[a])
    state.reservations[:] = reservations
    for a, i in held:
        state.held[a, i] = True
    d.crossings_table(state.held, rules.red_line_levels, rules.packages, state.crosses)
    return rules, state


@pytest.fixture
def small(small_scenario):
    """(rules, state) of the small scenario (no red lines, reservations -1)."""
    return setup(small_scenario)


def rank(small, aspirations, text, biases=(0.0, 0.0, 0.0, 0.0)):
    """The mediator's rank of ``text`` at step 4's ``aspirations``."""
    rules, state = small
    state.amend_aspirations[:] = aspirations
    return single_text.text_rank(
        d.package_index(text, rules.strides), np.asarray(biases, dtype=np.float64), rules, state
    )


def amend(rules, state, aspirations, text, biases=(0.0, 0.0, 0.0, 0.0)):
    """Set the text and step 4's aspirations, amend, return (Amendment, the text after)."""
    state.text[:] = text
    state.amend_aspirations[:] = aspirations
    state.aspirations[:] = np.nan  # step 1's aspirations must not enter step 4
    amendment = single_text.amend(1, 0, biased(biases), rules, state)
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
        votes=d.votes_table(np.zeros((1, 2), dtype=np.bool_), packages),
        red_line_levels=np.zeros((1, 2, 3), dtype=np.bool_), start_rung=1, escalator=0,
        max_rounds=12, keep_talking=False, west_speaker=-1, anticipate_ratification=True,
    )  # fmt: skip
    table = d.utility_table(np.asarray(contributions, dtype=np.float64), n_levels, np.empty(6))
    state = State(
        text=package(0, 0), rung=np.ones(1, dtype=np.int64), reservations=np.zeros(1),
        utility_table=table[None, :], contributions=np.empty((2, 3)), utilities=np.empty(1),
        aspirations=np.empty(1), asked=np.zeros(1, dtype=np.bool_),
        accepted=np.zeros(1, dtype=np.bool_), amend_aspirations=np.empty(1),
        needs_yes=np.ones(1, dtype=np.bool_), held=np.zeros((1, 2), dtype=np.bool_),
        crosses=np.zeros((1, 6), dtype=np.bool_),
    )  # fmt: skip
    return rules, state


def single(amended, item, step, candidates, before, after):
    """The Amendment ``single_text`` returns: no proposer, no offer; ``before`` and ``after``
    are ranks (refusals, shortfall, refusing, anticipated)."""
    return Amendment(
        amended, item, step, -1, -1, candidates, *before[:2], *after[:2], before[2], after[2],
        before[3], after[3],
    )  # fmt: skip


# --- the rank --------------------------------------------------------------------------------


def test_text_rank_counts_refusals_and_shortfall(small):
    """Rank = (refusing must-say-yes actors, sum of their shortfalls, who refuses), aspirations
    (us, russia, ukraine, allies) = (-0.0625, 0.375, -0.25, 0)."""
    asp = [-0.0625, 0.375, -0.25, 0.0]
    # (a0, b0, g0): only us and russia asked. us 0 >= -0.0625; russia 0 < 0.375 (short 0.375)
    assert rank(small, asp, package(0, 0, 0)) == (1, 0.375, 0b0010, 0)
    # (a1, b1, g1): all four asked.
    # us -0.0625-0.125-0.25 = -0.4375 (short 0.375); russia 0.5 >= 0.375;
    # ukraine -0.5 (short 0.25); allies 0 >= 0 (equality: no refusal) -> (2, 0.625), us + ukraine
    assert rank(small, asp, package(1, 1, 1)) == (2, 0.625, 0b0101, 0)


def test_rank_within_stops_counting_only_where_the_text_cannot_rank_better(small):
    """``rank_within``: the full rank when it is strictly better than the bound, otherwise a
    partial one that is not better either (the mediator's choice is unchanged). (a1, b1, g1)
    at these aspirations ranks (2, 0.625): us refuses first (short 0.375), then ukraine."""
    rules, state = small
    state.amend_aspirations[:] = [-0.0625, 0.375, -0.25, 0.0]
    index, biases = d.package_index(package(1, 1, 1), rules.strides), np.zeros(4)
    full = single_text.text_rank(index, biases, rules, state)
    assert full == (2, 0.625, 0b0101, 0)
    assert single_text.rank_within(index, biases, rules, state, 3, 0.0) == full  # better: counted in full
    assert single_text.rank_within(index, biases, rules, state, 2, 0.7) == full
    # the us's refusal alone already ties (1, 0.375) with the bound: counting stops there
    assert single_text.rank_within(index, biases, rules, state, 1, 0.375) == (1, 0.375, 0b0001, 0)
    for bound in [(1, 0.375), (2, 0.625), (0, 9.0)]:
        partial = single_text.rank_within(index, biases, rules, state, *bound)
        assert not single_text.ranks_better(partial[0], partial[1], *bound)


def test_text_rank_ignores_actors_not_asked(small):
    """Actors not asked about a text do not enter its rank, however unhappy they are."""
    asp = [-0.0625, 0.375, -0.25, 0.875]
    # (a1, b0, g1): allies not asked (beta at level 0).
    # us -0.3125 (short 0.25); russia 0.375 >= 0.375; ukraine -0.5 (short 0.25) -> (2, 0.5)
    assert rank(small, asp, package(1, 0, 1)) == (2, 0.5, 0b0101, 0)
    # (a1, b1, g1): allies asked, 0 < 0.875 -> 0.375 + 0.25 + 0.875 = 1.5
    assert rank(small, asp, package(1, 1, 1)) == (3, 1.5, 0b1101, 0)


def red_line_scenario(data):
    """The small scenario with a US red line on alpha's a2 (the US's yes is needed for every
    text, so it may rule out any level)."""
    data["actors"]["us"]["red_lines"] = {"alpha": {"levels": ["a2"]}}
    return scenario_from_dict(data)


def test_text_rank_counts_a_crossed_red_line_as_a_refusal_without_shortfall(scenario_dict):
    """A must-say-yes actor refuses a text that crosses one of its held red lines however
    high its utility; the refusal counts, the shortfall stays the utility gap (0 here).
    US red line on a2, aspirations (-0.5, 0.375, -0.25, 0); (a2, b0, g0): us -0.25 >= -0.5
    (no gap) but a2 is ruled out: refuses; russia 0.25 < 0.375 (short 0.125); ukraine and the
    allies are not asked -> (2, 0.125), us + russia."""
    scenario = red_line_scenario(scenario_dict)
    asp = [-0.5, 0.375, -0.25, 0.0]
    held = setup(scenario, held=[(US, 0)])
    assert held[0].red_line_levels[US].tolist() == [[False, False, True], [False] * 3, [False] * 3]
    assert held[1].crosses[US].tolist() == [p >= 8 for p in range(12)]  # every a2 package
    assert rank(held, asp, package(2, 0, 0)) == (2, 0.125, 0b0011, 0)
    # a text off the red line: (a1, b0, g0) us -0.0625 >= -0.5; russia 0.125 (short 0.25)
    assert rank(held, asp, package(1, 0, 0)) == (1, 0.25, 0b0010, 0)
    # short of its aspiration as well (-0.25 < -0.125: 0.125): still one refusal, one gap
    assert rank(held, [-0.125, 0.375, -0.25, 0.0], package(2, 0, 0)) == (2, 0.25, 0b0011, 0)
    # the red line does not bind in this run: only russia refuses
    assert rank(setup(scenario), asp, package(2, 0, 0)) == (1, 0.125, 0b0010, 0)


def council_scenario(data, prior, bias):
    """The small scenario with an allies' council (the NAC) that ratifies every text off a0
    on alpha, an item on which the allies' yes is not needed (they veto beta only)."""
    data["actors"]["nato_allies"]["ratifier"] = {"name": "NAC", "items": ["alpha"], "bias": prior(bias)}
    return scenario_from_dict(data)


RESERVATIONS = (-1.0, -1.0, -1.0, -0.25)  # the allies' current reservation -1/4


def test_text_rank_anticipates_the_ratifier_of_an_actor_not_asked(scenario_dict, fixed_prior):
    """With anticipate_ratification the mediator also counts an actor whose ratifier votes on
    the text and would refuse it (U_a + b_a < r_a at the current reservation), asked or not;
    it adds no shortfall. Aspirations (-0.0625, 0.375, -0.25, 0), NAC bias -1/2, the allies'
    reservation -1/4. (a1, b0, g0): us -0.0625 >= -0.0625; russia 0.125 (short 0.25); the
    allies are not asked (b0) but the NAC votes (a1): 0 - 0.5 < -0.25 -> (2, 0.25), us no,
    russia and the allies refusing, the allies anticipated."""
    scenario = council_scenario(scenario_dict, fixed_prior, -0.5)
    asp, text, biases = [-0.0625, 0.375, -0.25, 0.0], package(1, 0, 0), [0.0, 0.0, 0.0, -0.5]
    small = setup(scenario, reservations=RESERVATIONS)
    assert small[0].anticipate_ratification and not small[0].asked[ALLIES, 4]
    assert small[0].votes[ALLIES, 4]
    assert rank(small, asp, text, biases) == (2, 0.25, 0b1010, 0b1000)
    # the NAC approves at equality: 0 - 0.25 >= -0.25
    assert rank(small, asp, text, [0.0, 0.0, 0.0, -0.25]) == (1, 0.25, 0b0010, 0)
    # it does not vote on a text at a0: (a0, b0, g0) ranks as without it
    assert rank(small, asp, package(0, 0, 0), biases) == (1, 0.375, 0b0010, 0)
    # the 0.1 mediator (anticipate_ratification false) does not count it
    plain = setup(scenario, Protocol(anticipate_ratification=False), reservations=RESERVATIONS)
    assert rank(plain, asp, text, biases) == (1, 0.25, 0b0010, 0)


def test_text_rank_counts_a_refusing_actor_once(small):
    """An asked actor that refuses a text is not anticipated again for its ratifier.
    (a1, b1, g0), the US's reservation -1/8: the Senate would refuse (-0.1875 + 0 < -0.125).
    At the US's aspiration -0.125 the US refuses itself (short 0.0625): one refusal, not
    anticipated; at -0.25 it accepts and the Senate's refusal is counted: (1, 0), anticipated.
    Russia 0.25 >= 0.25; the allies (asked, b1) 0 >= -1."""
    rules, state = small
    state.reservations[:] = [-0.125, -1.0, -1.0, -1.0]
    assert rank(small, [-0.125, 0.25, -0.25, -1.0], package(1, 1, 0)) == (1, 0.0625, 0b0001, 0)
    assert rank(small, [-0.25, 0.25, -0.25, -1.0], package(1, 1, 0)) == (1, 0.0, 0b0001, 0b0001)


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
    assert amendment == single(True, 0, 1, 3, (1, 0.375, 0b0010, 0), (1, 0.25, 0b0010, 0))
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
    assert amendment == single(True, 1, 1, 4, (1, 0.125, 0b0010, 0), (1, 0.0625, 0b0001, 0))
    assert text == [1, 1, 0]


def test_amend_ties_go_to_the_first_candidate(small):
    """Text (a0, b0, g1), russia alone refusing (asp 0.75), everyone else accepting (asp -1).
    current 0.25 (short 0.5); alpha up 0.375 (0.375); beta up 0.375 (0.375); gamma down 0 (0.75):
    alpha up and beta up tie, alpha up comes first."""
    rules, state = small
    amendment, text = amend(rules, state, [-1.0, 0.75, -1.0, -1.0], package(0, 0, 1))
    assert amendment == single(True, 0, 1, 3, (1, 0.5, 0b0010, 0), (1, 0.375, 0b0010, 0))
    assert text == [1, 0, 1]


def test_amend_uses_the_amend_aspirations(small):
    """Step 4 ranks at ``amend_aspirations`` (after the round's shifts), not at step 1's: with
    Russia's aspiration -1 the status quo already ranks (0, 0) and nothing is strictly better;
    at 0.375 (round 1 of the trace) the text moves. (The helper sets step 1's to NaN.)"""
    rules, state = small
    amendment, text = amend(rules, state, [-1.0] * 4, package(0, 0, 0))
    assert amendment == single(False, -1, 0, 3, (0, 0.0, 0, 0), (0, 0.0, 0, 0))
    assert text == [0, 0, 0]
    _, text = amend(rules, state, [-0.0625, 0.375, -0.25, -1.0], package(0, 0, 0))
    assert text == [1, 0, 0]


def test_amend_order_up_before_down():
    """From level 1 of alpha, up (level 2) and down (level 0) both gain 0.25: up is taken.
    One actor: alpha (0, -0.25, 0), beta (0, 0); aspiration 0.5; text (1, 0) worth -0.25."""
    rules, state = one_actor([[0.0, -0.25, 0.0], [0.0, 0.0, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 0))
    assert amendment == single(True, 0, 1, 3, (1, 0.75, 1, 0), (1, 0.5, 1, 0))
    assert text == [2, 0]


def test_amend_order_item_1_down_before_item_2_up():
    """alpha down (-0.25 -> 0) and beta up (-0.25 + 0.25 = 0) tie: alpha down comes first."""
    rules, state = one_actor([[0.0, -0.25, -0.5], [0.0, 0.25, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 0))
    assert amendment == single(True, 0, -1, 3, (1, 0.75, 1, 0), (1, 0.5, 1, 0))
    assert text == [0, 0]


def test_amend_needs_a_strict_improvement():
    """When no amendment ranks strictly better, the text stays; the rank after is the rank
    before. Every package worth 0: alpha up, alpha down and beta down all tie with the text."""
    rules, state = one_actor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    amendment, text = amend(rules, state, [0.5], package(1, 1))
    assert amendment == single(False, -1, 0, 3, (1, 0.5, 1, 0), (1, 0.5, 1, 0))
    assert text == [1, 1]


def test_amend_stays_inside_the_levels():
    """Candidates never leave [0, n_levels - 1]: at the top of every item only the two downs
    exist (2 candidates). The top package (worth 0.5 + 0.5 = 1) is accepted at 1.0: rank
    (0, 0), and nothing is strictly better."""
    rules, state = one_actor([[0.0, 0.25, 0.5], [0.0, 0.5, 0.0]])
    amendment, text = amend(rules, state, [1.0], package(2, 1))
    assert amendment == single(False, -1, 0, 2, (0, 0.0, 0, 0), (0, 0.0, 0, 0))
    assert text == [2, 1]


def test_amend_edits_the_text_in_place_and_nothing_else(small):
    """The round's text is ``state.text`` itself (the same array, moved one step); the utility
    table, the aspirations, the reservations, the red lines and the rules are read, not written."""
    rules, state = small
    text = state.text
    read = {
        "utility_table": state.utility_table, "reservations": state.reservations,
        "held": state.held, "crosses": state.crosses, "asked": rules.asked, "votes": rules.votes,
        "red_line_levels": rules.red_line_levels,
    }  # fmt: skip
    before = {name: array.copy() for name, array in read.items()}
    amendment, after = amend(rules, state, [-0.0625, 0.375, -0.25, -1.0], package(0, 0, 0))
    assert amendment.amended and after == [1, 0, 0]
    assert state.text is text and text.tolist() == [1, 0, 0]
    for name, array in read.items():
        assert np.array_equal(array, before[name]), name
    assert state.amend_aspirations.tolist() == [-0.0625, 0.375, -0.25, -1.0]
    assert rules.opening.tolist() == [0, 0, 0]


# --- anticipating ratification ---------------------------------------------------------------


def test_amend_steers_around_a_ratifier_refusal(small, small_scenario):
    """Text (a1, b0, g0), aspirations us -0.1875, russia 0.3125, ukraine -1, allies -1,
    reservations -1; the Senate votes on b1 only.
    current:    russia 0.125 (short 0.1875)                                -> (1, 0.1875)
    alpha up:   us -0.25 (0.0625), russia 0.25 (0.0625)                    -> (2, 0.125)
    alpha down: russia 0 (0.3125)                                          -> (1, 0.3125)
    beta up:    us -0.1875 ok, russia 0.25 (0.0625), allies ok             -> (1, 0.0625) best
    gamma up:   us -0.3125 (0.125), russia 0.375 ok, ukraine -0.5 ok       -> (1, 0.125)
    With the Senate's bias 0 it approves (a1, b1, g0) (-0.1875 >= -1): beta up. With bias -1
    it would refuse it (-1.1875 < -1): beta up ranks (2, 0.0625), and gamma up (1, 0.125) is
    best: the mediator steers away from a text that everyone accepts and ratification fails.
    The 0.1 mediator (anticipate_ratification false) takes beta up whatever the bias."""
    rules, state = small
    asp, text = [-0.1875, 0.3125, -1.0, -1.0], package(1, 0, 0)
    amendment, after = amend(rules, state, asp, text)
    assert amendment == single(True, 1, 1, 4, (1, 0.1875, 0b0010, 0), (1, 0.0625, 0b0010, 0))
    assert after == [1, 1, 0]
    senate_refuses = [-1.0, 0.0, 0.0, 0.0]
    assert rank(small, asp, package(1, 1, 0), senate_refuses) == (2, 0.0625, 0b0011, 0b0001)
    amendment, after = amend(rules, state, asp, text, senate_refuses)
    assert amendment == single(True, 2, 1, 4, (1, 0.1875, 0b0010, 0), (1, 0.125, 0b0001, 0))
    assert after == [1, 0, 1]
    plain, plain_state = setup(small_scenario, Protocol(anticipate_ratification=False))
    amendment, after = amend(plain, plain_state, asp, text, senate_refuses)
    assert amendment == single(True, 1, 1, 4, (1, 0.1875, 0b0010, 0), (1, 0.0625, 0b0010, 0))
    assert after == [1, 1, 0]


def test_amend_records_who_is_anticipated(small):
    """Text (a1, b1, g0), aspirations us -0.1875, russia 0.25, ukraine -1, allies -1, the
    Senate's bias -1 (refuses any b1 text with U_us + b < -1).
    current:    everyone asked accepts; the Senate refuses (-1.1875)       -> (1, 0), anticipated us
    alpha up:   us -0.375 (0.1875); russia 0.375 ok                        -> (1, 0.1875)
    alpha down: us -0.125 ok; russia 0.125 (0.125); Senate -1.125 refuses  -> (2, 0.125)
    beta down:  us -0.0625 ok; russia 0.125 (0.125); no vote               -> (1, 0.125)
    gamma up:   us -0.4375 (0.25); russia 0.5 ok; ukraine -0.5 ok          -> (1, 0.25)
    Nothing ranks strictly better than (1, 0): the text stays, its refusal anticipated."""
    rules, state = small
    assert rank(small, [-0.1875, 0.25, -1.0, -1.0], package(0, 1, 0), [-1.0, 0.0, 0.0, 0.0]) == (
        2, 0.125, 0b0011, 0b0001,
    )  # fmt: skip
    amendment, after = amend(rules, state, [-0.1875, 0.25, -1.0, -1.0], package(1, 1, 0), [-1.0, 0.0, 0.0, 0.0])
    assert amendment == single(False, -1, 0, 4, (1, 0.0, 0b0001, 0b0001), (1, 0.0, 0b0001, 0b0001))
    assert after == [1, 1, 0]
