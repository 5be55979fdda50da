"""Scenario schema, validation and loading: plain data in, frozen objects out.

A scenario file (``scenarios/*.yaml``, format in ``docs/scenario-format.md``) is pure data:
Hydra composes it into the run config under ``scenario``, where the structured config in
:mod:`sim.config` checks keys and types; this module checks meaning (known items and levels,
priors inside their allowed ranges) and builds the immutable :class:`Scenario` the engines use.
Every error names the dotted field path and the bad value.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

import numpy as np

from sim import limits
from sim.core import decisions
from sim.core.enums import RUNG_NAMES, Rung
from sim.errors import ConfigError
from sim.parameters import PARAMETERS, Parameter
from sim.priors import Prior, parse_prior

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


@dataclass(frozen=True)
class Actor:
    """An actor's place in the game (whose yes a text needs, its ratifier); its sampled
    parameters are in :attr:`Scenario.priors`, by path."""

    name: str
    description: str
    must_accept_every_text: bool
    veto_items: tuple[str, ...]
    ratifier: Ratifier | None
    red_lines: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # item -> levels


@dataclass(frozen=True)
class Escalation:
    start_rung: int
    actor: str


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
    prior_by_path: dict[str, Prior] = field(hash=False, compare=True)
    as_of: datetime.date | None = None  # the date the opening is set (DESIGN.md, "Evidence")
    backtest: bool = False  # its outcome is on record and it is tested against it

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
        """Every prior, keyed by its dotted config path (which also names its random stream),
        in the order of :data:`sim.parameters.PARAMETERS`, actor by actor."""
        return dict(self.prior_by_path)

    def prior(self, path: str) -> Prior:
        return self.prior_by_path[path]

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

    def red_line_matrix(self) -> np.ndarray:
        """(actors, items, max levels) bool: the levels each actor's red lines exclude (whether
        a red line binds is drawn per run, with its ``hold`` prior)."""
        out = np.zeros((len(self.actors), len(self.items), int(self.n_levels.max())), dtype=np.bool_)
        for a, actor in enumerate(self.actors):
            for i, item in enumerate(self.items):
                for level in actor.red_lines.get(item.name, ()):
                    out[a, i, item.levels.index(level)] = True
        return out

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


def check_size(data: object, where: str = "scenario") -> None:
    """The bounds of :mod:`sim.limits` on plain scenario data: levels per item, actors, the
    number of packages. Cheap (it counts), so it runs before anything else reads the data:
    first in :func:`scenario_from_dict`, and on a scenario file before it is composed."""
    if not isinstance(data, Mapping):
        return
    items = data.get("items")
    if isinstance(items, Mapping):
        counts = []
        for name, spec in items.items():
            levels = spec.get("levels") if isinstance(spec, Mapping) else None
            if isinstance(levels, (list, tuple)):
                limits.check_levels(f"{where}.items.{name}.levels", len(levels))
                counts.append(len(levels))
        limits.check_packages(f"{where}.items", counts)
    if isinstance(data.get("actors"), Mapping):
        limits.check_actors(f"{where}.actors", len(data["actors"]))


def scenario_from_dict(data: object, where: str = "scenario") -> Scenario:
    """Validate plain scenario data (a dict, as from YAML or ``OmegaConf.to_container``)."""
    data = _mapping(data, where)
    check_size(data, where)
    name = str(_required(data, "name", where))
    as_of = parse_as_of(data.get("as_of"), f"{where}.as_of")
    backtest = data.get("backtest", False)
    if backtest is None:
        backtest = False
    if not isinstance(backtest, bool):
        raise ConfigError(f"{where}.backtest", backtest, "must be true or false")
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
    escalation_node = _mapping(_required(data, "escalation", where), f"{where}.escalation")
    escalation = _parse_escalation(escalation_node, tuple(a.name for a in actors), f"{where}.escalation")
    domains = _Domains(items, tuple(a.name for a in actors))
    priors: dict[str, Prior] = {}
    for actor in actors:
        for parameter in PARAMETERS:
            if parameter.owner == "actors":
                priors |= _parse_parameter(parameter, actors_node[actor.name], f"{where}.actors.{actor.name}", domains)
        _check_salience(priors, actor.name, item_names, f"{where}.actors.{actor.name}")
        for item in actor.red_lines:
            priors.setdefault(f"{where}.actors.{actor.name}.red_lines.{item}.hold", HOLD_DEFAULT)
    for parameter in PARAMETERS:
        if parameter.owner == "escalation":
            priors |= _parse_parameter(parameter, escalation_node, f"{where}.escalation", domains)
    prefix = f"{where}."
    return Scenario(
        name=name,
        title=str(data.get("title") or name),
        description=str(data.get("description") or ""),
        items=items,
        actors=actors,
        opening_offer=tuple(opening_offer),
        escalation=escalation,
        prior_by_path={path.removeprefix(prefix): prior for path, prior in priors.items()},
        as_of=as_of,
        backtest=backtest,
    )


def missing_shifts_warning(scenario: Scenario) -> str | None:
    """One line naming the actors and rungs without an escalation shift: a shift is optional
    (:data:`sim.parameters.PARAMETERS`, 0 if not given), so leaving one out is legal, but it
    says "this actor's reservation does not move when the crisis climbs", which is seldom
    meant. Only the rungs a run can climb to (above ``escalation.start_rung``) count.
    ``None`` when every actor has a shift at every one of them."""
    gaps = {}
    for rung in RUNG_NAMES[scenario.escalation.start_rung + 1 :]:
        for actor in scenario.actor_names:
            if f"escalation.shifts.{rung}.{actor}" not in scenario.prior_by_path:
                gaps.setdefault(actor, []).append(rung)
    if not gaps:
        return None
    listed = "; ".join(f"{actor} at {', '.join(rungs)}" for actor, rungs in gaps.items())
    return f"scenario.escalation.shifts: no shift for {listed}: those reservations stay put (shift 0) when the rung is reached"


def parse_as_of(value: object, path: str) -> datetime.date:
    """A scenario's ``as_of``: a date written YYYY-MM-DD (a string, or a date as YAML reads it)."""
    if value is None or value == "???":
        raise ConfigError(path, None, "is required: the date the scenario's opening is set, YYYY-MM-DD")
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(path, value, "must be a date written YYYY-MM-DD")


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
    """An actor's structure; its priors are read by :func:`_parse_parameter`."""
    item_names = tuple(item.name for item in items)
    ratifier = None
    if node.get("ratifier") is not None:
        r_node = _mapping(node["ratifier"], f"{path}.ratifier")
        _required(r_node, "bias", f"{path}.ratifier")
        ratifier = Ratifier(
            name=str(r_node.get("name") or f"{name} ratifier"),
            items=_names(r_node.get("items"), f"{path}.ratifier.items", item_names),
        )
    every_text = node.get("must_accept_every_text", False)
    if not isinstance(every_text, bool):
        raise ConfigError(f"{path}.must_accept_every_text", every_text, "must be true or false")
    veto_items = _names(node.get("veto_items"), f"{path}.veto_items", item_names)
    return Actor(
        name=str(name),
        description=str(node.get("description") or ""),
        must_accept_every_text=every_text,
        veto_items=veto_items,
        ratifier=ratifier,
        red_lines=_parse_red_lines(node.get("red_lines") or {}, items, every_text, veto_items, f"{path}.red_lines"),
    )


