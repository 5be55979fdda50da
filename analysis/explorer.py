"""The package explorer (``negsim-explore``): every package of a scenario under its priors.

For each package (one level per item; 108 for the flagship scenario) and each Monte Carlo
draw of the priors (the same draws, by the same streams, as ``negsim`` with the same seed),
it evaluates the package as a take-it-or-leave-it offer at the start of the talks:

- each actor's utility ``U_a(x)`` (``sim.core.decisions`` arithmetic, vectorised over runs
  and packages, bit for bit), so ``eu.<actor>`` = E[U_a(x)] with a 95% interval of the
  Monte Carlo mean, and ``p_accept.<actor>`` = P(U_a(x) >= r_a) for every actor, asked or not;
- ``p_joint`` = P(every actor whose yes the package needs accepts: U_a >= r_a and none of its
  held red lines crossed), at reservations;
- ``p_ratified`` = P(... and every ratifier that votes on it approves, U_a + b_a >= r_a and
  no held red line of its actor crossed):
  the probability that the package is agreed and ratified. This is exactly P(agreement) of
  the ``ultimatum`` protocol with the package as opening offer (a test checks it run for run);
- the bargaining solutions of DESIGN.md "Bargaining solutions (explorer)"
  (:mod:`analysis.bargaining`): the individually rational (IR) packages (every actor of the
  scenario at least its reservation at the starting rung, no held red line crossed), the
  Pareto-optimal ones among them, and the Nash, Kalai-Smorodinsky, egalitarian and
  utilitarian packages among those. Each (a) at the mean: every package's mean utility over
  the draws, the mean reservation, a red line held iff its mean ``hold`` >= 1/2 (columns
  ``ir``, ``pareto``, ``solution``); and (b) per draw: the share of draws in which a package
  is IR (``p_ir``), Pareto optimal (``p_pareto``) and each solution (``p_solution.<name>``),
  with Wilson intervals, and the share of draws whose IR set is empty;
- the zone of possible agreement: packages that each actor whose yes they need accepts with
  probability >= ``threshold`` (each actor separately, not jointly);
- each item's marginal effect: the change in ``p_ratified`` when that item moves one level up,
  every other item held, with a paired 95% interval (the same draws on both sides).

Outputs in the run directory: ``packages.parquet``/``.csv`` (one row per package),
``item_effects.parquet``/``.csv``, ``explorer.json`` and ``figures/``.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._stats import grid_sum, mean_interval, paired_binary, wilson_arrays
from analysis.bargaining import (
    NONE,
    SOLUTIONS,
    SolutionCounts,
    crossings,
    held_red_lines,
    solve,
    solve_at_mean,
)
from sim.config import NegsimConf
from sim.core.decisions import utility_tables
from sim.errors import ConfigError
from sim.limits import available_cores
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import Scenario
from sim.summary import estimate

log = logging.getLogger("negsim")

BLOCK = 4096
"""Runs evaluated at once (memory: BLOCK x actors x packages floats). Results do not depend
on it: counts are integers and sums are exact (``analysis._stats.grid_sum``)."""


@dataclass
class Exploration:
    """The explorer's result: ``packages`` (one row per package, in package order),
    ``effects`` (one row per package and item step) and the scalars behind them."""

    scenario: Scenario
    n_runs: int
    seed: int
    threshold: float
    packages: pd.DataFrame
    effects: pd.DataFrame
    disagreement: dict[str, float]
    solutions: dict[str, int | None]
    """At the mean: each solution's package, ``None`` where no package is IR."""
    ir_empty: dict[str, float] = field(default_factory=dict)
    """The share of draws whose IR set is empty, ``{count, p, lo, hi}``."""
    red_lines: list[dict] = field(default_factory=list)
    """Each red line: actor, item, levels, mean hold, and whether it is held at the mean."""
    ideal: dict[str, float | None] = field(default_factory=dict)
    """At the mean: each actor's best IR mean utility (Kalai-Smorodinsky's I_a)."""


