"""negsim as a real package: ``python -m build`` makes an sdist and a wheel that carry
``conf/`` and ``scenarios/`` (package data, :mod:`sim.bundled`), and the wheel, installed into
a fresh virtual environment, runs ``negsim``, ``negsim-explore`` and the Python API from a
directory that is not the checkout.

The wheel is built once per module, from a copy of the sources (the checkout stays clean),
without build isolation (offline: setuptools, wheel and build come with the ``test`` extra).
The fresh environment gets only the wheel (``pip install --no-deps``); its dependencies are
this environment's, made visible by a ``.pth`` line naming this environment's site-packages as
a plain directory (so the editable install's own ``.pth``, which puts the checkout on
``sys.path``, is not read there). Each test checks that ``sim`` was imported from the fresh
environment, so a command that worked only from the checkout fails here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("sim", "analysis", "hydra_plugins", "conf", "scenarios", "requirements.lock", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
pytestmark = pytest.mark.slow


def _run(command: list, cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """``python -m build`` (sdist, then the wheel built from the sdist) of a copy of the sources."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "local", "*.partial")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    (source / "conf" / "local").mkdir()  # a user's own overrides (git-ignored): must not ship
    (source / "conf" / "local" / "default.yaml").write_text("mc:\n  n_runs: 7\n", encoding="utf-8")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", base / "dist", "."], cwd=source)
    return base / "dist"


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> dict:
    """A fresh venv holding only the wheel; returns its ``bin`` folder, a work folder outside
    the checkout and the environment to run commands with."""
    base = tmp_path_factory.mktemp("fresh")
    venv = base / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv], cwd=base)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("negsim-*.whl")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel], cwd=base)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "negsim_test_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NUMBA_CACHE_DIR=str(base / "numba"), CI="true", PYTHONWARNINGS="ignore::DeprecationWarning")
    return {"bin": venv / "bin", "site": site, "work": work, "env": env}


def test_the_sdist_and_the_wheel_carry_conf_and_scenarios(dist):
    (wheel,) = dist.glob("negsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("conf", "scenarios"):
        expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.yaml") if "local" not in p.relative_to(ROOT).parts}
        assert expected, folder
        assert {f"sim/_data/{name}" for name in expected} <= names
    assert "sim/_data/scenarios/evidence/verified_quotes.yaml" in names
    assert "sim/_data/requirements.lock" in names
    assert not [name for name in names if name.startswith("sim/_data/conf/local")]
    assert "hydra_plugins/negsim_scenarios/__init__.py" in names
    (sdist,) = dist.glob("negsim-*.tar.gz")
    assert sdist.stat().st_size > 0


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    code = "import sim, hydra_plugins.negsim_scenarios as s; from sim.configure import CONF_DIR; print(sim.__file__); print(CONF_DIR); print(s.BUNDLED)"
    lines = _run([installed["bin"] / "python", "-c", code], cwd=installed["work"], env=installed["env"]).stdout.split()
    site = str(installed["site"])
    assert lines == [f"{site}/sim/__init__.py", f"{site}/sim/_data/conf", f"{site}/sim/_data/scenarios"]


def test_negsim_runs_from_the_wheel_in_another_directory(installed):
    work = installed["work"] / "negsim"
    work.mkdir()
    done = _run([installed["bin"] / "negsim", "mc.n_runs=200", "figures=false"], cwd=work, env=installed["env"])
    assert "lieven_2022" in done.stdout and "200 runs" in done.stdout
    (summary_file,) = (work / "outputs").rglob("summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (summary["n_runs"], summary["scenario"], summary["protocol"]) == (200, "lieven_2022", "single_text")


def test_a_users_own_conf_and_scenario_folders_join_the_installed_ones(installed):
    work = installed["work"] / "own"
    (work / "myconf" / "experiment").mkdir(parents=True)
    (work / "myconf" / "experiment" / "quick_ultimatum.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /protocol: ultimatum\nmc:\n  n_runs: 150\n", encoding="utf-8"
    )
    (work / "myscenarios").mkdir()
    text = (ROOT / "scenarios" / "us_response_2022.yaml").read_text(encoding="utf-8")
    assert "\nname: us_response_2022\n" in text
    (work / "myscenarios" / "my_case.yaml").write_text(text.replace("\nname: us_response_2022\n", "\nname: my_case\n"), encoding="utf-8")
    search = f"hydra.searchpath=[file://{work / 'myconf'},negsim-scenarios://{work / 'myscenarios'}]"
    command = [installed["bin"] / "negsim", "figures=false", "quiet=true", "experiment=quick_ultimatum", "scenario=my_case", search, "hydra.run.dir=run"]
    _run(command, cwd=work, env=installed["env"])
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["n_runs"], summary["scenario"], summary["protocol"]) == (150, "my_case", "ultimatum")


def test_negsim_explore_runs_from_the_wheel(installed):
    work = installed["work"] / "explore"
    work.mkdir()
    _run([installed["bin"] / "negsim-explore", "mc.n_runs=200", "hydra.run.dir=explored"], cwd=work, env=installed["env"])
    explorer = json.loads((work / "explored" / "explorer.json").read_text(encoding="utf-8"))
    assert explorer["n_runs"] == 200
    assert (work / "explored" / "packages.parquet").is_file()


def test_the_python_api_runs_from_the_wheel(installed):
    code = "import sim; r = sim.run(n_runs=200, seed=3); print(r.n_runs, r.seed, r.scenario, r.outcomes.shape[0], r.summary['lock']['sha256'])"
    done = _run([installed["bin"] / "python", "-c", code], cwd=installed["work"], env=installed["env"])
    lock = hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()  # the wheel's own copy of the lock
    assert done.stdout.split() == ["200", "3", "lieven_2022", "200", lock]
