"""The Mesa model and both engines on degenerate scenarios whose outcome is known exactly.

Every scenario here is the small all-fixed scenario of ``tests/conftest.py`` with a few
priors changed, so the draws (and hence the whole run) are known; each run is checked in the
Mesa model (``NegotiationModel``) and in both engines.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.abm.model import NegotiationModel
from sim.core.enums import RoundOutcome, Rung, Status
from sim.engines import get_engine
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import scenario_from_dict

US, RUSSIA, UKRAINE, ALLIES = range(4)
FIELDS = ("status", "rounds", "highest_rung", "package", "utility", "accepted", "blocker")


def run_engines(scenario, protocol, n=3, seed=0):
    """Run ``n`` runs in both engines, check they agree, and return run 0's outcome."""
    draws = draw(scenario, protocol, seed, 0, n)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    batch = get_engine("batch")(scenario, protocol, draws)
    for name in FIELDS:
        assert np.array_equal(getattr(mesa, name), getattr(batch, name)), name
        # fixed priors: every run is the same
        column = getattr(batch, name)
        assert np.array_equal(column, np.broadcast_to(column[:1], column.shape)), name
    return {name: getattr(batch, name)[0].tolist() for name in FIELDS}


def run_model(scenario, protocol, trace=True, seed=0) -> NegotiationModel:
    return NegotiationModel(
        scenario, protocol, draw(scenario, protocol, seed, 0, 1), trace=trace
    ).run()


def set_tactic(
    data, actor, reservation=None, surplus=None, deadline=None, exponent=None, prior=None
):
    node = data["actors"][actor]
    for key, value in (
        ("reservation", reservation),
        ("opening_surplus", surplus),
        ("deadline", deadline),
        ("concession_exponent", exponent),
    ):
        if value is not None:
            node[key] = prior(value)


# --- agreement in round 1 ------------------------------------------------------------------


def test_agreement_in_round_1(scenario_dict, fixed_prior):
    """Opening offer (a1, b1, g1), which asks all four actors; every reservation (and round-1
    aspiration, r + 0.0625 * 3/4) is below the actor's utility of it:
    U = us -0.0625-0.125-0.25 = -0.4375, russia 0.125+0.125+0.25 = 0.5, ukraine -0.5, allies 0
    asp = -0.453125, 0.296875, -0.703125, -0.203125. The Senate votes (beta is off level 0) and
    approves: -0.4375 + 0 >= -0.5."""
    scenario_dict["opening_offer"] = {"alpha": "a1", "beta": "b1", "gamma": "g1"}
    for actor, r in (("us", -0.5), ("russia", 0.25), ("ukraine", -0.75), ("nato_allies", -0.25)):
        set_tactic(scenario_dict, actor, reservation=r, surplus=0.0625, prior=fixed_prior)
    scenario = scenario_from_dict(scenario_dict)
    for protocol in (Protocol(max_rounds=12), Protocol("ultimatum", 1)):
        assert run_engines(scenario, protocol) == {
            "status": Status.AGREEMENT,
            "rounds": 1,
            "highest_rung": 1,
            "package": [1, 1, 1],
            "utility": [-0.4375, 0.5, -0.5, 0.0],
            "accepted": [True] * 4,
            "blocker": -1,
        }
    model = run_model(scenario, Protocol())
    assert model.status is Status.AGREEMENT and model.highest_rung is Rung.COERCIVE_BUILDUP
    assert model.history[0].asked.tolist() == [True] * 4
    assert model.history[0].aspirations.tolist() == [-0.453125, 0.296875, -0.703125, -0.203125]


# --- stalemate -----------------------------------------------------------------------------


def stalemate_data(data, prior):
    """Russia's reservation 0.75 is above every package's utility to it (at most 0.625); it
    never climbs (beta0 = -1000, p_deadline = 0); everyone else accepts anything (r = -1)."""
    set_tactic(data, "russia", reservation=0.75, prior=prior)
    return data


