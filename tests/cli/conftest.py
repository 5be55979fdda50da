"""Fixtures for the command-line and configuration tests (``tests/cli/``).

The command is run for real (``python -m sim`` or the ``negsim`` console script's entry
point): in this process by default (:func:`tests.support.run_in_process`: its ``main()`` with
``sys.argv``, working directory and environment patched and its output captured), or in a
subprocess of its own with ``process=True`` (for the few end-to-end tests), with its working
directory in a temporary folder and ``hydra.run.dir`` / ``hydra.sweep.dir`` pointing there, so
that nothing is written into the repository. Scenario files for a test are built from a bundled scenario's plain data
(``yaml.safe_load``), changed, and dumped into the test's temporary folder.

Only fixtures are shared (no ``from conftest import ...``); the names differ from those of
``tests/conftest.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.support import Completed, command_for, dump_scenario, run_in_process
from tests.support import run_command as run_shared

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = REPO / "conf"
SCENARIO_DIR = REPO / "scenarios"


def run_command(args: list[str], cwd: Path, entry: str = "module", process: bool = False) -> Completed:
    """Run ``python -m sim ARGS`` (``entry="module"``) or ``negsim ARGS`` (``entry="script"``),
    in this process, or in a subprocess with ``process=True``."""
    if entry not in ("module", "script"):
        raise ValueError(entry)
    name = "sim" if entry == "module" else "negsim"
    if process:
        return run_shared(command_for(name, args), cwd)
    return run_in_process(name, args, cwd)


@pytest.fixture(scope="session")
def negsim():
    """``negsim(args, cwd, entry="module", process=False)``: run the command (in this process
    unless ``process=True``), return a :class:`tests.support.Completed`."""
    return run_command


@pytest.fixture(scope="session")
def bundled_scenario_files() -> list[Path]:
    """Every bundled scenario file (``scenarios/*.yaml``), sorted."""
    files = sorted(SCENARIO_DIR.glob("*.yaml"))
    assert files, f"no bundled scenarios in {SCENARIO_DIR}"
    return files


@pytest.fixture(scope="session")
def scenario_data():
    """``scenario_data(name="lieven_2022")``: a fresh copy of a bundled scenario's plain data."""
    cache: dict[str, dict] = {}

    def load(name: str = "lieven_2022") -> dict:
        if name not in cache:
            with open(SCENARIO_DIR / f"{name}.yaml", encoding="utf-8") as handle:
                cache[name] = yaml.safe_load(handle)
        return copy.deepcopy(cache[name])

    return load


@pytest.fixture
def write_scenario(tmp_path):
    """``write_scenario(data, stem)``: dump plain data to ``<tmp>/scenarios/<stem>.yaml``."""

    def write(data: object, stem: str) -> Path:
        return dump_scenario(data, tmp_path / "scenarios" / f"{stem}.yaml")

    return write
