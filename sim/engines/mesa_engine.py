"""The Mesa engine: the reference model, one ``mesa.Model`` per run."""

from __future__ import annotations

from sim.abm.model import NegotiationModel
from sim.core.round import record_outcome
from sim.engines.outcomes import Outcomes
from sim.protocols import Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


def run_chunk(scenario: Scenario, protocol: Protocol, draws: Draws) -> Outcomes:
    """Run every negotiation of the chunk as its own Mesa model."""
    out = Outcomes.empty(draws.start, draws.n, len(scenario.items), len(scenario.actors))
    arrays = out.arrays
    for k in range(draws.n):
        model = NegotiationModel(scenario, protocol, draws.run(k)).run()
        record_outcome(k, model.result, len(model.periods), model.state, arrays)
    return out
