"""The ``negsim`` command: a Hydra app around :func:`sim.montecarlo.run_monte_carlo`.

Bad input ends with one line on stderr naming the field and the bad value, exit status 2 and
no results: the command line is composed and validated before Hydra creates a run directory,
and so are the launcher and the output directory (:func:`sim.launchers.check_launch`). The
config machinery shared with the other entry points and the Python API is :mod:`sim.configure`.

In a sweep (``-m``), a point whose complete results are already in ``hydra.sweep.dir`` (found
by config hash, :mod:`sim.rundir`) is skipped: re-running an interrupted sweep with the same
``hydra.sweep.dir`` runs only what is missing. A progress bar (tqdm, on stderr) shows on a
terminal once a run has taken 2 s (:func:`wants_progress`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

import sim
from sim import rundir
from sim.configure import CONF_DIR, build, check_command_line, expand_command_line, hydra_context, parse_overrides
from sim.errors import EXIT_ENVIRONMENT, ConfigError, describe_os_error
from sim.launchers import check_launch, compose_with_hydra, pin_output_dir, split_args
from sim.limits import fit_jobs
from sim.montecarlo import SCHEMA_VERSION, config_hash, run_monte_carlo
from sim.protocols import deadline_warning
from sim.scenario import missing_shifts_warning

log = logging.getLogger("negsim")
PROGRESS_DELAY = 2.0  # seconds before a progress bar appears


def run(cfg: DictConfig, out_dir: Path, progress: bool = False) -> dict:
    """Run the configured Monte Carlo into ``out_dir`` and draw its figures (before
    ``summary.json``, which is written last); ``progress``: show a progress bar."""
    scenario, protocol, engine, mc, container = build(cfg)
    n_jobs, jobs_warning = fit_jobs(mc.n_jobs)  # the cores of the machine the job runs on
    mc = dataclasses.replace(mc, n_jobs=n_jobs, n_threads=mc.n_threads or (1 if shares_cores() else 0))
    for warning in (deadline_warning(scenario, protocol), missing_shifts_warning(scenario), jobs_warning):
        if warning:
            log.warning(warning)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = _progress_bar(mc.n_runs, scenario.name) if progress else None

    def before_summary(summary: dict) -> None:
        if bar is not None:
            bar.close()
        if cfg.figures:
            from analysis.figures import save_summary_figures

            save_summary_figures(summary, out_dir / "figures")

    try:
        summary = run_monte_carlo(
            scenario, protocol, engine, mc, out_dir, container,
            progress=bar.update if bar is not None else None, before_summary=before_summary,
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    if not cfg.quiet:
        from analysis.report import format_summary

        print(format_summary(summary, out_dir))
    return summary


LOCAL_PARALLEL_LAUNCHERS = (".JoblibLauncher", ".LocalLauncher")
"""Launchers that run several points of a sweep at once on this machine (joblib,
submitit_local); a SLURM task has cores of its own (its CPU set)."""


def sweep_launcher() -> str:
    """The ``_target_`` of the launcher running this job's sweep; "" for a single run, or
    outside a Hydra job (tests, the Python API)."""
    if not HydraConfig.initialized():
        return ""
    hydra_cfg = HydraConfig.get()
    return str(hydra_cfg.launcher.get("_target_", "")) if hydra_cfg.mode == RunMode.MULTIRUN else ""


def shares_cores() -> bool:
    """Whether this job is a sweep point running beside others on the same cores: then its
    default ``mc.n_threads`` is 1, not every core (which would oversubscribe them)."""
    return sweep_launcher().endswith(LOCAL_PARALLEL_LAUNCHERS)


def wants_progress(cfg: DictConfig) -> bool:
    """A progress bar only for a person watching: not with ``quiet=true``, not in CI
    (``CI=true``), not when stderr is not a terminal, and not in a sweep whose points run at
    the same time (any launcher but the basic one)."""
    if cfg.quiet or os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        return False
    if not sys.stderr.isatty():
        return False
    launcher = sweep_launcher()
    return not launcher or launcher.endswith(".BasicLauncher")


def _progress_bar(total: int, name: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit=" runs", unit_scale=True, delay=PROGRESS_DELAY, file=sys.stderr, dynamic_ncols=True)


def completed_point(cfg: DictConfig) -> Path | None:
    """In a sweep: the directory of this point's complete results in ``hydra.sweep.dir``
    (same config hash, package version and summary schema), or ``None``. Raises
    :class:`sim.rundir.RunDirError` if this point's own directory holds another config's
    complete results."""
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    out_dir = Path(hydra_cfg.runtime.output_dir)  # absolute: <sweep dir>/<subdir>
    depth = len(Path(str(hydra_cfg.sweep.subdir)).parts)
    sweep_dir = out_dir.parents[depth - 1] if depth else out_dir
    digest = config_hash(build(cfg)[4])
    identity = {"config_hash": digest, "version": sim.__version__, "schema_version": SCHEMA_VERSION}
    found = rundir.find_complete(sweep_dir, identity, first=out_dir)
    if found is None:
        rundir.check_not_taken(out_dir, digest)
    return found


def job(cfg: DictConfig) -> None:
    """One job: a single run, or one point of a sweep (Hydra's task function)."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        done = completed_point(cfg)
        if done is not None:
            log.info("skipping (complete: %s)", done)
            return
        with rundir.one_writer(out_dir):  # a sweep's point; a single run's is held by main()
            run(cfg, out_dir, progress=wants_progress(cfg))
    except ConfigError as error:
        _fail(error)
    except rundir.RunDirError as error:
        log.error("negsim: error: %s", error)
        raise
    except OSError as error:  # disk full, permission denied, a folder gone read-only
        _fail(f"{describe_os_error(error)} (run directory {out_dir}, left marked {rundir.MARKER})", EXIT_ENVIRONMENT)


_hydra_main = hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")(job)


def run_composed(cfg: DictConfig) -> None:
    """A single run from its config composed once (with ``hydra``), as Hydra's own ``main``
    runs it (``Hydra.run``: ``hydra.run.dir``, ``.hydra/``, logging, callbacks), without
    composing the command line three more times (~0.3 s each; DESIGN.md latency target)."""
    from hydra._internal.callbacks import Callbacks
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.utils import configure_log, run_job
    from hydra.types import HydraContext

    with hydra_context():
        configure_log(cfg.hydra.hydra_logging, cfg.hydra.verbose)
        callbacks = Callbacks(cfg)
        callbacks.on_run_start(config=cfg, config_name="config")
        context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=callbacks)
        done = run_job(task_function=job, config=cfg, job_dir_key="hydra.run.dir", job_subdir_key=None, hydra_context=context)
        callbacks.on_run_end(config=cfg, config_name="config", job_return=done)
    done.return_value  # the job's exception, if it raised one


