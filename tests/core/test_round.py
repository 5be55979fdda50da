"""THE round (sim.core.round.play_round), traced by hand on the small scenario of
``tests/conftest.py``.

Every prior there is fixed and dyadic, so the draws are known and every utility, aspiration,
gap and reservation is exact: results are asserted with ``==`` (NaN where the round leaves a
term undefined). Contributions (``c = s v``)::

    us      alpha (0, -1/16, -1/4)  beta (0, -1/8)  gamma (0, -1/4)   asked always
    russia  alpha (0,  1/8,   1/4)  beta (0,  1/8)  gamma (0,  1/4)   asked always
    ukraine gamma (0, -1/2), others 0                                 asked when gamma is off g0
    allies  everything 0                                             asked when beta is off b0

Defaults: every reservation -1 and opening surplus 0 (aspiration = reservation), deadline 4,
exponent 1; Russia escalates from rung 1 with beta0 = -1000 (never climbs); the US Senate
ratifies on beta with bias 0. The random events (the climb, deadline and spill-over uniforms)
are set by hand where they matter. A refusing actor ``a`` is bit ``a`` of a mediator's
``refusing`` mask (us 1, russia 2, ukraine 4, allies 8). The protocol is ``single_text``,
whose mediator anticipates ratification (the default); in the traces below the Senate
approves every text the mediator weighs (U_us + 0 >= r_us), so no refusal is anticipated.
The last sections add red lines (held per run, drawn against their ``hold``) and the
aftermath periods after talks that ran out of rounds.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core.bundles import Amendment, OutcomeArrays, PeriodResult, RoundResult
from sim.core.decisions import run_status
from sim.core.enums import RoundOutcome, Status
from sim.core.round import enters_aftermath, play_period, play_round, record_outcome, simulate, start_run
from sim.engines.outcomes import Outcomes
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import scenario_from_dict

US, RUSSIA, UKRAINE, ALLIES = range(4)
REPO = Path(__file__).resolve().parents[2]
NAN = math.nan
NO_AMENDMENT = Amendment(False, -1, 0, -1, -1, 0, 0, 0.0, 0, 0.0, 0, 0, 0, 0)
CONTINUE, AGREED, RATIFICATION_FAILED, TALKS_ENDED, LAST_ROUND = RoundOutcome


class Run:
    """One run of a scenario, started (``start_run``) and played round by round as both
    engines play it."""

    def __init__(self, data: dict, protocol: Protocol = Protocol(max_rounds=12), **events):
        self.scenario = scenario_from_dict(data)
        self.protocol = protocol
        self.draws = draw(self.scenario, protocol, 0, 0, 1)
        if events:
            self.set_events(**events)
        self.rules = rules_for(self.scenario, protocol)
        self.state = new_state(self.scenario)
        start_run(0, self.draws.bundle, self.rules, self.state)

    def set_events(self, u_round=None, u_deadline=None, u_spill=None, u_red_line=None, u_after=None) -> None:
        """Replace the event uniforms of the (one-run) chunk: ``u_round`` one per round,
        ``u_red_line`` one per (actor, item), ``u_after`` one per aftermath period."""
        events = self.draws.events
        changed = {}
        for name, value in (("u_round", u_round), ("u_red_line", u_red_line), ("u_after", u_after)):
            if value is not None:
                changed[name] = np.array([value], dtype=np.float64)
                assert changed[name].shape == getattr(events, name).shape, name
        if u_deadline is not None:
            changed["u_deadline"] = np.array([u_deadline], dtype=np.float64)
        if u_spill is not None:
            changed["u_spill"] = np.array([u_spill], dtype=np.float64)
        self.draws.bundle = self.draws.bundle._replace(events=events._replace(**changed))

    def play(self, t: int) -> RoundResult:
        return play_round(t, 0, self.draws.bundle, self.rules, self.state, self.protocol.tag)

    def u(self, t: int) -> float:
        """The climb uniform of round ``t``."""
        return float(self.draws.events.u_round[0, t - 1])

    def talk(self) -> RoundResult:
        """Every round of the talks, to the one that ends them."""
        result = self.play(1)
        while result.outcome == CONTINUE:
            result = self.play(result.t + 1)
        return result

    def aftermath(self, result: RoundResult) -> list[PeriodResult]:
        """The aftermath periods after the talks' last round, as the engines play them."""
        periods = []
        if enters_aftermath(result, self.state):
            for period in range(1, int(self.draws.escalation.aftermath[0]) + 1):
                periods.append(play_period(period, 0, self.draws.bundle, self.rules, self.state))
                if periods[-1].ended:
                    break
        return periods

    def simulate(self) -> Outcomes:
        """The same run in the batch engine's loop, from a fresh state."""
        out = Outcomes.empty(0, 1, len(self.scenario.items), len(self.scenario.actors))
        simulate(self.draws.bundle, self.rules, new_state(self.scenario), out.arrays, self.protocol.tag)
        return out