def explore(
    scenario: Scenario, protocol: Protocol, seed: int, n_runs: int, threshold: float = 0.5, threads: int = 0
) -> Exploration:
    """Evaluate every package of ``scenario`` under runs ``0 .. n_runs-1`` of seed ``seed``,
    in blocks on ``threads`` threads (0: the cores available; ``mc.threads`` from a command)."""
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError("threshold", threshold, "must be a probability in [0, 1]")
    packages = scenario.packages
    n_packages = packages.shape[0]
    actors = scenario.actor_names
    n_actors = len(actors)
    asked = scenario.asked  # (A, P)
    ratify = scenario.ratifier_matrix()  # (A, I)
    votes = (ratify[:, None, :] & (packages[None, :, :] != 0)).any(axis=2)  # (A, P)
    red_line_levels = scenario.red_line_matrix()  # (A, I, L)
    steps = _item_steps(scenario)

    u_sum = np.zeros((n_actors, n_packages), dtype=np.int64)
    u_sq = np.zeros((n_actors, n_packages), dtype=np.int64)
    r_sum = np.zeros(n_actors, dtype=np.int64)
    hold_sum = np.zeros(red_line_levels.shape[:2], dtype=np.int64)
    tally = SolutionCounts(n_packages)
    accept = np.zeros((n_actors, n_packages), dtype=np.int64)
    joint = np.zeros(n_packages, dtype=np.int64)
    ratified = np.zeros(n_packages, dtype=np.int64)
    gain = [np.zeros(len(s[0]), dtype=np.int64) for s in steps]
    loss = [np.zeros(len(s[0]), dtype=np.int64) for s in steps]

    def block(start: int) -> tuple:
        """The sums and counts of draws ``start .. start + BLOCK - 1`` (a thread's job)."""
        draws = draw(scenario, protocol, seed, start, min(start + BLOCK, n_runs))
        utilities = utility_tables(draws.actors.values, draws.actors.salience, scenario.n_levels)
        reservation = draws.actors.reservation[:, :, None]
        accepted = utilities >= reservation
        held = held_red_lines(draws.events.u_red_line, draws.actors.red_lines_hold)
        crosses = crossings(held, red_line_levels, packages)  # (n, A, P)
        agreed = ((accepted & ~crosses) | ~asked[None]).all(axis=1)  # (n, P)
        approves = (utilities + draws.actors.ratifier_bias[:, :, None] >= reservation) & ~crosses
        passed = agreed & (approves | ~votes[None]).all(axis=1)
        sums = (
            grid_sum(utilities), grid_sum(utilities * utilities), grid_sum(draws.actors.reservation),
            grid_sum(draws.actors.red_lines_hold), accepted.sum(axis=0), agreed.sum(axis=0), passed.sum(axis=0),
        )  # fmt: skip
        steps_up = [(passed[:, upper] & ~passed[:, lower]).sum(axis=0) for lower, upper in steps]
        steps_down = [(~passed[:, upper] & passed[:, lower]).sum(axis=0) for lower, upper in steps]
        return sums, steps_up, steps_down, solve(utilities, draws.actors.reservation, crosses)

    # blocks on threads (numpy, scipy and the compiled kernels release the GIL); every sum is
    # exact, so the result does not depend on the number of threads
    with ThreadPoolExecutor(threads or available_cores()) as pool:
        for sums, steps_up, steps_down, solved in pool.map(block, range(0, n_runs, BLOCK)):
            for total, part in zip((u_sum, u_sq, r_sum, hold_sum, accept, joint, ratified), sums):
                total += part
            for k in range(len(steps)):
                gain[k] += steps_up[k]
                loss[k] += steps_down[k]
            tally.add(solved)

    n = n_runs
    eu, sd, eu_lo, eu_hi = mean_interval(u_sum, u_sq, n)
    d = r_sum / 2.0**32 / n
    surplus = eu - d[:, None]
    p_accept = accept / n
    acc_lo, acc_hi = wilson_arrays(accept, n)
    zopa = ((p_accept >= threshold) | ~asked).all(axis=0)
    mean_hold = hold_sum / 2.0**32 / n
    at_mean, held_at_mean = solve_at_mean(eu, d, mean_hold, red_line_levels, packages)
    solutions = {
        name: None if chosen[0] == NONE else int(chosen[0]) for name, chosen in at_mean.solutions.items()
    }

    table: dict[str, object] = {"package": np.arange(n_packages)}
    for i, item in enumerate(scenario.items):
        table[item.name] = pd.Categorical.from_codes(packages[:, i], categories=list(item.levels))
    for a, actor in enumerate(actors):
        table[f"eu.{actor}"] = eu[a]
        table[f"eu_lo.{actor}"] = eu_lo[a]
        table[f"eu_hi.{actor}"] = eu_hi[a]
        table[f"u_sd.{actor}"] = sd[a]
        table[f"surplus.{actor}"] = surplus[a]
    for a, actor in enumerate(actors):
        table[f"p_accept.{actor}"] = p_accept[a]
        table[f"p_accept_lo.{actor}"] = acc_lo[a]
        table[f"p_accept_hi.{actor}"] = acc_hi[a]
        table[f"asked.{actor}"] = asked[a]
    for name, counts in (("p_joint", joint), ("p_ratified", ratified)):
        lo, hi = wilson_arrays(counts, n)
        table[name], table[f"{name}_lo"], table[f"{name}_hi"] = counts / n, lo, hi
    effect_rows = []
    for k, (item, (lower, upper)) in enumerate(zip(scenario.items, steps)):
        column = np.full(n_packages, np.nan)
        paired = paired_binary(gain[k], loss[k], n)
        column[lower] = paired["diff"]
        table[f"dp_up.{item.name}"] = column
        i = scenario.items.index(item)
        for j, (p, q) in enumerate(zip(lower, upper)):
            effect_rows.append(
                {
                    "item": item.name,
                    "from": item.levels[packages[p, i]],
                    "to": item.levels[packages[q, i]],
                    "package": int(p),
                    "to_package": int(q),
                    "dp": paired["diff"][j],
                    "lo": paired["lo"][j],
                    "hi": paired["hi"][j],
                    "p_value": paired["p_value"][j],
                }
            )
    table["ir"] = at_mean.ir[0]
    table["pareto"] = at_mean.pareto[0]
    table["zopa"] = zopa
    for name, count in (("p_ir", tally.ir), ("p_pareto", tally.pareto)):
        lo, hi = wilson_arrays(count, n)
        table[name], table[f"{name}_lo"], table[f"{name}_hi"] = count / n, lo, hi
    for name in SOLUTIONS:
        lo, hi = wilson_arrays(tally.solutions[name], n)
        table[f"p_solution.{name}"] = tally.solutions[name] / n
        table[f"p_solution_lo.{name}"], table[f"p_solution_hi.{name}"] = lo, hi
    labels = [[] for _ in range(n_packages)]
    for name in SOLUTIONS:
        if solutions[name] is not None:
            labels[solutions[name]].append(name)
    table["solution"] = [",".join(label) for label in labels]
    opening = int(np.array(scenario.opening_offer) @ scenario.strides)
    table["opening_offer"] = np.arange(n_packages) == opening
    return Exploration(
        scenario=scenario,
        n_runs=n,
        seed=seed,
        threshold=threshold,
        packages=pd.DataFrame(table),
        effects=pd.DataFrame(effect_rows),
        disagreement=dict(zip(actors, d.tolist())),
        solutions=solutions,
        ir_empty=estimate(tally.empty, n),
        red_lines=[
            {
                "actor": actor.name,
                "item": item.name,
                "levels": [item.levels[level] for level in np.flatnonzero(red_line_levels[a, i])],
                "mean_hold": float(mean_hold[a, i]),
                "held": bool(held_at_mean[a, i]),
            }
            for a, actor in enumerate(scenario.actors)
            for i, item in enumerate(scenario.items)
            if red_line_levels[a, i].any()
        ],
        ideal={
            actor: None if np.isnan(value) else float(value)
            for actor, value in zip(actors, at_mean.ideal[0])
        },
    )


