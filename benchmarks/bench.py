"""negsim's performance targets, measured side by side in one run (``make bench``).

Prints one markdown table (what, measured, target, met) and the machine it ran on, and writes
``benchmarks/results.json``. Nothing here is a pass/fail test: the targets are the
performance issue's, the figures are what this machine gives today. Each in-process figure
is the median of several runs after a warm-up (which loads the compiled kernels from the
disk cache); each command is timed as a whole process, median of several.

``--quick`` shrinks every size by 10 (a smoke test of this script, not figures to quote);
``--full`` adds 10^8 runs (minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SCENARIO = "lieven_2022"


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


def timed_seconds(action, repeats: int, clock=time.perf_counter, pick=statistics.median) -> float:
    """Seconds of ``action()`` over ``repeats`` calls, after one uncounted call: the median
    wall time, or another ``clock`` (CPU time) and statistic ``pick`` (``min``)."""
    action()
    times = []
    for _ in range(repeats):
        began = clock()
        action()
        times.append(clock() - began)
    return pick(times)


def command_seconds(args: list[str], repeats: int, cwd: Path) -> float:
    """Median wall seconds of a console command run to its end, after one uncounted run."""
    env = {**os.environ, "MPLBACKEND": "Agg", "CI": "true"}

    def once() -> None:
        subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)

    return timed_seconds(once, repeats)


def load(name: str = SCENARIO):
    from sim.scenario import scenario_from_dict
    from sim.scenario_file import load as load_file

    return scenario_from_dict(load_file(ROOT / "scenarios" / f"{name}.yaml"))


def simulation(n_runs: int, threads: int, repeats: int = 3) -> float:
    """In-process Monte Carlo of lieven_2022 (draws, kernel, streaming summary; no files)."""
    from sim.montecarlo import MonteCarlo, run_monte_carlo
    from sim.protocols import Protocol

    scenario = load()
    mc = MonteCarlo(n_runs=n_runs, seed=0, save_outcomes=False, n_threads=threads)
    return timed_seconds(lambda: run_monte_carlo(scenario, Protocol(), "batch", mc), repeats)


def mesa_runs_per_second(n_runs: int) -> float:
    from sim.montecarlo import MonteCarlo, run_monte_carlo
    from sim.protocols import Protocol

    scenario = load()
    mc = MonteCarlo(n_runs=n_runs, seed=0, save_outcomes=False, n_threads=1)
    return n_runs / timed_seconds(lambda: run_monte_carlo(scenario, Protocol(), "mesa", mc), 1)


def big_run_child(n_runs: int) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a fresh process running n_runs without an outcome table."""
    code = f"""
import resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from benchmarks.bench import load
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
scenario = load()
run_monte_carlo(scenario, Protocol(), "batch", MonteCarlo(n_runs=70_000, seed=1, save_outcomes=False))
began = time.perf_counter()
run_monte_carlo(scenario, Protocol(), "batch", MonteCarlo(n_runs={n_runs}, seed=0, save_outcomes=False))
print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, rss = done.stdout.split()[-2:]
    return float(wall), float(rss)


def explore_seconds(n_runs: int) -> float:
    from analysis.explorer import explore
    from sim.protocols import Protocol

    scenario = load()
    return timed_seconds(lambda: explore(scenario, Protocol(), 0, n_runs), 3)


def dashboard_seconds() -> float:
    """A control change of the dashboard at its default 20,000 runs: the Monte Carlo, both
    charts and the round-by-round view updated (server side; the browser test reports the
    time until the chart changes in Chromium)."""
    from sim.teaching.dashboard import Dashboard

    dashboard = Dashboard()
    select = dashboard.offer_selects["nato_membership"]
    options = select.options
    choices = list(options.values()) if isinstance(options, dict) else list(options)
    state = {"at": choices.index(select.value)}

    def change() -> None:
        state["at"] = (state["at"] + 1) % len(choices)
        before = dashboard.summary
        select.value = choices[state["at"]]
        assert dashboard.summary is not before, "the control change did not recompute"

    return timed_seconds(change, 5)


def per_run_microseconds(n_runs: int, repeats: int = 7) -> tuple[float, float]:
    """CPU microseconds per run on one thread of drawing (:func:`sim.sampling.draw`) and of
    the compiled negotiation (the batch engine), each the minimum over ``repeats`` chunks of
    ``n_runs`` runs: where the simulation's time goes."""
    from sim.engines import get_engine
    from sim.protocols import Protocol
    from sim.sampling import draw

    scenario, protocol, engine = load(), Protocol(), get_engine("batch")
    draws = draw(scenario, protocol, 0, 0, n_runs)
    engine(scenario, protocol, draws)

    def cpu(action) -> float:
        return timed_seconds(action, repeats, time.process_time, min) / n_runs * 1e6

    return cpu(lambda: draw(scenario, protocol, 0, 0, n_runs, recycle=draws)), cpu(lambda: engine(scenario, protocol, draws))