def assert_result(result: RoundResult, expected: RoundResult) -> None:
    """Field by field, exactly; NaN equals NaN (gap, p_climb, u_climb of an agreed round)."""
    assert result._fields == expected._fields
    for name, got, want in zip(expected._fields, result, expected):
        if isinstance(want, float) and math.isnan(want):
            assert isinstance(got, float) and math.isnan(got), (name, got)
        else:
            assert got == want, (name, got, want)
    assert isinstance(result.outcome, RoundOutcome)
    assert isinstance(result.amendment, Amendment)


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_assert_result_can_fail():
    """Non-vacuity of the helper: a NaN is not a number, a number is not NaN, fields count."""
    agreed = RoundResult(1, AGREED, -1, 1, 1, NAN, NAN, NAN, 0, NO_AMENDMENT)
    assert_result(agreed, agreed)
    with pytest.raises(AssertionError):
        assert_result(agreed._replace(gap=0.0), agreed)
    with pytest.raises(AssertionError):
        assert_result(agreed, agreed._replace(p_climb=0.0))
    with pytest.raises(AssertionError):
        assert_result(agreed._replace(amendment=NO_AMENDMENT._replace(candidates=1)), agreed)


# --- step 2: agreement and ratification ------------------------------------------------------


def agreement_data(data, prior, senate_bias=0.0, council_bias=None):
    """Opening offer (a1, b1, g0): U = us -1/16 - 1/8 = -0.1875, russia 1/4, ukraine 0,
    allies 0; asked: the US, Russia and the allies (beta is off b0), not Ukraine (gamma at g0).
    Everyone accepts at aspiration -1. The Senate (and, if given, the allies' council) votes:
    beta is off b0."""
    data["opening_offer"] = {"alpha": "a1", "beta": "b1", "gamma": "g0"}
    data["actors"]["us"]["ratifier"]["bias"] = prior(senate_bias)
    if council_bias is not None:
        data["actors"]["nato_allies"]["ratifier"] = {
            "name": "NAC", "items": ["beta"], "bias": prior(council_bias),
        }  # fmt: skip
    return data


def test_a_round_that_agrees(scenario_dict, fixed_prior):
    """Everyone whose yes is needed accepts and the Senate approves (-0.1875 + 0 >= -1):
    AGREED, no blocker, no escalation terms (NaN), no step 4; the text stays."""
    run = Run(agreement_data(scenario_dict, fixed_prior))
    assert_result(run.play(1), RoundResult(1, AGREED, -1, 1, 1, NAN, NAN, NAN, 0, NO_AMENDMENT))
    s = run.state
    assert s.utilities.tolist() == [-0.1875, 0.25, 0.0, 0.0]
    assert s.aspirations.tolist() == [-1.0] * 4
    assert s.asked.tolist() == [True, True, False, True]
    assert s.accepted.tolist() == [True] * 4
    assert s.text.tolist() == [1, 1, 0] and s.rung.tolist() == [1]
    assert s.reservations.tolist() == [-1.0] * 4


@pytest.mark.parametrize(
    "senate, council, blocker",
    [(0.0, -100.0, ALLIES), (-100.0, -100.0, US), (-100.0, 0.0, US), (-0.875, 0.0, US)],
)
def test_a_round_that_fails_ratification(scenario_dict, fixed_prior, senate, council, blocker):
    """Everyone accepts, then a ratifier refuses (U + b < r): RATIFICATION_FAILED, and the
    blocker is the first refusing ratifier's actor in actor order (the Senate before the
    allies' council). The Senate at bias -0.875: -0.1875 - 0.875 = -1.0625 < -1 refuses."""
    run = Run(agreement_data(scenario_dict, fixed_prior, senate, council))
    result = run.play(1)
    expected = RoundResult(1, RATIFICATION_FAILED, blocker, 1, 1, NAN, NAN, NAN, 0, NO_AMENDMENT)
    assert_result(result, expected)
    assert run.state.accepted.tolist() == [True] * 4
    assert run_status(result.outcome, run.state.rung[0]) is Status.RATIFICATION_FAILED


