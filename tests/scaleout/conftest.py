"""Fixtures for the scale-out tests (``tests/scaleout/``); helpers are in ``support.py``.

Names differ from those of the other test folders' ``conftest.py``.
"""

from __future__ import annotations

import pytest

from .support import N_POINTS, SWEEP, Sweep, run


@pytest.fixture(scope="session")
def reference_sweep(tmp_path_factory) -> Sweep:
    """The four-point sweep with the basic launcher (one process, points one after another)."""
    root = tmp_path_factory.mktemp("reference")
    sweep_dir = root / "sweep"
    result = run([*SWEEP, f"hydra.sweep.dir={sweep_dir}"], cwd=root)
    assert result.returncode == 0, result.describe()
    sweep = Sweep(sweep_dir, result)
    assert len(sweep.by_hash()) == N_POINTS, result.describe()
    return sweep