def test_stalemate_after_max_rounds(scenario_dict, fixed_prior):
    """Nobody climbs and Russia never accepts: stalemate in round max_rounds, blocked by Russia.
    The mediator walks towards Russia (only Russia refuses, so rank = its shortfall 0.75 - U_R):
    round 1 (0,0,0) U_R 0: alpha up 0.125, beta up 0.125, gamma up 0.25 -> gamma (0,0,1)
    round 2 (0,0,1) 0.25: alpha up 0.375 = beta up 0.375 (tie: alpha first) -> (1,0,1)
    round 3 (1,0,1) 0.375: alpha up 0.5 = beta up 0.5 -> (2,0,1)
    round 4 (2,0,1) 0.5: beta up 0.625 -> (2,1,1), Russia's best package; it stays there.
    Final utilities: us -0.25-0.125-0.25 = -0.625, russia 0.625, ukraine -0.5, allies 0."""
    scenario = scenario_from_dict(stalemate_data(scenario_dict, fixed_prior))
    assert run_engines(scenario, Protocol(max_rounds=12)) == {
        "status": Status.STALEMATE,
        "rounds": 12,
        "highest_rung": 1,
        "package": [2, 1, 1],
        "utility": [-0.625, 0.625, -0.5, 0.0],
        "accepted": [True, False, True, True],
        "blocker": RUSSIA,
    }
    model = run_model(scenario, Protocol(max_rounds=12))
    texts = [record.text.tolist() for record in model.history]
    assert texts == [[0, 0, 0], [0, 0, 1], [1, 0, 1], [2, 0, 1]] + [[2, 1, 1]] * 8
    assert [None if r.next_text is None else r.next_text.tolist() for r in model.history[:5]] == [
        [0, 0, 1],
        [1, 0, 1],
        [2, 0, 1],
        [2, 1, 1],
        None,
    ]
    assert all(r.result.p_climb == 0.0 for r in model.history)
    assert all(r.rung_before == r.rung_after == 1 for r in model.history)
    outcomes = [r.outcome for r in model.history]
    assert outcomes == [RoundOutcome.CONTINUE] * 11 + [RoundOutcome.LAST_ROUND]


def test_blocker_is_the_first_refusing_actor(scenario_dict, fixed_prior):
    """When the US (first in actor order) also refuses, it is the blocker (max_rounds 1:
    the opening offer (0,0,0) is worth 0 < 0.25 to the US and 0 < 0.75 to Russia)."""
    stalemate_data(scenario_dict, fixed_prior)
    set_tactic(scenario_dict, "us", reservation=0.25, prior=fixed_prior)
    out = run_engines(scenario_from_dict(scenario_dict), Protocol(max_rounds=1))
    assert (out["status"], out["rounds"], out["blocker"], out["package"]) == (
        Status.STALEMATE,
        1,
        US,
        [0, 0, 0],
    )
    assert out["accepted"] == [False, False, True, True]


def test_deadline_draw_climbs_in_the_deadline_round(scenario_dict, fixed_prior):
    """p_deadline = 1 and Russia's deadline prior fixed at 2.5 (rounded up to round 3): the only
    climb happens in round 3; with no other climb the run ends at rung 2 (limited_escalation)."""
    stalemate_data(scenario_dict, fixed_prior)
    scenario_dict["escalation"]["p_deadline"] = fixed_prior(1.0)
    set_tactic(scenario_dict, "russia", deadline=2.5, prior=fixed_prior)
    scenario = scenario_from_dict(scenario_dict)
    out = run_engines(scenario, Protocol(max_rounds=6))
    assert (out["status"], out["rounds"], out["highest_rung"]) == (Status.LIMITED_ESCALATION, 6, 2)
    model = run_model(scenario, Protocol(max_rounds=6))
    assert [r.rung_after for r in model.history] == [1, 1, 2, 2, 2, 2]


# --- escalation to war -------------------------------------------------------------------


def war_data(data, prior, p_spillover):
    """Russia refuses everything (r = 0.75) and climbs for certain every round (beta0 = 1000):
    rung 2 in round 1, rung 3 in round 2. Limited incursion shifts Russia's r by -0.0625,
    full-scale invasion by -0.125, a NATO-Russia clash by -0.25."""
    stalemate_data(data, prior)
    data["escalation"]["beta0"] = prior(1000.0)
    data["escalation"]["p_spillover"] = prior(p_spillover)
    data["escalation"]["shifts"] = {
        "limited_incursion": {"russia": prior(-0.0625)},
        "full_scale_invasion": {"russia": prior(-0.125)},
        "nato_russia_clash": {"russia": prior(-0.25)},
    }
    return data


