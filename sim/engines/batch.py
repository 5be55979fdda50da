"""The batch engine: one compiled loop over every run of a chunk (:func:`sim.core.round.simulate`).

It plays the same round as the Mesa engine (:func:`sim.core.round.play_round`), so its outcomes
equal the Mesa engine's run for run; what it saves is the per-run Python objects.
"""

from __future__ import annotations

from sim.core.round import simulate
from sim.engines.outcomes import Outcomes
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


def run_chunk(scenario: Scenario, protocol: Protocol, draws: Draws) -> Outcomes:
    """Run every negotiation of the chunk in one call of the compiled kernel."""
    out = Outcomes.empty(draws.start, draws.n, len(scenario.items), len(scenario.actors))
    simulate(draws.bundle, rules_for(scenario, protocol), new_state(scenario), out.arrays, protocol.tag)
    return out
