"""The ``alternating`` protocol against scripted, hand-traced negotiations (Axelrod-style:
known opponents, known moves), in the Mesa model and both engines.

The small scenario of ``tests/conftest.py``: items alpha (a0 a1 a2), beta (b0 b1), gamma
(g0 g1); salience (1/4, 1/4, 1/2). Contributions:
    us      alpha (0, -1/16, -1/4)  beta (0, -1/8)  gamma (0, -1/4)
    russia  alpha (0,  1/8,   1/4)  beta (0,  1/8)  gamma (0,  1/4)
    ukraine gamma (0, -1/2)         (asked when gamma is off g0)
    allies  everything 0            (asked when beta is off b0)
Tactics here: deadline 4 and exponent 1 for all, so asp(t) = r + h (1 - t/4) for t < 4.
    russia  r = 0.2,  h = 0.2: asp 0.35, 0.3, 0.25, then 0.2
    us      r = -0.2, h = 0.2: asp -0.05, -0.1, -0.15, then -0.2
    ukraine r = -0.3: refuses every g1 package (-0.5); allies r = -1 accept everything.
No escalation (beta0 = -1000). Package numbers: strides (4, 2, 1).

Round by round (step 4 proposer: Russia in odd rounds, the US for the West in even ones):
 t  text on the table  Russia's yes        step-4 offer
 1  (a0, b0, g0)       0 < 0.35: refuses   Russia: only (a0,b0,g0) has U_us >= -0.05 -> same text
 2  (a0, b0, g0)       0 < 0.3             West: Russia needs U_R >= 0.3: only g1 packages or
                                           (a2,b1,g0) (U_us -0.375 < -0.1); g1 fails Ukraine -> none
 3  (a0, b0, g0)       0 < 0.25            Russia: West accepts (a0,b0,g0) 0, (a0,b1,g0) -0.125,
                                           (a1,b0,g0) -0.0625 at -0.15; best U_R 0.125 is a tie of
                                           package 2 (a0,b1,g0) and 4 (a1,b0,g0): lowest -> 2
 4  (a0, b1, g0)       0.125 < 0.2         West: U_R >= 0.2 and U_us >= -0.2: (a1,b1,g0) only
 5  (a1, b1, g0)       0.25 >= 0.2; US -0.1875 >= -0.2; allies asked, accept -> agreement;
                       Senate (beta) approves: -0.1875 + 0 >= -0.2
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.abm.model import NegotiationModel
from sim.core.bundles import Rules, State
from sim.core.decisions import crossings_table
from sim.core.protocols import alternating
from sim.core.enums import RoundOutcome, Status
from sim.engines import get_engine
from sim.errors import ConfigError
from sim.protocols import Protocol, check_protocol_fits
from sim.sampling import draw
from sim.scenario import scenario_from_dict

FIELDS = (
    "status", "rounds", "highest_rung", "package", "utility", "accepted", "blocker", "aftermath",
    "red_lines_held",
)  # fmt: skip
ALTERNATING = Protocol("alternating", max_rounds=12)


def scripted(data: dict, prior, russia_reservation: float) -> dict:
    actors = data["actors"]
    for name, reservation, surplus in (("russia", russia_reservation, 0.2), ("us", -0.2, 0.2), ("ukraine", -0.3, 0.0)):
        actors[name]["reservation"] = prior(reservation)
        actors[name]["opening_surplus"] = prior(surplus)
    actors["us"]["ratifier"]["bias"] = prior(0.0)
    return data


def run_both(scenario, protocol):
    draws = draw(scenario, protocol, 0, 0, 2)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    batch = get_engine("batch")(scenario, protocol, draws)
    for name in FIELDS:
        assert np.array_equal(getattr(mesa, name), getattr(batch, name)), name
    return batch


def texts(scenario, protocol) -> list[list[int]]:
    model = NegotiationModel(scenario, protocol, draw(scenario, protocol, 0, 0, 1), trace=True).run()
    return [record.text.tolist() for record in model.history]


def test_alternating_offers_reach_agreement_in_round_5(scenario_dict, fixed_prior):
    scenario = scenario_from_dict(scripted(scenario_dict, fixed_prior, 0.2))
    assert texts(scenario, ALTERNATING) == [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 0], [1, 1, 0]]
    out = run_both(scenario, ALTERNATING)
    assert out.status[0] == Status.AGREEMENT
    assert out.rounds[0] == 5
    assert out.package[0].tolist() == [1, 1, 0]
    assert out.utility[0].tolist() == [-0.1875, 0.25, 0.0, 0.0]
    assert out.aftermath[0] == 0 and not out.red_lines_held.any()  # an agreement; no red lines


def test_step_4_terms_of_the_trace(scenario_dict, fixed_prior):
    """Each round's Amendment (proposer, offer, candidates) as in the table above:
    1 Russia offers 0 = (a0,b0,g0), the only package the US accepts at -0.05 (1 candidate);
    2 the US finds no package Russia (0.3), the US (-0.1) and Ukraine accept: no offer;
    3 Russia: the West accepts 0, 2 = (a0,b1,g0) and 4 = (a1,b0,g0) at -0.15 (3 candidates),
      the tie of 2 and 4 (U_R 0.125) goes to 2;
    4 the US: only 6 = (a1,b1,g0) (U_R 0.25 >= 0.2, U_us -0.1875 >= -0.2; 8 = (a2,b0,g0) has
      U_us -0.25): 1 candidate;
    5 agreement: no step 4."""
    scenario = scenario_from_dict(scripted(scenario_dict, fixed_prior, 0.2))
    draws = draw(scenario, ALTERNATING, 0, 0, 1)
    history = NegotiationModel(scenario, ALTERNATING, draws, trace=True).run().history
    terms = [
        (a.amended, a.proposer, a.offer, a.candidates, a.item, a.step)
        for a in (record.result.amendment for record in history)
    ]
    assert terms == [
        (True, 1, 0, 1, -1, 0),
        (False, 0, -1, 0, -1, 0),
        (True, 1, 2, 3, -1, 0),
        (True, 0, 6, 1, -1, 0),
        (False, -1, -1, 0, -1, 0),
    ]
    next_texts = [None if r.next_text is None else r.next_text.tolist() for r in history]
    assert next_texts == [[0, 0, 0], None, [0, 1, 0], [1, 1, 0], None]
    outcomes = [r.result.outcome for r in history]
    assert outcomes == [RoundOutcome.CONTINUE] * 4 + [RoundOutcome.AGREED]
    # step 4 ranks at the round's aspirations (no shifts): the US's r + h (1 - t/4), then r
    us = [r.amend_aspirations[0] for r in history[:4]]
    assert us == [-0.2 + 0.2 * (1.0 - t / 4) for t in (1, 2, 3)] + [-0.2]


def test_alternating_stalemate_when_russia_holds_out(scenario_dict, fixed_prior):
    """Russia's reservation 0.3: asp 0.45, 0.4, 0.35, then 0.3. The West never finds a
    package Russia accepts that the US and Ukraine can live with; Russia's own offers are
    what the West accepts at its falling aspiration: (a0,b1,g0) in round 3, then (a1,b1,g0) in
    round 5 (U_us -0.1875 >= -0.2), which Russia still refuses (0.25 < 0.3)."""
    scenario = scenario_from_dict(scripted(scenario_dict, fixed_prior, 0.3))
    protocol = Protocol("alternating", max_rounds=6)
    assert texts(scenario, protocol) == [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 1, 0], [1, 1, 0]]
    out = run_both(scenario, protocol)
    assert out.status[0] == Status.STALEMATE
    assert out.rounds[0] == 6
    assert out.blocker[0] == 1  # russia


def offer_setup(utilities, asked, aspirations, needs_yes, red_lines=(), held=True):
    """Rules and State of two actors and one item of four levels (package ``p`` is level
    ``p``), as ``best_offer`` reads them: the utility table, who is asked, the step-4
    aspirations, ``needs_yes`` and the packages that cross held red lines (``red_lines``:
    (actor, level) pairs ruled out; ``held``: whether they bind in this run)."""
    packages = np.arange(4, dtype=np.int64)[:, None]
    red_line_levels = np.zeros((2, 1, 4), dtype=np.bool_)
    for a, level in red_lines:
        red_line_levels[a, 0, level] = True
    rules = Rules(
        opening=np.zeros(1, dtype=np.int64), n_levels=np.array([4]), strides=np.array([1]),
        packages=packages, asked=np.asarray(asked, dtype=np.bool_),
        votes=np.zeros((2, 4), dtype=np.bool_), red_line_levels=red_line_levels, start_rung=1,
        escalator=1, max_rounds=12, keep_talking=False, west_speaker=0, anticipate_ratification=False,
    )  # fmt: skip
    state = State(
        text=np.zeros(1, dtype=np.int64), rung=np.ones(1, dtype=np.int64), reservations=np.zeros(2),
        utility_table=np.asarray(utilities, dtype=np.float64), contributions=np.empty((1, 4)),
        utilities=np.empty(2), aspirations=np.empty(2), asked=np.zeros(2, dtype=np.bool_),
        accepted=np.zeros(2, dtype=np.bool_), amend_aspirations=np.asarray(aspirations, dtype=np.float64),
        needs_yes=np.asarray(needs_yes, dtype=np.bool_), held=np.full((2, 1), held),
        crosses=np.zeros((2, 4), dtype=np.bool_),
    )  # fmt: skip
    crossings_table(state.held, rules.red_line_levels, rules.packages, state.crosses)
    return rules, state


def best_offer(proposer, *args, **kwargs):
    return alternating.best_offer(proposer, *offer_setup(*args, **kwargs))


def test_best_offer_ties_go_to_the_lowest_package():
    """Two packages with the proposer's top utility: the lower number wins; nobody asked, so
    all four packages are candidates."""
    utilities = np.array([[0.0, 0.5, 0.5, 0.25], [0.0, 0.0, 0.0, 0.0]])
    asked = np.zeros((2, 4), dtype=np.bool_)
    assert best_offer(0, utilities, asked, [9.0, 9.0], [True, True]) == (1, 4)


UTILITIES = np.array([[0.0, 0.9, 0.8, 0.25], [0.5, 0.4, 0.0, 0.6]])
EVERYWHERE = np.ones((2, 4), dtype=np.bool_)


def test_best_offer_respects_the_other_sides_aspirations():
    """Actor 1 is asked everywhere and needs 0.5: only packages 0 and 3 qualify (2
    candidates); the proposer (actor 0) prefers 3. With actor 1 out of needs_yes, all four
    qualify and package 1 wins. At 0.7 none qualifies: no offer (-1), 0 candidates."""
    aspirations = [0.0, 0.5]
    assert best_offer(0, UTILITIES, EVERYWHERE, aspirations, [False, True]) == (3, 2)
    assert best_offer(0, UTILITIES, EVERYWHERE, aspirations, [False, False]) == (1, 4)
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.7], [False, True]) == (-1, 0)


def test_best_offer_leaves_out_the_proposers_own_red_line():
    """The proposer never offers a package that crosses one of its own held red lines, even
    where its own yes is not needed. Actor 1 out of needs_yes: package 1 (0.9) would win
    among four; with the proposer's red line on level 1 held it is left out: package 2 (0.8),
    3 candidates. The same red line not binding in this run, or another actor's red line on
    level 1 whose yes is not needed, leaves the offer as it was."""
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.5], [False, False], red_lines=[(0, 1)]) == (2, 3)
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.5], [False, False], [(0, 1)], held=False) == (1, 4)
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.5], [False, False], red_lines=[(1, 1)]) == (1, 4)


def test_best_offer_leaves_out_a_needed_actors_red_line():
    """A needed actor refuses a package across its held red line whatever its utility: actor
    1 (needs 0.5) accepts packages 0 (0.5) and 3 (0.6); with its red line on level 3, only
    package 0 is left: (0, 1)."""
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.5], [False, True], red_lines=[(1, 3)]) == (0, 1)
    both = [(1, 3), (1, 0)]  # and on level 0 too: nothing is left
    assert best_offer(0, UTILITIES, EVERYWHERE, [0.0, 0.5], [False, True], red_lines=both) == (-1, 0)


def test_proposer_alternates():
    """The East (the escalating actor) proposes in odd rounds, the West's speaker in even ones."""
    assert [alternating.proposer_of(t, 1, 0) for t in range(1, 6)] == [1, 0, 1, 0, 1]
    assert [alternating.proposer_of(t, 0, 3) for t in range(1, 5)] == [0, 3, 0, 3]


@pytest.mark.parametrize("speaker, message", [("nobody", "unknown actor"), ("russia", "must differ")])
def test_west_speaker_must_be_a_western_actor(small_scenario, speaker, message):
    with pytest.raises(ConfigError, match=message) as error:
        check_protocol_fits(small_scenario, Protocol("alternating", 12, west_speaker=speaker))
    assert error.value.field == "protocol.west_speaker"