@pytest.mark.parametrize(
    "p_spillover, status, rung, russia_r",
    [
        (0.0, Status.WAR, 3, 0.75 - 0.0625 - 0.125),
        (1.0, Status.NATO_RUSSIA_WAR, 4, 0.75 - 0.0625 - 0.125 - 0.25),
    ],
)
def test_certain_climb_is_war_in_round_2(
    scenario_dict, fixed_prior, p_spillover, status, rung, russia_r
):
    """Rung 1 -> 2 in round 1 -> 3 in round 2, which ends the talks: war, or with a certain
    spill-over (u_spill < 1) a NATO-Russia war at rung 4. The text after round 1's amendment
    is (0,0,1) (as in the stalemate trace); Russia's reservation carries every shift."""
    scenario = scenario_from_dict(war_data(scenario_dict, fixed_prior, p_spillover))
    out = run_engines(scenario, Protocol(max_rounds=12))
    assert (out["status"], out["rounds"], out["highest_rung"], out["blocker"]) == (
        status,
        2,
        rung,
        RUSSIA,
    )
    assert out["package"] == [0, 0, 1]
    model = run_model(scenario, Protocol(max_rounds=12))
    assert [(r.rung_before, r.rung_after) for r in model.history] == [(1, 2), (2, rung)]
    assert [r.result.p_climb for r in model.history] == [1.0, 1.0]
    assert [r.outcome for r in model.history] == [RoundOutcome.CONTINUE, RoundOutcome.TALKS_ENDED]
    assert model.history[0].reservations_after.tolist() == [-1.0, 0.6875, -1.0, -1.0]
    assert model.history[1].reservations_after.tolist() == [-1.0, russia_r, -1.0, -1.0]
    assert model.history[1].next_text is None


def test_russia_climbs_when_another_actor_refuses(scenario_dict, fixed_prior):
    """Step 3 also runs when Russia accepts and someone else refuses: here the US refuses
    everything (r = 0.25 > 0, the most any package is worth to it) while Russia accepts
    everything (r = -1); with a certain climb the run is a war in round 2, blocked by the US."""
    set_tactic(scenario_dict, "us", reservation=0.25, prior=fixed_prior)
    scenario_dict["escalation"]["beta0"] = fixed_prior(1000.0)
    out = run_engines(scenario_from_dict(scenario_dict), Protocol(max_rounds=12))
    assert (out["status"], out["rounds"], out["highest_rung"], out["blocker"]) == (
        Status.WAR,
        2,
        3,
        US,
    )
    assert out["accepted"] == [False, True, True, True]


@pytest.mark.parametrize("with_shifts", [True, False])
def test_continue_after_invasion(scenario_dict, fixed_prior, with_shifts):
    """With continue_after_invasion the talks go on at rung 3 with no further climb.
    With the shifts, Russia's reservation falls to 0.75 - 0.0625 - 0.125 = 0.5625 by round 2,
    and the mediator's walk (0,0,1), (1,0,1), (2,0,1), (2,1,1) reaches a package worth 0.625 to
    Russia in round 5: an agreement that follows a war (highest rung 3). Without shifts Russia's
    reservation stays 0.75 > 0.625: war status at max_rounds (12), highest rung 3."""
    war_data(scenario_dict, fixed_prior, 0.0)
    if not with_shifts:
        scenario_dict["escalation"]["shifts"] = {}
    scenario = scenario_from_dict(scenario_dict)
    protocol = Protocol(max_rounds=12, continue_after_invasion=True)
    out = run_engines(scenario, protocol)
    expected = (Status.AGREEMENT, 5, 3, -1) if with_shifts else (Status.WAR, 12, 3, RUSSIA)
    assert (out["status"], out["rounds"], out["highest_rung"], out["blocker"]) == expected
    assert out["package"] == [2, 1, 1]
    model = run_model(scenario, protocol)
    assert [r.rung_after for r in model.history] == [2] + [3] * (out["rounds"] - 1)
    russia_r = 0.75 - 0.0625 - 0.125 if with_shifts else 0.75
    assert model.state.reservations[RUSSIA] == russia_r
    assert model.negotiators[RUSSIA].reservation == russia_r  # the agent took note of it


