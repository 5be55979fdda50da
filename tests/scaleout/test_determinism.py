"""Within one run, ``mc.n_jobs`` spreads chunks over local cores: for any n_jobs and
chunk_size the same seed gives the same outcomes table, byte for byte after sorting by run
id (Arrow IPC bytes of the sorted table), and the same summary estimates."""

from __future__ import annotations

import pytest

from .support import estimates, run, table_bytes

N = 20_000  # crosses the 16,384-run block of the random streams
VARIANTS = {
    "one_chunk": ["mc.chunk_size=100000", "mc.n_jobs=1"],
    "chunks_of_3001_on_2_cores": ["mc.chunk_size=3001", "mc.n_jobs=2"],  # chunks straddle the blocks
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("determinism")
    out = {}
    for name, extra in VARIANTS.items():
        result = run([f"mc.n_runs={N}", "mc.seed=11", "figures=false", "quiet=true", *extra, f"hydra.run.dir={root / name}"], cwd=root)
        assert result.returncode == 0, result.describe()
        out[name] = root / name
    return out


@pytest.mark.slow
def test_outcomes_identical_byte_for_byte_for_any_jobs_and_chunks(variants):
    reference = table_bytes(variants["one_chunk"] / "outcomes.parquet")
    for name, run_dir in variants.items():
        assert table_bytes(run_dir / "outcomes.parquet") == reference, name


@pytest.mark.slow
def test_summary_estimates_identical_for_any_jobs_and_chunks(variants):
    reference = estimates(variants["one_chunk"])
    for name, run_dir in variants.items():
        assert estimates(run_dir) == reference, name  # config_hash included: it ignores chunks and jobs
