"""Structured configs: the types and keys Hydra checks at composition.

The defaults list in ``conf/config.yaml`` starts from ``negsim_schema``, so a wrong type or an
unknown key anywhere (a typo in a scenario file included) fails before anything runs.
Meaning (known levels, priors inside their ranges) is checked by :mod:`sim.scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


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


@dataclass
class ItemConf:
    levels: List[str] = field(default_factory=list)
    description: str = ""


@dataclass
class RatifierConf:
    name: str = ""
    items: List[str] = field(default_factory=list)
    bias: PriorConf = MISSING


@dataclass
class ActorConf:
    description: str = ""
    must_accept_every_text: bool = False
    veto_items: List[str] = field(default_factory=list)
    values: Dict[str, Dict[str, PriorConf]] = field(default_factory=dict)
    salience: Dict[str, PriorConf] = field(default_factory=dict)
    reservation: PriorConf = MISSING
    opening_surplus: PriorConf = MISSING
    deadline: PriorConf = MISSING
    concession_exponent: PriorConf = MISSING
    ratifier: Optional[RatifierConf] = None


@dataclass
class EscalationConf:
    start_rung: int = 1
    actor: str = "russia"
    beta0: PriorConf = MISSING
    beta_gap: PriorConf = MISSING
    beta_time: PriorConf = MISSING
    p_deadline: PriorConf = MISSING
    p_spillover: PriorConf = MISSING
    shifts: Dict[str, Dict[str, PriorConf]] = field(default_factory=dict)


@dataclass
class ScenarioConf:
    name: str = MISSING
    title: str = ""
    description: str = ""
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


@dataclass
class EngineConf:
    name: str = "batch"


@dataclass
class MonteCarloConf:
    n_runs: int = 20_000
    seed: int = 0
    chunk_size: int = 65_536
    n_jobs: int = 1
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