def compose_single_run(args: list[str]) -> DictConfig | None:
    """The command line composed with Hydra's config, validated, if it is one plain run (no
    flag, no sweep); ``None`` for anything else (Hydra's ``main`` takes those)."""
    overrides, flags = split_args(args)
    if flags or any(o.is_sweep_override() for o in parse_overrides(overrides)):
        return None
    cfg = compose_with_hydra([*overrides, "hydra.mode=RUN"])  # as Hydra's main composes a run
    build(cfg)  # one line on stderr for a bad value, before anything is written
    return cfg


def _fail(error: Exception | str, status: int = 2) -> None:
    print(f"negsim: error: {error}", file=sys.stderr)
    sys.exit(status)


@contextlib.contextmanager
def _one_writer(launch: tuple[str, Path] | None):
    """The writer's lock on the output directory (a single run's, or a sweep's), taken before
    Hydra writes anything there; a single run's directory is marked incomplete at once."""
    if launch is None:
        yield
        return
    field, out_dir = launch
    with rundir.one_writer(out_dir):
        if field == "hydra.run.dir":
            rundir.mark_incomplete(out_dir)
        yield


def main() -> None:
    """Console entry point (``negsim`` and ``python -m sim``)."""
    args = sys.argv[1:]
    try:
        args = expand_command_line(args)
        composed = compose_single_run(args)
        if composed is None:
            check_command_line(args)
        launch = check_launch(args, composed)
    except ConfigError as error:
        _fail(error)
    if launch is not None:
        args = pin_output_dir(args, *launch)
        if composed is not None:
            with open_dict(composed):
                OmegaConf.update(composed, launch[0], str(launch[1]))
    sys.argv = [sys.argv[0], *args]
    try:
        with _one_writer(launch):
            if composed is not None:
                run_composed(composed)
            else:
                _hydra_main()
    except (rundir.RunDirBusy, rundir.RunDirError) as error:
        _fail(error)
    except OSError as error:
        _fail(describe_os_error(error), EXIT_ENVIRONMENT)
