"""Fixtures for the teaching tools' tests (``tests/teaching/``): the console scripts of the
interpreter running the tests, run in a temporary folder, and the transcript's composed
config. Only fixtures are shared; the names differ from those of ``tests/conftest.py`` and
``tests/cli/conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 300  # seconds; a hung command fails its test instead of the whole suite


@dataclass
class Completed:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit status: {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
        )


def script_path(name: str) -> Path:
    """A console script installed next to the interpreter running the tests."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        pytest.fail(
            f"console script not found next to the interpreter: {path} (pip install -e '.[test]')"
        )
    return path


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["MPLBACKEND"] = "Agg"
    env["COLUMNS"] = "100"
    return env


@pytest.fixture(scope="session")
def run_script():
    """``run_script(name, args, cwd)``: run a console script, return a :class:`Completed`."""

    def run(name: str, args: list[str], cwd: Path) -> Completed:
        command = [str(script_path(name)), *args]
        done = subprocess.run(
            command,
            cwd=cwd,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        return Completed(command, done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(scope="session")
def console_script():
    """``console_script(name)``: the path of an installed console script."""
    return script_path


@pytest.fixture(scope="session")
def script_environment() -> dict[str, str]:
    """The environment the console scripts run in."""
    return environment()


@pytest.fixture(scope="session")
def compose_transcript():
    """``compose_transcript(overrides)``: the config ``negsim-transcript OVERRIDES`` composes."""
    from hydra import compose, initialize_config_dir

    from sim.app import CONF_DIR
    from sim.teaching.transcript import CONFIG_NAME, transcript_schema

    def compose_(overrides: list[str]):
        with (
            transcript_schema(),
            initialize_config_dir(
                version_base="1.3", config_dir=CONF_DIR, job_name="test_transcript"
            ),
        ):
            return compose(config_name=CONFIG_NAME, overrides=overrides)

    return compose_
