"""The Python API: run a scenario, a sweep or load results from a notebook, a test or an
analysis, with the command line's config.

The config is composed with Hydra's compose API from the same ``conf/`` as ``negsim``
(:mod:`sim.configure`), so a keyword here and an override there mean the same thing (one
config truth): ``run("us_response_2022", "ultimatum", n_runs=5000)`` is ``negsim
scenario=us_response_2022 protocol=ultimatum mc.n_runs=5000``, and ``overrides`` takes any
other override as the command line spells it. Bad input raises :class:`sim.errors.ConfigError`
with the command's one-line message. This is the one door through which code outside the
entry points composes and simulates: it needs neither the ``negsim`` application
(:mod:`sim.app`) nor Hydra itself.

Nothing is written unless asked: ``save_to=DIR`` writes what ``negsim`` writes into a run
directory (``.hydra/``, ``outcomes.parquet``, ``summary.json``; no figures), so that
``negsim-report``, :func:`load` and the run catalog read it like a command's run.

>>> import sim
>>> result = sim.run("us_response_2022", protocol="ultimatum", n_runs=2000)   # doctest: +SKIP
>>> result.p_war, result.outcomes.shape                                        # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from sim import configure, rundir
from sim.configure import build
from sim.errors import ConfigError
from sim.montecarlo import SCHEMA_VERSION, MonteCarlo, config_hash, map_jobs, run_monte_carlo
from sim.results import Estimate, RunResult, SweepResult
from sim.run_catalog import Catalog

__all__ = [
    "Catalog", "Estimate", "MonteCarlo", "RunResult", "SweepResult", "build", "calibrate", "catalog", "compose", "compose_many",
    "discover", "load", "map_jobs", "run", "run_monte_carlo", "sweep", "sweep_points",
]  # fmt: skip


def _value(value) -> str:
    """A Python value as a value of Hydra's override grammar."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return configure.quoted(str(value)) if isinstance(value, str) else str(value)


def _overrides(scenario: str | None, protocol: str | dict | None, engine: str | None, n_runs: int | None,
               seed: int | None, overrides: Sequence[str]) -> list[str]:
    if isinstance(overrides, str):
        raise ConfigError("overrides", overrides, "must be a list of overrides, e.g. ['mc.seed=3']")
    out = [] if scenario is None else [f"scenario={scenario}"]
    if isinstance(protocol, dict):
        out.append(f"protocol={protocol['name']}")
        out += [f"protocol.{key}={_value(value)}" for key, value in protocol.items() if key != "name"]
    elif protocol is not None:
        out.append(f"protocol={protocol}")
    for key, value in (("engine", engine), ("mc.n_runs", n_runs), ("mc.seed", seed)):
        if value is not None:
            out.append(f"{key}={value}")
    return configure.expand_command_line(out + list(overrides))  # scenario_file=PATH, as the command does


def compose(scenario: str | None = None, protocol: str | dict | None = None, engine: str | None = None,
            n_runs: int | None = None, seed: int | None = None, overrides=()):
    """The composed config of ``negsim scenario=... protocol=... <overrides>`` (a keyword left
    ``None`` keeps ``conf/``'s default)."""
    return compose_many([_overrides(scenario, protocol, engine, n_runs, seed, overrides)])[0]


def compose_many(overrides: list[list[str]]) -> list:
    """The composed config of ``negsim <overrides>`` for each list, in one Hydra context
    (cheaper than one :func:`compose` each). A composition error is a one-line
    :class:`ConfigError`, as on the command line."""
    configs = []
    with configure.hydra_context():
        for each in overrides:
            try:
                configs.append(configure.compose_config(list(each)))
            except ConfigError:
                raise
            except Exception as error:  # Hydra's and OmegaConf's many-line errors
                raise configure.composition_error(error, list(each)) from None
    return configs


def _simulate(built: tuple, overrides: list[str], save_to: Path | None, keep_outcomes: bool) -> RunResult:
    """The Monte Carlo of a built config (:func:`build`): in memory, or into ``save_to``
    (holding its lock)."""
    scenario, protocol, engine, mc, container = built
    if save_to is None:
        tables = [] if keep_outcomes and mc.save_outcomes else None
        summary = run_monte_carlo(scenario, protocol, engine, mc, None, container, on_table=None if tables is None else tables.append)
        return RunResult(summary, None, overrides, _concatenated(tables))
    save_to = Path(save_to).resolve()
    with rundir.one_writer(save_to):
        rundir.check_not_taken(save_to, config_hash(container))
        rundir.mark_incomplete(save_to)
        rundir.write_hydra_files(save_to, overrides, container)
        summary = run_monte_carlo(scenario, protocol, engine, mc, save_to, container)
    return RunResult(summary, save_to, overrides)


