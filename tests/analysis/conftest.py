"""Fixtures for the analysis tests (``tests/analysis/``).

Commands run for real (the console scripts' entry points, ``main()`` with ``sys.argv``,
working directory and environment patched: :func:`tests.support.run_in_process`), in this
process unless ``process=True`` asks for a subprocess, with their working directory in a
temporary folder, so nothing is written into the repository. Only fixtures are shared (no
``from conftest import ...``); names differ from those of ``tests/conftest.py`` and ``tests/cli/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support import Completed, command_for, run_command, run_in_process


def run_script(name: str, args: list[str], cwd: Path, process: bool = False) -> Completed:
    """Run console script ``name`` (or ``python -m sim`` for ``name == "sim"``), in this
    process or, with ``process=True``, in a subprocess."""
    if process:
        return run_command(command_for(name, args), cwd)
    return run_in_process(name, args, cwd)


@pytest.fixture(scope="session")
def script():
    """``script(name, args, cwd, process=False)``: run a console script, return a :class:`Completed`."""
    return run_script


@pytest.fixture
def write_small(tmp_path):
    """``write_small(data)``: dump scenario data (``name: small``) to ``<tmp>/small.yaml``."""

    def write(data: dict) -> Path:
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