def test_shift_applies_to_the_same_rounds_amendment(scenario_dict, fixed_prior):
    """A shift takes effect at once: the amendment of the round in which it happens uses the
    shifted aspirations. Hand-traced scenario (below) with a certain climb and a limited-
    incursion shift of -0.5 for Russia:
    round 1: text (0,0,0): Russia 0 < asp 0.375 refuses; climb to rung 2, r_R = -0.5, so at
      amendment time asp_R(1) = -0.5 + 0.5 * 3/4 = -0.125 <= 0: the text already ranks (0, 0)
      and nothing is strictly better, so it stays (with pre-shift aspirations it would have
      become (1,0,0)).
    round 2: asp_R(2) = -0.5 + 0.25 = -0.25 <= 0, asp_US(2) = -0.125 <= 0: agreement on (0,0,0)."""
    traced_data(scenario_dict, fixed_prior)
    scenario_dict["escalation"]["beta0"] = fixed_prior(1000.0)
    scenario_dict["escalation"]["shifts"] = {"limited_incursion": {"russia": fixed_prior(-0.5)}}
    out = run_engines(scenario_from_dict(scenario_dict), Protocol(max_rounds=12))
    assert (out["status"], out["rounds"], out["highest_rung"], out["package"], out["blocker"]) == (
        Status.AGREEMENT,
        2,
        2,
        [0, 0, 0],
        -1,
    )


# --- ratification ----------------------------------------------------------------------------


def ratification_data(data, prior, biases):
    """Opening offer (a1, b1, g0), accepted by everyone in round 1 (all reservations -1).
    Ratifiers on beta (which the offer moves off level 0): the Senate and the allies' council."""
    data["opening_offer"] = {"alpha": "a1", "beta": "b1", "gamma": "g0"}
    data["actors"]["us"]["ratifier"]["bias"] = prior(biases[0])
    data["actors"]["nato_allies"]["ratifier"] = {
        "name": "NAC",
        "items": ["beta"],
        "bias": prior(biases[1]),
    }
    return data


@pytest.mark.parametrize(
    "biases, status, blocker",
    [
        ((0.0, 0.0), Status.AGREEMENT, -1),
        ((0.0, -100.0), Status.RATIFICATION_FAILED, ALLIES),
        ((-100.0, -100.0), Status.RATIFICATION_FAILED, US),
    ],
)
def test_ratification(scenario_dict, fixed_prior, biases, status, blocker):
    """Everyone accepts in round 1; a hugely negative bias makes that ratifier refuse
    (U + b < r), and the blocker is the first refusing ratifier in actor order."""
    scenario = scenario_from_dict(ratification_data(scenario_dict, fixed_prior, biases))
    out = run_engines(scenario, Protocol(max_rounds=12))
    # U(a1, b1, g0): us -0.0625 - 0.125 = -0.1875, russia 0.25, ukraine 0, allies 0
    assert out == {
        "status": status,
        "rounds": 1,
        "highest_rung": 1,
        "package": [1, 1, 0],
        "utility": [-0.1875, 0.25, 0.0, 0.0],
        "accepted": [True] * 4,
        "blocker": blocker,
    }
    model = run_model(scenario, Protocol())
    assert model.history[0].ratification_refusal == blocker


# --- a hand-traced single-text run ---------------------------------------------------------


def traced_data(data, prior):
    """Concession tactics (T = 4, e = 1, so asp(t) = r + h (1 - t/4)):
        us      r -0.25, h 0.25: asp -0.0625, -0.125, -0.1875
        russia  r  0,    h 0.5:  asp  0.375,   0.25,   0.125
        ukraine r -0.25, h 0 (asked only when gamma is off level 0, where U_ukraine = -0.5)
        allies  r -1 (asked when beta is off level 0; accepts anything)
    Nobody climbs (beta0 = -1000)."""
    set_tactic(data, "us", reservation=-0.25, surplus=0.25, prior=prior)
    set_tactic(data, "russia", reservation=0.0, surplus=0.5, prior=prior)
    set_tactic(data, "ukraine", reservation=-0.25, prior=prior)
    return data


