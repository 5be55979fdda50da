"""THE round (DESIGN.md, "One round, in this order"), written once.

Both engines call :func:`play_round`: the batch engine in a compiled loop over a chunk's runs
(:func:`simulate`), the Mesa model once per ``step()``. The transcript and the dashboard read
the :class:`~sim.core.bundles.RoundResult` it returns and the decisions it leaves in the
:class:`~sim.core.bundles.State`; nothing else works out a decision again.
"""

import numpy as np

from sim.core.bundles import PeriodResult, RoundResult
from sim.core.decisions import (
    accepts,
    aspiration,
    climb,
    copy,
    crossings_row,
    escalation_probability,
    fill_contributions,
    first_ratification_refusal,
    package_index,
    red_line_holds,
    run_status,
    rungs_to_climb,
    sigmoid,
    utility_table,
)
from sim.core.enums import RoundOutcome, Rung
from sim.core.jit import kernel
from sim.core.protocols import amend, no_amendment
from sim.core.seat import vote as seat_vote


@kernel
def start_run(k, draws, rules, state):
    """Set ``state`` to the start of run ``k``: this run's utility of every package, which
    red lines bind and which packages cross them, the reservations at the starting rung, the
    opening text. An actor's row of ``state.crosses`` depends only on which of its red lines
    hold, so it is recomputed only when that differs from the run before (``new_state``
    starts with none held and no crossings)."""
    actors = draws.actors
    for a in range(state.reservations.shape[0]):
        contributions = fill_contributions(actors.values[k, a], actors.salience[k, a], state.contributions)
        utility_table(contributions, rules.n_levels, state.utility_table[a])
        state.reservations[a] = actors.reservation[k, a]
        changed = False
        for i in range(state.held.shape[1]):
            holds = red_line_holds(draws.events.u_red_line[k, a, i], actors.red_lines_hold[k, a, i])
            changed = changed or holds != state.held[a, i]
            state.held[a, i] = holds
        if changed:
            crossings_row(state.held[a], rules.red_line_levels[a], rules.packages, state.crosses[a])
    copy(rules.opening, state.text)
    state.rung[0] = rules.start_rung


@kernel
def aspirations_at(t, k, draws, state, out):
    """Every actor's aspiration in round ``t`` at its current (shifted) reservation."""
    actors = draws.actors
    for a in range(out.shape[0]):
        out[a] = aspiration(
            state.reservations[a], actors.opening_surplus[k, a], actors.deadline[k, a],
            actors.concession_exponent[k, a], t,
        )  # fmt: skip


@kernel
def evaluate(t, k, draws, rules, state):
    """Step 1: every actor's utility of the text, its aspiration in round ``t`` (at the
    current reservation), whether its yes is needed and whether it accepts (utility at least
    the aspiration, and no held red line crossed); a seated actor votes as its seat says
    (:mod:`sim.core.seat`). Returns the first refusing actor whose yes is needed (actor
    order), or -1."""
    aspirations_at(t, k, draws, state, state.aspirations)
    number = package_index(state.text, rules.strides)
    blocker = -1
    for a in range(state.reservations.shape[0]):
        state.utilities[a] = state.utility_table[a, number]
        state.asked[a] = rules.asked[a, number]
        state.accepted[a] = accepts(state.utilities[a], state.aspirations[a]) and not state.crosses[a, number]
        if blocker < 0 and state.asked[a] and not state.accepted[a]:
            blocker = a
    return seat_vote(state.seat, state, blocker)