def _concatenated(tables: list | None):
    if tables is None:
        return None
    import pyarrow as pa

    return pa.concat_tables(tables) if tables else None


def run(scenario: str | None = None, protocol: str | dict | None = None, engine: str | None = None,
        n_runs: int | None = None, seed: int | None = None, overrides=(), save_to: Path | str | None = None) -> RunResult:
    """Run the Monte Carlo of ``negsim scenario=... protocol=... engine=... mc.n_runs=...
    mc.seed=... <overrides>``.

    Returns a :class:`RunResult` (``summary``, ``p_war``, ``status``, ``outcomes``,
    ``plot()``). The outcomes table is kept in memory unless ``mc.save_outcomes=false`` (about
    a kilobyte per run for the bundled scenarios); with ``save_to``, the run directory is
    written instead (``.hydra/``, ``outcomes.parquet``, ``summary.json``, under its writer lock,
    refusing a folder that holds another config's complete results) and the outcomes are read
    from it when asked for.
    """
    overrides = _overrides(scenario, protocol, engine, n_runs, seed, overrides)
    (cfg,) = compose_many([overrides])
    return _simulate(build(cfg), overrides, save_to, keep_outcomes=True)


def _grid(grid: Mapping[str, Sequence] | Sequence[str]) -> list[str]:
    """Sweep overrides in Hydra's grammar: ``{"mc.seed": [1, 2]}`` is ``["mc.seed=1,2"]``."""
    if isinstance(grid, str):
        raise ConfigError("grid", grid, "must be a list of sweep overrides, e.g. ['mc.seed=1,2,3'], or a dict of lists")
    if not isinstance(grid, Mapping):
        return list(grid)
    out = []
    for key, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ConfigError(key, values, "a sweep's values must be a non-empty list")
        out.append(f"{key}={','.join(_value(v) for v in values)}")
    return out


def sweep_points(overrides: list[str]) -> list[tuple[str, ...]]:
    """Every point of a sweep (``negsim -m <overrides>``) as its config overrides (raises
    :class:`sim.errors.ConfigError` for an override that Hydra's grammar rejects)."""
    return configure.sweep_combinations(overrides)


def sweep(grid: Mapping[str, Sequence] | Sequence[str], scenario: str | None = None, protocol: str | dict | None = None,
          engine: str | None = None, n_runs: int | None = None, seed: int | None = None, overrides=(),
          save_to: Path | str | None = None) -> SweepResult:
    """Every point of ``negsim -m <grid> <the other arguments>``, one after another, with the
    same random numbers wherever their configs agree (paired comparisons).

    ``grid`` is a dict of lists (``{"protocol": ["single_text", "ultimatum"]}``) or sweep
    overrides as the command line writes them (``["protocol=single_text,ultimatum"]``). Returns
    a :class:`SweepResult` whose ``table`` has the columns ``negsim-report`` writes. Every
    point is composed and checked before any runs. With ``save_to``, each point is written to
    ``save_to/<job number>/`` as ``negsim -m hydra.sweep.dir=...`` does (its outcomes are then
    read from there when asked for; a sweep in memory keeps none), and a point whose complete
    results are already under ``save_to`` (same config hash, version and schema) is loaded
    instead of run again.
    """
    from analysis.sweep import RunDir, override_key, sweep_of

    base = _overrides(scenario, protocol, engine, n_runs, seed, overrides)
    points = [list(point) for point in sweep_points([*base, *_grid(grid)])]
    built = [build(cfg) for cfg in compose_many(points)]  # every point checked before any runs
    root = Path(save_to).resolve() if save_to is not None else None
    runs, results = [], []
    with rundir.one_writer(root) if root is not None else contextlib.nullcontext():
        for job, (point, each) in enumerate(zip(points, built)):
            folder = root / str(job) if root is not None else None
            result = _completed(root, folder, each[4], point) if root is not None else None
            if result is None:
                result = _simulate(each, point, folder, keep_outcomes=False)
            results.append(result)
            runs.append(RunDir(result.path, dict(override_key(o) for o in point), job, "ok", "", result.summary))
    return SweepResult(sweep_of(root, runs), results)