def test_hand_traced_single_text_run(scenario_dict, fixed_prior):
    """round 1, text (0,0,0): U_us 0 >= -0.0625, U_R 0 < 0.375: refused. Amend (asp of round 1):
        current (1, 0.375); alpha up (1,0,0): R 0.125 (short 0.25), us -0.0625 ok -> (1, 0.25);
        beta up: R 0.125 (0.25), us -0.125 (0.0625) -> (2, ...); gamma up: 3 refusals.
        -> (1,0,0)
    round 2, text (1,0,0): U_us -0.0625 >= -0.125, U_R 0.125 < 0.25: refused. Amend:
        current (1, 0.125); alpha up (2,0,0): R 0.25 ok, us -0.25 (0.125) -> (1, 0.125): a tie,
        not taken; alpha down: (1, 0.25); beta up (1,1,0): R 0.25 ok, us -0.1875 (0.0625)
        -> (1, 0.0625), best; gamma up: 2 refusals.  -> (1,1,0)
    round 3, text (1,1,0): U_us -0.1875 >= -0.1875 (equality accepts), U_R 0.25 >= 0.125;
        Ukraine not asked (gamma 0); allies asked (beta 1), 0 >= -1. The Senate votes (beta):
        -0.1875 + 0 >= -0.25: agreement in round 3."""
    scenario = scenario_from_dict(traced_data(scenario_dict, fixed_prior))
    protocol = Protocol(max_rounds=12)
    assert run_engines(scenario, protocol) == {
        "status": Status.AGREEMENT,
        "rounds": 3,
        "highest_rung": 1,
        "package": [1, 1, 0],
        "utility": [-0.1875, 0.25, 0.0, 0.0],
        "accepted": [True] * 4,
        "blocker": -1,
    }
    model = run_model(scenario, protocol)
    assert (model.status, model.rounds, model.blocker, model.text.tolist()) == (
        Status.AGREEMENT,
        3,
        -1,
        [1, 1, 0],
    )
    assert not model.running
    h = model.history
    assert [r.t for r in h] == [1, 2, 3]
    assert [r.text.tolist() for r in h] == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    assert [r.utilities.tolist() for r in h] == [
        [0.0] * 4,
        [-0.0625, 0.125, 0.0, 0.0],
        [-0.1875, 0.25, 0.0, 0.0],
    ]
    assert [r.aspirations.tolist() for r in h] == [
        [-0.0625, 0.375, -0.25, -1.0],
        [-0.125, 0.25, -0.25, -1.0],
        [-0.1875, 0.125, -0.25, -1.0],
    ]
    assert [r.asked.tolist() for r in h] == [[True, True, False, False]] * 2 + [
        [True, True, False, True]
    ]
    assert [r.accepted.tolist() for r in h] == [[True, False, True, True]] * 2 + [[True] * 4]
    assert [None if r.next_text is None else r.next_text.tolist() for r in h] == [
        [1, 0, 0],
        [1, 1, 0],
        None,
    ]
    assert [r.ratification_refusal for r in h] == [-1, -1, -1]
    assert [(r.rung_before, r.rung_after) for r in h] == [(1, 1)] * 3
    assert h[0].result.p_climb == 0.0  # sigmoid(-1000)
    assert [r.outcome for r in h] == [RoundOutcome.CONTINUE] * 2 + [RoundOutcome.AGREED]
    # no shifts: step 4 ranks at step 1's aspirations; the agreed round has no step 4
    assert [None if r.amend_aspirations is None else r.amend_aspirations.tolist() for r in h] == [
        [-0.0625, 0.375, -0.25, -1.0],
        [-0.125, 0.25, -0.25, -1.0],
        None,
    ]
    assert h[0].reservations_after.tolist() == [-0.25, 0.0, -0.25, -1.0]
    assert [agent.name for agent in model.negotiators] == ["us", "russia", "ukraine", "nato_allies"]


