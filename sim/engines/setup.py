"""The compiled code's fixed inputs and working memory, built from a scenario and a protocol."""

from __future__ import annotations

import numpy as np

from sim.core.bundles import Rules, State
from sim.core.seat import NO_SEAT, new_seat
from sim.core.decisions import votes_table
from sim.protocols import Protocol
from sim.scenario import Scenario


def rules_for(scenario: Scenario, protocol: Protocol) -> Rules:
    return Rules(
        opening=np.array(scenario.opening_offer, dtype=np.int64),
        n_levels=scenario.n_levels,
        strides=scenario.strides,
        packages=scenario.packages,
        asked=scenario.asked,
        votes=votes_table(scenario.ratifier_matrix(), scenario.packages),
        red_line_levels=scenario.red_line_matrix(),
        start_rung=scenario.escalation.start_rung,
        escalator=scenario.escalating_actor,
        max_rounds=protocol.max_rounds,
        keep_talking=protocol.continue_after_invasion,
        west_speaker=protocol.speaker_index(scenario),
        anticipate_ratification=protocol.anticipates_ratification,
    )


def new_state(scenario: Scenario, seat: int = -1) -> State:
    """Working memory for one run at a time; ``seat`` the actor a person plays (-1: none)."""
    n_actors, n_items = len(scenario.actors), len(scenario.items)
    if not -1 <= seat < n_actors:
        raise ValueError(f"seat {seat} is not an actor of {scenario.name} (0 to {n_actors - 1}, or -1)")
    return State(
        text=np.zeros(n_items, dtype=np.int64),
        rung=np.zeros(1, dtype=np.int64),
        reservations=np.empty(n_actors),
        utility_table=np.empty((n_actors, len(scenario.packages))),
        contributions=np.empty((n_items, int(scenario.n_levels.max()))),
        utilities=np.empty(n_actors),
        aspirations=np.empty(n_actors),
        asked=np.zeros(n_actors, dtype=np.bool_),
        accepted=np.zeros(n_actors, dtype=np.bool_),
        amend_aspirations=np.empty(n_actors),
        needs_yes=np.ones(n_actors, dtype=np.bool_),
        held=np.zeros((n_actors, n_items), dtype=np.bool_),
        crosses=np.zeros((n_actors, len(scenario.packages)), dtype=np.bool_),
        seat=NO_SEAT if seat < 0 else new_seat(seat, n_items),
    )