def test_the_senate_approves_at_equality(scenario_dict, fixed_prior):
    """U + b = -0.1875 - 0.8125 = -1 = r: approved (>=)."""
    run = Run(agreement_data(scenario_dict, fixed_prior, senate_bias=-0.8125))
    assert run.play(1).outcome == AGREED


# --- step 3: escalation ----------------------------------------------------------------------


def climbing_data(data, prior, beta_gap=2.0):
    """Russia refuses everything (r = 0.75 > 0.625, its best package); from the opening offer
    (a0, b0, g0) its gap is asp - U = 0.75 - 0 = 0.75. P(climb) =
    sigma(beta0 + beta_gap * gap + beta_time * min(1, t/T)) with beta0 = -1, beta_gap = 2,
    beta_time = 1/2, T_R = 4: z = -1 + 1.5 + t/8 (exact). Reaching limited incursion shifts
    Russia's reservation by -1/16 and the US's by +1/4."""
    data["actors"]["russia"]["reservation"] = prior(0.75)
    esc = data["escalation"]
    esc["beta0"], esc["beta_gap"], esc["beta_time"] = prior(-1.0), prior(beta_gap), prior(0.5)
    esc["shifts"] = {"limited_incursion": {"russia": prior(-0.0625), "us": prior(0.25)}}
    return data


def test_a_round_that_climbs_and_shifts_reservations(scenario_dict, fixed_prior):
    """Round 1: Russia refuses (the US accepts 0 >= -1): blocker Russia. z = -1 + 1.5 + 1/8 =
    0.625, p = sigma(0.625) = 0.651...; u = 1/2 < p: one rung, 1 -> 2, which shifts the
    reservations to us -0.75, russia 0.6875. Step 4 ranks at the shifted aspirations (h = 0:
    asp = r): the text (1, 0.6875); alpha up (1, 0.5625); beta up (1, 0.5625); gamma up:
    russia 0.25 (short 0.4375), us -0.25 >= -0.75, ukraine -0.5 >= -1 -> (1, 0.4375), best."""
    run = Run(climbing_data(scenario_dict, fixed_prior), u_round=[0.5] + [0.99] * 11)
    p = sigma(-1.0 + 2.0 * 0.75 + 0.5 * min(1.0, 1 / 4))
    assert p == sigma(0.625) and 0.5 < p < 1.0
    amendment = Amendment(True, 2, 1, -1, -1, 3, 1, 0.6875, 1, 0.4375, 0b0010, 0b0010, 0, 0)
    assert_result(run.play(1), RoundResult(1, CONTINUE, RUSSIA, 1, 2, 0.75, p, 0.5, 1, amendment))
    s = run.state
    assert s.rung.tolist() == [2]
    assert s.reservations.tolist() == [-0.75, 0.6875, -1.0, -1.0]
    assert s.aspirations.tolist() == [-1.0, 0.75, -1.0, -1.0]  # step 1: before the shift
    assert s.amend_aspirations.tolist() == [-0.75, 0.6875, -1.0, -1.0]  # step 4: after it
    assert s.utilities.tolist() == [0.0] * 4 and s.accepted.tolist() == [True, False, True, True]
    assert s.text.tolist() == [0, 0, 1]


def test_no_climb_when_the_uniform_reaches_p(scenario_dict, fixed_prior):
    """Non-vacuity of the climb: the same round with u = p (the draw is u < p) climbs no rung,
    shifts nothing, and step 4 ranks at step 1's aspirations (gamma up: short 0.5 best)."""
    p = sigma(0.625)
    run = Run(climbing_data(scenario_dict, fixed_prior), u_round=[p] + [0.99] * 11)
    amendment = Amendment(True, 2, 1, -1, -1, 3, 1, 0.75, 1, 0.5, 0b0010, 0b0010, 0, 0)
    assert_result(run.play(1), RoundResult(1, CONTINUE, RUSSIA, 1, 1, 0.75, p, p, 0, amendment))
    assert run.state.reservations.tolist() == [-1.0, 0.75, -1.0, -1.0]
    assert run.state.amend_aspirations.tolist() == run.state.aspirations.tolist()