def test_hand_traced_scenario_with_fewer_rounds(scenario_dict, fixed_prior):
    """The same scenario cut at max_rounds 2: round 2 is not amended, so the final package is
    the last text evaluated, (1,0,0), refused by Russia: a stalemate in round 2."""
    scenario = scenario_from_dict(traced_data(scenario_dict, fixed_prior))
    out = run_engines(scenario, Protocol(max_rounds=2))
    assert (out["status"], out["rounds"], out["package"], out["blocker"]) == (
        Status.STALEMATE,
        2,
        [1, 0, 0],
        RUSSIA,
    )
    assert out["accepted"] == [True, False, True, True]
    assert run_model(scenario, Protocol(max_rounds=2)).history[-1].next_text is None


def test_ultimatum_aspiration_is_the_reservation(scenario_dict, fixed_prior):
    """Under the ultimatum every deadline is 1, so Russia's aspiration is r = 0 (not 0.375) and
    the status quo (worth 0) is accepted: agreement in round 1. The single text with one round
    refuses it (asp 0.375)."""
    scenario = scenario_from_dict(traced_data(scenario_dict, fixed_prior))
    out = run_engines(scenario, Protocol("ultimatum", 1))
    assert (out["status"], out["rounds"], out["package"], out["blocker"]) == (
        Status.AGREEMENT,
        1,
        [0, 0, 0],
        -1,
    )
    out = run_engines(scenario, Protocol(max_rounds=1))
    assert (out["status"], out["rounds"], out["blocker"]) == (Status.STALEMATE, 1, RUSSIA)


def test_ultimatum_refusal_draws_escalation_and_deadline(scenario_dict, fixed_prior):
    """A refused ultimatum is followed by round 1's climb draw and, since T_R = 1, the deadline
    draw: with both certain the run climbs 1 -> 3 in round 1 (war)."""
    stalemate_data(scenario_dict, fixed_prior)
    scenario_dict["escalation"]["beta0"] = fixed_prior(1000.0)
    scenario_dict["escalation"]["p_deadline"] = fixed_prior(1.0)
    out = run_engines(scenario_from_dict(scenario_dict), Protocol("ultimatum", 1))
    assert (out["status"], out["rounds"], out["highest_rung"]) == (Status.WAR, 1, 3)


def test_untraced_model_keeps_no_history(scenario_dict, fixed_prior):
    """trace=False records nothing; the outcome is the same."""
    scenario = scenario_from_dict(traced_data(scenario_dict, fixed_prior))
    model = run_model(scenario, Protocol(), trace=False)
    assert model.history == []
    assert (model.status, model.rounds, model.text.tolist()) == (Status.AGREEMENT, 3, [1, 1, 0])


def test_constructed_draws_drive_the_model(scenario_dict, fixed_prior):
    """Engines take draws as given: overriding run 1's reservations and surpluses in the Draws
    (no prior change) with those of the stalemate scenario turns the hand-traced agreement
    into the stalemate walk, while run 0 stays the hand-traced run."""
    scenario = scenario_from_dict(traced_data(scenario_dict, fixed_prior))
    protocol = Protocol(max_rounds=12)
    draws = draw(scenario, protocol, 0, 0, 2)
    reservation = draws.actors.reservation.copy()
    surplus = draws.actors.opening_surplus.copy()
    reservation[1] = [-1.0, 0.75, -1.0, -1.0]  # run 1 only: the stalemate scenario
    surplus[1] = 0.0
    actors = draws.actors._replace(reservation=reservation, opening_surplus=surplus)
    draws.bundle = draws.bundle._replace(actors=actors)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    batch = get_engine("batch")(scenario, protocol, draws)
    for name in FIELDS:
        assert np.array_equal(getattr(mesa, name), getattr(batch, name)), name
    assert batch.status.tolist() == [Status.AGREEMENT, Status.STALEMATE]
    assert batch.rounds.tolist() == [3, 12]
    assert mesa.package[1].tolist() == [2, 1, 1]
