"""The pinned environment: ``requirements.lock`` pins every dependency within
``pyproject.toml``'s ranges, ``make`` installs it (this environment is the locked one), and every
``summary.json`` records the lock file's hash and whether the packages were as it pins."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sim
from sim.bundled import lock_file
from sim.environment import lock_record, lock_record_of, pins

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def test_the_lock_pins_every_dependency_within_pyprojects_ranges():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(text) for text in [*project["dependencies"], *project["optional-dependencies"]["test"]]]
    locked = {canonicalize_name(name): version for name, version in pins(LOCK.read_text(encoding="utf-8")).items()}
    assert len(locked) > len(wanted)  # the dependencies of the dependencies too
    outside = [f"{req} (locked {locked.get(canonicalize_name(req.name), 'nothing')})" for req in wanted
               if not req.specifier.contains(locked.get(canonicalize_name(req.name), "0.0.0.dev0"), prereleases=True)]  # fmt: skip
    assert outside == [], "pyproject.toml changed since requirements.lock was made: run `make lock`"


def test_the_bundled_lock_is_the_checkouts():
    assert lock_file() == LOCK


@pytest.mark.skipif(os.environ.get("NEGSIM_LOCKED") == "0", reason="make test LOCK= installs unpinned versions")
def test_this_environment_is_the_locked_one():
    record = lock_record()
    assert record == {
        "file": "requirements.lock", "sha256": hashlib.sha256(LOCK.read_bytes()).hexdigest(), "as_locked": True,
        "differences": [], "not_installed": 0,
    }  # fmt: skip


def test_a_drifted_environment_is_recorded(tmp_path):
    numpy = pins(LOCK.read_text(encoding="utf-8"))["numpy"]
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"numpy==0.0.1\n    # via negsim\nno-such-distribution==1.0\npandas=={pins(LOCK.read_text())['pandas']}\n", encoding="utf-8")
    record = lock_record_of(lock)
    assert record["sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert record["as_locked"] is False
    assert record["differences"] == [f"numpy {numpy} (locked 0.0.1)"]
    assert record["not_installed"] == 1
    lock.write_text(f"no-such-distribution==1.0\nnumpy=={numpy}\n", encoding="utf-8")
    assert lock_record_of(lock)["as_locked"] is True  # a pinned tool not installed changes no number


def test_every_summary_records_the_lock(tmp_path):
    result = sim.run(n_runs=20, save_to=tmp_path / "run")
    written = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert written["lock"] == result.summary["lock"] == lock_record()
    assert written["lock"]["sha256"] == hashlib.sha256(LOCK.read_bytes()).hexdigest()