HOLD_DEFAULT = Prior(
    "fixed", {"value": 1.0}, "DESIGN.md: a red line binds in every run unless a hold prior says otherwise", "DESIGN.md",
    "assumption",
)  # fmt: skip


def _parse_red_lines(
    node: object, items: tuple[Item, ...], every_text: bool, veto_items: tuple[str, ...], path: str
) -> dict[str, tuple[str, ...]]:
    """DESIGN.md, "Who must say yes": an actor whose yes every text needs may rule out any
    level, the status quo included; any other actor only levels above 0 of its veto items."""
    by_name = {item.name: item for item in items}
    red_lines = {}
    for item_name, spec in _mapping(node, path).items():
        if item_name not in by_name:
            raise ConfigError(f"{path}.{item_name}", item_name, f"unknown item; the items are {list(by_name)}")
        item, where = by_name[item_name], f"{path}.{item_name}"
        levels = _mapping(spec, where).get("levels")
        if not isinstance(levels, (list, tuple)) or not levels:
            raise ConfigError(f"{where}.levels", levels, "a red line needs a list of the levels it rules out")
        for level in levels:
            if level not in item.levels:
                raise ConfigError(f"{where}.levels", level, f"unknown level; use one of {list(item.levels)}")
        if not every_text:
            if item_name not in veto_items:
                raise ConfigError(where, item_name, "a red line must be on one of the actor's veto items")
            if item.levels[0] in levels:
                raise ConfigError(
                    f"{where}.levels", item.levels[0],
                    "only an actor whose yes every text needs may rule out the status quo",
                )  # fmt: skip
        red_lines[item_name] = tuple(str(level) for level in levels)
    return red_lines


