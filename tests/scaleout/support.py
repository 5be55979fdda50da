"""Helpers for the scale-out tests (``tests/scaleout/``): launchers, resumable sweeps,
complete-or-clearly-incomplete run directories, progress bar, bad launch input.

As in ``tests/cli/``, the real command (``python -m sim``) runs with its working directory and
every output in a temporary folder: in this process (:func:`tests.support.run_in_process`) by
default, in a subprocess with ``process=True`` where a process of its own is the point (the
joblib and submitit launchers, SIGKILL, a pseudo-terminal). A small sweep of four points
(two seeds x two scenarios, 2,000 runs each) is run once per session with the basic launcher:
it is the reference that other launchers, and resumed sweeps, must reproduce.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tests.support import TIMEOUT, Completed, command_for, environment, run_command, run_in_process  # noqa: F401 (environment: re-exported)

POINTS = ["mc.seed=1,2", "scenario=lieven_2022,us_response_2022"]
SWEEP = ["-m", *POINTS, "mc.n_runs=2000", "figures=false", "quiet=true"]
N_POINTS = 4
ESTIMATES = ("n_runs", "seed", "scenario", "config_hash", "status", "acceptance", "blocker", "highest_rung", "rounds", "top_packages")


def command(args: list[str]) -> list[str]:
    return command_for("sim", args)


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, process: bool = False, terminal: bool = False) -> Completed:
    """Run ``python -m sim ARGS`` to its end: in this process (``terminal``: with a stderr that
    says it is a terminal), or in a subprocess with ``process=True``."""
    if process:
        assert not terminal, "a process on a terminal: run_on_terminal"
        return run_command(command(args), cwd, env=env)
    return run_in_process("sim", args, cwd, env=env, terminal=terminal)


def points(sweep_dir: Path) -> dict[str, list[Path]]:
    """Complete run directories under a sweep directory, by config hash (a list: a point
    present twice would show as two directories)."""
    from sim.rundir import read_complete

    found: dict[str, list[Path]] = {}
    for path in sorted(Path(sweep_dir).rglob("summary.json")):
        summary = read_complete(path.parent)
        if summary is not None:
            found.setdefault(summary["config_hash"], []).append(path.parent)
    return found


def estimates(run_dir: Path) -> dict:
    summary = json.loads((Path(run_dir) / "summary.json").read_text(encoding="utf-8"))
    return {key: summary[key] for key in ESTIMATES}


def table_bytes(parquet: Path) -> bytes:
    """The outcomes table sorted by run, as Arrow IPC bytes (schema metadata dropped)."""
    table = pq.read_table(parquet)
    table = table.take(pc.sort_indices(table, sort_keys=[("run", "ascending")])).replace_schema_metadata(None)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue()


@dataclass
class Sweep:
    """A finished sweep: its directory, the command's result, its points by config hash."""

    dir: Path
    result: Completed

    @property
    def points(self) -> dict[str, list[Path]]:
        return points(self.dir)

    def by_hash(self) -> dict[str, Path]:
        found = self.points
        assert all(len(dirs) == 1 for dirs in found.values()), found
        return {digest: dirs[0] for digest, dirs in found.items()}


def run_on_terminal(args: list[str], cwd: Path, env: dict[str, str], code: str | None = None) -> Completed:
    """Run the command with stderr on a pseudo-terminal (100 columns), as a person would;
    ``code``: run ``python -c code ARGS`` instead of ``python -m sim ARGS``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0 x 0
    argv = [sys.executable, "-c", code, *args] if code else command(args)
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    received = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not data:
            break
        received.append(data)
    os.close(master)
    stdout = process.stdout.read().decode(errors="replace")
    process.wait(timeout=TIMEOUT)
    return Completed(argv, process.returncode, stdout, b"".join(received).decode(errors="replace"))
