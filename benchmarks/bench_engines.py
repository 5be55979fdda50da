"""Engine benchmark: runs/s of the Mesa and batch engines, parallel wall time, peak memory.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_engines.py``); ``--quick``
shrinks every size by 10x. Prints a markdown table of measured figures and the machine they
came from; nothing here is a pass/fail test. Peak RSS is measured in a fresh child process
per size, since a process's peak never goes down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.montecarlo import MonteCarlo, run_monte_carlo  # noqa: E402
from sim.protocols import Protocol  # noqa: E402
from sim.scenario import scenario_from_dict  # noqa: E402


def load(name: str):
    return scenario_from_dict(yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text()))


def runs_per_second(scenario, engine: str, n_runs: int, n_jobs: int = 1) -> tuple[float, float]:
    """(runs/s, wall seconds) of a Monte Carlo without output files, after a warm-up that
    compiles (or loads) the kernel and, for ``n_jobs > 1``, starts the worker processes."""
    warm_up = MonteCarlo(n_runs=min(n_runs, 2_000 * n_jobs), seed=1, n_jobs=n_jobs, chunk_size=2_000)
    run_monte_carlo(scenario, Protocol(), engine, warm_up)
    start = time.perf_counter()
    run_monte_carlo(scenario, Protocol(), engine, MonteCarlo(n_runs=n_runs, seed=0, n_jobs=n_jobs, chunk_size=65_536))
    wall = time.perf_counter() - start
    return n_runs / wall, wall


def peak_rss_child(n_runs: int, save_outcomes: bool) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of a fresh process running n_runs of lieven_2022."""
    code = f"""
import resource, sys, tempfile, time
sys.path.insert(0, {str(ROOT)!r})
sys.argv = ["x"]
from benchmarks.bench_engines import load
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
scenario = load("lieven_2022")
with tempfile.TemporaryDirectory(dir={str(ROOT)!r}) as out:
    start = time.perf_counter()
    run_monte_carlo(scenario, Protocol(), "batch", MonteCarlo(n_runs={n_runs}, seed=0, save_outcomes={save_outcomes}), out)
    wall = time.perf_counter() - start
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, wall)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss, wall = result.stdout.split()[-2:]
    return float(rss), float(wall)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every size 10x smaller")
    parser.add_argument("--skip-rss", action="store_true", help="skip the peak-memory children")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    results: dict = {"machine": machine(), "quick": args.quick, "engines": {}, "parallel": {}, "memory": []}
    print(f"Machine: {results['machine']}\n")
    print("| scenario | Mesa runs/s | batch runs/s | batch / Mesa |\n|---|---:|---:|---:|")
    for name in ("lieven_2022", "us_response_2022"):
        scenario = load(name)
        mesa, _ = runs_per_second(scenario, "mesa", 5_000 // scale)
        batch, _ = runs_per_second(scenario, "batch", 1_000_000 // scale)
        results["engines"][name] = {"mesa_runs_per_s": mesa, "batch_runs_per_s": batch, "ratio": batch / mesa}
        print(f"| {name} | {mesa:,.0f} | {batch:,.0f} | {batch / mesa:,.0f}x |")
    n = 1_000_000 // scale
    print(f"\n| lieven_2022, {n:,} runs, batch | wall s | runs/s |\n|---|---:|---:|")
    for n_jobs in (1, 2):
        rate, wall = runs_per_second(load("lieven_2022"), "batch", n, n_jobs=n_jobs)
        results["parallel"][f"n_jobs={n_jobs}"] = {"wall_s": wall, "runs_per_s": rate}
        print(f"| mc.n_jobs={n_jobs} | {wall:.2f} | {rate:,.0f} |")
    if not args.skip_rss:
        print("\n| runs | save_outcomes | peak RSS MiB | wall s |\n|---:|---|---:|---:|")
        for n_runs in (100_000 // scale, 1_000_000 // scale, 10_000_000 // scale):
            for save in (False, True):
                rss, wall = peak_rss_child(n_runs, save)
                results["memory"].append({"n_runs": n_runs, "save_outcomes": save, "peak_rss_mib": rss, "wall_s": wall})
                print(f"| {n_runs:,} | {save} | {rss:,.0f} | {wall:.1f} |")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench_engines_{platform.node() or 'machine'}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
