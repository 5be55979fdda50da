"""What the command-line tests share: run an installed negsim command, as a user would, and
keep what it printed: in a subprocess (:func:`run_command`, for the few end-to-end tests that
need a process of their own) or in this process (:func:`run_in_process`, the same exit status,
stdout and stderr, seconds faster).

Each test folder (cli, analysis, scaleout, teaching) builds its fixtures on these helpers.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

TIMEOUT = 600  # seconds; a hung command fails its test instead of the whole suite
REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "scenarios"


@dataclass
class Completed:
    """What one run of a command returned."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit status: {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
        )


def environment(**extra: str) -> dict[str, str]:
    """The test process's environment, without HYDRA_FULL_ERROR (which would turn Hydra's own
    one-line errors into tracebacks) and with a headless matplotlib backend."""
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["MPLBACKEND"] = "Agg"
    env.update(extra)
    return env


def script_path(name: str) -> Path:
    """A console script installed next to the interpreter running the tests."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        pytest.fail(f"console script not found next to the interpreter: {path} (pip install -e '.[test]')")
    return path


def command_for(name: str, args: list[str]) -> list[str]:
    """``python -m sim ARGS`` for ``name == "sim"``, else the console script ``name``."""
    if name == "sim":
        return [sys.executable, "-m", "sim", *args]
    return [str(script_path(name)), *args]


def run_command(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Completed:
    """Run ``command`` to its end with no standard input, as CI does."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env if env is not None else environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Completed(command, done.returncode, done.stdout, done.stderr)


# --- the same commands, in this process ---------------------------------------------------------


def entry_point(name: str):
    """What console script ``name`` runs: ``sys.exit(main())`` for the ``main`` that
    ``[project.scripts]`` of pyproject.toml names (``negsim = "sim.app:main"``), as found in the
    installed package's entry points; ``"sim"`` (``python -m sim``) runs ``sim/__main__.py``."""
    if name == "sim":
        import runpy

        return lambda: runpy.run_module("sim", run_name="__main__", alter_sys=False)
    from importlib.metadata import entry_points

    found = entry_points(group="console_scripts", name=name)
    if not found:
        pytest.fail(f"no console script {name!r} in the installed package's entry points (pip install -e '.[test]')")
    (point,) = found
    main = point.load()
    return lambda: sys.exit(main())  # what the generated script does


def _logging_state() -> dict:
    """Every logger's level, handlers, propagation and disabled flag (Hydra reconfigures
    logging in each job: handlers on stdout and on the job's ``.log`` file)."""
    manager = logging.Logger.manager
    loggers = [logging.getLogger(), *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    return {id(lg): (lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers}


def _restore_logging(saved: dict) -> None:
    """Put back what :func:`_logging_state` saved; close the handlers the run added to those
    loggers (loggers made during the run, e.g. by an import, are left as they are)."""
    kept = {id(h) for (_, _, handlers, _, _) in saved.values() for h in handlers}
    for logger, level, handlers, propagate, disabled in saved.values():
        for handler in list(logger.handlers):
            if id(handler) not in kept:
                logger.removeHandler(handler)
                handler.close()  # e.g. the job's .log file in a temporary directory
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate, logger.disabled = propagate, disabled


def _copy_repo(node: dict) -> dict:
    """Hydra's ConfigStore repository: nested dicts of config nodes (the dicts copied, so that
    a command's ``store(...)`` of its own schema can be undone)."""
    return {key: _copy_repo(value) if isinstance(value, dict) else value for key, value in node.items()}


def _restore_repo(node: dict, saved: dict) -> None:
    """Put back every config node of ``saved`` (a schema a command stored over negsim's is
    replaced by negsim's again); nodes stored during the run for the first time stay (Hydra's
    and its plugins' own configs, registered once when their modules are imported)."""
    for key, value in saved.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _restore_repo(node[key], value)
        else:
            node[key] = value


# A fresh interpreter's warning filters (``python -W`` unset, no PYTHONWARNINGS): warnings a
# command emits reach its stderr here too, as they would in a process of its own.
FRESH_WARNING_FILTERS = [
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
]


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


class TerminalText(io.StringIO):
    """Captured text that says it is a terminal (``isatty()``), as stderr on a pseudo-terminal."""

    def isatty(self) -> bool:
        return True


def run_in_process(
    name: str, args: list[str], cwd: Path, env: dict[str, str] | None = None, terminal: bool = False
) -> Completed:
    """Run console script ``name`` (or ``python -m sim`` for ``"sim"``) in this process, as a
    subprocess would: its ``main()`` with ``sys.argv = [name, *args]``, working directory ``cwd``,
    environment ``env`` (default :func:`environment`), stdout and stderr captured, warnings
    printed to stderr, ``SystemExit`` taken as the exit status and an uncaught exception as
    exit status 1 with its traceback on stderr. Hydra's global state (GlobalHydra,
    HydraConfig, the ConfigStore), logging, ``sys.argv``, the working directory and the
    environment are restored afterwards. ``terminal``: stderr says it is a terminal
    (:class:`TerminalText`).

    A few seconds faster per call than :func:`run_command` (no interpreter start, imports
    and compiled-code loading once per test session)."""
    import contextlib
    import traceback

    from hydra.core.config_store import ConfigStore
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    import sim

    main = entry_point(name)
    argv0 = str(Path(sim.__file__).with_name("__main__.py")) if name == "sim" else str(script_path(name))
    wanted = environment() if env is None else dict(env)
    saved_env, saved_argv, saved_cwd = dict(os.environ), list(sys.argv), os.getcwd()
    saved_logging = _logging_state()
    store = ConfigStore.instance()
    saved_repo = _copy_repo(store.repo)
    out, err = io.StringIO(), (TerminalText() if terminal else io.StringIO())
    code: int | str | None = 0
    GlobalHydra.instance().clear()
    try:
        os.environ.clear()
        os.environ.update(wanted)
        os.chdir(cwd)
        sys.argv = [argv0, *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(record=True):
            warnings.showwarning = _print_warning  # not into pytest's record: onto the command's stderr
            warnings.resetwarnings()
            for action, message, category, module, lineno in reversed(FRESH_WARNING_FILTERS):
                warnings.filterwarnings(action, message or "", category, module or "", lineno)
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code
                if code is not None and not isinstance(code, int):  # sys.exit("message")
                    print(code, file=sys.stderr)
                    code = 1
            except Exception:  # noqa: BLE001 (the process would die with this traceback)
                traceback.print_exc(file=sys.stderr)
                code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        GlobalHydra.instance().clear()
        HydraConfig.instance().cfg = None
        _restore_repo(store.repo, saved_repo)
        _restore_logging(saved_logging)
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    return Completed([name, *args], 0 if code is None else code, out.getvalue(), err.getvalue())


# --- scenario files for a test --------------------------------------------------------------


class _PlainDumper(yaml.SafeDumper):
    """Writes a mapping shared by two keys twice, not as an anchor and an alias (which a
    scenario file may not hold: sim.scenario_file)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def dump_scenario(data: object, path: Path) -> Path:
    """Plain scenario data as a YAML file at ``path`` (its folder made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
    return path
