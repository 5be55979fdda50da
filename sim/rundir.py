"""Run directories: one writer each, when their results are complete, and finding complete
ones again.

**One writer.** :func:`one_writer` holds an exclusive lock on the directory's ``.negsim.lock``
(``fcntl.flock``, released by the kernel when the process ends, however it ends) for as long as
a run writes there; the file holds the writer's pid. A second writer gets
:class:`RunDirBusy`, naming the directory and that pid. ``negsim`` takes it before Hydra writes
anything (``.hydra/``, the log), :func:`sim.api.run` around its run.

**Complete.** A run directory is complete (:func:`inspect`) when it has no ``INCOMPLETE``
marker and no ``*.partial`` file, its ``summary.json`` parses as a JSON object with its
``config`` and ``n_runs``, and, when the run saved outcomes, ``outcomes.parquet`` reads back
(its footer and its ``run`` column) with exactly ``n_runs`` rows. :func:`begin` writes the
marker and removes any old ``summary.json`` and ``outcomes.parquet`` before a run writes
anything; the run then writes ``outcomes.parquet`` and its figures; :func:`finish` writes
``summary.json`` last (under a temporary name, renamed into place) and only then removes the
marker. So a run killed at any moment leaves either complete results or a directory that is
plainly incomplete (the marker, and no ``summary.json``), never a complete-looking
``summary.json`` beside missing or stale results; and results damaged afterwards (a
truncated or rewritten file) are not taken for complete ones.

A sweep is resumed by re-running the same command with the same ``hydra.sweep.dir``: each
point looks in that directory for a complete run with its own config hash
(:func:`sim.montecarlo.config_hash`, which ignores ``mc.chunk_size`` and ``mc.n_jobs``), its
package version and summary schema, and is skipped if it finds one (:func:`find_complete`).
Results are found by what they are, not by the directory they are in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim import atomic
from sim.errors import ConfigError

SUMMARY = "summary.json"
OUTCOMES = "outcomes.parquet"
MARKER = "INCOMPLETE"
LOCK = ".negsim.lock"
MARKER_TEXT = (
    "This run has not finished (or was interrupted): its results are incomplete.\n"
    "summary.json is written last, when everything else is in place, and this file is then removed.\n"
)
_HEAD = 4096  # summary.json names its config_hash in its first lines


class RunDirError(RuntimeError):
    """A run directory that must not be written (it holds another config's complete results)."""


class RunDirBusy(RunDirError):
    """Another process is writing into the run directory (it holds its lock)."""

    def __init__(self, out_dir: Path, pid: int | None) -> None:
        self.out_dir, self.pid = Path(out_dir), pid
        who = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"{out_dir} is being written by {who} (another negsim run): wait for it to end, or choose another output directory")


_HELD: dict[Path, list[int]] = {}  # directory -> [lock file descriptor, depth], in this process


