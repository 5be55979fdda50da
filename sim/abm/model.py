"""The reference negotiation model: one run, a Mesa step per round.

Each ``step()`` plays one round with :func:`sim.core.round.play_round` (the round the batch
engine plays too) or, once talks that ran out of rounds have ended, one aftermath period
(:func:`sim.core.round.play_period`); then every agent takes note of its part and, when
traced, the model records the round (:class:`RoundRecord`, :class:`PeriodRecord`, for the
transcript and the dashboard) and collects the agents' variables with Mesa's
``DataCollector``.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.abm.agents import Negotiator
from sim.core.bundles import PeriodResult, RoundResult
from sim.core.decisions import fill_contributions, package_index, run_status
from sim.core.enums import RoundOutcome, Rung, Status
from sim.core.round import enters_aftermath, play_period, play_round, start_run
from sim.core.seat import NoSeat
from sim.engines.setup import new_state, rules_for
from sim.protocols import Protocol
from sim.sampling import Draws
from sim.scenario import Scenario


@dataclass(frozen=True)
class RoundRecord:
    """One round as played: its :class:`RoundResult` and the arrays it decided on."""

    result: RoundResult
    text: np.ndarray  # the text evaluated
    utilities: np.ndarray
    aspirations: np.ndarray  # step 1's
    asked: np.ndarray
    accepted: np.ndarray
    crossing: np.ndarray  # whether the text crosses each actor's held red lines
    reservations_before: np.ndarray
    reservations_after: np.ndarray
    amend_aspirations: np.ndarray | None  # step 4's (after this round's shifts), if it had one
    next_text: np.ndarray | None  # the text after step 4, if it changed or a proposal was made
    contributions: np.ndarray  # (actors, items, levels): s_i * v_i(l), the terms of each utility
    held: np.ndarray  # (actors, items): which red lines bind in this run
    seat: int = -1  # the actor a person played (-1: none)
    agent_accepted: bool | None = None  # in the seat, the agent rule's vote (step 1)
    agent_offer: int | None = None  # in the seat, the agent rule's offer (a package number, -1: none), if the seat proposed

    @property
    def t(self) -> int:
        return int(self.result.t)

    @property
    def rung_before(self) -> int:
        return int(self.result.rung_before)

    @property
    def rung_after(self) -> int:
        return int(self.result.rung_after)

    @property
    def outcome(self) -> RoundOutcome:
        return RoundOutcome(self.result.outcome)

    @property
    def ratification_refusal(self) -> int:
        """The first refusing ratifier after an agreement in this round, or -1."""
        return int(self.result.blocker) if self.outcome == RoundOutcome.RATIFICATION_FAILED else -1


@dataclass(frozen=True)
class PeriodRecord:
    """One aftermath period as played, with the reservations before and after it."""

    result: PeriodResult
    reservations_before: np.ndarray
    reservations_after: np.ndarray


class NegotiationModel(mesa.Model):
    """One negotiation. All of the run's random numbers come in ``draws`` (one run's slice of
    the common random numbers); the model draws nothing, so the batch engine reproduces it."""

    def __init__(self, scenario: Scenario, protocol: Protocol, draws: Draws, trace: bool = False, seat: int = -1) -> None:
        super().__init__(rng=draws.start)
        self.spec = scenario  # not `scenario`: mesa.Model reserves that name for its own Scenario type
        self.protocol = protocol
        self.draws = draws
        self.trace = trace
        self.rules = rules_for(scenario, protocol)
        self.state = new_state(scenario, seat)  # seat: the actor whose decisions :meth:`sit` gives (-1: none)
        self.result: RoundResult | None = None  # the last round of the talks
        self.history: list[RoundRecord] = []  # every round, when traced
        self.talking = True
        self.aftermath_periods = 0  # K, once the talks have ended and the crisis goes on
        self.periods: list[PeriodRecord] = []
        start_run(0, draws.bundle, self.rules, self.state)
        actors = draws.actors
        for a, name in enumerate(scenario.actor_names):
            Negotiator(
                self, a, name, float(actors.reservation[0, a]), float(actors.opening_surplus[0, a]),
                int(actors.deadline[0, a]), float(actors.concession_exponent[0, a]),
            )  # fmt: skip
        self.negotiators: list[Negotiator] = list(self.agents)
        self.contributions = None  # (actors, items, levels), when traced: what each utility adds up
        self.datacollector = None
        if trace:
            self.contributions = np.stack([
                fill_contributions(actors.values[0, a], actors.salience[0, a], np.empty(actors.values.shape[2:]))
                for a in range(len(scenario.actor_names))
            ])  # fmt: skip  # the terms start_run sums into this run's utility tables
            self.datacollector = mesa.DataCollector(
                model_reporters={"rung": lambda m: int(m.state.rung[0])},
                agent_reporters={k: k for k in ("utility", "aspiration", "asked", "accepted", "reservation")},
            )

    @property
    def seat(self) -> int:
        """The actor a person plays, or -1 (``State.seat`` is then ``NO_SEAT``)."""
        return -1 if isinstance(self.state.seat, NoSeat) else int(self.state.seat.actor[0])

    def sit(self, accepts: bool, offer=None) -> None:
        """The seated actor's decisions for the next round: its vote on the text and, if it
        proposes in that round (``alternating``), its offer (a level per item)."""
        if self.seat < 0:
            raise ValueError("no one is seated in this model")
        self.state.seat.accepts[0] = bool(accepts)
        if offer is not None:
            offer = np.asarray(offer, dtype=np.int64)
            if offer.shape != self.state.seat.offer.shape or (offer < 0).any() or (offer >= self.rules.n_levels).any():
                raise ValueError(f"offer {offer.tolist()} is not a package of {self.spec.name} (a level per item)")
            self.state.seat.offer[:] = offer

    def step(self) -> None:
        """Play one round of the talks or, once they have ended, one aftermath period."""
        if self.talking:
            self._talk()
        else:
            self._wait()
        self.agents.do("take_note", self.state)
        if self.trace:
            self.datacollector.collect(self)

    def _talk(self) -> None:
        text, before = self.state.text.copy(), self.state.reservations.copy()
        self.result = play_round(self.steps, 0, self.draws.bundle, self.rules, self.state, self.protocol.tag)
        if self.trace:
            self.history.append(self._record(text, before))
        if self.result.outcome != RoundOutcome.CONTINUE:
            self.talking = False
            self.aftermath_periods = int(self.draws.escalation.aftermath[0]) if enters_aftermath(self.result, self.state) else 0
            self.running = self.aftermath_periods > 0

    def _wait(self) -> None:
        before = self.state.reservations.copy()
        period = play_period(len(self.periods) + 1, 0, self.draws.bundle, self.rules, self.state)
        self.periods.append(PeriodRecord(period, before, self.state.reservations.copy()))
        self.running = not period.ended and len(self.periods) < self.aftermath_periods

    def run(self) -> "NegotiationModel":
        while self.running:
            self.step()
        return self

    def _record(self, text: np.ndarray, before: np.ndarray) -> RoundRecord:
        s, result = self.state, self.result
        amended = result.outcome == RoundOutcome.CONTINUE
        return RoundRecord(
            result=result,
            text=text,
            utilities=s.utilities.copy(),
            aspirations=s.aspirations.copy(),
            asked=s.asked.copy(),
            accepted=s.accepted.copy(),
            crossing=s.crosses[:, package_index(text, self.rules.strides)].copy(),
            reservations_before=before,
            reservations_after=s.reservations.copy(),
            amend_aspirations=s.amend_aspirations.copy() if amended else None,
            next_text=s.text.copy() if amended and result.amendment.amended else None,
            contributions=self.contributions,
            held=s.held.copy(),
            seat=self.seat,
            agent_accepted=bool(s.seat.agent_accepts[0]) if self.seat >= 0 else None,
            agent_offer=int(s.seat.agent_offer[0]) if amended and result.amendment.proposer == self.seat >= 0 else None,
        )

    # --- the run's outcome -----------------------------------------------------------
    @property
    def text(self) -> np.ndarray:
        return self.state.text

    @property
    def rung(self) -> int:
        return int(self.state.rung[0])

    @property
    def highest_rung(self) -> Rung:
        return Rung(self.rung)

    @property
    def rounds(self) -> int:
        return 0 if self.result is None else int(self.result.t)

    @property
    def blocker(self) -> int:
        return -1 if self.result is None else int(self.result.blocker)

    @property
    def status(self) -> Status | None:
        if self.running:
            return None
        return Status(run_status(self.result.outcome, self.state.rung[0]))
