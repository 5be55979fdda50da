"""Scenario schema, validation and loading: plain data in, frozen objects out.

A scenario file (``scenarios/*.yaml``, format in ``docs/scenario-format.md``) is pure data:
Hydra composes it into the run config under ``scenario``, where the structured config in
:mod:`sim.config` checks keys and types; this module checks meaning (known items and levels,
priors inside their allowed ranges) and builds the immutable :class:`Scenario` the engines use.
Every error names the dotted field path and the bad value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import product

import numpy as np

from sim.core import decisions
from sim.core.enums import RUNG_NAMES, Rung
from sim.errors import ConfigError
from sim.priors import Prior, parse_prior

UNIT = (-1.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)
POSITIVE = (0.0, math.inf, True)  # open at 0: a deadline or exponent of 0 is meaningless
PROBABILITY = (0.0, 1.0)
REAL = (-math.inf, math.inf)
ESCALATION_PRIORS = {
    "beta0": REAL,
    "beta_gap": REAL,
    "beta_time": REAL,
    "p_deadline": PROBABILITY,
    "p_spillover": PROBABILITY,
}


@dataclass(frozen=True)
class Item:
    name: str
    levels: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Ratifier:
    """The domestic body that must approve an agreed text (Putnam's level II)."""

    name: str
    items: tuple[str, ...]
    bias: Prior


@dataclass(frozen=True)
class Actor:
    name: str
    description: str
    must_accept_every_text: bool
    veto_items: tuple[str, ...]
    values: dict[tuple[str, str], Prior]
    salience: dict[str, Prior]
    reservation: Prior
    opening_surplus: Prior
    deadline: Prior
    concession_exponent: Prior
    ratifier: Ratifier | None


@dataclass(frozen=True)
class Escalation:
    start_rung: int
    actor: str
    priors: dict[str, Prior]
    shifts: dict[tuple[int, str], Prior]


@dataclass(frozen=True)
class Scenario:
    """An immutable, validated scenario; ``priors()`` lists every random input by path."""

    name: str
    title: str
    description: str
    items: tuple[Item, ...]
    actors: tuple[Actor, ...]
    opening_offer: tuple[int, ...]
    escalation: Escalation

    @property
    def item_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items)

    @property
    def actor_names(self) -> tuple[str, ...]:
        return tuple(actor.name for actor in self.actors)

    @property
    def n_levels(self) -> np.ndarray:
        return np.array([len(item.levels) for item in self.items], dtype=np.int64)

    @property
    def escalating_actor(self) -> int:
        return self.actor_names.index(self.escalation.actor)

    def priors(self) -> dict[str, Prior]:
        """Every prior, keyed by its dotted config path (which also names its random stream)."""
        out: dict[str, Prior] = {}
        for actor in self.actors:
            base = f"actors.{actor.name}"
            for (item, level), prior in actor.values.items():
                out[f"{base}.values.{item}.{level}"] = prior
            for item, prior in actor.salience.items():
                out[f"{base}.salience.{item}"] = prior
            for name in ("reservation", "opening_surplus", "deadline", "concession_exponent"):
                out[f"{base}.{name}"] = getattr(actor, name)
            if actor.ratifier is not None:
                out[f"{base}.ratifier.bias"] = actor.ratifier.bias
        for name, prior in self.escalation.priors.items():
            out[f"escalation.{name}"] = prior
        for (rung, actor), prior in self.escalation.shifts.items():
            out[f"escalation.shifts.{RUNG_NAMES[rung]}.{actor}"] = prior
        return out

    @cached_property
    def packages(self) -> np.ndarray:
        """Every package, numbered in item order with the last item fastest: (P, items)."""
        return np.array(list(product(*(range(len(i.levels)) for i in self.items))), dtype=np.int64)

    @cached_property
    def strides(self) -> np.ndarray:
        """Multipliers from a package to its number (``decisions.package_index``)."""
        return decisions.package_strides(self.n_levels)

    @cached_property
    def asked(self) -> np.ndarray:
        """(actors, packages) bool: whose yes each package needs (``must_accept``)."""
        return decisions.must_accept_table(self.every_text(), self.veto_matrix(), self.packages)

    def describe_package(self, package) -> dict[str, str]:
        return {item.name: item.levels[int(level)] for item, level in zip(self.items, package)}

    def veto_matrix(self) -> np.ndarray:
        """(actors, items) bool: the items on which each actor's yes is needed."""
        return np.array(
            [[item in actor.veto_items for item in self.item_names] for actor in self.actors]
        )

    def ratifier_matrix(self) -> np.ndarray:
        """(actors, items) bool: the items that send a text to each actor's ratifier."""
        return np.array(
            [
                [actor.ratifier is not None and item in actor.ratifier.items for item in self.item_names]
                for actor in self.actors
            ]
        )

    def every_text(self) -> np.ndarray:
        return np.array([actor.must_accept_every_text for actor in self.actors])


