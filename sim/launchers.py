"""Checks of what Hydra will use to launch the jobs, made before Hydra creates anything.

:func:`check_launch` composes the command line together with Hydra's own config
(``hydra.*``, ``hydra/launcher=...``) and raises :class:`ConfigError` (one line on stderr,
exit status 2, nothing written) for:

- a launcher that is not installed (``hydra/launcher=ray``): Hydra's composition error,
  shortened to one line; or a launcher config without ``_target_``;
- a launcher config with a required (``???``) field left unset;
- a SLURM launcher (``submitit_slurm``, ``slurm_example`` or a config extending them) without
  a ``partition``, with a size below 1 (``timeout_min``, ``cpus_per_task``, ``mem_gb``,
  ``array_parallelism``, ``nodes``, ``tasks_per_node``), or on a machine without ``sbatch`` and ``srun``;
- an output directory (``hydra.run.dir``, or ``hydra.sweep.dir`` with ``-m``) that cannot be
  created or written;
- a sweep into an existing ``hydra.sweep.dir`` (with the default ``hydra.sweep.subdir``, the job
  number) in which a point would be given the directory of another configuration's complete
  results: a different sweep than the one that wrote them (values inserted or reordered).
  Hydra would write the point's ``.hydra/`` there before negsim could refuse.

The launcher is checked only for a sweep (``-m``/``--multirun``): a single run does not use it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.configure import (
    available_options,
    CHECKED_HASHES,
    FLAGS_WITH_VALUE,
    FLAGS_WITHOUT_CHECK,
    build,
    compose_config,
    composition_error,
    first_line,
    hydra_context,
    job_key,
    parse_overrides,
    quoted,
)
from sim.errors import ConfigError
from sim.montecarlo import config_hash
from sim.rundir import check_writable, read_complete

SLURM_SIZES = ("timeout_min", "array_parallelism", "nodes", "tasks_per_node")
SLURM_OPTIONAL_SIZES = ("cpus_per_task", "mem_gb")


def split_args(args: list[str]) -> tuple[list[str], set[str]]:
    """The overrides of a command line and its flags (``-m``, ``--cfg``, ...)."""
    overrides, flags, skip = [], set(), False
    for arg in args:
        if skip:
            skip = False
        elif arg in FLAGS_WITH_VALUE:
            flags.add(arg)
            skip = True
        elif arg.startswith("-"):
            flags.add(arg)
        else:
            overrides.append(arg)
    return overrides, flags


def first_values(overrides: list[str]) -> list[str]:
    """The overrides with each sweep at its first value."""
    try:
        with hydra_context():
            return [
                f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()), '')}" if o.is_sweep_override() else o.input_line
                for o in parse_overrides(overrides)
            ]
    except Exception:  # reported with the rest of the command line by check_command_line
        return overrides


def compose_with_hydra(overrides: list[str]) -> DictConfig:
    """The composed config including ``hydra`` (launcher, sweep and run directories)."""
    with hydra_context():
        try:
            return compose_config(overrides, return_hydra_config=True)
        except Exception as error:
            text = str(error)
            choice = next((o.split("=", 1)[1] for o in overrides if o.startswith("hydra/launcher=")), None)
            if choice is not None and f"Could not find 'hydra/launcher/{choice}'" in text:
                available = available_options(text, "hydra/launcher")
                raise ConfigError(
                    "hydra/launcher", choice,
                    f"no such launcher: its plugin is not installed and conf/hydra/launcher/ has no such file "
                    f"(available: {', '.join(available)})" + cluster_hint(choice),
                ) from None  # fmt: skip
            raise composition_error(error, overrides) from None


CLUSTER_LAUNCHERS = ("joblib", "submitit")  # the launchers of negsim's `cluster` extra


def cluster_hint(name: str | None) -> str:
    """How to install a launcher of the ``cluster`` extra that is missing (else nothing)."""
    if name is not None and any(launcher in name for launcher in (*CLUSTER_LAUNCHERS, "slurm")):
        return "; install it with: pip install 'negsim[cluster]'"
    return ""


def check_launcher(cfg: DictConfig) -> None:
    """The launcher of a sweep: a config with a target, all required fields set."""
    launcher = cfg.hydra.launcher
    choice = cfg.hydra.runtime.choices.get("hydra/launcher")
    missing = sorted(OmegaConf.missing_keys(launcher))
    if missing:
        raise ConfigError(f"hydra.launcher.{missing[0]}", "???", f"required by hydra/launcher={choice}; set it on the command line")
    target = str(launcher.get("_target_") or "")
    if not target:
        raise ConfigError("hydra/launcher", choice, "not a launcher config (no _target_): extend a launcher plugin's config, e.g. defaults: [submitit_slurm]")
    module = target.rpartition(".")[0]
    try:
        __import__(module)
    except ImportError:
        raise ConfigError(
            "hydra/launcher", choice, f"its plugin is not installed (cannot import {module})" + cluster_hint(module)
        ) from None
    if target.endswith(".SlurmLauncher"):
        check_slurm(launcher, choice)


def check_slurm(launcher: DictConfig, choice: str | None) -> None:
    """Fields a SLURM submission needs, then ``sbatch`` itself."""
    if not launcher.get("partition"):
        raise ConfigError(
            "hydra.launcher.partition", launcher.get("partition"),
            f"required by the SLURM launcher (hydra/launcher={choice}): add hydra.launcher.partition=NAME",
        )  # fmt: skip
    for key in SLURM_SIZES + SLURM_OPTIONAL_SIZES:
        value = launcher.get(key)
        if value is None and key in SLURM_OPTIONAL_SIZES:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"hydra.launcher.{key}", value, f"must be a whole number >= 1 (hydra/launcher={choice})")
    missing = [name for name in ("sbatch", "srun") if shutil.which(name) is None]
    if missing:
        raise ConfigError(
            "hydra/launcher", choice,
            f"{' and '.join(missing)} not found: a SLURM launcher submits from a cluster's login node; "
            "hydra/launcher=submitit_local runs the same submitit code path on this machine",
        )  # fmt: skip


def sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """The task overrides of each job of a sweep, in Hydra's job-number order (BasicSweeper)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    parsed = [o for o in parse_overrides(overrides) if not o.is_hydra_override()]
    return BasicSweeper.split_arguments(parsed, None)[0]


