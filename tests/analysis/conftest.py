"""Fixtures for the analysis tests (``tests/analysis/``).

Commands run for real in a subprocess (the console scripts next to the interpreter running
the tests), with their working directory in a temporary folder, so nothing is written into
the repository. Only fixtures are shared (no ``from conftest import ...``); names differ from
those of ``tests/conftest.py`` and ``tests/cli/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support import Completed, command_for, run_command


def run_script(name: str, args: list[str], cwd: Path) -> Completed:
    """Run console script ``name`` (or ``python -m sim`` for ``name == "sim"``)."""
    return run_command(command_for(name, args), cwd)


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