@pytest.mark.parametrize(
    "t, z", [(1, 0.625), (2, 0.75), (3, 0.875), (4, 1.0), (6, 1.0), (12, 1.0)]
)
def test_p_climb_is_the_closed_form(scenario_dict, fixed_prior, t, z):
    """p_climb = sigma(beta0 + beta_gap * gap + beta_time * min(1, t/T)) in round t (played
    straight from the opening text, gap 0.75, T_R = 4): z = 0.5 + t/8 up to the deadline, then
    0.5 + 1/2 (time pressure is capped at 1)."""
    without_gap = climbing_data(copy.deepcopy(scenario_dict), fixed_prior, beta_gap=0.0)
    run = Run(climbing_data(scenario_dict, fixed_prior), u_round=[0.99] * 12)
    result = run.play(t)
    assert -1.0 + 2.0 * 0.75 + 0.5 * min(1.0, t / 4) == z
    assert (result.gap, result.p_climb, result.u_climb, result.steps) == (0.75, sigma(z), 0.99, 0)
    # the gap enters with its weight: without it, z falls by 2 * 0.75
    assert Run(without_gap, u_round=[0.99] * 12).play(t).p_climb == sigma(z - 1.5)


def deadline_data(data, prior):
    """Russia refuses (r = 0.75), never climbs by the round draw (beta0 = -1000), and its
    deadline is round 2, where a second draw climbs one rung iff u_deadline < p_deadline = 1/2."""
    data["actors"]["russia"]["reservation"] = prior(0.75)
    data["actors"]["russia"]["deadline"] = prior(2)
    data["escalation"]["p_deadline"] = prior(0.5)
    return data


@pytest.mark.parametrize("u_deadline, steps", [(0.25, 1), (0.5, 0), (0.75, 0)])
def test_the_deadline_draw(scenario_dict, fixed_prior, u_deadline, steps):
    """Round 1 is not Russia's deadline round: no climb whatever u_deadline. Round 2 is: one
    rung iff u_deadline < 1/2. The text after round 1 is (0, 0, 1) (gamma up: Russia short
    0.75 - 0.25 = 0.5), so round 2's gap is 0.5; p_climb = sigma(-1000) = 0."""
    run = Run(deadline_data(scenario_dict, fixed_prior), u_deadline=u_deadline)
    first = run.play(1)
    assert (first.rung_before, first.rung_after, first.steps) == (1, 1, 0)
    assert (first.gap, first.p_climb) == (0.75, 0.0)
    assert run.state.text.tolist() == [0, 0, 1]
    second = run.play(2)
    assert (second.outcome, second.blocker, second.gap, second.p_climb, second.u_climb) == (
        CONTINUE, RUSSIA, 0.5, 0.0, run.u(2),
    )  # fmt: skip
    assert (second.rung_before, second.rung_after, second.steps) == (1, 1 + steps, steps)
    # after the deadline round there is no deadline draw
    third = run.play(3)
    assert (third.steps, third.rung_after) == (0, 1 + steps)


# --- the run ends: the talks, or the last round ----------------------------------------------


def war_data(data, prior):
    """Start at limited incursion (rung 2); Russia refuses (r = 0.75) and climbs for certain
    (beta0 = 1000, p = 1): full-scale invasion in round 1, which shifts Russia's reservation by
    -1/8; on a spill-over (u_spill < p_spillover = 1/2) a NATO-Russia clash, -1/4 more."""
    data["actors"]["russia"]["reservation"] = prior(0.75)
    esc = data["escalation"]
    esc["start_rung"], esc["beta0"], esc["p_spillover"] = 2, prior(1000.0), prior(0.5)
    esc["shifts"] = {
        "full_scale_invasion": {"russia": prior(-0.125)},
        "nato_russia_clash": {"russia": prior(-0.25)},
    }
    return data


@pytest.mark.parametrize(
    "u_spill, rung, russia_r, status",
    [(0.25, 4, 0.375, Status.NATO_RUSSIA_WAR), (0.5, 3, 0.625, Status.WAR)],
)
def test_talks_end_at_full_scale_invasion(
    scenario_dict, fixed_prior, u_spill, rung, russia_r, status
):
    """Rung 2 -> 3 ends the talks (TALKS_ENDED), at rung 4 if the spill-over draw fires
    (0.25 < 1/2; 1/2 is not < 1/2): no step 4, the text stays; the blocker is Russia."""
    run = Run(war_data(scenario_dict, fixed_prior), u_round=[0.5] * 12, u_spill=u_spill)
    expected = RoundResult(1, TALKS_ENDED, RUSSIA, 2, rung, 0.75, 1.0, 0.5, 1, NO_AMENDMENT)
    assert_result(run.play(1), expected)
    assert run.state.reservations.tolist() == [-1.0, russia_r, -1.0, -1.0]
    assert run.state.text.tolist() == [0, 0, 0]
    assert run_status(TALKS_ENDED, run.state.rung[0]) is status