def check_sweep_dir(overrides: list[str], cfg: DictConfig) -> None:
    """Refuse a sweep that would put a point into the job directory of another
    configuration's complete results (only for the default ``hydra.sweep.subdir``)."""
    sweep_dir = Path(str(cfg.hydra.sweep.dir))
    subdir = OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir")
    if subdir != "${hydra.job.num}" or not sweep_dir.is_dir():
        return  # other layouts: each job checks its own directory (sim.rundir.check_not_taken)
    taken = {}
    for child in sweep_dir.iterdir():
        summary = read_complete(child) if child.name.isdigit() else None
        if summary is not None:
            taken[int(child.name)] = summary.get("config_hash")
    if not taken:
        return
    search_path = [o for o in overrides if o.startswith("hydra.searchpath")]  # scenario_file=...

    def digest(job: list[str]) -> str:
        known = CHECKED_HASHES.get(job_key(job))  # composed by check_command_line
        return known or config_hash(build(compose_config([*job, *search_path]))[4])

    with hydra_context():
        for num, job in enumerate(sweep_jobs(overrides)):
            if num in taken and digest(job) != taken[num]:
                raise ConfigError(
                    "hydra.sweep.dir", str(sweep_dir),
                    f"point #{num} ({' '.join(job)}) would go into {sweep_dir / str(num)}, which holds the complete "
                    "results of another configuration: re-run the sweep command that wrote them, or use a new hydra.sweep.dir",
                )  # fmt: skip


def check_launch(args: list[str], cfg: DictConfig | None = None) -> tuple[str, Path] | None:
    """Check the launcher (for ``-m``) and the output directory of a command line; return the
    output directory's field (``hydra.run.dir`` or ``hydra.sweep.dir``) and path, resolved
    once (``${now:...}`` included), or ``None`` if the command writes nothing. ``cfg``: the
    command line already composed with Hydra's config (:func:`compose_with_hydra`)."""
    if any(arg in FLAGS_WITHOUT_CHECK for arg in args):
        return None
    overrides, flags = split_args(args)
    if cfg is None:
        cfg = compose_with_hydra(first_values(overrides))
    multirun = bool(flags & {"-m", "--multirun"}) or str(cfg.hydra.mode).endswith("MULTIRUN")
    if multirun:
        check_launcher(cfg)
    if flags & {"--cfg", "-c"}:
        return None  # prints the config, writes nothing
    field = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    try:
        out_dir = Path(str(OmegaConf.select(cfg, field)))
    except OmegaConfBaseException as error:  # e.g. ${nope} in the directory's name
        given = next((arg.split("=", 1)[1] for arg in overrides if arg.startswith(f"{field}=")), None)
        raise ConfigError(field, given, first_line(error)) from None
    check_writable(out_dir, field)
    if multirun:
        check_sweep_dir(overrides, cfg)
    return field, out_dir.resolve()


def pin_output_dir(args: list[str], field: str, out_dir: Path) -> list[str]:
    """``args`` with ``field`` set to ``out_dir`` (replacing any value given): Hydra then
    writes where :func:`check_launch` looked, and where negsim took the writer's lock, even
    when the directory's name holds the time (``${now:...}``)."""
    return [arg for arg in args if not arg.startswith(f"{field}=")] + [f"{field}={quoted(str(out_dir))}"]


