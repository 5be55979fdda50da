"""The ``negsim`` command: a Hydra app around :func:`sim.montecarlo.run_monte_carlo`.

Bad input ends with one line on stderr naming the field and the bad value, exit status 2 and
no results: the command line is composed and validated before Hydra creates a run directory,
and so are the launcher and the output directory (:func:`sim.launchers.check_launch`).

In a sweep (``-m``), a point whose complete results are already in ``hydra.sweep.dir`` (found
by config hash, :mod:`sim.rundir`) is skipped: re-running an interrupted sweep with the same
``hydra.sweep.dir`` runs only what is missing. A progress bar (tqdm, on stderr) shows on a
terminal once a run has taken 2 s (:func:`wants_progress`).
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

import sim
from sim import rundir
from sim.config import register_configs
from sim.errors import ConfigError
from sim.launchers import check_launch
from sim.montecarlo import SCHEMA_VERSION, MonteCarlo, config_hash, run_monte_carlo
from sim.protocols import (
    Protocol,
    check_protocol_fits,
    deadline_warning,
    protocol_from_dict,
)
from sim.scenario import Scenario, scenario_from_dict

CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")
SCHEME = "negsim-scenarios"
register_configs()
log = logging.getLogger("negsim")
PROGRESS_DELAY = 2.0  # seconds before a progress bar appears


def build(cfg: DictConfig) -> tuple[Scenario, Protocol, str, MonteCarlo, dict]:
    """Turn a composed config into validated objects (raises :class:`ConfigError`)."""
    container = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    container.pop("hydra", None)
    scenario = scenario_from_dict(container["scenario"])
    protocol = protocol_from_dict(container["protocol"])
    check_protocol_fits(scenario, protocol)
    mc = MonteCarlo(**container["mc"])
    engine = container["engine"]["name"]
    if engine not in ("batch", "mesa"):
        raise ConfigError("engine.name", engine, "unknown engine; use 'batch' or 'mesa'")
    return scenario, protocol, engine, mc, container


def run(cfg: DictConfig, out_dir: Path, progress: bool = False) -> dict:
    """Run the configured Monte Carlo into ``out_dir`` and draw its figures (before
    ``summary.json``, which is written last); ``progress``: show a progress bar."""
    scenario, protocol, engine, mc, container = build(cfg)
    warning = deadline_warning(scenario, protocol)
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


def wants_progress(cfg: DictConfig) -> bool:
    """A progress bar only for a person watching: not with ``quiet=true``, not in CI
    (``CI=true``), not when stderr is not a terminal, and not in a sweep whose points run at
    the same time (any launcher but the basic one)."""
    if cfg.quiet or os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        return False
    if not sys.stderr.isatty():
        return False
    hydra_cfg = HydraConfig.get()
    return hydra_cfg.mode != RunMode.MULTIRUN or str(hydra_cfg.launcher.get("_target_", "")).endswith(".BasicLauncher")


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


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        done = completed_point(cfg)
        if done is not None:
            log.info("skipping (complete: %s)", done)
            return
        run(cfg, Path(HydraConfig.get().runtime.output_dir), progress=wants_progress(cfg))
    except ConfigError as error:
        _fail(error)
    except rundir.RunDirError as error:
        log.error("negsim: error: %s", error)
        raise


def _fail(error: Exception) -> None:
    print(f"negsim: error: {error}", file=sys.stderr)
    sys.exit(2)


# --- command-line checks before Hydra runs ---------------------------------------------------
FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}
FLAGS_WITHOUT_CHECK = {"--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc", "--version"}


def expand_scenario_file(args: list[str]) -> list[str]:
    """``scenario_file=PATH`` becomes ``scenario=<stem>`` from a search path holding PATH."""
    out = []
    for arg in args:
        if not arg.startswith("scenario_file="):
            out.append(arg)
            continue
        path = Path(arg.split("=", 1)[1]).expanduser()
        if not path.is_file():
            raise ConfigError("scenario_file", str(path), "no such file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError("scenario_file", str(path), f"not valid YAML{where}") from None
        if not isinstance(data, dict):
            raise ConfigError("scenario_file", str(path), "must hold a YAML mapping (a scenario)")
        if data.get("name") != path.stem:
            raise ConfigError("scenario.name", data.get("name"), f"must equal the file name without .yaml ({path.stem!r})")
        from hydra_plugins.negsim_scenarios import BUNDLED

        if (BUNDLED / f"{path.stem}.yaml").exists() and (BUNDLED / f"{path.stem}.yaml").resolve() != path.resolve():
            raise ConfigError("scenario_file", str(path), "its name clashes with a bundled scenario; rename the file")
        out += [f"scenario_file={path.resolve()}", f"scenario={path.stem}", f"hydra.searchpath=[{SCHEME}://{path.resolve()}]"]
    return out


CHECKED_HASHES: dict[tuple[str, ...], str] = {}  # sorted task overrides of a job -> config hash


def job_key(overrides: list[str]) -> tuple[str, ...]:
    """A job's task overrides as Hydra's BasicSweeper writes them, sorted (a cache key)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return tuple(sorted(f"{o.get_key_element()}={o.get_value_element_as_str()}" for o in parsed if not o.is_hydra_override()))


