"""The Monte Carlo entry point: chunks of runs, drawn, simulated, summarised and streamed.

This is the one public function that analysis code calls to simulate
(:func:`run_monte_carlo`); it knows nothing of Hydra.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import sim
from sim.engines import Outcomes, get_engine
from sim.errors import ConfigError
from sim.outputs import OutcomesWriter, outcomes_table, write_json_atomic
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import Scenario
from sim.summary import SummaryAccumulator

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class MonteCarlo:
    """How many runs, from which seed, in chunks of what size, on how many cores."""

    n_runs: int = 20_000
    seed: int = 0
    chunk_size: int = 65_536
    n_jobs: int = 1
    save_outcomes: bool = True
    top_packages: int = 10

    def __post_init__(self) -> None:
        for name in ("n_runs", "chunk_size", "n_jobs", "top_packages"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"mc.{name}", value, "must be a whole number >= 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("mc.seed", self.seed, "must be a whole number >= 0")

    def chunks(self) -> list[tuple[int, int]]:
        return [(start, min(start + self.chunk_size, self.n_runs)) for start in range(0, self.n_runs, self.chunk_size)]


def simulate_chunk(
    scenario: Scenario, protocol: Protocol, engine: str, seed: int, start: int, stop: int, with_parameters: bool
) -> tuple[Outcomes, dict[str, np.ndarray]]:
    """Draw and simulate runs ``start .. stop-1`` (a worker's whole job)."""
    draws = draw(scenario, protocol, seed, start, stop)
    outcomes = get_engine(engine)(scenario, protocol, draws)
    return outcomes, (draws.parameters if with_parameters else {})


def iterate_chunks(
    scenario: Scenario, protocol: Protocol, engine: str, mc: MonteCarlo, with_parameters: bool
) -> Iterator[tuple[Outcomes, dict[str, np.ndarray]]]:
    """Chunks in run order, computed on ``mc.n_jobs`` local cores (joblib)."""
    get_engine(engine)  # fail early on an unknown engine
    jobs = [(scenario, protocol, engine, mc.seed, start, stop, with_parameters) for start, stop in mc.chunks()]
    if mc.n_jobs == 1 or len(jobs) == 1:
        for job in jobs:
            yield simulate_chunk(*job)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=mc.n_jobs, return_as="generator")
    yield from parallel(delayed(simulate_chunk)(*job) for job in jobs)


def config_hash(config: dict) -> str:
    """SHA-256 of the config that determines the results (chunking and cores do not)."""
    relevant = json.loads(json.dumps(config, sort_keys=True, default=str))
    for key in ("chunk_size", "n_jobs"):
        relevant.get("mc", {}).pop(key, None)
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_monte_carlo(
    scenario: Scenario,
    protocol: Protocol,
    engine: str = "batch",
    mc: MonteCarlo = MonteCarlo(),
    out_dir: Path | None = None,
    config: dict | None = None,
) -> dict:
    """Run the Monte Carlo and return its summary.

    With ``out_dir``, writes ``outcomes.parquet`` (chunk by chunk, if ``mc.save_outcomes``)
    and ``summary.json`` there, each renamed into place only when complete.
    """
    config = config if config is not None else {}
    metadata = {
        "negsim.version": sim.__version__,
        "negsim.seed": str(mc.seed),
        "negsim.scenario": scenario.name,
        "negsim.engine": engine,
        "negsim.protocol": protocol.name,
        "negsim.config_hash": config_hash(config),
        "negsim.config": json.dumps(config, sort_keys=True, default=str),
    }
    writer = None
    if out_dir is not None and mc.save_outcomes:
        writer = OutcomesWriter(Path(out_dir) / "outcomes.parquet", metadata)
    accumulator = SummaryAccumulator(scenario, protocol.max_rounds)
    try:
        for outcomes, parameters in iterate_chunks(scenario, protocol, engine, mc, writer is not None):
            accumulator.add(outcomes)
            if writer is not None:
                writer.write(outcomes_table(scenario, outcomes, parameters))
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    summary = {
        "schema_version": SCHEMA_VERSION,
        "n_runs": mc.n_runs,
        "seed": mc.seed,
        "scenario": scenario.name,
        "engine": engine,
        "protocol": protocol.name,
        "config_hash": metadata["negsim.config_hash"],
        "version": sim.__version__,
        **{k: v for k, v in accumulator.result(mc.top_packages).items() if k != "n_runs"},
        "config": config,
    }
    if out_dir is not None:
        write_json_atomic(Path(out_dir) / "summary.json", summary)
    return summary