def _item_steps(scenario: Scenario) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each item: the packages below its top level and the package one level up."""
    packages, strides = scenario.packages, scenario.strides
    out = []
    for i, item in enumerate(scenario.items):
        lower = np.flatnonzero(packages[:, i] < len(item.levels) - 1)
        out.append((lower, lower + strides[i]))
    return out


def pareto_set(points: np.ndarray) -> np.ndarray:
    """(P,) bool: rows of ``points`` (P, actors) that no other row weakly dominates with one
    strict improvement. Equal rows are all kept."""
    n = points.shape[0]
    efficient = np.ones(n, dtype=bool)
    for p in range(n):
        at_least = (points >= points[p]).all(axis=1)
        better = (points > points[p]).any(axis=1)
        efficient[p] = not (at_least & better).any()
    return efficient


# --- outputs -----------------------------------------------------------------------------------


def describe(exploration: Exploration, number: int | None) -> str:
    if number is None:
        return "none (no package is individually rational at the mean)"
    scenario = exploration.scenario
    levels = ", ".join(
        f"{k}={v}" for k, v in scenario.describe_package(scenario.packages[number]).items()
    )
    return f"#{number} ({levels})"


def solution_shares(exploration: Exploration, name: str, top: int | None = None) -> list[dict]:
    """The packages that are solution ``name`` in some draw, most often first (ties: lowest
    number): ``package``, ``p`` (share of draws), ``lo``, ``hi`` (95% Wilson), ``count``."""
    frame, n = exploration.packages, exploration.n_runs
    share = frame[f"p_solution.{name}"].to_numpy()
    order = [int(p) for p in np.lexsort((np.arange(len(share)), -share)) if share[p] > 0]
    return [
        {
            "package": p,
            "p": float(share[p]),
            "lo": float(frame[f"p_solution_lo.{name}"].iat[p]),
            "hi": float(frame[f"p_solution_hi.{name}"].iat[p]),
            "count": int(round(share[p] * n)),
        }
        for p in order[:top]
    ]


def describe_red_lines(exploration: Exploration) -> str:
    """The red lines and whether each is held at the mean (mean ``hold`` >= 1/2)."""
    if not exploration.red_lines:
        return "none"
    return "; ".join(
        f"{line['actor']} {line['item']} not {'/'.join(line['levels'])} "
        f"(mean hold {line['mean_hold']:.2f}: {'held' if line['held'] else 'not held'})"
        for line in exploration.red_lines
    )


def write_outputs(
    exploration: Exploration,
    out_dir: Path,
    planes: list[tuple[str, str]],
    figures: bool,
    config: dict | None = None,
) -> list[Path]:
    """The tables, ``explorer.json`` and (with ``figures``) the figures, in ``out_dir``."""
    import sim
    from analysis._tool import write_table
    from sim import atomic

    out_dir = Path(out_dir)
    paths = write_table(exploration.packages, out_dir, "packages")
    paths += write_table(exploration.effects, out_dir, "item_effects")
    scenario = exploration.scenario
    frame = exploration.packages
    meta = {
        "scenario": scenario.name,
        "n_runs": exploration.n_runs,
        "seed": exploration.seed,
        "threshold": exploration.threshold,
        "version": sim.__version__,
        "disagreement_point": exploration.disagreement,
        "ideal_point": exploration.ideal,
        "red_lines_at_mean": exploration.red_lines,
        "solutions": {
            name: None
            if number is None
            else {"package": number, **scenario.describe_package(scenario.packages[number])}
            for name, number in exploration.solutions.items()
        },
        "solution_shares": {name: solution_shares(exploration, name) for name in SOLUTIONS},
        "ir_empty": exploration.ir_empty,
        "individually_rational": [int(p) for p in frame.index[frame["ir"]]],
        "pareto": [int(p) for p in frame.index[frame["pareto"]]],
        "zopa": [int(p) for p in frame.index[frame["zopa"]]],
        "item_effects": item_effect_summary(exploration).to_dict(orient="records"),
        "config": config or {},
    }
    atomic.write_json(out_dir / "explorer.json", meta)
    paths.append(out_dir / "explorer.json")
    if figures:
        from analysis._tool import save_figure

        paths.append(
            save_figure(
                plot_package_heatmap(exploration), out_dir / "figures" / "packages_heatmap.png"
            )
        )
        paths.append(save_figure(plot_package_ranking(exploration), out_dir / "figures" / "packages_ranking.png"))
        paths.append(save_figure(plot_package_items(exploration), out_dir / "figures" / "packages_by_item.png"))
        for x, y in planes:
            fig = plot_frontier(exploration, x, y)
            paths.append(save_figure(fig, out_dir / "figures" / f"frontier_{x}_{y}.png"))
    return paths


def item_effect_summary(exploration: Exploration) -> pd.DataFrame:
    """Mean, smallest and largest change in P(agreement and ratification) per item step,
    over the packages of the other items."""
    effects = exploration.effects
    grouped = effects.groupby(["item", "from", "to"], sort=False)["dp"]
    return grouped.agg(mean="mean", min="min", max="max", packages="size").reset_index()


def why_no_zopa(exploration: Exploration) -> str:
    """An empty ZOPA, explained: the highest threshold at which it would not be empty, and
    its package (the one whose least willing needed actor is most willing); rounded down to
    three decimals, so that the ZOPA at the threshold shown is not empty."""
    frame, actors = exploration.packages, exploration.scenario.actor_names
    weakest = np.column_stack(
        [frame[f"p_accept.{a}"].where(frame[f"asked.{a}"], 1.0).to_numpy(dtype=float) for a in actors]
    ).min(axis=1)
    best = int(np.argmax(weakest))
    return (
        f"no package has every needed actor at p >= {exploration.threshold:g}; the highest threshold "
        f"with a ZOPA is {math.floor(weakest[best] * 1000) / 1000:g} (#{int(frame['package'].iat[best])})"
    )


def format_exploration(exploration: Exploration, out_dir: Path | None = None) -> str:
    """A one-screen summary for the terminal."""
    frame, scenario = exploration.packages, exploration.scenario
    lines = [
        f"negsim-explore | scenario {scenario.name} | {len(frame)} packages | {exploration.n_runs:,} draws | seed {exploration.seed}",
        "",
        "Disagreement point E[r]: "
        + ", ".join(f"{a} {v:+.3f}" for a, v in exploration.disagreement.items()),
        f"Red lines at the mean (held iff mean hold >= 0.5): {describe_red_lines(exploration)}",
        (
            f"At the mean: {int(frame['ir'].sum())} individually rational packages (every actor's E[U] >= E[r], "
            f"no held red line crossed), {int(frame['pareto'].sum())} of them Pareto optimal"
        ),
        (
            f"Zone of possible agreement (each needed actor accepts with p >= {exploration.threshold:g}): "
            f"{int(frame['zopa'].sum())} packages"
            + ("" if frame["zopa"].any() else f"; {why_no_zopa(exploration)}")
        ),
        "",
        "Bargaining solutions among the Pareto-optimal individually rational packages",
        "  at the mean (E[U], E[r]):",
    ]
    for name in SOLUTIONS:
        lines.append(f"    {name:<18} {describe(exploration, exploration.solutions[name])}")
    empty = exploration.ir_empty
    lines.append(
        f"  per draw (share of draws in which the package is the solution; no package is individually "
        f"rational in {empty['p']:.1%} [{empty['lo']:.1%}, {empty['hi']:.1%}] of draws):"
    )
    for name in SOLUTIONS:
        shares = solution_shares(exploration, name, top=3)
        text = ";  ".join(f"#{s['package']} {s['p']:.1%} [{s['lo']:.1%}, {s['hi']:.1%}]" for s in shares)
        lines.append(f"    {name:<18} {text or 'none'}")
    lines += ["", "Most likely to be agreed and ratified as a take-it-or-leave-it offer"]
    top = frame.sort_values(["p_ratified", "package"], ascending=[False, True], kind="stable").head(
        5
    )
    for _, row in top.iterrows():
        lines.append(
            f"  {row['p_ratified']:6.1%} [{row['p_ratified_lo']:6.1%}, {row['p_ratified_hi']:6.1%}]  "
            f"{describe(exploration, int(row['package']))}"
        )
    lines += [
        "",
        "Item effects on P(agreed and ratified), one level up, others held (mean over packages)",
    ]
    for row in item_effect_summary(exploration).to_dict(orient="records"):
        lines.append(
            f"  {row['item']:<24} {row['from']} -> {row['to']}: {row['mean']:+.3f}"
            f"  (range {row['min']:+.3f} .. {row['max']:+.3f})"
        )
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)


# --- figures -----------------------------------------------------------------------------------


def plot_package_heatmap(exploration: Exploration):
    """Packages (rows) by actor: expected utility (diverging, 0 = status quo) and acceptance
    probabilities; individually rational and Pareto-optimal packages (at the mean) and the
    named solutions marked in the row labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.labels import actor_words, package_key
    from sim.labels import package_label as words

    frame, scenario = exploration.packages, exploration.scenario
    actors = scenario.actor_names
    eu = frame[[f"eu.{a}" for a in actors]].to_numpy()
    probs = frame[[f"p_accept.{a}" for a in actors] + ["p_joint", "p_ratified"]].to_numpy()
    n = len(frame)
    height = max(4.0, 0.16 * n + 1.8)
    fig, (left, right) = plt.subplots(
        1,
        2,
        figsize=(11, height),
        layout="constrained",
        gridspec_kw={"width_ratios": [len(actors), len(actors) + 2]},
    )
    limit = float(np.nanmax(np.abs(eu))) or 1.0
    im1 = left.imshow(
        eu, aspect="auto", cmap="RdBu", vmin=-limit, vmax=limit, interpolation="nearest"
    )
    im2 = right.imshow(
        probs, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest"
    )
    labels = []
    for p in range(n):
        marks = (
            ("*" if frame["pareto"].iat[p] else "+" if frame["ir"].iat[p] else "")
            + ("Z" if frame["zopa"].iat[p] else "")
        )
        solution = frame["solution"].iat[p]
        tag = f" {solution}" if solution else ""
        opening = " (opening)" if frame["opening_offer"].iat[p] else ""
        labels.append(f"#{p} {words(scenario, scenario.packages[p])} {marks}{tag}{opening}")
    for ax in (left, right):
        ax.set_yticks(range(n))
        ax.tick_params(axis="y", labelsize=6 if n > 40 else 8)
    left.set_yticklabels(labels)
    right.set_yticklabels([])
    left.set_xticks(range(len(actors)), [actor_words(a) for a in actors], rotation=30)
    right.set_xticks(
        range(len(actors) + 2),
        [f"accepts: {actor_words(a)}" for a in actors] + ["all needed", "+ ratified"],
        rotation=30,
        ha="right",
    )
    fig.colorbar(im1, ax=left, label="expected utility", shrink=0.5)
    fig.colorbar(im2, ax=right, label="probability", shrink=0.5)
    left.set_ylabel(
        f"package: {package_key(scenario)}\n* Pareto optimal and individually rational, + individually rational"
        " (at the mean), Z zone of possible agreement"
    )
    fig.suptitle(
        f"Every package of {scenario.name} under its priors ({exploration.n_runs:,} draws, seed {exploration.seed})"
    )
    return fig


