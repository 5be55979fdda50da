"""Negotiation protocols as configured (DESIGN.md, "Protocols"): which rules a run follows.

Each protocol is a module of :mod:`sim.core.protocols` (its compiled step 4 and a few facts
about it); :class:`Protocol` is the validated ``protocol`` node of a config, and
:class:`ProtocolName` the enum of the protocols that exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from sim.core.protocols import modules
from sim.errors import ConfigError

ProtocolName = StrEnum("ProtocolName", {name.upper(): name for name in modules()})
ProtocolName.__doc__ = "The protocols of :mod:`sim.core.protocols`, by name."
SINGLE_TEXT = ProtocolName("single_text")
ULTIMATUM = ProtocolName("ultimatum")
ALTERNATING = ProtocolName("alternating")
PROTOCOLS = tuple(ProtocolName)


@dataclass(frozen=True)
class Protocol:
    """A protocol (``name``), the number of rounds, whether the talks go on after a
    full-scale invasion ("on a new basis", Lieven), the actor who speaks for the West where
    the protocol uses one (``alternating``), and whether a mediator who ranks texts counts
    the ratifiers' refusals (``single_text``; ``false`` reproduces negsim 0.1 run for run)."""

    name: str = SINGLE_TEXT
    max_rounds: int = 12
    continue_after_invasion: bool = False
    west_speaker: str = "us"
    anticipate_ratification: bool = True

    def __post_init__(self) -> None:
        if self.name not in PROTOCOLS:
            raise ConfigError("protocol.name", self.name, f"unknown protocol; use one of {[str(p) for p in PROTOCOLS]}")
        object.__setattr__(self, "name", ProtocolName(self.name))
        rounds = self.max_rounds
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise ConfigError("protocol.max_rounds", rounds, "must be a whole number >= 1")
        if self.module.ONE_ROUND and rounds != 1:
            raise ConfigError("protocol.max_rounds", rounds, f"the {self.name} protocol has exactly one round")

    @property
    def module(self):
        """The protocol's module in :mod:`sim.core.protocols`."""
        return modules()[self.name]

    @property
    def tag(self):
        """The value the compiled round is handed to name this protocol (its step 4)."""
        return self.module.TAG

    @property
    def forces_deadline_one(self) -> bool:
        """A one-round protocol sets every actor's deadline to round 1: aspiration = reservation."""
        return self.module.ONE_ROUND

    @property
    def anticipates_ratification(self) -> bool:
        """Whether the mediator counts the ratifiers' refusals (``single_text`` only)."""
        return self.anticipate_ratification and self.module.ANTICIPATES

    def speaker_index(self, scenario) -> int:
        """The West's speaker's actor index, or -1 if the protocol has no speaker."""
        return scenario.actor_names.index(self.west_speaker) if self.module.SPEAKER else -1


def protocol_from_dict(node: dict) -> Protocol:
    """The protocol of a composed config's ``protocol`` node (validated on construction)."""
    return Protocol(
        node.get("name"),
        node.get("max_rounds"),
        bool(node.get("continue_after_invasion", False)),
        str(node.get("west_speaker") or "us"),
        bool(node.get("anticipate_ratification", True)),
    )


def check_protocol_fits(scenario, protocol: Protocol) -> None:
    """The protocol's named actors exist in the scenario, and the West's speaker is not the
    escalating actor."""
    if not protocol.module.SPEAKER:
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
    latest = math.ceil(scenario.prior(f"actors.{actor}.deadline").support()[1])
    if latest <= protocol.max_rounds:
        return None
    return (
        f"scenario.actors.{actor}.deadline can reach round {latest}, after protocol.max_rounds "
        f"({protocol.max_rounds}): in those runs the deadline escalation draw never happens"
    )
