"""Faults of the machine during a run end in one line and exit status 1, naming the path and
the cause, with the run directory left marked ``INCOMPLETE`` and no complete-looking file.

A full disk, a permission refused and a file system gone read-only are simulated in this
process by making one writer raise the ``OSError`` the system would raise (no root, no tmpfs).
Bad input, by contrast, exits 2 (``test_bad_input.py``)."""

from __future__ import annotations

import errno
import os

import pytest

import analysis.figures
import sim.atomic
import sim.outputs
from sim import rundir


def _raise(code: int, where):
    def fail(*args, **kwargs):
        path = where(*args)
        raise OSError(code, os.strerror(code), str(path))

    return fail


FAULTS = [  # (id, object, attribute, errno, which path it names)
    ("disk_full_writing_outcomes", sim.outputs.OutcomesWriter, "write", errno.ENOSPC, lambda self, table: self.partial),
    ("permission_denied_writing_summary", sim.atomic, "write_json", errno.EACCES, lambda path, data: path),
    ("read_only_drawing_figures", analysis.figures, "save_summary_figures", errno.EROFS, lambda summary, folder: folder),
]


@pytest.mark.parametrize(
    "target, attribute, code, where", [pytest.param(t, a, c, w, id=i) for i, t, a, c, w in FAULTS]
)
def test_a_fault_is_one_line_exit_1_and_the_folder_stays_incomplete(tmp_path, monkeypatch, negsim, target, attribute, code, where):
    monkeypatch.setattr(target, attribute, _raise(code, where))
    out = tmp_path / "run"
    result = negsim(["mc.n_runs=300", f"hydra.run.dir={out}"], cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.describe()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.describe()
    assert os.strerror(code) in lines[0] and str(out) in lines[0] and "INCOMPLETE" in lines[0], lines
    assert (out / rundir.MARKER).exists()
    assert not (out / rundir.SUMMARY).exists() and not list(out.rglob("*.partial"))
    assert rundir.read_complete(out) is None