def plot_package_ranking(exploration: Exploration, top: int = 25, ax=None):
    """The ``top`` packages most likely to be agreed and ratified as a take-it-or-leave-it
    offer (``p_ratified``), ranked, each with its 95% Wilson interval and its levels in
    words; the 108-row heatmap's question ("which packages?") answered at a glance."""
    import matplotlib.ticker

    from analysis.figures import pyplot
    from sim.labels import package_key
    from sim.labels import package_label as words

    frame, scenario = exploration.packages, exploration.scenario
    rows = frame.sort_values(["p_ratified", "package"], ascending=[False, True], kind="stable").head(top)
    if ax is None:
        _, ax = pyplot().subplots(figsize=(8.5, 0.3 * len(rows) + 2.0), layout="constrained")
    fig = ax.figure
    y = np.arange(len(rows))[::-1]
    p = rows["p_ratified"].to_numpy()
    err = np.vstack([p - rows["p_ratified_lo"].to_numpy(), rows["p_ratified_hi"].to_numpy() - p])
    ax.errorbar(p, y, xerr=err, fmt="o", color="#577590", capsize=3, markersize=5)
    labels = []
    for _, row in rows.iterrows():
        number = int(row["package"])
        marks = [row["solution"]] if row["solution"] else []
        marks += ["opening offer"] if row["opening_offer"] else []
        marks += ["Pareto"] if row["pareto"] else []
        tail = f"  ({', '.join(marks)})" if marks else ""
        labels.append(f"{words(scenario, scenario.packages[number])}{tail}")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, min(1.0, max(0.05, float(rows["p_ratified_hi"].max()) * 1.1)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("P(agreed and ratified as a take-it-or-leave-it offer), 95% Wilson interval")
    ax.set_ylabel(f"package: {package_key(scenario)}", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        f"The {len(rows)} packages (of {len(frame)}) most likely to be agreed and ratified\n"
        f"{scenario.name}, {exploration.n_runs:,} draws of the priors (seed {exploration.seed})",
        fontsize=10,
    )
    return fig


def plot_package_items(exploration: Exploration):
    """Small multiples by item: every package's P(agreed and ratified) (a dot, with its 95%
    Wilson interval as a line), grouped by the item's level, so that an item whose level
    moves the whole cloud stands out from one whose levels overlap."""
    import matplotlib.ticker

    from analysis.figures import pyplot
    from sim.labels import item_words, level_short, level_words

    frame, scenario = exploration.packages, exploration.scenario
    items = scenario.items
    fig, axes = pyplot().subplots(
        1, len(items), figsize=(2.6 * len(items) + 1, 4.2), sharey=True, layout="constrained", squeeze=False
    )
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(frame))  # fixed: same figure every time
    for ax, item in zip(axes.flat, items):
        level = frame[item.name].map({name: k for k, name in enumerate(item.levels)}).to_numpy()
        x = level + jitter
        p = frame["p_ratified"].to_numpy()
        ax.vlines(x, frame["p_ratified_lo"], frame["p_ratified_hi"], color="#577590", alpha=0.35, linewidth=1)
        ax.scatter(x, p, s=9, color="#577590")
        means = [p[level == k].mean() for k in range(len(item.levels))]
        ax.scatter(range(len(item.levels)), means, marker="_", s=500, color="#e76f51", linewidth=2, label="mean over packages")
        ax.set_xticks(range(len(item.levels)), [level_words(name) if k == 0 else level_short(name) for k, name in enumerate(item.levels)], rotation=30, ha="right", fontsize=8)
        ax.set_title(item_words(item.name), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].set_ylabel("P(agreed and ratified), 95% Wilson interval")
    axes.flat[0].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.flat[0].set_ylim(0, min(1.0, max(0.05, float(frame["p_ratified_hi"].max()) * 1.1)))
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(
        f"All {len(frame)} packages of {scenario.name} by the level of each item "
        f"({exploration.n_runs:,} draws, seed {exploration.seed})",
        fontsize=10,
    )
    return fig


