"""The pinned environment: which lock file the numbers were made under, and whether the
installed packages are the ones it pins.

``requirements.lock`` (``pip-compile`` of ``pyproject.toml``'s ``test`` extra; ``make lock``
regenerates it) is what ``make run`` and ``make test`` install. Every ``summary.json`` records
:func:`lock_record`: the lock file's SHA-256, and whether every distribution it pins that is
installed is at that version, so that two results can be checked for coming from the same
environment, and a result made in an environment that drifted from its lock says so.

Imports nothing heavy (``importlib.metadata`` reads the installed distributions' metadata).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#\\]+)")


def pins(text: str) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line of a requirements file."""
    return {found.group(1): found.group(2) for found in map(PIN.match, text.splitlines()) if found}


def differences(locked: dict[str, str]) -> tuple[list[str], int]:
    """``"name installed (locked version)"`` for each pinned distribution installed at another
    version, sorted; and how many pinned distributions are not installed at all (a plain
    ``pip install negsim`` has none of the ``test`` extra's tools, which change no number)."""
    drift, absent = [], 0
    for name, version in sorted(locked.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            absent += 1
            continue
        if installed != version:
            drift.append(f"{name} {installed} (locked {version})")
    return drift, absent


def lock_record_of(path: Path) -> dict:
    """``{"file", "sha256", "as_locked", "differences", "not_installed"}`` of the lock file at
    ``path``: ``as_locked`` when every pinned distribution that is installed is at its pinned
    version (``differences``: at most 10 that are not, see :func:`differences`)."""
    data = Path(path).read_bytes()
    drift, absent = differences(pins(data.decode("utf-8")))
    return {
        "file": Path(path).name, "sha256": hashlib.sha256(data).hexdigest(), "as_locked": not drift,
        "differences": drift[:10], "not_installed": absent,
    }  # fmt: skip


@lru_cache(maxsize=1)
def _record() -> tuple:
    from sim.bundled import lock_file

    try:
        return tuple(lock_record_of(lock_file()).items())
    except FileNotFoundError:  # a source tree without its lock file
        return (("file", None), ("sha256", None), ("as_locked", False), ("differences", ["no requirements.lock"]), ("not_installed", 0))


def lock_record() -> dict:
    """:func:`lock_record_of` the bundled ``requirements.lock`` (once per process)."""
    record = dict(_record())
    record["differences"] = list(record["differences"])
    return record