def test_talks_go_on_after_invasion_when_told(scenario_dict, fixed_prior):
    """continue_after_invasion: rung 3 without a spill-over hands on to step 4 (CONTINUE);
    Russia's shifted aspiration 0.625 ranks gamma up best (short 0.375)."""
    protocol = Protocol(max_rounds=12, continue_after_invasion=True)
    data = war_data(scenario_dict, fixed_prior)
    run = Run(copy.deepcopy(data), protocol, u_round=[0.5] * 12, u_spill=0.5)
    amendment = Amendment(True, 2, 1, -1, -1, 3, 1, 0.625, 1, 0.375, 0b0010, 0b0010, 0, 0)
    assert_result(run.play(1), RoundResult(1, CONTINUE, RUSSIA, 2, 3, 0.75, 1.0, 0.5, 1, amendment))
    assert run.state.reservations.tolist() == [-1.0, 0.625, -1.0, -1.0]
    # a spill-over still ends them
    run = Run(data, protocol, u_round=[0.5] * 12, u_spill=0.25)
    assert (run.play(1).outcome, run.state.rung[0]) == (TALKS_ENDED, 4)


def test_the_last_round_has_no_amendment(scenario_dict, fixed_prior):
    """max_rounds 2, Russia refusing (r = 0.75), nobody climbing: round 1 amends (0,0,0) ->
    (0,0,1); round 2 refuses (0,0,1) (U_R 0.25, gap 0.5) and is the last: LAST_ROUND, no
    step 4, the text stays; the run is a stalemate."""
    scenario_dict["actors"]["russia"]["reservation"] = fixed_prior(0.75)
    run = Run(scenario_dict, Protocol(max_rounds=2))
    amendment = Amendment(True, 2, 1, -1, -1, 3, 1, 0.75, 1, 0.5, 0b0010, 0b0010, 0, 0)
    first = RoundResult(1, CONTINUE, RUSSIA, 1, 1, 0.75, 0.0, run.u(1), 0, amendment)
    assert_result(run.play(1), first)
    last = run.play(2)
    expected = RoundResult(2, LAST_ROUND, RUSSIA, 1, 1, 0.5, 0.0, run.u(2), 0, NO_AMENDMENT)
    assert_result(last, expected)
    assert run.state.text.tolist() == [0, 0, 1]
    assert run_status(last.outcome, run.state.rung[0]) is Status.STALEMATE


def test_a_climb_in_the_last_round(scenario_dict, fixed_prior):
    """max_rounds 1 with a certain climb: 1 -> 2 in the last round: LAST_ROUND at rung 2
    (limited escalation), not TALKS_ENDED."""
    scenario_dict["actors"]["russia"]["reservation"] = fixed_prior(0.75)
    scenario_dict["escalation"]["beta0"] = fixed_prior(1000.0)
    run = Run(scenario_dict, Protocol(max_rounds=1), u_round=[0.5])
    last = run.play(1)
    assert_result(last, RoundResult(1, LAST_ROUND, RUSSIA, 1, 2, 0.75, 1.0, 0.5, 1, NO_AMENDMENT))
    assert run_status(last.outcome, run.state.rung[0]) is Status.LIMITED_ESCALATION


# --- the hand trace of tests/abm/test_model.py -----------------------------------------------


def traced_data(data, prior):
    """T = 4, e = 1: asp(t) = r + h (1 - t/4).
    us r -1/4, h 1/4: asp -0.0625, -0.125, -0.1875; russia r 0, h 1/2: 0.375, 0.25, 0.125;
    ukraine r -1/4 (h 0); allies r -1. Nobody climbs (beta0 = -1000)."""
    for actor, r, h in (("us", -0.25, 0.25), ("russia", 0.0, 0.5), ("ukraine", -0.25, 0.0)):
        data["actors"][actor]["reservation"] = prior(r)
        data["actors"][actor]["opening_surplus"] = prior(h)
    return data


