"""What the command-line tests share: run an installed negsim command in a subprocess, as a
user would, and keep what it printed.

Each test folder (cli, analysis, scaleout, teaching) builds its fixtures on these helpers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 600  # seconds; a hung command fails its test instead of the whole suite


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
