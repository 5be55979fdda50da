"""Structured configs: the types and keys Hydra checks at composition.

The defaults list in ``conf/config.yaml`` starts from ``negsim_schema``, so a wrong type or an
unknown key anywhere (a typo in a scenario file included) fails before anything runs.
Meaning (known levels, priors inside their ranges) is checked by :mod:`sim.scenario`. The
scenario's prior fields are derived from the parameter table (:mod:`sim.parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from sim.parameters import owned_by


@dataclass
class PriorConf:
    dist: Optional[str] = None
    value: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    mean: Optional[float] = None
    sd: Optional[float] = None
    a: Optional[float] = None
    b: Optional[float] = None
    rationale: str = ""
    source: str = ""
    evidence: str = ""  # quote | external | assumption | calibrated (sim.priors.EVIDENCE)
    quote: str = ""  # evidence quote: a phrase found verbatim in the source file
    targets: str = ""  # evidence calibrated: the targets it was fitted to


@dataclass
class ItemConf:
    levels: List[str] = field(default_factory=list)
    description: str = ""


def _prior_type(keys: tuple[str, ...]):
    """``PriorConf``, inside one ``Dict[str, ...]`` per placeholder left in ``keys``."""
    kind = PriorConf
    for key in reversed(keys[1:]):
        if key.startswith("{"):
            kind = Dict[str, kind]
    return kind


def _parameter_fields(owner: str, node: tuple[str, ...] = ()) -> list[tuple]:
    """The fields of the sampled parameters of ``owner`` (``actors`` or ``escalation``) that
    live directly in ``node`` (a key path below the owner: ``()``, ``("ratifier",)``,
    ``("red_lines", "{item}")``); derived from :data:`sim.parameters.PARAMETERS`.

    A parameter whose path ends in placeholders is a dict of priors named by its first key
    (``values``); any other lives in the node above its last key (``ratifier.bias``)."""
    fields = []
    for parameter in owned_by(owner):
        key = parameter.key
        if key[-1].startswith("{"):
            home, name = (), key[0]
        else:
            home, name = key[:-1], key[-1]
        if home != node:
            continue
        kind = _prior_type(key) if key[-1].startswith("{") else PriorConf
        if kind is not PriorConf:
            default = field(default_factory=dict)
        elif parameter.required:
            default = field(default=MISSING)
        else:  # absent: a prior with no ``dist`` (a None default cannot take a merged override)
            default = field(default_factory=PriorConf)
        fields.append((name, kind, default))
    return fields


RatifierConf = make_dataclass(
    "RatifierConf",
    [("name", str, field(default="")), ("items", List[str], field(default_factory=list))]
    + [(name, PriorConf, field(default=MISSING)) for name, _, _ in _parameter_fields("actors", ("ratifier",))],
)

RedLineConf = make_dataclass(
    "RedLineConf",
    [("levels", List[str], field(default_factory=list)), *_parameter_fields("actors", ("red_lines", "{item}"))],
)

ActorConf = make_dataclass(
    "ActorConf",
    [
        ("description", str, field(default="")),
        ("must_accept_every_text", bool, field(default=False)),
        ("veto_items", List[str], field(default_factory=list)),
        *_parameter_fields("actors"),
        ("ratifier", Optional[RatifierConf], field(default=None)),
        ("red_lines", Dict[str, RedLineConf], field(default_factory=dict)),
    ],
)

EscalationConf = make_dataclass(
    "EscalationConf",
    [("start_rung", int, field(default=1)), ("actor", str, field(default="russia")), *_parameter_fields("escalation")],
)


@dataclass
class ScenarioConf:
    name: str = MISSING
    title: str = ""
    description: str = ""
    as_of: str = MISSING  # YYYY-MM-DD: the date the scenario's opening is set
    backtest: bool = False  # the outcome from as_of on is on record and the scenario is tested against it
    items: Dict[str, ItemConf] = field(default_factory=dict)
    opening_offer: Dict[str, str] = field(default_factory=dict)
    escalation: EscalationConf = field(default_factory=EscalationConf)
    actors: Dict[str, ActorConf] = field(default_factory=dict)


@dataclass
class ProtocolConf:
    name: str = "single_text"
    max_rounds: int = 12
    continue_after_invasion: bool = False
    west_speaker: str = "us"
    anticipate_ratification: bool = True


@dataclass
class EngineConf:
    name: str = "batch"


@dataclass
class MonteCarloConf:
    n_runs: int = 20_000
    seed: int = 0
    chunk_size: int = 65_536
    n_jobs: int = 1
    n_threads: int = 0
    save_outcomes: bool = True
    top_packages: int = 10


@dataclass
class NegsimConf:
    scenario: ScenarioConf = MISSING
    protocol: ProtocolConf = field(default_factory=ProtocolConf)
    engine: EngineConf = field(default_factory=EngineConf)
    mc: MonteCarloConf = field(default_factory=MonteCarloConf)
    scenario_file: Optional[str] = None
    figures: bool = True
    quiet: bool = False


def register_configs() -> None:
    ConfigStore.instance().store(name="negsim_schema", node=NegsimConf)
