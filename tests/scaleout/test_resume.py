"""Resumable sweeps: re-running a sweep command with the same ``hydra.sweep.dir`` skips the
points whose complete results are there, found by config hash (not directory name), and
runs the rest; a sweep killed part-way (SIGKILL to its process group) and re-run has every
point exactly once, with the estimates and outcomes of an uninterrupted sweep.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .support import (
    N_POINTS,
    SWEEP,
    command,
    environment,
    estimates,
    points,
    run,
    table_bytes,
)

SKIP = "skipping (complete: "


def _copy(reference_sweep, tmp_path: Path) -> Path:
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(reference_sweep.dir, sweep_dir)
    return sweep_dir


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _results(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in _snapshot(folder).items() if k.endswith(("summary.json", "outcomes.parquet"))}


def _check_same_as_reference(sweep_dir: Path, reference_sweep) -> None:
    found, expected = points(sweep_dir), reference_sweep.by_hash()
    assert sorted(found) == sorted(expected)
    assert all(len(dirs) == 1 for dirs in found.values()), found  # every point exactly once
    for digest, (run_dir,) in found.items():
        assert estimates(run_dir) == estimates(expected[digest]), run_dir
        assert table_bytes(run_dir / "outcomes.parquet") == table_bytes(expected[digest] / "outcomes.parquet")


@pytest.mark.slow
def test_rerunning_a_complete_sweep_runs_nothing(reference_sweep, tmp_path):
    sweep_dir = _copy(reference_sweep, tmp_path)
    before = _results(sweep_dir)
    result = run([*SWEEP, f"hydra.sweep.dir={sweep_dir}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    assert result.stdout.count(SKIP) + result.stderr.count(SKIP) == N_POINTS, result.describe()
    assert _results(sweep_dir) == before  # not rewritten
    _check_same_as_reference(sweep_dir, reference_sweep)


@pytest.mark.slow
def test_results_are_found_by_config_hash_not_by_directory(reference_sweep, tmp_path):
    """Other directory names (``hydra.sweep.subdir``) and another chunking (not part of the
    config hash): every point is still found, and nothing runs again."""
    sweep_dir = _copy(reference_sweep, tmp_path)
    before = _results(sweep_dir)
    args = [*SWEEP, "mc.chunk_size=700", "hydra.sweep.subdir=point_${hydra.job.num}", f"hydra.sweep.dir={sweep_dir}"]
    result = run(args, cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    assert result.stdout.count(SKIP) + result.stderr.count(SKIP) == N_POINTS, result.describe()
    assert sorted(p.name for p in sweep_dir.glob("point_*")) == [f"point_{i}" for i in range(N_POINTS)]
    assert not list(sweep_dir.glob("point_*/summary.json"))
    assert _results(sweep_dir) == before
    _check_same_as_reference(sweep_dir, reference_sweep)


def test_another_sweep_into_the_same_directory_is_refused(reference_sweep, tmp_path):
    """Seed 3 inserted first would take job 0's directory (seed 1's complete results):
    refused before Hydra writes anything, in one line."""
    sweep_dir = _copy(reference_sweep, tmp_path)
    before = _snapshot(sweep_dir)
    args = ["-m", "mc.seed=3,1,2", "scenario=lieven_2022,us_response_2022", *SWEEP[3:], f"hydra.sweep.dir={sweep_dir}"]
    result = run(args, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("negsim: error: hydra.sweep.dir: point #0 "), result.describe()
    assert _snapshot(sweep_dir) == before


def _kill_part_way(args: list[str], cwd: Path, sweep_dir: Path, deadline: float = 300) -> int:
    """Start the sweep in its own process group; SIGKILL the group once at least one point
    is complete (:func:`points`: ``summary.json`` and no ``INCOMPLETE`` marker, which
    :func:`sim.rundir.finish` removes just after renaming ``summary.json`` into place) but not
    all. Returns the number of complete points at the kill."""
    process = subprocess.Popen(
        command(args), cwd=cwd, env=environment(), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:
        while True:
            done = len(points(sweep_dir))
            if done >= 1 or process.poll() is not None or time.monotonic() - started > deadline:
                break
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the sweep ended before it was killed (exit {process.returncode})"
    return done


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_the_uninterrupted_result(reference_sweep, tmp_path):
    """Through the joblib launcher: the process group holds worker processes, and two points
    are being written at once when it is killed (the basic launcher's single process is the
    simpler case; its kill-and-rerun path is that of test_rundir's killed runs)."""
    launcher = "joblib"
    sweep_dir = tmp_path / "sweep"
    args = [*SWEEP, f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep_dir}"]
    _kill_part_way(args, tmp_path, sweep_dir)

    # killed: each point's directory is complete, or plainly incomplete (no summary.json)
    complete = points(sweep_dir)
    assert 1 <= len(complete) < N_POINTS, sorted(p for p in sweep_dir.rglob("*") if p.is_file())
    for summary in sweep_dir.glob("*/summary.json"):
        assert not (summary.parent / "INCOMPLETE").exists() and (summary.parent / "outcomes.parquet").exists()
    for job_dir in (d for d in sweep_dir.iterdir() if d.is_dir() and d.name.isdigit()):
        if not (job_dir / "summary.json").exists():
            assert not (job_dir / "outcomes.parquet").exists() or (job_dir / "INCOMPLETE").exists(), job_dir

    result = run(args, cwd=tmp_path, process=True)  # the joblib launcher again, as a user re-runs it
    assert result.returncode == 0, result.describe()
    skipped = result.stdout.count(SKIP) + result.stderr.count(SKIP)
    assert skipped == len(complete), result.describe()
    _check_same_as_reference(sweep_dir, reference_sweep)
    assert not list(sweep_dir.rglob("INCOMPLETE")), "a re-run point left its marker"