def floor_microseconds(n_runs: int, repeats: int = 7) -> tuple[float, float]:
    """CPU microseconds per run on one thread of two parts no faster code can remove while
    outcomes stay bit for bit (DESIGN.md, "Randomness and exactness"): one PCG64 uniform per
    stream (:mod:`sim.pcg64`, as the sampler draws them), and the C library's ``pow`` of
    every aspiration the runs' rounds evaluate (a lower bound: a round that climbs a rung
    evaluates some again). Each the minimum over ``repeats`` passes over ``n_runs`` runs."""
    from numba import njit

    from sim.engines import get_engine
    from sim.pcg64 import fill_uniforms, seed_streams, spawn_prefix
    from sim.protocols import Protocol
    from sim.sampling import _plan, draw

    scenario, protocol = load(), Protocol()
    draws = draw(scenario, protocol, 0, 0, n_runs)
    rounds = get_engine("batch")(scenario, protocol, draws).rounds
    streams, out = seed_streams(spawn_prefix(0, 0), _plan(scenario, protocol).keys, 0), np.empty(n_runs)

    @njit(nogil=True)
    def aspiration_powers(deadline, exponent, rounds):
        total = 0.0
        for k in range(rounds.shape[0]):
            for t in range(1, rounds[k] + 1):
                for a in range(deadline.shape[1]):
                    if t < deadline[k, a]:
                        total += (t / deadline[k, a]) ** (1.0 / exponent[k, a])
        return total

    def uniforms() -> None:
        for stream in streams:
            fill_uniforms(stream, out)

    def powers() -> None:
        aspiration_powers(draws.actors.deadline, draws.actors.concession_exponent, rounds)

    def cpu(action) -> float:
        return timed_seconds(action, repeats, time.process_time, min) / n_runs * 1e6

    return cpu(uniforms), cpu(powers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every size 10x smaller (not figures to quote)")
    parser.add_argument("--full", action="store_true", help="also 10^8 runs (minutes)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rows: list[dict] = []

    def row(what: str, measured: float, unit: str, target: float | None, note: str = "") -> None:
        met = None if target is None else measured <= target
        rows.append({"what": what, "measured": measured, "unit": unit, "target": target, "met": met, "note": note})
        shown = f"{measured:,.2f} {unit}" if unit in ("s", "µs") else f"{measured:,.0f} {unit}"
        goal = "" if target is None else f"≤ {target:g} {unit}"
        mark = "" if met is None else ("yes" if met else "**no**")
        print(f"| {what} | {shown} | {goal} | {mark} |", flush=True)

    print(f"Machine: {machine()}\n")
    print("| what | measured | target | met |\n|---|---:|---:|---|")
    n = 1_000_000 // scale
    row(f"{n:,} runs of {SCENARIO} in-process, 2 threads", simulation(n, 2), "s", 0.5 / scale)
    row(f"{n:,} runs of {SCENARIO} in-process, 1 thread", simulation(n, 1), "s", 1.0 / scale)
    drawing, negotiating = per_run_microseconds(65_536 // scale)
    row("  of which drawing, per run on one core (CPU)", drawing, "µs", None)
    row("  of which the compiled negotiation, per run on one core (CPU)", negotiating, "µs", None)
    uniforms, powers = floor_microseconds(65_536 // scale)
    row("  floor: the run's PCG64 uniforms, one per stream (CPU)", uniforms, "µs", None)
    row("  floor: the C library's pow of the aspirations its rounds evaluate (CPU)", powers, "µs", None)
    big = 10_000_000 // scale
    wall, rss = big_run_child(big)
    row(f"{big:,} runs, mc.save_outcomes=false (fresh process)", wall, "s", 6.0 / scale, f"peak RSS {rss:,.0f} MiB")
    row(f"  peak memory of {big:,} runs", rss, "MiB", None)
    if args.full:
        wall, rss = big_run_child(100_000_000)
        row("10^8 runs, mc.save_outcomes=false (fresh process)", wall, "s", 60.0, f"peak RSS {rss:,.0f} MiB")
        row("  peak memory of 10^8 runs", rss, "MiB", None)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        row(
            "`negsim mc.n_runs=1000 figures=false` (whole command)",
            command_seconds(["negsim", "mc.n_runs=1000", "figures=false", f"hydra.run.dir={tmp}/a"], 5, cwd), "s", 1.5,
        )  # fmt: skip
        row("`negsim` (what `make run` runs: 20,000 runs, figures)", command_seconds(["negsim", f"hydra.run.dir={tmp}/b"], 3, cwd), "s", 3.0)
        explore_runs = 100_000 // scale
        row(f"explore: 108 packages x {explore_runs:,} draws (compute)", explore_seconds(explore_runs), "s", 2.0 / scale)
        row(
            f"`negsim-optimize mc.n_runs={explore_runs} mc.n_jobs=2` (108 openings, whole command)",
            command_seconds(["negsim-optimize", f"mc.n_runs={explore_runs}", "mc.n_jobs=2", f"hydra.run.dir={tmp}/c"], 1, cwd), "s", 60.0 / scale,
        )  # fmt: skip
        row(
            "`negsim-sensitivity` with its defaults (whole command)",
            command_seconds(["negsim-sensitivity", f"hydra.run.dir={tmp}/d"], 1, cwd), "s", 120.0,
        )  # fmt: skip
    row("dashboard control change at 20,000 runs (server side)", dashboard_seconds(), "s", 0.5)
    row("Mesa engine, for reference", mesa_runs_per_second(5_000 // scale), "runs/s", None)
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "quick": args.quick, "rows": rows}
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