def test_hand_traced_single_text_rounds(scenario_dict, fixed_prior):
    """round 1, text (0,0,0): Russia 0 < 0.375 refuses (gap 0.375). Step 4: the text ranks
        (1, 0.375, russia); 3 candidates; alpha up (1, 0.25, russia) is best -> (1,0,0).
    round 2, text (1,0,0): Russia 0.125 < 0.25 (gap 0.125). Step 4: (1, 0.125, russia);
        4 candidates (alpha up and down, beta up, gamma up); beta up (1, 0.0625, us) -> (1,1,0).
    round 3, text (1,1,0): everyone asked accepts (the US at equality, -0.1875), the Senate
        approves (-0.1875 >= -0.25): AGREED."""
    run = Run(traced_data(scenario_dict, fixed_prior))
    first = Amendment(True, 0, 1, -1, -1, 3, 1, 0.375, 1, 0.25, 0b0010, 0b0010, 0, 0)
    second = Amendment(True, 1, 1, -1, -1, 4, 1, 0.125, 1, 0.0625, 0b0010, 0b0001, 0, 0)
    result = run.play(1)
    assert_result(result, RoundResult(1, CONTINUE, RUSSIA, 1, 1, 0.375, 0.0, run.u(1), 0, first))
    assert run.state.text.tolist() == [1, 0, 0]
    result = run.play(2)
    assert_result(result, RoundResult(2, CONTINUE, RUSSIA, 1, 1, 0.125, 0.0, run.u(2), 0, second))
    assert run.state.text.tolist() == [1, 1, 0]
    assert_result(run.play(3), RoundResult(3, AGREED, -1, 1, 1, NAN, NAN, NAN, 0, NO_AMENDMENT))
    s = run.state
    assert s.utilities.tolist() == [-0.1875, 0.25, 0.0, 0.0]
    assert s.aspirations.tolist() == [-0.1875, 0.125, -0.25, -1.0]
    assert s.asked.tolist() == [True, True, False, True]


def test_a_changed_draw_changes_the_round(scenario_dict, fixed_prior):
    """Non-vacuity: the round reads the draws it is given. Russia's reservation draw set to
    0.75 in the same run (no prior changed): its aspiration in round 1 is 0.75 + 0.5 * 3/4 =
    1.125, the gap 1.125 (not 0.375). Step 4: the text (1, 1.125); alpha up (1, 1.0); beta up
    adds the US's refusal (-0.125 < -0.0625): 2; gamma up the US's and Ukraine's: 3. Russia's
    best package is worth 0.625 < 0.75: no agreement in any later round."""
    run = Run(traced_data(scenario_dict, fixed_prior))
    actors = run.draws.actors
    reservation = actors.reservation.copy()
    reservation[0, RUSSIA] = 0.75
    run.draws.bundle = run.draws.bundle._replace(actors=actors._replace(reservation=reservation))
    start_run(0, run.draws.bundle, run.rules, run.state)
    result = run.play(1)
    assert result.gap == 1.125
    assert result.amendment == Amendment(True, 0, 1, -1, -1, 3, 1, 1.125, 1, 1.0, 0b0010, 0b0010, 0, 0)
    assert [run.play(t).outcome for t in range(2, 5)] == [CONTINUE] * 3  # never agreed


def test_simulate_plays_the_same_rounds(scenario_dict, fixed_prior):
    """The batch engine's loop (``simulate``) records what playing the rounds one by one and
    ``record_outcome`` record: the hand trace's agreement in round 3 on (1,1,0)."""
    run = Run(traced_data(scenario_dict, fixed_prior))
    result = run.play(1)
    while result.outcome == CONTINUE:
        result = run.play(result.t + 1)
    by_hand = Outcomes.empty(0, 1, 3, 4)
    record_outcome(0, result, 0, run.state, by_hand.arrays)
    batch = Outcomes.empty(0, 1, 3, 4)
    simulate(run.draws.bundle, run.rules, new_state(run.scenario), batch.arrays, run.protocol.tag)
    for name in OutcomeArrays._fields:
        assert np.array_equal(getattr(by_hand, name), getattr(batch, name)), name
    assert (batch.status[0], batch.rounds[0]) == (Status.AGREEMENT, 3)
    assert batch.package[0].tolist() == [1, 1, 0]
    assert batch.utility[0].tolist() == [-0.1875, 0.25, 0.0, 0.0] and batch.blocker[0] == -1
    assert batch.aftermath[0] == 0 and not batch.red_lines_held.any()  # agreed; no red lines


# --- red lines -------------------------------------------------------------------------------


def red_line_data(data, prior, hold):
    """The agreement of ``agreement_data`` (opening (a1, b1, g0), everyone accepting at -1)
    with a US red line on beta's b1 that binds with probability ``hold``."""
    data = agreement_data(data, prior)
    data["actors"]["us"]["red_lines"] = {"beta": {"levels": ["b1"], "hold": prior(hold)}}
    return data


