"""A run directory is complete (``summary.json``, written last; no ``INCOMPLETE`` marker) or
plainly incomplete, whenever the run stops: failure, or SIGKILL at any moment. Figures are
drawn before ``summary.json``; re-running into a directory first removes its old
``summary.json`` and ``outcomes.parquet``, so stale results never look like new ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir

import analysis.figures
import sim
import sim.montecarlo
from sim import app, rundir
from sim.montecarlo import SCHEMA_VERSION

from .support import command, environment, run, table_bytes


def _cfg(*overrides: str):
    with initialize_config_dir(version_base="1.3", config_dir=app.CONF_DIR, job_name="test"):
        return compose(config_name="config", overrides=["mc.n_runs=600", "mc.chunk_size=200", "quiet=true", *overrides])


def test_figures_are_drawn_before_summary_json_which_comes_last(tmp_path, monkeypatch):
    real = analysis.figures.save_summary_figures
    seen = {}

    def spy(summary, folder):
        out = Path(folder).parent
        seen.update(
            summary=(out / "summary.json").exists(), marker=(out / "INCOMPLETE").exists(),
            outcomes=pq.read_metadata(out / "outcomes.parquet").num_rows,
        )  # fmt: skip
        return real(summary, folder)

    monkeypatch.setattr(analysis.figures, "save_summary_figures", spy)
    app.run(_cfg("figures=true"), tmp_path)
    assert seen == {"summary": False, "marker": True, "outcomes": 600}
    assert rundir.read_complete(tmp_path) is not None
    assert not (tmp_path / "INCOMPLETE").exists() and len(list((tmp_path / "figures").glob("*.png"))) == 4
    assert not list(tmp_path.rglob("*.partial"))


@pytest.mark.parametrize("threads", ["mc.n_threads=1", "mc.n_threads=2"])
def test_a_failure_leaves_the_directory_plainly_incomplete(tmp_path, monkeypatch, threads):
    app.run(_cfg("figures=false", threads), tmp_path)  # a complete run first: its results must not survive
    assert rundir.read_complete(tmp_path) is not None
    calls = []
    real = sim.montecarlo._simulate_piece  # every chunk is played in pieces, on threads or not

    def fail_on_second_piece(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(*args)

    monkeypatch.setattr(sim.montecarlo, "_simulate_piece", fail_on_second_piece)
    with pytest.raises(RuntimeError, match="boom"):
        app.run(_cfg("figures=false", threads), tmp_path)
    assert (tmp_path / "INCOMPLETE").exists()
    assert not (tmp_path / "summary.json").exists() and not (tmp_path / "outcomes.parquet").exists()
    assert not list(tmp_path.rglob("*.partial"))
    assert rundir.read_complete(tmp_path) is None


def test_a_failure_drawing_figures_leaves_no_summary(tmp_path, monkeypatch):
    def fail(summary, folder):
        raise OSError("disk full")

    monkeypatch.setattr(analysis.figures, "save_summary_figures", fail)
    with pytest.raises(OSError):
        app.run(_cfg("figures=true"), tmp_path)
    assert (tmp_path / "outcomes.parquet").exists() and (tmp_path / "INCOMPLETE").exists()
    assert not (tmp_path / "summary.json").exists() and rundir.read_complete(tmp_path) is None


def test_read_complete_and_find_complete(tmp_path):
    cfg = _cfg("figures=false")
    app.run(cfg, tmp_path / "a")
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    identity = {"config_hash": summary["config_hash"], "version": sim.__version__, "schema_version": SCHEMA_VERSION}
    assert rundir.find_complete(tmp_path, identity) == tmp_path / "a"
    assert rundir.find_complete(tmp_path, {**identity, "version": "0.0.0-other"}) is None
    assert rundir.find_complete(tmp_path, {**identity, "config_hash": "0" * 16}) is None
    (tmp_path / "a" / "INCOMPLETE").write_text("")
    assert rundir.read_complete(tmp_path / "a") is None and rundir.find_complete(tmp_path, identity) is None
    (tmp_path / "a" / "INCOMPLETE").unlink()
    (tmp_path / "a" / "outcomes.parquet").rename(tmp_path / "a" / "moved.parquet")  # results gone
    assert rundir.read_complete(tmp_path / "a") is None
    (tmp_path / "a" / "moved.parquet").rename(tmp_path / "a" / "outcomes.parquet")
    (tmp_path / "a" / "summary.json").write_text('{"config_hash": "' + summary["config_hash"])  # truncated
    assert rundir.read_complete(tmp_path / "a") is None


def test_check_not_taken(tmp_path):
    app.run(_cfg("figures=false"), tmp_path)
    digest = json.loads((tmp_path / "summary.json").read_text())["config_hash"]
    rundir.check_not_taken(tmp_path, digest)  # its own results: fine
    rundir.check_not_taken(tmp_path / "empty", "0" * 16)
    with pytest.raises(rundir.RunDirError, match="another configuration"):
        rundir.check_not_taken(tmp_path, "0" * 16)


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command(args), cwd=cwd, env=environment(), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _kill_when(process: subprocess.Popen, ready, what: str, deadline: float = 300) -> None:
    started = time.monotonic()
    while not ready():
        if process.poll() is not None or time.monotonic() - started > deadline:
            process.kill()
            raise AssertionError(f"the run ended (exit {process.poll()}) before {what}: {process.stderr.read()[-2000:]}")
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_killed_runs_leave_no_complete_looking_summary(tmp_path):
    out = tmp_path / "run"
    args = ["mc.n_runs=60000", "mc.chunk_size=6000", "quiet=true", f"hydra.run.dir={out}"]
    first = run(args, cwd=tmp_path)  # complete, with figures
    assert first.returncode == 0, first.describe()
    assert "%|" not in first.stderr  # no progress bar when stderr is not a terminal
    reference = table_bytes(out / "outcomes.parquet")

    # killed while simulating: the old summary.json and outcomes.parquet are already gone
    process = _start(args, tmp_path)
    _kill_when(process, lambda: (out / "outcomes.parquet.partial").exists(), "writing outcomes")
    assert (out / "INCOMPLETE").exists(), sorted(p.name for p in out.iterdir())
    assert not (out / "summary.json").exists() and not (out / "outcomes.parquet").exists()

    # killed while drawing figures: outcomes in place, still no summary.json
    process = _start(args, tmp_path)
    _kill_when(process, lambda: (out / "outcomes.parquet").exists(), "drawing figures")
    assert (out / "INCOMPLETE").exists() and not (out / "summary.json").exists()
    assert rundir.read_complete(out) is None

    again = run(args, cwd=tmp_path)
    assert again.returncode == 0, again.describe()
    assert rundir.read_complete(out) is not None and not (out / "INCOMPLETE").exists()
    assert table_bytes(out / "outcomes.parquet") == reference
    assert not list(out.rglob("*.partial"))
