"""Run directories: when their results are complete, and finding complete ones again.

A run directory is **complete** when it holds ``summary.json`` and no ``INCOMPLETE`` marker
(and ``outcomes.parquet`` when the run saved outcomes). :func:`begin` writes the marker and
removes any old ``summary.json`` and ``outcomes.parquet`` before a run writes anything;
the run then writes ``outcomes.parquet`` and its figures; :func:`finish` writes
``summary.json`` last (under a temporary name, renamed into place) and only then removes the
marker. So a run killed at any moment leaves either complete results or a directory that is
plainly incomplete (the marker, and no ``summary.json``), never a complete-looking
``summary.json`` beside missing or stale results.

A sweep is resumed by re-running the same command with the same ``hydra.sweep.dir``: each
point looks in that directory for a complete run with its own config hash
(:func:`sim.montecarlo.config_hash`, which ignores ``mc.chunk_size`` and ``mc.n_jobs``), its
package version and summary schema, and is skipped if it finds one (:func:`find_complete`).
Results are found by what they are, not by the directory they are in.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sim import atomic
from sim.errors import ConfigError

SUMMARY = "summary.json"
OUTCOMES = "outcomes.parquet"
MARKER = "INCOMPLETE"
MARKER_TEXT = (
    "This run has not finished (or was interrupted): its results are incomplete.\n"
    "summary.json is written last, when everything else is in place, and this file is then removed.\n"
)
_HEAD = 4096  # summary.json names its config_hash in its first lines


class RunDirError(RuntimeError):
    """A run directory that must not be written (it holds another config's complete results)."""


def begin(out_dir: Path) -> None:
    """Mark ``out_dir`` incomplete and remove the completeness-bearing files of an older run."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    for name in (SUMMARY, OUTCOMES):
        (out_dir / name).unlink(missing_ok=True)


def finish(out_dir: Path, summary: dict) -> None:
    """Write ``summary.json`` (atomically, last of all results), then drop the marker."""
    out_dir = Path(out_dir)
    atomic.write_json(out_dir / SUMMARY, summary)
    (out_dir / MARKER).unlink(missing_ok=True)


def read_complete(run_dir: Path) -> dict | None:
    """The summary of a complete run directory, or ``None`` if it is not complete."""
    run_dir = Path(run_dir)
    if (run_dir / MARKER).exists():
        return None
    try:
        summary = json.loads((run_dir / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or not isinstance(summary.get("config"), dict):
        return None
    saves_outcomes = (summary["config"].get("mc") or {}).get("save_outcomes", True)
    if saves_outcomes and not (run_dir / OUTCOMES).is_file():
        return None
    return summary


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
