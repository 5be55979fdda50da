"""One writer per run directory (:func:`sim.rundir.one_writer`) and what counts as complete
(:func:`sim.rundir.inspect`); the damaged-results cases of ``negsim-report`` are in
``tests/analysis/test_sweep.py``, the kill-at-any-moment cases in ``tests/scaleout/test_rundir.py``.

The writer's lock is tried from other processes (a lock is about processes): a small Python
process that holds it, and two real ``negsim`` runs started into the same folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import api, rundir
from tests.support import command_for, environment

HOLDER = """
import sys, time
from sim import rundir
with rundir.one_writer(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold_in_another_process(folder: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_is_refused_with_the_folder_and_the_pid(tmp_path):
    holder = _hold_in_another_process(tmp_path / "run")
    try:
        with pytest.raises(rundir.RunDirBusy) as busy:
            with rundir.one_writer(tmp_path / "run"):
                pytest.fail("took a lock another process holds")
        assert busy.value.pid == holder.pid
        assert str(tmp_path / "run") in str(busy.value) and f"process {holder.pid}" in str(busy.value)
    finally:
        holder.communicate("\n", timeout=30)
    with rundir.one_writer(tmp_path / "run"):  # free again once the holder has ended
        assert (tmp_path / "run" / rundir.LOCK).read_text() == f"{os.getpid()}\n"
    assert (tmp_path / "run" / rundir.LOCK).read_text() == ""  # a finished writer leaves it empty


def test_the_lock_is_reentrant_in_one_process_and_released_on_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with rundir.one_writer(tmp_path):
            with rundir.one_writer(tmp_path):  # e.g. negsim's main() and its job
                raise RuntimeError("boom")
    holder = _hold_in_another_process(tmp_path)  # would block if the lock had leaked
    holder.communicate("\n", timeout=30)


def test_the_python_api_holds_the_lock(tmp_path):
    holder = _hold_in_another_process(tmp_path / "run")
    try:
        with pytest.raises(rundir.RunDirBusy):
            api.run(n_runs=100, save_to=tmp_path / "run")
        assert not (tmp_path / "run" / rundir.MARKER).exists()  # refused before writing anything
    finally:
        holder.communicate("\n", timeout=30)


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("complete") / "run"
    api.run(n_runs=300, seed=3, save_to=out)
    return out


def _edit_summary(**changes):
    def damage(run: Path) -> None:
        summary = json.loads((run / rundir.SUMMARY).read_text())
        (run / rundir.SUMMARY).write_text(json.dumps({**summary, **changes}))

    return damage


def _write(name: str, data: bytes):
    return lambda run: (run / name).write_bytes(data)


INSPECT = [  # (id, damage, None if still complete else a text of the reason)
    ("complete", lambda run: None, None),
    ("marker", _write(rundir.MARKER, b""), "marked INCOMPLETE"),
    ("partial_file", _write("outcomes.parquet.partial", b""), "unfinished files: outcomes.parquet.partial"),
    ("no_summary", lambda run: (run / rundir.SUMMARY).unlink(), "no summary.json"),
    ("summary_a_list", _write(rundir.SUMMARY, b"[]"), "JSON list, not an object"),
    ("summary_a_string", _write(rundir.SUMMARY, b'"x"'), "JSON str, not an object"),
    ("summary_truncated", _write(rundir.SUMMARY, b'{"n_runs": 300, "config": {'), "not valid JSON"),
    ("summary_without_n_runs", _edit_summary(n_runs=None), "lacks its config or n_runs"),
    ("summary_n_runs_a_bool", _edit_summary(n_runs=True), "lacks its config or n_runs"),
    ("outcomes_missing", lambda run: (run / rundir.OUTCOMES).unlink(), "no outcomes.parquet"),
    ("outcomes_garbage", _write(rundir.OUTCOMES, b"garbage"), "outcomes.parquet cannot be read"),
    ("outcomes_empty", _write(rundir.OUTCOMES, b""), "outcomes.parquet cannot be read"),
    ("outcomes_of_another_size", _edit_summary(n_runs=299), "has 300 rows but summary.json says n_runs=299"),
    (
        "no_outcomes_saved_none_needed",
        lambda run: (
            (run / rundir.OUTCOMES).unlink(),
            _edit_summary(config={**json.loads((run / rundir.SUMMARY).read_text())["config"], "mc": {"save_outcomes": False}})(run),
        ),
        None,
    ),
]


@pytest.mark.parametrize("damage, reason", [pytest.param(d, r, id=i) for i, d, r in INSPECT])
def test_inspect(complete_run, tmp_path, damage, reason):
    import shutil

    run = Path(shutil.copytree(complete_run, tmp_path / "run"))
    damage(run)
    summary, why = rundir.inspect(run)
    if reason is None:
        assert summary is not None and why == "", why
    else:
        assert summary is None and reason in why, why
        assert rundir.read_complete(run) is None


def test_two_negsim_runs_into_one_folder(tmp_path):
    """The issue's case: a long run, and a second run (another seed) into the same folder
    while it is on. The second is refused at once with one line naming the folder and the
    first run's pid (exit 2); the first completes, and the folder holds its results."""
    out = tmp_path / "run"
    common = ["figures=false", "quiet=true", f"hydra.run.dir={out}"]
    args = ["mc.n_runs=400000", "mc.chunk_size=50000", *common]
    first = subprocess.Popen(
        command_for("negsim", args), cwd=tmp_path, env=environment(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started = time.monotonic()
        while not (out / rundir.MARKER).is_file():  # marked incomplete once the lock is held
            assert first.poll() is None, first.communicate()
            assert time.monotonic() - started < 120, "the first run never took the lock"
            time.sleep(0.02)
        second = subprocess.run(
            command_for("negsim", ["mc.n_runs=2000", "mc.seed=1", *common]),
            cwd=tmp_path, env=environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert (out / rundir.LOCK).read_text() == f"{first.pid}\n"
        assert first.poll() is None, "the first run ended before the second was tried: make it longer"
        lines = second.stderr.splitlines()
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert str(out) in lines[0] and f"process {first.pid}" in lines[0], lines
        _, first_err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, first_err
    summary = rundir.read_complete(out)
    assert summary is not None and summary["seed"] == 0 and summary["n_runs"] == 400000
    assert not (out / rundir.MARKER).exists()