SOLUTION_MARKERS = {
    "nash": ("D", "#e76f51"),
    "kalai_smorodinsky": ("s", "#2a9d8f"),
    "egalitarian": ("v", "#f4a261"),
    "utilitarian": ("^", "#264653"),
}


def _frontier_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the 2-D Pareto frontier of (x, y), sorted by x."""
    points = np.column_stack([x, y])
    efficient = pareto_set(points)
    idx = np.flatnonzero(efficient)
    return idx[np.argsort(x[idx], kind="stable")]


def plot_frontier(exploration: Exploration, x_actor: str, y_actor: str, ax=None):
    """Expected utilities of every package in the (x_actor, y_actor) plane: the frontier of
    that plane (line), the individually rational packages and the Pareto-optimal ones among
    them (all actors, at the mean), the disagreement point and the solutions at the mean."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = exploration.packages
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
    fig = ax.figure
    from sim.labels import actor_words, package_label

    scenario = exploration.scenario
    x, y = frame[f"eu.{x_actor}"].to_numpy(), frame[f"eu.{y_actor}"].to_numpy()
    pareto, ir = frame["pareto"].to_numpy(), frame["ir"].to_numpy()
    ax.scatter(x[~ir], y[~ir], s=14, color="#bbbbbb", label="package, not individually rational")
    rational = ir & ~pareto
    ax.scatter(x[rational], y[rational], s=16, facecolor="none", edgecolor="#577590", label="individually rational")
    ax.scatter(x[pareto], y[pareto], s=22, color="#577590", label="Pareto optimal, individually rational")
    line = _frontier_2d(x, y)
    ax.step(
        x[line],
        y[line],
        where="post",
        color="#577590",
        linewidth=1,
        alpha=0.7,
        label=f"frontier ({actor_words(x_actor)}, {actor_words(y_actor)})",
    )
    d = exploration.disagreement
    ax.axvline(d[x_actor], color="black", linestyle=":", linewidth=1)
    ax.axhline(d[y_actor], color="black", linestyle=":", linewidth=1, label="E[reservation]")
    for name, number in exploration.solutions.items():
        if number is None:
            continue
        marker, colour = SOLUTION_MARKERS[name]
        ax.scatter(
            [x[number]],
            [y[number]],
            s=90,
            marker=marker,
            facecolor="none",
            edgecolor=colour,
            linewidth=2,
            label=f"{name.replace('_', '-')}: {package_label(scenario, scenario.packages[number])}",
        )
    opening = np.flatnonzero(frame["opening_offer"].to_numpy())
    if len(opening):
        ax.scatter(
            x[opening],
            y[opening],
            s=120,
            marker="*",
            color="#e9c46a",
            edgecolor="black",
            label=f"opening offer: {package_label(scenario, scenario.packages[opening[0]])}",
        )
    ax.set_xlabel(f"Expected utility of {actor_words(x_actor)}")
    ax.set_ylabel(f"Expected utility of {actor_words(y_actor)}")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(
        f"Packages in the {actor_words(x_actor)}–{actor_words(y_actor)} plane\n"
        f"{exploration.scenario.name}, {exploration.n_runs:,} draws of the priors (seed {exploration.seed})",
        fontsize=10,
    )
    return fig


