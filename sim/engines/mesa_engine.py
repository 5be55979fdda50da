"""The Mesa engine: the reference model, one ``mesa.Model`` per run."""

from __future__ import annotations

from sim.abm.model import NegotiationModel
from sim.engines.outcomes import Outcomes
from sim.protocols import Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


def run_chunk(scenario: Scenario, protocol: Protocol, draws: Draws) -> Outcomes:
    """Run every negotiation of the chunk as its own Mesa model."""
    out = Outcomes.empty(draws.start, draws.n, len(scenario.items), len(scenario.actors))
    for k in range(draws.n):
        model = NegotiationModel(scenario, protocol, draws.run(k)).run()
        out.status[k] = model.status
        out.rounds[k] = model.rounds
        out.highest_rung[k] = model.rung
        out.package[k] = model.text
        out.blocker[k] = model.blocker
        for a, agent in enumerate(model.negotiators):
            out.utility[k, a] = agent.utility
            out.accepted[k, a] = agent.accepted
    return out