@contextlib.contextmanager
def one_writer(out_dir: Path) -> Iterator[Path]:
    """Hold ``out_dir``'s writer lock (creating the directory) while the block runs; raises
    :class:`RunDirBusy` at once if another process holds it. Re-entrant within a process."""
    out_dir = Path(out_dir).resolve()
    if out_dir in _HELD:
        _HELD[out_dir][1] += 1
        try:
            yield out_dir
        finally:
            _HELD[out_dir][1] -= 1
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)  # no O_TRUNC: the pid stays
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirBusy(out_dir, _read_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[out_dir] = [fd, 1]
        try:
            yield out_dir
        finally:
            del _HELD[out_dir]
            os.ftruncate(fd, 0)  # a finished writer leaves an empty lock file (reruns stay byte-identical)
    finally:
        os.close(fd)  # releases the lock


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def begin(out_dir: Path) -> None:
    """Mark ``out_dir`` incomplete and remove the completeness-bearing files of an older run."""
    out_dir = Path(out_dir)
    mark_incomplete(out_dir)
    for name in (SUMMARY, OUTCOMES):
        (out_dir / name).unlink(missing_ok=True)


def mark_incomplete(out_dir: Path) -> None:
    """Write the ``INCOMPLETE`` marker (creating the directory)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out_dir / MARKER, MARKER_TEXT)


def write_hydra_files(out_dir: Path, overrides: list[str], config: dict) -> None:
    """``.hydra/overrides.yaml`` and ``.hydra/config.yaml`` as Hydra writes them for a
    ``negsim`` run (the overrides, the composed config), for a run made without Hydra's app
    (:func:`sim.api.run` with ``save_to``): ``negsim-report`` and the run catalog read them."""
    import yaml  # noqa: PLC0415 (only this writer needs it)

    folder = Path(out_dir) / ".hydra"
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "overrides.yaml", yaml.safe_dump(list(overrides), sort_keys=False))
    atomic.write_text(folder / "config.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def finish(out_dir: Path, summary: dict) -> None:
    """Write ``summary.json`` (atomically, last of all results), then drop the marker."""
    out_dir = Path(out_dir)
    atomic.write_json(out_dir / SUMMARY, summary)
    (out_dir / MARKER).unlink(missing_ok=True)


def read_complete(run_dir: Path) -> dict | None:
    """The summary of a complete run directory, or ``None`` if it is not complete."""
    return inspect(run_dir)[0]


def inspect(run_dir: Path) -> tuple[dict | None, str]:
    """``(summary, "")`` for a complete run directory (module docstring), else ``(None, why)``."""
    run_dir = Path(run_dir)
    if (run_dir / MARKER).exists():
        return None, f"marked {MARKER} (the run has not finished, or was interrupted)"
    partial = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob(f"*{atomic.SUFFIX}"))
    if partial:
        return None, "unfinished files: " + ", ".join(partial)
    try:
        text = (run_dir / SUMMARY).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, f"no {SUMMARY} (the run failed or is still running)"
    except (OSError, UnicodeDecodeError) as error:
        return None, f"{SUMMARY} cannot be read ({_cause(error)})"
    try:
        summary = json.loads(text)
    except ValueError as error:
        return None, f"{SUMMARY} is not valid JSON ({error})"
    if not isinstance(summary, dict):
        return None, f"{SUMMARY} holds a JSON {type(summary).__name__}, not an object"
    n_runs = summary.get("n_runs")
    if not isinstance(summary.get("config"), dict) or isinstance(n_runs, bool) or not isinstance(n_runs, int):
        return None, f"{SUMMARY} lacks its config or n_runs (not a negsim summary)"
    if (summary["config"].get("mc") or {}).get("save_outcomes", True):
        problem = _outcomes_problem(run_dir / OUTCOMES, n_runs)
        if problem:
            return None, problem
    return summary, ""


def _outcomes_problem(path: Path, n_runs: int) -> str:
    """Why ``outcomes.parquet`` does not hold ``n_runs`` rows that read back, or ``""``."""
    import pyarrow as pa  # noqa: PLC0415 (only a reader needs it; not every command start)
    import pyarrow.parquet as pq  # noqa: PLC0415

    if not path.is_file():
        return f"no {OUTCOMES}"
    try:
        file = pq.ParquetFile(path)
        rows = file.metadata.num_rows
        read = file.read(columns=["run"]).num_rows
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        return f"{OUTCOMES} cannot be read ({_cause(error)})"
    if rows != n_runs or read != n_runs:
        return f"{OUTCOMES} has {rows} rows but {SUMMARY} says n_runs={n_runs}"
    return ""


def _cause(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _may_hold(path: Path, config_hash: str) -> bool:
    """Cheap test on the first bytes of a summary.json before parsing all of it."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD).decode("utf-8", "replace")
    except OSError:
        return False
    return config_hash in head or '"config_hash"' not in head


def find_complete(search_dir: Path, identity: dict, first: Path | None = None) -> Path | None:
    """A complete run directory under ``search_dir`` whose summary matches ``identity``
    (e.g. ``{"config_hash": ..., "version": ..., "schema_version": ...}``), or ``None``.

    ``first`` (the point's own directory) is looked at before the others.
    """
    search_dir = Path(search_dir)
    candidates: list[Path] = []
    if first is not None:
        candidates.append(Path(first) / SUMMARY)
    if search_dir.is_dir():
        candidates += sorted(p for p in search_dir.rglob(SUMMARY) if first is None or p.parent != Path(first))
    for path in candidates:
        if not path.is_file() or not _may_hold(path, str(identity.get("config_hash", ""))):
            continue
        summary = read_complete(path.parent)
        if summary is not None and all(summary.get(key) == value for key, value in identity.items()):
            return path.parent
    return None


def check_not_taken(out_dir: Path, config_hash: str) -> None:
    """Refuse to write into a directory holding the complete results of another config.

    Re-running the same sweep command gives each point the directory it had; a different
    sweep (values inserted, reordered) into the same ``hydra.sweep.dir`` could give a point
    the directory of another one, whose results would be overwritten.
    """
    summary = read_complete(out_dir)
    if summary is not None and summary.get("config_hash") != config_hash:
        raise RunDirError(
            f"{out_dir} holds the complete results of another configuration (config hash "
            f"{summary.get('config_hash')}, this one {config_hash}): not overwriting them. Re-run the same "
            "sweep command, or use a new hydra.sweep.dir (or hydra.sweep.subdir=${hydra.job.override_dirname})"
        )


def check_writable(path: Path, field: str) -> None:
    """Raise :class:`ConfigError` unless ``path`` is, or can be created as, a writable
    directory. Tries it (a temporary directory, removed at once): permission bits alone do
    not tell, e.g. for root or on a read-only file system."""
    path = Path(path)
    existing = path
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(field, str(path), f"cannot create the output directory: {existing} is not a directory")
    try:
        probe = tempfile.mkdtemp(prefix=".negsim-write-check-", dir=existing)
        os.rmdir(probe)
    except OSError as error:
        raise ConfigError(field, str(path), f"cannot write the output directory in {existing}: {error.strerror}") from None