def _mapping(node: object, path: str) -> Mapping:
    if not isinstance(node, Mapping):
        raise ConfigError(path, node, "must be a mapping")
    return node


def _required(node: Mapping, key: str, path: str) -> object:
    value = node.get(key)
    if value is None or value == "???":  # "???" is OmegaConf's mark of a missing value
        raise ConfigError(f"{path}.{key}" if path else key, None, "is required")
    return value


def _names(node: object, path: str, known: tuple[str, ...]) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, str) or not isinstance(node, (list, tuple)):
        raise ConfigError(path, node, "must be a list of item names")
    for name in node:
        if name not in known:
            raise ConfigError(path, name, f"unknown item; the items are {list(known)}")
    return tuple(node)


def scenario_from_dict(data: object, where: str = "scenario") -> Scenario:
    """Validate plain scenario data (a dict, as from YAML or ``OmegaConf.to_container``)."""
    data = _mapping(data, where)
    name = str(_required(data, "name", where))
    items = _parse_items(_mapping(_required(data, "items", where), f"{where}.items"), f"{where}.items")
    item_names = tuple(item.name for item in items)
    offer_node = _mapping(_required(data, "opening_offer", where), f"{where}.opening_offer")
    opening_offer = []
    for item in items:
        level = offer_node.get(item.name)
        if level not in item.levels:
            raise ConfigError(
                f"{where}.opening_offer.{item.name}", level, f"unknown level; use one of {list(item.levels)}"
            )
        opening_offer.append(item.levels.index(level))
    for key, level in offer_node.items():
        if key not in item_names:
            raise ConfigError(f"{where}.opening_offer.{key}", level, f"unknown item; the items are {list(item_names)}")
    actors_node = _mapping(_required(data, "actors", where), f"{where}.actors")
    actors = tuple(
        _parse_actor(actor, _mapping(node, f"{where}.actors.{actor}"), items, f"{where}.actors.{actor}")
        for actor, node in actors_node.items()
    )
    if not any(actor.must_accept_every_text for actor in actors):
        raise ConfigError(f"{where}.actors", list(actors_node), "at least one actor must accept every text")
    escalation = _parse_escalation(
        _mapping(_required(data, "escalation", where), f"{where}.escalation"),
        tuple(a.name for a in actors),
        f"{where}.escalation",
    )
    return Scenario(
        name=name,
        title=str(data.get("title") or name),
        description=str(data.get("description") or ""),
        items=items,
        actors=actors,
        opening_offer=tuple(opening_offer),
        escalation=escalation,
    )


def _parse_items(node: Mapping, path: str) -> tuple[Item, ...]:
    if not node:
        raise ConfigError(path, dict(node), "a scenario needs at least one item")
    items = []
    for name, spec in node.items():
        spec = _mapping(spec, f"{path}.{name}")
        levels = spec.get("levels")
        if not isinstance(levels, (list, tuple)) or len(levels) < 2:
            raise ConfigError(f"{path}.{name}.levels", levels, "an item needs a list of at least two levels")
        if len(set(levels)) != len(levels):
            raise ConfigError(f"{path}.{name}.levels", levels, "level names must be distinct")
        items.append(Item(str(name), tuple(str(level) for level in levels), str(spec.get("description") or "")))
    return tuple(items)