def config_overrides(args: list[str]) -> list[str]:
    """The config overrides of a command line: no flags (nor their values), no ``hydra.``
    keys or launcher choices, except ``hydra.searchpath`` (a scenario file's)."""
    overrides, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in FLAGS_WITH_VALUE:
            skip = True
        elif arg.startswith("-"):
            continue
        elif not arg.startswith(("hydra.", "hydra/")) or arg.startswith("hydra.searchpath"):
            overrides.append(arg)
    return overrides


def sweep_combinations(args: list[str]) -> list[tuple[str, ...]]:
    """Every job's config overrides: the product of the values of each sweep override."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = config_overrides(args)
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as error:  # Hydra's override grammar: report its first line only
        raise ConfigError("command line", " ".join(overrides), _first_line(error)) from None
    choices = [
        [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()] if o.is_sweep_override() else [o.input_line]
        for o in parsed
    ]
    return list(itertools.product(*choices))


def check_command_line(args: list[str]) -> None:
    """Compose and validate the config of every sweep value before Hydra starts a job
    (and keep each job's config hash in :data:`CHECKED_HASHES`)."""
    if any(arg in FLAGS_WITHOUT_CHECK for arg in args):
        return
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(version_base="1.3", config_dir=CONF_DIR, job_name="negsim"):
        for combination in sweep_combinations(args):
            try:
                cfg = compose(config_name="config", overrides=list(combination))
            except Exception as error:
                raise _composition_error(error, list(combination)) from None
            CHECKED_HASHES[job_key(list(combination))] = config_hash(build(cfg)[4])


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _composition_error(error: BaseException, overrides: list[str]) -> ConfigError:
    """One line from Hydra's or OmegaConf's multi-line composition errors, naming the
    override that caused it where one can be found."""
    cause = error.__cause__ or error.__context__
    full_key = getattr(cause, "full_key", None) or getattr(error, "full_key", None)
    text = _first_line(error)
    culprit = next((o for o in overrides if full_key and o.split("=", 1)[0].lstrip("+~") == full_key), None)
    if culprit is None:
        culprit = next((o for o in overrides if f"'{o.split('=', 1)[0].lstrip('+~')}'" in str(error)), None)
    if "Could not find" in text or "Could not load" in text:
        text = text.replace("In 'config': ", "")
    elif cause is not None and full_key:
        text = f"{full_key}: {_first_line(cause)}"
    if culprit is None:
        return ConfigError("command line", " ".join(overrides), text)
    field, _, value = culprit.partition("=")
    return ConfigError(field, value, text)


def main() -> None:
    """Console entry point (``negsim`` and ``python -m sim``)."""
    args = sys.argv[1:]
    try:
        args = expand_scenario_file(args)
        check_command_line(args)
        check_launch(args)
    except ConfigError as error:
        _fail(error)
    sys.argv = [sys.argv[0], *args]
    _hydra_main()
