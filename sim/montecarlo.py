"""The Monte Carlo entry point: chunks of runs, drawn, simulated, summarised and streamed.

This is the one public function that analysis code calls to simulate
(:func:`run_monte_carlo`); it knows nothing of Hydra.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import TypeVar

import numpy as np

import sim
from sim import rundir
from sim.engines import Outcomes, get_engine, plays_on_threads
from sim.errors import ConfigError
from sim.limits import available_cores
from sim.outputs import OutcomesWriter, outcomes_table
from sim.protocols import Protocol
from sim.sampling import BLOCK_SIZE, draw
from sim.scenario import Scenario
from sim.summary import SummaryAccumulator

SCHEMA_VERSION = 1
T = TypeVar("T")
PROGRESS_SECONDS = 0.5  # aim of one progress step inside a chunk (sequential runs with a progress hook)
MIN_THREAD_RUNS = 2_048  # a chunk is split over threads only in pieces at least this long


@dataclass(frozen=True)
class MonteCarlo:
    """How many runs, from which seed, in chunks of what size, on how many processes
    (``n_jobs``) and threads per process (``n_threads``; 0: the cores available, shared
    among the processes). Results depend on none of chunk size, processes or threads."""

    n_runs: int = 20_000
    seed: int = 0
    chunk_size: int = 65_536
    n_jobs: int = 1
    n_threads: int = 0
    save_outcomes: bool = True
    top_packages: int = 10

    def __post_init__(self) -> None:
        for name in ("n_runs", "chunk_size", "n_jobs", "top_packages"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"mc.{name}", value, "must be a whole number >= 1")
        for name in ("seed", "n_threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"mc.{name}", value, "must be a whole number >= 0")

    @property
    def threads(self) -> int:
        """Threads per process: ``n_threads``, or the available cores divided among the jobs."""
        return self.n_threads or max(1, available_cores() // self.n_jobs)

    def chunks(self) -> Iterator[tuple[int, int]]:
        """``(start, stop)`` of each chunk, in run order (lazily: memory does not grow with ``n_runs``)."""
        return ((start, min(start + self.chunk_size, self.n_runs)) for start in range(0, self.n_runs, self.chunk_size))


def simulate_chunk(
    scenario: Scenario, protocol: Protocol, engine: str, seed: int, start: int, stop: int, with_parameters: bool,
    threads: int = 1,
) -> tuple[Outcomes, dict[str, np.ndarray]]:
    """Draw and simulate runs ``start .. stop-1`` (a worker's whole job), in up to ``threads``
    consecutive pieces at once (the batch engine: drawing and playing release the GIL)."""
    pieces = split_runs(start, stop, threads if plays_on_threads(engine) else 1)
    if len(pieces) == 1:
        return _simulate_piece(scenario, protocol, engine, seed, start, stop, with_parameters)
    with ThreadPoolExecutor(len(pieces)) as pool:
        done = pool.map(lambda piece: _simulate_piece(scenario, protocol, engine, seed, *piece, with_parameters), pieces)
        return _concatenate(list(done))


def _simulate_piece(
    scenario: Scenario, protocol: Protocol, engine: str, seed: int, start: int, stop: int, with_parameters: bool
) -> tuple[Outcomes, dict[str, np.ndarray]]:
    draws = draw(scenario, protocol, seed, start, stop, recycle=_spare_draws.take())
    outcomes = get_engine(engine)(scenario, protocol, draws)
    parameters = {path: values.copy() for path, values in draws.parameters.items()} if with_parameters else {}
    _spare_draws.give(draws)  # nothing reads them any more: the outcomes and parameters are copies
    return outcomes, parameters


class _SpareDraws:
    """Draws of finished pieces, whose memory the next piece's draws fill again.

    A chunk's draws are tens of MiB; on the development machine, drawing into fresh pages
    took 4.5 s of CPU for 10^6 runs on one thread against 2.7 s into recycled ones (lieven_2022,
    7 Dec 2026). At most ``limit`` are kept, and :func:`run_monte_carlo` lets them go when it
    ends; a joblib worker keeps its own until the worker exits.
    """

    def __init__(self, limit: int = 8) -> None:
        self._draws: list = []
        self._lock = threading.Lock()
        self._limit = limit

    def take(self):
        with self._lock:
            return self._draws.pop() if self._draws else None

    def give(self, draws) -> None:
        with self._lock:
            if len(self._draws) < self._limit:
                self._draws.append(draws)

    def clear(self) -> None:
        with self._lock:
            self._draws.clear()


_spare_draws = _SpareDraws()


def split_runs(start: int, stop: int, parts: int) -> list[tuple[int, int]]:
    """At most ``parts`` consecutive pieces of runs ``start .. stop-1``, none shorter than
    :data:`MIN_THREAD_RUNS` (but the last), cut at whole random-number blocks where they are
    long enough (a piece then draws no block twice)."""
    size = max(-(-(stop - start) // max(parts, 1)), MIN_THREAD_RUNS)
    if size >= BLOCK_SIZE:
        size = -(-size // BLOCK_SIZE) * BLOCK_SIZE
    return [(at, min(at + size, stop)) for at in range(start, stop, size)]


def _concatenate(pieces: list[tuple[Outcomes, dict[str, np.ndarray]]]) -> tuple[Outcomes, dict[str, np.ndarray]]:
    """Consecutive pieces of a chunk as one chunk (run ``k`` does not depend on its piece)."""
    if len(pieces) == 1:
        return pieces[0]
    joined = Outcomes.concatenate([piece[0] for piece in pieces])
    parameters = {key: np.concatenate([piece[1][key] for piece in pieces]) for key in pieces[0][1]}
    return joined, parameters


def _simulate_in_steps(
    scenario: Scenario, protocol: Protocol, engine: str, seed: int, start: int, stop: int, with_parameters: bool,
    threads: int, progress: Callable[[int], None],
) -> tuple[Outcomes, dict[str, np.ndarray]]:
    """One chunk simulated in pieces of about :data:`PROGRESS_SECONDS` each, reporting each
    piece to ``progress``; the same outcomes as :func:`simulate_chunk` (runs are independent)."""
    pieces, step, at = [], 256, start
    while at < stop:
        end = min(at + step, stop)
        began = time.perf_counter()
        pieces.append(simulate_chunk(scenario, protocol, engine, seed, at, end, with_parameters, threads))
        progress(end - at)
        elapsed = max(time.perf_counter() - began, 1e-3)
        step = int(min(max(step * PROGRESS_SECONDS / elapsed, 256), 4 * step))
        at = end
    return _concatenate(pieces)


def iterate_chunks(
    scenario: Scenario,
    protocol: Protocol,
    engine: str,
    mc: MonteCarlo,
    with_parameters: bool,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Outcomes, dict[str, np.ndarray]]]:
    """Chunks in run order, computed on ``mc.n_jobs`` local cores (joblib).

    ``progress(n)`` is called as runs finish: after every chunk, and on one core also within
    a chunk (in pieces of about half a second), so that a bar moves during one long chunk.
    """
    get_engine(engine)  # fail early on an unknown engine
    if mc.n_jobs == 1 and mc.threads > 1 and plays_on_threads(engine):
        yield from _chunks_on_threads(scenario, protocol, engine, mc, with_parameters, progress)
        return
    jobs = ((scenario, protocol, engine, mc.seed, start, stop, with_parameters, mc.threads) for start, stop in mc.chunks())
    if progress is not None and (mc.n_jobs == 1 or mc.n_runs <= mc.chunk_size):
        for job in jobs:
            yield _simulate_in_steps(*job, progress)
        return
    for chunk in map_jobs(simulate_chunk, jobs, mc.n_jobs):
        if progress is not None:
            progress(chunk[0].n)
        yield chunk


def _chunks_on_threads(
    scenario: Scenario, protocol: Protocol, engine: str, mc: MonteCarlo, with_parameters: bool,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[Outcomes, dict[str, np.ndarray]]]:
    """Chunks in run order, their pieces (:func:`split_runs`) played by one pool of
    ``mc.threads`` threads that keeps the next chunk under way while the caller summarises or
    writes this one: a thread never waits for the summary or for the other thread's piece.
    ``progress`` hears of every piece. Outcomes equal :func:`simulate_chunk`'s (runs are
    independent); measured on lieven_2022, 10^6 runs on two threads went from 1.82x to
    1.92x one thread's speed (7 Dec 2026)."""
    chunks, ahead = mc.chunks(), deque()
    pool = ThreadPoolExecutor(mc.threads)

    def submit(start: int, stop: int) -> None:
        pieces = split_runs(start, stop, mc.threads)
        ahead.append([pool.submit(_simulate_piece, scenario, protocol, engine, mc.seed, *piece, with_parameters) for piece in pieces])

    try:
        for start, stop in islice(chunks, 2):
            submit(start, stop)
        while ahead:
            done = []
            for future in ahead.popleft():
                done.append(future.result())
                if progress is not None:
                    progress(done[-1][0].n)
            following = next(chunks, None)
            if following is not None:
                submit(*following)
            yield _concatenate(done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def map_jobs(function: Callable[..., T], jobs: Iterable[tuple], n_jobs: int) -> Iterator[T]:
    """``function(*job)`` of every job, in job order: here, with one core or one job; else
    on ``n_jobs`` local worker processes (joblib), each result yielded as soon as it and all
    before it are done (the one joblib loop of negsim and its analyses). ``jobs`` is read
    lazily, a few ahead of the workers."""
    jobs = iter(jobs)
    if n_jobs > 1:
        first = list(islice(jobs, 2))
        if len(first) == 2:
            from joblib import Parallel, delayed

            parallel = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")
            yield from parallel(delayed(function)(*job) for job in chain(first, jobs))
            return
        jobs = iter(first)
    for job in jobs:
        yield function(*job)


def config_hash(config: dict) -> str:
    """SHA-256 of the config that determines the results (chunking and cores do not)."""
    relevant = json.loads(json.dumps(config, sort_keys=True, default=str))
    for key in ("chunk_size", "n_jobs", "n_threads"):
        relevant.get("mc", {}).pop(key, None)
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_monte_carlo(
    scenario: Scenario,
    protocol: Protocol,
    engine: str = "batch",
    mc: MonteCarlo = MonteCarlo(),
    out_dir: Path | None = None,
    config: dict | None = None,
    progress: Callable[[int], None] | None = None,
    before_summary: Callable[[dict], None] | None = None,
    on_table: Callable[[object], None] | None = None,
) -> dict:
    """Run the Monte Carlo and return its summary.

    With ``out_dir``, writes ``outcomes.parquet`` (chunk by chunk, if ``mc.save_outcomes``)
    and ``summary.json`` there, each renamed into place only when complete. The directory
    is marked ``INCOMPLETE`` while the run is on; ``before_summary(summary)`` (e.g. drawing
    figures) runs once the outcomes are in place, and ``summary.json`` is written last, so its
    presence means the run directory is complete (:mod:`sim.rundir`). ``progress(n)`` is
    told of every ``n`` runs done; ``on_table(table)`` is handed each chunk's outcomes table
    (the rows ``outcomes.parquet`` gets, a ``pyarrow.Table``), e.g. to keep them in memory.
    """
    from sim.environment import lock_record

    config = config if config is not None else {}
    metadata = {
        "negsim.version": sim.__version__,
        "negsim.seed": str(mc.seed),
        "negsim.scenario": scenario.name,
        "negsim.engine": engine,
        "negsim.protocol": protocol.name,
        "negsim.config_hash": config_hash(config),
        "negsim.config": json.dumps(config, sort_keys=True, default=str),
    }
    writer = None
    if out_dir is not None:
        rundir.begin(Path(out_dir))
    if out_dir is not None and mc.save_outcomes:
        writer = OutcomesWriter(Path(out_dir) / "outcomes.parquet", metadata)
    accumulator = SummaryAccumulator(scenario, protocol.max_rounds)
    try:
        tables = writer is not None or on_table is not None
        for outcomes, parameters in iterate_chunks(scenario, protocol, engine, mc, tables, progress):
            accumulator.add(outcomes)
            if tables:
                table = outcomes_table(scenario, outcomes, parameters)
                if writer is not None:
                    writer.write(table)
                if on_table is not None:
                    on_table(table)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        _spare_draws.clear()
    if writer is not None:
        writer.close()
    summary = {
        "schema_version": SCHEMA_VERSION,
        "n_runs": mc.n_runs,
        "seed": mc.seed,
        "scenario": scenario.name,
        "engine": engine,
        "protocol": protocol.name,
        "config_hash": metadata["negsim.config_hash"],
        "version": sim.__version__,
        "lock": lock_record(),  # requirements.lock's sha256, and whether the packages are as it pins
        **{k: v for k, v in accumulator.result(mc.top_packages).items() if k != "n_runs"},
        "config": config,
    }
    if before_summary is not None:
        before_summary(summary)
    if out_dir is not None:
        rundir.finish(Path(out_dir), summary)
    return summary
