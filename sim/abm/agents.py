"""Negotiating actors as Mesa agents."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.bundles import State


class Negotiator(mesa.Agent):
    """One party at the table (the US, Russia, Ukraine, the NATO allies, ...).

    Its concession tactic is fixed at creation from the run's draws. The round it takes part
    in is played by :func:`sim.core.round.play_round`; afterwards :meth:`take_note` reads this
    actor's part of it: the text's utility, its aspiration, whether its yes was needed and
    whether it gave it, and its (possibly shifted) reservation.
    """

    def __init__(
        self, model: mesa.Model, index: int, name: str, reservation: float, opening_surplus: float,
        deadline: int, concession_exponent: float,
    ) -> None:  # fmt: skip
        super().__init__(model)
        self.index = index  # position in the scenario's actor order
        self.name = name
        self.reservation = reservation
        self.opening_surplus = opening_surplus
        self.deadline = deadline
        self.concession_exponent = concession_exponent
        self.utility = np.nan
        self.aspiration = np.nan
        self.asked = False
        self.accepted = False

    @property
    def tactic(self) -> str:
        """Faratin et al.'s name for the concession exponent: Boulware (e < 1) concedes late,
        Conceder (e > 1) early."""
        if self.concession_exponent < 1:
            return "Boulware"
        return "Conceder" if self.concession_exponent > 1 else "linear"

    def take_note(self, state: State) -> None:
        """Read this actor's decision of the round just played, and its reservation after it."""
        a = self.index
        self.utility = float(state.utilities[a])
        self.aspiration = float(state.aspirations[a])
        self.asked = bool(state.asked[a])
        self.accepted = bool(state.accepted[a])
        self.reservation = float(state.reservations[a])
