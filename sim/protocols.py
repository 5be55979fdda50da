"""Negotiation protocols (DESIGN.md, "Protocols"): which rules a run follows."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.errors import ConfigError

SINGLE_TEXT = "single_text"
ULTIMATUM = "ultimatum"
ALTERNATING = "alternating"
PROTOCOLS = (SINGLE_TEXT, ULTIMATUM, ALTERNATING)


@dataclass(frozen=True)
class Protocol:
    """``single_text``: a mediator amends one text round by round (Fisher's single negotiating
    text). ``ultimatum``: one round in which every aspiration is the reservation ("the ball is
    in their court"); a refusal is followed by round 1's escalation and deadline draws.
    ``alternating``: the escalating actor (Russia) and the West, speaking with the utility of
    ``west_speaker``, take turns to propose (Rubinstein-style alternating offers, with
    DESIGN.md's acceptance and escalation rules).

    Decision (DESIGN.md leaves it open): under ``alternating``, Russia's offer must be
    accepted by every Western actor whose yes it needs, not by Russia itself; the West's offer
    must be accepted by everyone whose yes it needs, the US included, as DESIGN.md words it.
    """

    name: str = SINGLE_TEXT
    max_rounds: int = 12
    continue_after_invasion: bool = False
    west_speaker: str = "us"

    def __post_init__(self) -> None:
        if self.name not in PROTOCOLS:
            raise ConfigError("protocol.name", self.name, f"unknown protocol; use one of {list(PROTOCOLS)}")
        rounds = self.max_rounds
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise ConfigError("protocol.max_rounds", rounds, "must be a whole number >= 1")
        if self.name == ULTIMATUM and rounds != 1:
            raise ConfigError("protocol.max_rounds", rounds, "the ultimatum protocol has exactly one round")

    @property
    def forces_deadline_one(self) -> bool:
        """Under the ultimatum every actor's deadline is round 1, so aspiration = reservation."""
        return self.name == ULTIMATUM


def protocol_from_dict(node: dict) -> Protocol:
    """The protocol of a composed config's ``protocol`` node (validated on construction)."""
    return Protocol(
        node.get("name"),
        node.get("max_rounds"),
        bool(node.get("continue_after_invasion", False)),
        str(node.get("west_speaker") or "us"),
    )


def check_protocol_fits(scenario, protocol: Protocol) -> None:
    """The protocol's named actors exist in the scenario, and the West's speaker is not the
    escalating actor."""
    if protocol.name != ALTERNATING:
        return
    if protocol.west_speaker not in scenario.actor_names:
        raise ConfigError(
            "protocol.west_speaker", protocol.west_speaker, f"unknown actor; the actors are {list(scenario.actor_names)}"
        )
    if protocol.west_speaker == scenario.escalation.actor:
        raise ConfigError("protocol.west_speaker", protocol.west_speaker, "must differ from the escalating actor")


def deadline_warning(scenario, protocol: Protocol) -> str | None:
    """DESIGN.md: the deadline draw happens only if ``T_R <= max_rounds``; say so when the
    escalating actor's deadline prior allows a later deadline."""
    if protocol.forces_deadline_one:
        return None
    actor = scenario.escalation.actor
    prior = scenario.actors[scenario.escalating_actor].deadline
    latest = math.ceil(prior.support()[1])
    if latest <= protocol.max_rounds:
        return None
    return (
        f"scenario.actors.{actor}.deadline can reach round {latest}, after protocol.max_rounds "
        f"({protocol.max_rounds}): in those runs the deadline escalation draw never happens"
    )