def _parse_escalation(node: Mapping, actor_names: tuple[str, ...], path: str) -> Escalation:
    start = node.get("start_rung", int(Rung.COERCIVE_BUILDUP))
    if isinstance(start, bool) or start not in (0, 1, 2):
        raise ConfigError(f"{path}.start_rung", start, "a run starts at rung 0, 1 or 2")
    actor = node.get("actor", "russia")
    if actor not in actor_names:
        raise ConfigError(f"{path}.actor", actor, f"unknown actor; the actors are {list(actor_names)}")
    return Escalation(start_rung=int(start), actor=str(actor))


# --- priors, read by walking the parameter table ---------------------------------------------
@dataclass(frozen=True)
class _Domains:
    """The names a placeholder of a parameter path stands for, in this scenario."""

    items: tuple[Item, ...]
    actors: tuple[str, ...]

    def names(self, placeholder: str, bound: dict[str, str]) -> tuple[str, ...]:
        if placeholder == "item":
            return tuple(item.name for item in self.items)
        if placeholder == "level":  # level 0, the status quo, is worth 0 and is not listed
            return next(item.levels[1:] for item in self.items if item.name == bound["item"])
        if placeholder == "rung":
            return RUNG_NAMES[1:]
        return self.actors

    def unknown(self, placeholder: str, bound: dict[str, str]) -> str:
        if placeholder == "level":
            item = next(i for i in self.items if i.name == bound["item"])
            return (
                f"unknown level (level 0, {item.levels[0]!r}, is worth 0 and is not listed); "
                f"use one of {list(item.levels[1:])}"
            )
        noun = {"item": "items", "actor": "actors"}.get(placeholder)
        if noun is None:
            return f"unknown {placeholder}; use one of {list(self.names(placeholder, bound))}"
        return f"unknown {placeholder}; the {noun} are {list(self.names(placeholder, bound))}"


REQUIRED_EACH = {"level": "a prior for each level above 0", "item": "a weight for every item"}


def _parse_parameter(parameter: Parameter, node: Mapping, path: str, domains: _Domains) -> dict[str, Prior]:
    """The priors of one parameter under ``node`` (an actor's or the escalation block), by
    concrete path, in file order. Unknown names are errors; so is a missing prior of a
    required parameter."""
    found: dict[str, Prior] = {}

    def walk(node: object, keys: tuple[str, ...], path: str, bound: dict[str, str]) -> None:
        key, rest = keys[0], keys[1:]
        if key.startswith("{"):
            placeholder = key.strip("{}")
            node = _mapping(node, path)
            known = domains.names(placeholder, bound)
            for name in node:
                if name not in known:
                    raise ConfigError(f"{path}.{name}", name, domains.unknown(placeholder, bound))
            missing = [name for name in known if name not in node]
            if parameter.required and missing:
                why = REQUIRED_EACH.get(placeholder, f"a prior for every {placeholder}")
                raise ConfigError(f"{path}.{missing[0]}", None, f"is required ({why})")
            for name, child in node.items():  # in file order, which the outcome columns keep
                step(child, rest, f"{path}.{name}", {**bound, placeholder: name})
            return
        child = node.get(key) if isinstance(node, Mapping) else None
        if child is None or child == "???" or (not rest and isinstance(child, Mapping) and child.get("dist") is None):
            if parameter.required:
                raise ConfigError(f"{path}.{key}", None, "is required")
            return
        step(child, rest, f"{path}.{key}", bound)

    def step(child: object, rest: tuple[str, ...], path: str, bound: dict[str, str]) -> None:
        if rest:
            walk(child, rest, path, bound)
        else:
            found[path] = parse_prior(child, path, parameter.allowed, parameter.families)

    walk(node, parameter.key, path, {})
    return found


def _check_salience(priors: dict[str, Prior], actor: str, item_names: tuple[str, ...], path: str) -> None:
    weights = [priors[f"{path}.salience.{item}"] for item in item_names]
    if all(p.is_fixed and p.params["value"] == 0 for p in weights):
        raise ConfigError(f"{path}.salience", 0, "salience weights must not all be zero")
