"""Negotiation protocols (DESIGN.md, "Protocols"): which rules a run follows."""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import ConfigError

SINGLE_TEXT = "single_text"
ULTIMATUM = "ultimatum"
PROTOCOLS = (SINGLE_TEXT, ULTIMATUM)
PROTOCOL_CODES = {name: code for code, name in enumerate(PROTOCOLS)}


@dataclass(frozen=True)
class Protocol:
    """``single_text``: a mediator amends one text round by round (Fisher's single negotiating
    text). ``ultimatum``: one round in which every aspiration is the reservation ("the ball is
    in their court"); a refusal is followed by round 1's escalation and deadline draws."""

    name: str = SINGLE_TEXT
    max_rounds: int = 12
    continue_after_invasion: bool = False

    @property
    def code(self) -> int:
        return PROTOCOL_CODES[self.name]

    @property
    def forces_deadline_one(self) -> bool:
        """Under the ultimatum every actor's deadline is round 1, so aspiration = reservation."""
        return self.name == ULTIMATUM


def protocol_from_dict(node: dict, where: str = "protocol") -> Protocol:
    name = node.get("name")
    if name not in PROTOCOLS:
        raise ConfigError(f"{where}.name", name, f"unknown protocol; use one of {list(PROTOCOLS)}")
    rounds = node.get("max_rounds")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ConfigError(f"{where}.max_rounds", rounds, "must be a whole number >= 1")
    if name == ULTIMATUM and rounds != 1:
        raise ConfigError(f"{where}.max_rounds", rounds, "the ultimatum protocol has exactly one round")
    return Protocol(name, rounds, bool(node.get("continue_after_invasion", False)))