# --- the command -------------------------------------------------------------------------------


@dataclass
class ExploreConf(NegsimConf):
    """``negsim``'s config plus the explorer's keys (``threshold=0.6``, ``planes=[russia:us]``)."""

    threshold: float = 0.5
    planes: list[str] = field(default_factory=list)


DEFAULT_PLANES = (("russia", "ukraine"), ("russia", "us"))


def parse_planes(planes, scenario: Scenario) -> list[tuple[str, str]]:
    """``x:y`` actor pairs; none given: Russia-Ukraine and Russia-US where the scenario has
    those actors, else its first two actors."""
    if not planes:
        names = scenario.actor_names
        default = [(x, y) for x, y in DEFAULT_PLANES if x in names and y in names]
        return default or ([(names[0], names[1])] if len(names) > 1 else [])
    out = []
    for plane in planes:
        parts = str(plane).split(":")
        if len(parts) != 2:
            raise ConfigError("planes", plane, "a plane is two actors, 'x_actor:y_actor'")
        for actor in parts:
            if actor not in scenario.actor_names:
                raise ConfigError(
                    "planes",
                    plane,
                    f"unknown actor {actor!r}; the actors are {list(scenario.actor_names)}",
                )
        out.append((parts[0], parts[1]))
    return out


def _validate(cfg, built) -> None:
    scenario = built[0]
    if not 0.0 <= float(cfg.threshold) <= 1.0:
        raise ConfigError("threshold", cfg.threshold, "must be a probability in [0, 1]")
    parse_planes(cfg.planes, scenario)


def _task(cfg, out_dir: Path) -> Exploration:
    from sim.api import build

    scenario, protocol, _engine, mc, container = build(cfg)
    _validate(cfg, (scenario, protocol, _engine, mc, container))
    exploration = explore(scenario, protocol, mc.seed, mc.n_runs, float(cfg.threshold), mc.threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_outputs(
        exploration, out_dir, parse_planes(cfg.planes, scenario), bool(cfg.figures), container
    )
    if not cfg.quiet:
        print(format_exploration(exploration, out_dir))
    return exploration


def main() -> None:
    """Console entry point ``negsim-explore``."""
    from analysis._tool import run_tool

    run_tool("negsim-explore", ExploreConf, _task, _validate, tag="explore")


if __name__ == "__main__":
    main()
