"""The batch engine: one compiled loop over every run of a chunk.

It follows :class:`sim.abm.model.NegotiationModel` step for step and calls the same compiled
core functions (:mod:`sim.core.decisions`), so its outcomes equal the Mesa engine's run for
run; what it saves is the per-run Python objects. A finished run is simply left, so a chunk
costs what its runs' rounds cost.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.decisions import (
    accepts,
    aspiration,
    best_amendment,
    best_offer,
    climb,
    escalation_probability,
    final_status,
    first_ratification_refusal,
    item_contributions,
    offer_round_proposer,
    package_index,
    rungs_to_climb,
    utility_table,
)
from sim.engines.outcomes import Outcomes
from sim.protocols import ALTERNATING, Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


def run_chunk(scenario: Scenario, protocol: Protocol, draws: Draws) -> Outcomes:
    """Run every negotiation of the chunk in one call of the compiled kernel."""
    out = Outcomes.empty(draws.start, draws.n, len(scenario.items), len(scenario.actors))
    _simulate(
        draws.values,
        draws.weights,
        draws.reservation,
        draws.surplus,
        draws.deadline,
        draws.exponent,
        draws.bias,
        draws.shifts,
        draws.beta0,
        draws.beta_gap,
        draws.beta_time,
        draws.p_deadline,
        draws.p_spillover,
        draws.u_round,
        draws.u_deadline,
        draws.u_spill,
        np.array(scenario.opening_offer, dtype=np.int64),
        scenario.n_levels,
        scenario.strides,
        scenario.asked,
        scenario.ratifier_matrix(),
        scenario.escalation.start_rung,
        scenario.escalating_actor,
        protocol.max_rounds,
        protocol.continue_after_invasion,
        protocol.name == ALTERNATING,
        scenario.actor_names.index(protocol.west_speaker) if protocol.name == ALTERNATING else -1,
        scenario.packages,
        out.status,
        out.rounds,
        out.highest_rung,
        out.package,
        out.utility,
        out.accepted,
        out.blocker,
    )
    return out


@njit(cache=True)
def _simulate(
    values,
    weights,
    reservation,
    surplus,
    deadline,
    exponent,
    bias,
    shifts,
    beta0,
    beta_gap,
    beta_time,
    p_deadline,
    p_spillover,
    u_round,
    u_deadline,
    u_spill,
    opening,
    n_levels,
    strides,
    asked,
    ratify_items,
    start_rung,
    escalator,
    max_rounds,
    keep_talking,
    alternating,
    west_speaker,
    packages,
    status,
    rounds,
    highest_rung,
    package,
    utilities_out,
    accepted_out,
    blocker_out,
):
    n, n_actors, n_items, n_max_levels = values.shape
    utilities_of = np.empty((n_actors, asked.shape[1]))  # this run's utility of every package
    reservations = np.empty(n_actors)
    contributions = np.empty((n_items, n_max_levels))
    utilities = np.empty(n_actors)
    aspirations = np.empty(n_actors)
    needs_yes = np.ones(n_actors, dtype=np.bool_)
    for k in range(n):
        for a in range(n_actors):
            utility_table(item_contributions(values[k, a], weights[k, a], contributions), n_levels, utilities_of[a])
            reservations[a] = reservation[k, a]
        text = opening.copy()
        rung = start_rung
        agreed = False
        ratification_failed = False
        blocker = -1
        t = 0
        for t in range(1, max_rounds + 1):
            # 1. evaluate
            blocker = -1
            number = package_index(text, strides)
            for a in range(n_actors):
                utilities[a] = utilities_of[a, number]
                aspirations[a] = aspiration(reservations[a], surplus[k, a], deadline[k, a], exponent[k, a], t)
                if blocker < 0 and asked[a, number] and not accepts(utilities[a], aspirations[a]):
                    blocker = a
            # 2. agree?
            if blocker < 0:
                blocker = first_ratification_refusal(utilities, reservations, bias[k], ratify_items, text)
                agreed = blocker < 0
                ratification_failed = not agreed
                break
            # 3. escalate?
            r_deadline = deadline[k, escalator]
            gap = aspirations[escalator] - utilities[escalator]
            p_climb = escalation_probability(beta0[k], beta_gap[k], beta_time[k], gap, t, r_deadline)
            steps = rungs_to_climb(u_round[k, t - 1], p_climb, t, r_deadline, u_deadline[k], p_deadline[k])
            rung_before = rung
            rung, talks_end = climb(
                rung, steps, start_rung, reservations, shifts[k], u_spill[k], p_spillover[k], keep_talking
            )
            if talks_end or t == max_rounds:
                break
            # 4. amend, at aspirations after this round's shifts (unchanged if no rung was climbed)
            if rung != rung_before:
                for a in range(n_actors):
                    aspirations[a] = aspiration(reservations[a], surplus[k, a], deadline[k, a], exponent[k, a], t)
            if alternating:
                proposer = offer_round_proposer(t, escalator, west_speaker)
                needs_yes[escalator] = proposer != escalator  # the East needs the West's yes only
                offer = best_offer(utilities_of, asked, aspirations, proposer, needs_yes)
                if offer >= 0:
                    text = packages[offer].copy()
            else:
                text, _ = best_amendment(utilities_of, asked, aspirations, n_levels, strides, text)
        status[k] = final_status(agreed, ratification_failed, rung)
        rounds[k] = t
        highest_rung[k] = rung
        blocker_out[k] = blocker
        for i in range(n_items):
            package[k, i] = text[i]
        for a in range(n_actors):
            utilities_out[k, a] = utilities[a]
            accepted_out[k, a] = accepts(utilities[a], aspirations[a])
    return 0
