"""The reference negotiation model: one run of DESIGN.md's round, step by step, in Mesa."""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from sim.abm.agents import Negotiator
from sim.core import decisions
from sim.core.enums import Rung, Status
from sim.protocols import ALTERNATING, Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


@dataclass
class RoundRecord:
    """What happened in one round, kept when the model is built with ``trace=True``."""

    t: int
    text: np.ndarray
    utilities: np.ndarray
    aspirations: np.ndarray
    asked: np.ndarray
    accepted: np.ndarray
    rung_before: int
    rung_after: int
    p_climb: float = np.nan
    u_climb: float = np.nan
    reservations_after: np.ndarray = field(default_factory=lambda: np.empty(0))
    amended_to: np.ndarray | None = None
    ratification_refusal: int = -1


class NegotiationModel(mesa.Model):
    """One negotiation: agents evaluate the text, then the ladder, then the mediator amends.

    All of the run's random numbers come in ``draws`` (one run's slice of the common random
    numbers); the model itself draws nothing, so the batch engine can reproduce it exactly.
    """

    def __init__(self, scenario: Scenario, protocol: Protocol, draws: Draws, trace: bool = False) -> None:
        super().__init__(rng=draws.start)
        self.spec = scenario  # not `scenario`: mesa.Model reserves that name for its own Scenario type
        self.protocol = protocol
        self.draws = draws
        self.trace = trace
        self.history: list[RoundRecord] = []
        self.text = np.array(scenario.opening_offer, dtype=np.int64)
        self.n_levels = scenario.n_levels
        self.rung = scenario.escalation.start_rung
        self.escalator = scenario.escalating_actor
        self.west_speaker = scenario.actor_names.index(protocol.west_speaker) if protocol.name == ALTERNATING else -1
        self.status: Status | None = None
        self.blocker = -1
        self.rounds = 0
        veto, every_text = scenario.veto_matrix(), scenario.every_text()
        self.ratify_items = scenario.ratifier_matrix()
        self.utilities = np.empty((len(scenario.actors), len(scenario.packages)))
        for a, name in enumerate(scenario.actor_names):
            contributions = decisions.item_contributions(draws.values[0, a], draws.weights[0, a])
            Negotiator(
                self,
                a,
                name,
                decisions.utility_table(contributions, self.n_levels, self.utilities[a]),
                float(draws.reservation[0, a]),
                float(draws.surplus[0, a]),
                int(draws.deadline[0, a]),
                float(draws.exponent[0, a]),
                bool(every_text[a]),
                veto[a],
            )
        self.negotiators: list[Negotiator] = list(self.agents)

    # --- one round -------------------------------------------------------------------
    def step(self) -> None:
        t = self.steps
        self.rounds = t
        self.agents.do("decide", self.text, self.text_number, t)
        record = self._record(t) if self.trace else None
        if all(agent.accepted for agent in self.negotiators if agent.asked):
            self._ratify(record)
        else:
            self.blocker = next(a for a, agent in enumerate(self.negotiators) if agent.asked and not agent.accepted)
            talks_end = self._escalate(t, record)
            if talks_end:
                self._finish(agreed=False, ratification_failed=False)
            elif t == self.protocol.max_rounds:
                self._finish(agreed=False, ratification_failed=False)
            else:
                self._amend(t, record)
        if record is not None:
            record.rung_after = self.rung
            record.reservations_after = self.reservations()
            self.history.append(record)

    def run(self) -> "NegotiationModel":
        while self.running:
            self.step()
        return self

    # --- the parts of a round --------------------------------------------------------
    @property
    def text_number(self) -> int:
        return decisions.package_index(self.text, self.spec.strides)

    def reservations(self) -> np.ndarray:
        return np.array([agent.reservation for agent in self.negotiators])

    def _ratify(self, record: RoundRecord | None) -> None:
        """Everyone who must say yes said yes: the ratifiers vote (Putnam's level II)."""
        utilities = np.array([agent.utility for agent in self.negotiators])
        refusal = decisions.first_ratification_refusal(
            utilities, self.reservations(), self.draws.bias[0], self.ratify_items, self.text
        )
        if record is not None:
            record.ratification_refusal = refusal
        self.blocker = refusal
        self._finish(agreed=refusal < 0, ratification_failed=refusal >= 0)

    def _escalate(self, t: int, record: RoundRecord | None) -> bool:
        """The escalating actor's climb draw (and its deadline draw); returns talks_end."""
        d = self.draws
        escalator = self.negotiators[self.escalator]
        gap = escalator.aspiration - escalator.utility
        p_climb = decisions.escalation_probability(
            d.beta0[0], d.beta_gap[0], d.beta_time[0], gap, t, escalator.deadline
        )
        steps = decisions.rungs_to_climb(d.u_round[0, t - 1], p_climb, t, escalator.deadline, d.u_deadline[0], d.p_deadline[0])
        if record is not None:
            record.p_climb, record.u_climb = p_climb, d.u_round[0, t - 1]
        reservations = self.reservations()
        self.rung, talks_end = decisions.climb(
            self.rung,
            steps,
            self.spec.escalation.start_rung,
            reservations,
            d.shifts[0],
            d.u_spill[0],
            d.p_spillover[0],
            self.protocol.continue_after_invasion,
        )
        for agent, reservation in zip(self.negotiators, reservations):
            agent.shift_reservation(float(reservation))
        return talks_end

    def _amend(self, t: int, record: RoundRecord | None) -> None:
        """Step 4: the next text, chosen at aspirations after this round's shifts: by the
        mediator (``single_text``) or by this round's proposer (``alternating``)."""
        aspirations = np.array([agent.aspiration_at(t) for agent in self.negotiators])
        if self.protocol.name == ALTERNATING:
            proposer = decisions.offer_round_proposer(t, self.escalator, self.west_speaker)
            needs_yes = np.ones(len(self.negotiators), dtype=np.bool_)
            needs_yes[self.escalator] = proposer != self.escalator  # the East needs the West's yes only
            text, amended = self.negotiators[proposer].propose(
                self.utilities, self.spec.asked, aspirations, needs_yes, self.spec.packages
            )
        else:
            text, amended = decisions.best_amendment(
                self.utilities, self.spec.asked, aspirations, self.n_levels, self.spec.strides, self.text
            )
        if amended:
            self.text = text
            if record is not None:
                record.amended_to = text

    def _finish(self, agreed: bool, ratification_failed: bool) -> None:
        if agreed:
            self.blocker = -1
        self.status = Status(decisions.final_status(agreed, ratification_failed, self.rung))
        self.running = False

    def _record(self, t: int) -> RoundRecord:
        agents = self.negotiators
        return RoundRecord(
            t=t,
            text=self.text.copy(),
            utilities=np.array([a.utility for a in agents]),
            aspirations=np.array([a.aspiration for a in agents]),
            asked=np.array([a.asked for a in agents]),
            accepted=np.array([a.accepted for a in agents]),
            rung_before=self.rung,
            rung_after=self.rung,
        )

    # --- the run's outcome -----------------------------------------------------------
    @property
    def highest_rung(self) -> Rung:
        return Rung(self.rung)