def _parse_actor(name: str, node: Mapping, items: tuple[Item, ...], path: str) -> Actor:
    item_names = tuple(item.name for item in items)
    values_node = _mapping(_required(node, "values", path), f"{path}.values")
    values: dict[tuple[str, str], Prior] = {}
    for item_name, levels in values_node.items():
        if item_name not in item_names:
            raise ConfigError(f"{path}.values.{item_name}", item_name, f"unknown item; the items are {list(item_names)}")
        item = items[item_names.index(item_name)]
        for level, prior in _mapping(levels, f"{path}.values.{item_name}").items():
            if level not in item.levels[1:]:
                raise ConfigError(
                    f"{path}.values.{item_name}.{level}",
                    level,
                    f"unknown level (level 0, {item.levels[0]!r}, is worth 0 and is not listed); "
                    f"use one of {list(item.levels[1:])}",
                )
            values[(item_name, level)] = parse_prior(prior, f"{path}.values.{item_name}.{level}", UNIT)
    for item in items:
        for level in item.levels[1:]:
            if (item.name, level) not in values:
                raise ConfigError(f"{path}.values.{item.name}.{level}", None, "is required (a prior for each level above 0)")
    salience_node = _mapping(_required(node, "salience", path), f"{path}.salience")
    salience = {}
    for item_name in item_names:
        if item_name not in salience_node:
            raise ConfigError(f"{path}.salience.{item_name}", None, "is required (a weight for every item)")
        salience[item_name] = parse_prior(salience_node[item_name], f"{path}.salience.{item_name}", NON_NEGATIVE)
    for item_name in salience_node:
        if item_name not in item_names:
            raise ConfigError(f"{path}.salience.{item_name}", item_name, f"unknown item; the items are {list(item_names)}")
    if all(p.is_fixed and p.params["value"] == 0 for p in salience.values()):
        raise ConfigError(f"{path}.salience", 0, "salience weights must not all be zero")
    ratifier = None
    if node.get("ratifier") is not None:
        r_node = _mapping(node["ratifier"], f"{path}.ratifier")
        ratifier = Ratifier(
            name=str(r_node.get("name") or f"{name} ratifier"),
            items=_names(r_node.get("items"), f"{path}.ratifier.items", item_names),
            bias=parse_prior(_required(r_node, "bias", f"{path}.ratifier"), f"{path}.ratifier.bias", REAL),
        )
    every_text = node.get("must_accept_every_text", False)
    if not isinstance(every_text, bool):
        raise ConfigError(f"{path}.must_accept_every_text", every_text, "must be true or false")
    return Actor(
        name=str(name),
        description=str(node.get("description") or ""),
        must_accept_every_text=every_text,
        veto_items=_names(node.get("veto_items"), f"{path}.veto_items", item_names),
        values=values,
        salience=salience,
        reservation=parse_prior(_required(node, "reservation", path), f"{path}.reservation", UNIT),
        opening_surplus=parse_prior(_required(node, "opening_surplus", path), f"{path}.opening_surplus", NON_NEGATIVE),
        deadline=parse_prior(_required(node, "deadline", path), f"{path}.deadline", POSITIVE),
        concession_exponent=parse_prior(
            _required(node, "concession_exponent", path), f"{path}.concession_exponent", POSITIVE
        ),
        ratifier=ratifier,
    )


def _parse_escalation(node: Mapping, actor_names: tuple[str, ...], path: str) -> Escalation:
    start = node.get("start_rung", int(Rung.COERCIVE_BUILDUP))
    if isinstance(start, bool) or start not in (0, 1, 2):
        raise ConfigError(f"{path}.start_rung", start, "a run starts at rung 0, 1 or 2")
    actor = node.get("actor", "russia")
    if actor not in actor_names:
        raise ConfigError(f"{path}.actor", actor, f"unknown actor; the actors are {list(actor_names)}")
    priors = {
        name: parse_prior(_required(node, name, path), f"{path}.{name}", allowed)
        for name, allowed in ESCALATION_PRIORS.items()
    }
    shifts: dict[tuple[int, str], Prior] = {}
    for rung_name, by_actor in _mapping(node.get("shifts") or {}, f"{path}.shifts").items():
        if rung_name not in RUNG_NAMES[1:]:
            raise ConfigError(f"{path}.shifts.{rung_name}", rung_name, f"unknown rung; use one of {list(RUNG_NAMES[1:])}")
        for actor_name, prior in _mapping(by_actor, f"{path}.shifts.{rung_name}").items():
            if actor_name not in actor_names:
                raise ConfigError(
                    f"{path}.shifts.{rung_name}.{actor_name}", actor_name, f"unknown actor; the actors are {list(actor_names)}"
                )
            shifts[(RUNG_NAMES.index(rung_name), actor_name)] = parse_prior(
                prior, f"{path}.shifts.{rung_name}.{actor_name}", REAL
            )
    return Escalation(start_rung=int(start), actor=str(actor), priors=priors, shifts=shifts)