@kernel(forceinline=True)
def play_round(t, k, draws, rules, state, protocol):
    """Round ``t`` of run ``k``: evaluate; agree (then ratify) or escalate; amend.

    ``protocol`` is the protocol's tag (:mod:`sim.core.protocols`), whose step 4 runs at
    aspirations recomputed after this round's shifts, and not in round ``max_rounds``.
    """
    blocker = evaluate(t, k, draws, rules, state)
    rung_before = state.rung[0]
    if blocker < 0:  # 2. everyone who must say yes accepts: the ratifiers vote
        number = package_index(state.text, rules.strides)
        refusal = first_ratification_refusal(
            state.utilities, state.reservations, draws.actors.ratifier_bias[k], rules.votes[:, number],
            state.crosses[:, number],
        )  # fmt: skip
        outcome = RoundOutcome.AGREED if refusal < 0 else RoundOutcome.RATIFICATION_FAILED
        return RoundResult(t, outcome, refusal, rung_before, rung_before, np.nan, np.nan, np.nan, 0, no_amendment())
    # 3. escalate: the escalating actor's climb draw, and its deadline draw in its deadline round
    escalation, events, r = draws.escalation, draws.events, rules.escalator
    deadline = draws.actors.deadline[k, r]
    gap = state.aspirations[r] - state.utilities[r]
    p_climb = escalation_probability(escalation.beta0[k], escalation.beta_gap[k], escalation.beta_time[k], gap, t, deadline)
    u_climb = events.u_round[k, t - 1]
    steps = rungs_to_climb(u_climb, p_climb, t, deadline, events.u_deadline[k], escalation.p_deadline[k])
    rung, talks_end = climb(
        rung_before, steps, rules.start_rung, state.reservations, escalation.shifts[k], events.u_spill[k],
        escalation.p_spillover[k], rules.keep_talking,
    )  # fmt: skip
    state.rung[0] = rung
    if talks_end or t == rules.max_rounds:
        outcome = RoundOutcome.TALKS_ENDED if talks_end else RoundOutcome.LAST_ROUND
        return RoundResult(t, outcome, blocker, rung_before, rung, gap, p_climb, u_climb, steps, no_amendment())
    # 4. amend, at aspirations after this round's shifts (unchanged if no rung was climbed)
    if rung == rung_before:
        copy(state.aspirations, state.amend_aspirations)
    else:
        aspirations_at(t, k, draws, state, state.amend_aspirations)
    amendment = amend(protocol, t, k, draws, rules, state)
    return RoundResult(t, RoundOutcome.CONTINUE, blocker, rung_before, rung, gap, p_climb, u_climb, steps, amendment)


@kernel
def enters_aftermath(result, state):
    """DESIGN.md, "After the talks": talks that ran out of rounds with neither agreement nor
    war go on as a crisis (a run already at rung 3 plays no aftermath)."""
    return result.outcome == RoundOutcome.LAST_ROUND and state.rung[0] < Rung.FULL_SCALE_INVASION


@kernel
def play_period(period, k, draws, rules, state):
    """Aftermath period ``period`` (1, 2, ...) of run ``k``: the escalating actor climbs one
    rung iff ``u_after < sigma(beta0 + beta_gap * gap_end + beta_time)``, with ``gap_end =
    r_R - U_R(final text)`` at its current reservation and the full time term; shifts apply as
    in the talks, and first reaching rung 3 ends the run (a NATO-Russia clash if ``u_spill <
    p_spillover``). ``continue_after_invasion`` does not apply after the talks."""
    escalation, r = draws.escalation, rules.escalator
    gap = state.reservations[r] - state.utility_table[r, package_index(state.text, rules.strides)]
    p_climb = sigmoid(escalation.beta0[k] + escalation.beta_gap[k] * gap + escalation.beta_time[k])
    u_climb = draws.events.u_after[k, period - 1]
    rung_before = state.rung[0]
    rung, ended = rung_before, False
    if u_climb < p_climb:
        rung, ended = climb(
            rung_before, 1, rules.start_rung, state.reservations, escalation.shifts[k], draws.events.u_spill[k],
            escalation.p_spillover[k], False,
        )  # fmt: skip
        state.rung[0] = rung
    return PeriodResult(period, p_climb, u_climb, rung_before, rung, ended)


@kernel
def record_outcome(k, result, periods, state, out):
    """Row ``k`` of the outcome arrays from a run's last round, the aftermath periods it
    played and its final state."""
    out.status[k] = run_status(result.outcome, state.rung[0])
    out.aftermath[k] = periods
    for a in range(state.held.shape[0]):
        copy(state.held[a], out.red_lines_held[k, a])
    out.rounds[k] = result.t
    out.highest_rung[k] = state.rung[0]
    out.blocker[k] = result.blocker
    copy(state.text, out.package[k])
    copy(state.utilities, out.utility[k])
    copy(state.accepted, out.accepted[k])


@kernel
def simulate(draws, rules, state, out, protocol):
    """Every run of a chunk, round after round until one ends the run (the batch engine)."""
    for k in range(out.status.shape[0]):
        start_run(k, draws, rules, state)
        result = play_round(1, k, draws, rules, state, protocol)
        while result.outcome == RoundOutcome.CONTINUE:
            result = play_round(result.t + 1, k, draws, rules, state, protocol)
        periods = 0
        if enters_aftermath(result, state):
            for period in range(1, draws.escalation.aftermath[k] + 1):
                periods = period
                if play_period(period, k, draws, rules, state).ended:
                    break
        record_outcome(k, result, periods, state, out)
