"""Fixtures for the analysis tests (``tests/analysis/``).

Commands run for real in a subprocess (the console scripts next to the interpreter running
the tests), with their working directory in a temporary folder, so nothing is written into
the repository. Only fixtures are shared (no ``from conftest import ...``); names differ from
those of ``tests/conftest.py`` and ``tests/cli/conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

TIMEOUT = 600


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


def run_script(name: str, args: list[str], cwd: Path) -> Completed:
    """Run console script ``name`` (or ``python -m sim`` for ``name == "sim"``)."""
    if name == "sim":
        command = [sys.executable, "-m", "sim", *args]
    else:
        script = Path(sys.executable).with_name(name)
        if not script.exists():
            pytest.fail(
                f"console script not found next to the interpreter: {script} (pip install -e .)"
            )
        command = [str(script), *args]
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Completed(command, done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def script():
    """``script(name, args, cwd)``: run a console script, return a :class:`Completed`."""
    return run_script


@pytest.fixture
def write_small(tmp_path):
    """``write_small(data)``: dump scenario data (``name: small``) to ``<tmp>/small.yaml``."""

    def write(data: dict) -> Path:
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