def _completed(root: Path, folder: Path, container: dict, overrides: list[str]) -> RunResult | None:
    """A complete earlier result of this point under ``root`` (as ``negsim -m`` resumes)."""
    import sim

    identity = {"config_hash": config_hash(container), "version": sim.__version__, "schema_version": SCHEMA_VERSION}
    found = rundir.find_complete(root, identity, first=folder)
    return None if found is None else RunResult(rundir.read_complete(found), found, overrides)


def load(path: Path | str) -> RunResult | SweepResult:
    """The results under ``path``: a run directory (``negsim``'s, ``negsim -m``'s point or
    ``save_to``'s) as a :class:`RunResult`, a sweep directory as a :class:`SweepResult`
    (incomplete or failed points are rows of its table with their ``state`` and ``problem``).
    Raises :class:`ConfigError` for a path with no complete results."""
    from analysis.sweep import ReportError, read_run, read_sweep

    path = Path(path)
    if not path.is_dir():
        raise ConfigError("path", str(path), "no such directory" if not path.exists() else "not a directory")
    if (path / rundir.SUMMARY).is_file() or (path / ".hydra").is_dir():
        summary, why = rundir.inspect(path)
        if summary is None:
            raise ConfigError("path", str(path), why)
        overrides = [f"{key}={value}" for key, value in read_run(path).overrides.items()]
        return RunResult(summary, path, overrides)
    try:
        found = read_sweep(path)
    except ReportError as error:
        raise ConfigError("path", str(path), str(error)) from None
    results = []
    for run in found.runs:
        if run.state == "ok":
            results.append(RunResult(run.summary, run.path, [f"{key}={value}" for key, value in run.overrides.items()]))
    return SweepResult(found, results)


def catalog(*roots: Path | str, db: Path | str | None = None) -> Catalog:
    """The run catalog (:class:`sim.run_catalog.Catalog`) of the run and sweep directories
    under ``roots``: ``.list(where="scenario='us_response_2022' AND protocol='ultimatum'")``,
    ``.sql("SELECT ...")`` (DataFrames), ``.export(path)``, ``.outcomes(where)``. In memory
    unless ``db`` names a DuckDB file (``negsim-runs``' ``negsim-runs.duckdb``), which keeps it
    between sessions: later calls then read only new or changed run directories."""
    return Catalog(roots, db)


def calibrate(targets: Path | str, n_runs: int | None = None, seed: int | None = None, points: int = 128,
              cutoff: float = 3.0, design_seed: int | None = None, engine: str | None = None, overrides=(),
              save_to: Path | str | None = None, figures: bool = True):
    """``negsim-calibrate targets=... mc.n_runs=... mc.seed=... points=... cutoff=...
    <overrides>``: history matching of the targets file's priors to its targets
    (:mod:`analysis.calibrate`; the scenario and protocol are the file's). Returns an
    :class:`analysis.calibrate.Calibration` (``points``, ``fit``, ``region``, ``calibrated``:
    the calibrated scenario's data, or None if no point is accepted). With ``save_to``, the
    command's outputs are written there (figures unless ``figures=False``)."""
    import sim
    from analysis.calibrate import calibrate as history_match
    from analysis.calibrate import read_targets
    from analysis.calibrate_cli import write_outputs

    spec = read_targets(targets)
    (cfg,) = compose_many([_overrides(spec.scenario, spec.protocol, engine, n_runs, seed, overrides)])
    scenario, protocol, engine_name, mc, container = build(cfg)
    result = history_match(spec, container["scenario"], protocol, engine_name, mc, points, cutoff, design_seed, sim.__version__)
    result.settings["config"] = container
    if save_to is not None:
        write_outputs(result, Path(save_to), figures)
    return result


def discover(run_dir: Path | str, outcome: str = "war", holdout: float = 0.5, min_density: float | None = None,
             box: int | None = None, depth: int = 3, seed: int | None = None, save_to: Path | str | None = None,
             figures: bool = True):
    """``negsim-discover RUN_DIR --outcome ...``: scenario discovery (PRIM and CART) on a
    complete run directory's outcomes (:mod:`analysis.discover`). Returns an
    :class:`analysis.discover.Discovery`; with ``save_to``, the command's outputs are written
    there. Bad input raises :class:`ConfigError` with the command's one-line message."""
    from analysis.discover import DiscoverError
    from analysis.discover import discover as find
    from analysis.discover_cli import write_outputs

    try:
        found = find(run_dir, outcome, holdout, min_density, box, depth, seed)
    except DiscoverError as error:
        raise ConfigError("run_dir", str(run_dir), str(error)) from None
    if save_to is not None:
        write_outputs(found, Path(save_to), figures)
    return found
