"""The Python API: run a scenario from a notebook or a test with the command line's config.

The config is composed with Hydra's compose API from the same ``conf/`` as ``negsim``, so a
keyword here and an override there mean the same thing (one config truth).
"""

from __future__ import annotations

from pathlib import Path


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
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from sim.app import CONF_DIR

    with initialize_config_dir(version_base="1.3", config_dir=CONF_DIR, job_name="negsim"):
        return hydra_compose(config_name="config", overrides=_overrides(scenario, protocol, engine, n_runs, seed, overrides))


def run(scenario: str = "lieven_2022", protocol: str | dict | None = None, engine: str | None = None,
        n_runs: int | None = None, seed: int | None = None, overrides=(), out_dir: Path | None = None) -> dict:
    """Run the Monte Carlo of a scenario and return its summary; with ``out_dir``, also write
    ``outcomes.parquet`` and ``summary.json`` there (no figures)."""
    from sim.app import build
    from sim.montecarlo import run_monte_carlo

    scenario_, protocol_, engine_, mc, container = build(compose(scenario, protocol, engine, n_runs, seed, overrides))
    return run_monte_carlo(scenario_, protocol_, engine_, mc, out_dir, container)
