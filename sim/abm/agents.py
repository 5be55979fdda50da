"""Negotiating actors as Mesa agents; every decision is a call into :mod:`sim.core`."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import decisions


class Negotiator(mesa.Agent):
    """One party at the table (the US, Russia, Ukraine, the NATO allies, ...).

    Parameters are fixed at creation from the run's draws; ``decide`` is the actor's whole
    turn: evaluate the text, compare it with the current aspiration, say yes or no.
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        name: str,
        utilities: np.ndarray,
        reservation: float,
        surplus: float,
        deadline: int,
        concession_exponent: float,
        must_accept_every_text: bool,
        veto_items: np.ndarray,
    ) -> None:
        super().__init__(model)
        self.index = index  # position in the scenario's actor order
        self.name = name
        self.utilities = utilities  # utility of every package, by package number
        self.reservation = reservation
        self.surplus = surplus
        self.deadline = deadline
        self.concession_exponent = concession_exponent
        self.must_accept_every_text = must_accept_every_text
        self.veto_items = veto_items
        self.utility = np.nan
        self.aspiration = np.nan
        self.asked = False
        self.accepted = False

    def aspiration_at(self, t: int) -> float:
        """Current aspiration, with the current (possibly shifted) reservation."""
        return decisions.aspiration(self.reservation, self.surplus, self.deadline, self.concession_exponent, t)

    def evaluate(self, text_number: int) -> float:
        return self.utilities[text_number]

    def decide(self, text: np.ndarray, text_number: int, t: int) -> None:
        """Evaluate the text on the table in round ``t`` and accept or refuse it."""
        self.utility = self.evaluate(text_number)
        self.aspiration = self.aspiration_at(t)
        self.asked = decisions.must_accept(self.must_accept_every_text, self.veto_items, text)
        self.accepted = decisions.accepts(self.utility, self.aspiration)

    def propose(self, utilities, asked, aspirations, needs_yes, packages):
        """Alternating offers: the package best for me among those that every actor in
        ``needs_yes`` whose yes it needs accepts. Returns ``(text, proposed)``; ``proposed``
        is False when no package qualifies."""
        offer = decisions.best_offer(utilities, asked, aspirations, self.index, needs_yes)
        if offer < 0:
            return None, False
        return packages[offer].copy(), True

    def shift_reservation(self, new_reservation: float) -> None:
        """Escalation changed this actor's BATNA (sanctions, war)."""
        self.reservation = new_reservation
