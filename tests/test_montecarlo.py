"""How a Monte Carlo is cut into chunks and pieces (the outcomes never depend on the cut:
tests/cli/test_end_to_end.py and tests/scaleout/test_determinism.py)."""

import pytest

from sim.errors import ConfigError
from sim.montecarlo import MIN_THREAD_RUNS, MonteCarlo, map_jobs, split_runs
from sim.sampling import BLOCK_SIZE


@pytest.mark.parametrize(
    "start, stop, parts, pieces",
    [
        (0, 65_536, 2, [(0, 32_768), (32_768, 65_536)]),  # whole blocks of 16,384
        (0, 65_536, 3, [(0, 32_768), (32_768, 65_536)]),  # 21,846 rounds up to 2 blocks
        (0, 20_000, 3, [(0, 6_667), (6_667, 13_334), (13_334, 20_000)]),
        (100, 3_000, 4, [(100, 2_148), (2_148, 3_000)]),  # none shorter than MIN_THREAD_RUNS but the last
        (0, 1_000, 2, [(0, 1_000)]),
        (0, 50_000, 1, [(0, 50_000)]),
    ],
)
def test_split_runs(start, stop, parts, pieces):
    assert MIN_THREAD_RUNS == 2_048 and BLOCK_SIZE == 16_384
    assert split_runs(start, stop, parts) == pieces


def test_threads_default_to_the_cores_shared_among_jobs(monkeypatch):
    monkeypatch.setattr("sim.montecarlo.available_cores", lambda: 8)
    assert MonteCarlo().threads == 8
    assert MonteCarlo(n_jobs=3).threads == 2
    assert MonteCarlo(n_jobs=16).threads == 1
    assert MonteCarlo(n_jobs=3, n_threads=5).threads == 5


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_n_threads_must_be_a_whole_number(value):
    with pytest.raises(ConfigError, match="mc.n_threads"):
        MonteCarlo(n_threads=value)


def test_chunks_are_lazy_and_cover_the_runs():
    chunks = MonteCarlo(n_runs=10**12, chunk_size=65_536).chunks()
    assert next(chunks) == (0, 65_536) and next(chunks) == (65_536, 131_072)  # nothing built up front
    assert list(MonteCarlo(n_runs=5, chunk_size=2).chunks()) == [(0, 2), (2, 4), (4, 5)]


def test_map_jobs_keeps_job_order_and_reads_a_generator():
    jobs = ((i, i + 1) for i in range(5))
    assert list(map_jobs(pow, jobs, 1)) == [0, 1, 8, 81, 1024]
    assert list(map_jobs(pow, ((i, 2) for i in range(6)), 2)) == [0, 1, 4, 9, 16, 25]


def _tables(scenario, mc, progress=None):
    """The summary and every outcome row of a run, as one pyarrow table."""
    import pyarrow as pa

    from sim.montecarlo import run_monte_carlo
    from sim.protocols import Protocol

    tables = []
    summary = run_monte_carlo(scenario, Protocol(), mc=mc, on_table=tables.append, progress=progress)
    return summary, pa.concat_tables(tables)


def test_threads_play_chunks_ahead_with_the_same_outcomes(bundled_scenario):
    """The pool of threads that keeps the next chunk under way (``_chunks_on_threads``)
    gives the rows of one thread, in run order, for chunks that split into pieces and chunks
    that do not; its progress counts every run once."""
    scenario = bundled_scenario("lieven_2022")
    base = dict(n_runs=23_000, seed=5, chunk_size=5_000)
    summary, table = _tables(scenario, MonteCarlo(**base, n_threads=1))
    assert table.num_rows == 23_000 and table.column("run").to_pylist() == list(range(23_000))
    for threads in (2, 3):
        told = []
        other_summary, other = _tables(scenario, MonteCarlo(**base, n_threads=threads), told.append)
        assert other.equals(table), threads
        assert {k: v for k, v in other_summary.items() if k != "lock"} == {k: v for k, v in summary.items() if k != "lock"}
        assert sum(told) == 23_000 and len(told) > 5  # pieces of 2,500 runs


def test_threads_stop_when_the_caller_stops(bundled_scenario):
    """Closing the chunk iterator early lets the pool go without running the rest."""
    from sim.montecarlo import iterate_chunks
    from sim.protocols import Protocol

    mc = MonteCarlo(n_runs=10**9, chunk_size=4_096, n_threads=2)
    chunks = iterate_chunks(bundled_scenario("lieven_2022"), Protocol(), "batch", mc, False)
    first = next(chunks)
    chunks.close()
    assert first[0].n == 4_096 and first[0].start == 0
