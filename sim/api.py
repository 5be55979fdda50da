"""The Python API: run a scenario from a notebook, a test or an analysis with the command
line's config.

The config is composed with Hydra's compose API from the same ``conf/`` as ``negsim``, so a
keyword here and an override there mean the same thing (one config truth). This is the one
door through which code outside the entry points composes and simulates: it needs neither the
``negsim`` application (:mod:`sim.app`) nor Hydra itself.
"""

from __future__ import annotations

from pathlib import Path

from sim import configure, rundir
from sim.configure import build
from sim.montecarlo import MonteCarlo, map_jobs, run_monte_carlo

__all__ = [
    "MonteCarlo", "build", "compose", "compose_many", "map_jobs", "run", "run_monte_carlo", "sweep_points",
]  # fmt: skip


def _overrides(scenario: str, protocol: str | dict | None, engine: str | None, n_runs: int | None,
               seed: int | None, overrides: tuple[str, ...] | list[str]) -> list[str]:
    out = [f"scenario={scenario}"]
    if isinstance(protocol, dict):
        out.append(f"protocol={protocol['name']}")
        out += [f"protocol.{key}={str(value).lower() if isinstance(value, bool) else value}"
                for key, value in protocol.items() if key != "name"]
    elif protocol is not None:
        out.append(f"protocol={protocol}")
    for key, value in (("engine", engine), ("mc.n_runs", n_runs), ("mc.seed", seed)):
        if value is not None:
            out.append(f"{key}={value}")
    return out + list(overrides)


def compose(scenario: str = "lieven_2022", protocol: str | dict | None = None, engine: str | None = None,
            n_runs: int | None = None, seed: int | None = None, overrides=()):
    """The composed config of ``negsim scenario=... protocol=... <overrides>``."""
    return compose_many([_overrides(scenario, protocol, engine, n_runs, seed, overrides)])[0]


def compose_many(overrides: list[list[str]]) -> list:
    """The composed config of ``negsim <overrides>`` for each list, in one Hydra context
    (cheaper than one :func:`compose` each)."""
    with configure.hydra_context():
        return [configure.compose_config(each) for each in overrides]


def run(scenario: str = "lieven_2022", protocol: str | dict | None = None, engine: str | None = None,
        n_runs: int | None = None, seed: int | None = None, overrides=(), out_dir: Path | None = None) -> dict:
    """Run the Monte Carlo of a scenario and return its summary; with ``out_dir``, also write
    ``outcomes.parquet`` and ``summary.json`` there (no figures), holding the directory's
    writer lock (:func:`sim.rundir.one_writer`) while it does."""
    scenario_, protocol_, engine_, mc, container = build(compose(scenario, protocol, engine, n_runs, seed, overrides))
    if out_dir is None:
        return run_monte_carlo(scenario_, protocol_, engine_, mc, None, container)
    with rundir.one_writer(out_dir):
        return run_monte_carlo(scenario_, protocol_, engine_, mc, out_dir, container)


def sweep_points(overrides: list[str]) -> list[tuple[str, ...]]:
    """Every point of a sweep (``negsim -m <overrides>``) as its config overrides (raises
    :class:`sim.errors.ConfigError` for an override that Hydra's grammar rejects)."""
    return configure.sweep_combinations(overrides)