def test_a_held_red_line_is_a_refusal_in_step_1(scenario_dict, fixed_prior):
    """hold 1: the US's red line on b1 binds. Round 1, text (a1, b1, g0): the US's utility
    -0.1875 reaches its aspiration -1, but the text crosses its red line: it refuses, and is
    the blocker. Russia's gap is -1 - 0.25 = -1.25; p_climb = sigma(-1000) = 0. Step 4 (no
    aspiration changed, all -1): the text ranks (1, 0) for the US's refusal; alpha up, alpha
    down and gamma up keep b1 (1, 0); beta down (a1, b0, g0) is refused by no one (0, 0):
    best. Round 2 agrees on it; the Senate does not vote (b0)."""
    run = Run(red_line_data(scenario_dict, fixed_prior, 1.0))
    s = run.state
    assert s.held.tolist() == [[False, True, False]] + [[False] * 3] * 3
    assert s.crosses[0].tolist() == [(p // 2) % 2 == 1 for p in range(12)] and not s.crosses[1:].any()
    amendment = Amendment(True, 1, -1, -1, -1, 4, 1, 0.0, 0, 0.0, 0b0001, 0, 0, 0)
    expected = RoundResult(1, CONTINUE, US, 1, 1, -1.25, 0.0, run.u(1), 0, amendment)
    assert_result(run.play(1), expected)
    assert s.utilities.tolist() == [-0.1875, 0.25, 0.0, 0.0]
    assert s.accepted.tolist() == [False, True, True, True]
    assert s.text.tolist() == [1, 0, 0]
    assert_result(run.play(2), RoundResult(2, AGREED, -1, 1, 1, NAN, NAN, NAN, 0, NO_AMENDMENT))
    out = run.simulate()
    assert (out.status[0], out.rounds[0], out.package[0].tolist()) == (Status.AGREEMENT, 2, [1, 0, 0])
    assert out.red_lines_held[0].tolist() == s.held.tolist()


@pytest.mark.parametrize("hold, u, held", [(0.0, 0.0, False), (0.5, 0.25, True), (0.5, 0.5, False)])
def test_a_red_line_binds_iff_its_uniform_is_below_hold(scenario_dict, fixed_prior, hold, u, held):
    """A red line binds in a run iff its uniform u < hold; one that does not bind changes
    nothing: the opening text is agreed in round 1 as without it."""
    u_red_line = np.ones((4, 3))
    u_red_line[US, 1] = u
    run = Run(red_line_data(scenario_dict, fixed_prior, hold), u_red_line=u_red_line)
    assert run.state.held[US, 1] == held and run.state.held.sum() == held
    assert (run.play(1).outcome == AGREED) is not held
    assert run.simulate().red_lines_held[0, US].tolist() == [False, held, False]


# --- after the talks -------------------------------------------------------------------------


def aftermath_data(data, prior, periods=3):
    """``climbing_data`` (Russia refuses everything: r = 0.75; beta0 = -1, beta_gap = 2,
    beta_time = 1/2; limited incursion shifts Russia by -1/16 and the US by +1/4), one round
    of talks and ``periods`` aftermath periods."""
    data = climbing_data(data, prior)
    data["escalation"]["aftermath"] = prior(periods)
    return data


def test_the_crisis_goes_on_after_the_talks(scenario_dict, fixed_prior):
    """Round 1 (the last) on (a0, b0, g0): Russia refuses, u = 0.99 >= sigma(0.625): no climb,
    LAST_ROUND at rung 1. Then each period climbs one rung iff u_after < sigma(beta0 + beta_gap
    * (r_R - U_R(text)) + beta_time), at Russia's current reservation and the full time term:
    period 1: gap 0.75, z = -1 + 1.5 + 0.5 = 1; u 0.5 < sigma(1): rung 2, shifts
              (Russia 0.6875, the US -0.75);
    period 2: gap 0.6875, z = 0.875; u 0.9 >= sigma(0.875) = 0.7058...: no climb;
    period 3: z = 0.875; u 0.25 < sigma(0.875): rung 3, which ends the run (no spill-over,
              p_spillover 0): war after 3 periods."""
    protocol = Protocol(max_rounds=1)
    run = Run(aftermath_data(scenario_dict, fixed_prior), protocol, u_round=[0.99], u_after=[0.5, 0.9, 0.25])
    last = run.talk()
    assert (last.t, last.outcome, last.rung_after) == (1, LAST_ROUND, 1)
    assert enters_aftermath(last, run.state)
    periods = run.aftermath(last)
    assert sigma(0.875) < 0.9 and sigma(1.0) > 0.5
    assert periods == [
        PeriodResult(1, sigma(1.0), 0.5, 1, 2, False),
        PeriodResult(2, sigma(0.875), 0.9, 2, 2, False),
        PeriodResult(3, sigma(0.875), 0.25, 2, 3, True),
    ]
    assert run.state.reservations.tolist() == [-0.75, 0.6875, -1.0, -1.0]
    assert run.state.text.tolist() == [0, 0, 0]
    out = run.simulate()
    assert (out.status[0], out.rounds[0], out.highest_rung[0], out.aftermath[0]) == (Status.WAR, 1, 3, 3)
    assert out.blocker[0] == RUSSIA
    by_hand = Outcomes.empty(0, 1, 3, 4)
    record_outcome(0, last, len(periods), run.state, by_hand.arrays)
    for name in OutcomeArrays._fields:
        assert np.array_equal(getattr(by_hand, name), getattr(out, name)), name


def test_a_quiet_aftermath_plays_every_period(scenario_dict, fixed_prior):
    """No period climbs (u_after 0.99 >= sigma(1)): all K = 3 periods are played and the run
    stays a stalemate at rung 1."""
    protocol = Protocol(max_rounds=1)
    run = Run(aftermath_data(scenario_dict, fixed_prior), protocol, u_round=[0.99], u_after=[0.99] * 3)
    periods = run.aftermath(run.talk())
    assert [(p.period, p.p_climb, p.rung_after, p.ended) for p in periods] == [
        (t, sigma(1.0), 1, False) for t in (1, 2, 3)
    ]
    out = run.simulate()
    assert (out.status[0], out.highest_rung[0], out.aftermath[0]) == (Status.STALEMATE, 1, 3)


def test_no_aftermath_after_an_agreement_or_a_war(scenario_dict, fixed_prior):
    """Only talks that ran out of rounds below rung 3 go on: an agreement (the default small
    scenario agrees in round 1) and the end of the talks at full-scale invasion play none."""
    scenario_dict["escalation"]["aftermath"] = fixed_prior(3)
    agreed = Run(copy.deepcopy(scenario_dict))
    result = agreed.talk()
    assert result.outcome == AGREED and not enters_aftermath(result, agreed.state)
    assert agreed.simulate().aftermath[0] == 0
    war = Run(war_data(scenario_dict, fixed_prior), u_round=[0.5] * 12, u_spill=0.5)
    result = war.talk()
    assert (result.outcome, war.state.rung[0]) == (TALKS_ENDED, 3) and not enters_aftermath(result, war.state)
    assert war.simulate().aftermath[0] == 0


# --- the protocol's tag ----------------------------------------------------------------------

ONE_PROCESS = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from conftest import make_scenario_dict
from sim.core.round import play_round, start_run
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import scenario_from_dict

scenario = scenario_from_dict(make_scenario_dict())
for protocol in (Protocol(), Protocol("alternating")):
    draws = draw(scenario, protocol, 0, 0, 1)
    rules, state = rules_for(scenario, protocol), new_state(scenario)
    start_run(0, draws.bundle, rules, state)
    state.reservations[1] = 0.75  # Russia refuses the opening text: round 1 has a step 4
    a = play_round(1, 0, draws.bundle, rules, state, protocol.tag).amendment
    print(protocol.name, a.item, a.step, a.proposer, a.offer, a.candidates)
"""


def test_each_protocol_runs_its_own_step_4_in_one_process():
    """A fresh process plays round 1 of the small scenario under single_text, then under
    alternating: the same argument types, only the protocol's tag differs. Russia's
    reservation 0.75 (h = 0: aspiration 0.75) makes it refuse the opening text (U_R 0); no
    climb; every other aspiration is -1.
    single_text: the text (1, 0.75), alpha up (1, 0.625), beta up (1, 0.625), gamma up
        (1, 0.5): gamma up (item 2, step +1), 3 candidates, no proposer, no offer.
    alternating: Russia (actor 1) proposes in round 1; the West accepts every package at -1
        (U_us >= -0.625, U_ukraine >= -0.5): 12 candidates, Russia's best (a2, b1, g1) = 11."""
    done = subprocess.run(
        [sys.executable, "-c", ONE_PROCESS, str(REPO)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["single_text 2 1 -1 -1 3", "alternating -1 0 1 11 12"]


def test_a_protocol_tag_name_cannot_be_taken_twice():
    """numba tells named tuples apart by name and fields: a second protocol with another's
    tag class name would run the first one's step 4, so registering it is refused."""
    from collections import namedtuple

    from sim.core.protocols import register
    from sim.core.protocols.single_text import amend

    with pytest.raises(ValueError, match="SingleTextTag"):
        register(namedtuple("SingleTextTag", "code"), amend)
