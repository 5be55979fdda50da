"""Write-then-rename: a file appears under its name only when it is complete.

Every result file is written to a temporary sibling (``NAME.partial``, or ``.NAME.partial``
with ``hidden=True``) and renamed into place (``os.replace``, atomic on one file system), so
a run killed at any moment leaves no complete-looking file; a leftover ``*.partial`` marks an
interrupted write (``negsim-report`` lists it as incomplete).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SUFFIX = ".partial"


class Replacement:
    """``path``'s temporary sibling, renamed to ``path`` by :meth:`commit`.

    As a context manager it yields the temporary path, commits on success and removes the
    temporary file on an error; a streaming writer calls :meth:`commit` or :meth:`discard`.
    """

    def __init__(self, path: Path, hidden: bool = False) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(f"{'.' if hidden else ''}{self.path.name}{SUFFIX}")

    def commit(self) -> None:
        os.replace(self.partial, self.path)

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Path:
        return self.partial

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_bytes(path: Path, data: bytes) -> None:
    with Replacement(path) as partial:
        partial.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    with Replacement(path) as partial:
        partial.write_text(text, encoding="utf-8")


def write_json(path: Path, data: dict) -> None:
    """``data`` as indented JSON (keys in their order) and a final newline."""
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
