"""Rungs, round outcomes and run statuses (DESIGN.md, "Escalation ladder", "One round",
"Statuses"). IntEnums: the compiled core uses the members themselves."""

from enum import IntEnum


class Rung(IntEnum):
    """The escalation ladder; a run starts at its scenario's rung and only climbs."""

    DIPLOMACY = 0
    COERCIVE_BUILDUP = 1
    LIMITED_INCURSION = 2
    FULL_SCALE_INVASION = 3
    NATO_RUSSIA_CLASH = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class RoundOutcome(IntEnum):
    """How a round ended: the talks go on, or the run ends and why."""

    CONTINUE = 0
    AGREED = 1  # everyone who must say yes accepted and the ratifiers approved
    RATIFICATION_FAILED = 2
    TALKS_ENDED = 3  # the climb reached full-scale invasion (or a NATO-Russia clash)
    LAST_ROUND = 4  # round max_rounds ended without agreement


class Status(IntEnum):
    """One status per run, listed in the order in which they are decided."""

    AGREEMENT = 0
    RATIFICATION_FAILED = 1
    NATO_RUSSIA_WAR = 2
    WAR = 3
    LIMITED_ESCALATION = 4
    STALEMATE = 5

    @property
    def label(self) -> str:
        return self.name.lower()


RUNG_NAMES = tuple(r.label for r in Rung)
STATUS_NAMES = tuple(s.label for s in Status)
