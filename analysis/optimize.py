"""Offer search (``negsim-optimize``): the full negotiation Monte Carlo with each package as
the opening offer, ranked by an objective.

Every candidate package is negotiated on the same runs: one draw of the priors and per-round
random numbers per chunk (:func:`sim.sampling.draw`, the streams ``negsim`` uses with the same
seed) is handed to the engine once per package, with only the scenario's opening offer
changed. So package ``p``'s results are exactly those of ``negsim`` with ``p`` as the opening
offer (a test checks it), and the differences between packages are paired (common random
numbers): each package is compared with the best on the same runs.

Objectives (``objective=``):

- ``p_agreement`` (= ``p.agreement``); ``p_war``: P(war), the share of runs whose highest rung
  is at least full-scale invasion, whatever their status (:func:`sim.summary.is_war`; DESIGN.md,
  "Statuses"); or ``p.<status>``, the share of any status (``p.war``: the status ``war`` only,
  "status war");
- ``eu.<actor>`` (or ``eu.west``, the protocol's West speaker, ``us`` by default): the
  actor's expected utility of the outcome, i.e. its utility of the agreed package after an
  agreement, and otherwise its reservation at the end of the run (shifted by every rung
  reached above the starting rung; DESIGN.md, "Escalation ladder").

``sense=auto`` maximises P(agreement) and expected utilities and minimises the other
probabilities. ``where=[...]`` restricts the candidate offers before simulating, by the
package explorer's columns (``surplus.ukraine>=0``: Ukraine's expected utility of the package
at least its expected reservation; ``zopa``; ``p_ratified>=0.1``; ``donbas!=unconditional_autonomy``;
see :mod:`analysis.explorer`); ``subject_to=[...]`` keeps the simulated packages whose point
estimates satisfy conditions on the outcome (``p_war<=0.10``). Conditions: :mod:`analysis.conditions`.

The best package is the first by the objective (ties: lowest package number) among the
allowed packages that meet ``subject_to``. Every allowed package gets its difference from the
best with a paired 95% interval and a p-value (McNemar's exact test for probabilities, a
paired z-test for expected utilities), Holm-adjusted over the comparisons (``adjust=none`` to
switch off); ``tied_with_best`` marks the packages whose difference is not significant at
``alpha``.

Outputs in the run directory: ``offers.parquet``/``.csv`` (one row per package, ranked),
``optimize.json`` and ``figures/offers_*.png``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._stats import (
    grid_sum,
    mean_interval,
    paired_binary,
    paired_mean,
    wilson_arrays,
)
from analysis.bargaining import SOLUTIONS
from analysis.conditions import Condition, evaluate_all, parse_conditions
from sim.api import MonteCarlo, map_jobs
from sim.config import NegsimConf
from sim.core.enums import STATUS_NAMES
from sim.engines import plays_on_threads
from sim.errors import ConfigError
from sim.labels import actor_words, package_key, package_label, status_label
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import Scenario
from sim.summary import P_WAR_CAPTION, is_war

log = logging.getLogger("negsim")

WAR = "p_war"
"""P(war)'s columns: ``p_war``, ``p_war_lo``, ``p_war_hi`` (the highest rung; the status
``war`` keeps ``p.war``)."""
ALIASES = {"p_agreement": "p.agreement"}
EXPLORER_COLUMNS = ("eu", "surplus", "p_accept")


@dataclass(frozen=True)
class Objective:
    name: str  # canonical: p.<status> | p_war | eu.<actor>
    kind: str  # "probability" | "utility"
    target: str  # status name, "war" (P(war), with name p_war), or actor name
    maximise: bool

    @property
    def columns(self) -> tuple[str, str, str]:
        """The estimate's column and its interval's."""
        if self.name == WAR:
            return WAR, f"{WAR}_lo", f"{WAR}_hi"
        if self.kind == "probability":
            return self.name, f"lo.{self.target}", f"hi.{self.target}"
        return self.name, f"eu_lo.{self.target}", f"eu_hi.{self.target}"

    @property
    def label(self) -> str:
        if self.name == WAR:
            return P_WAR_CAPTION
        if self.kind == "probability":
            return "share of status war" if self.target == "war" else f"P({status_label(self.target)})"
        return f"E[utility of the outcome for {actor_words(self.target)}]"


def _west(protocol: Protocol) -> str:
    return getattr(protocol, "west_speaker", "us") or "us"


def parse_objective(text: str, sense: str, scenario: Scenario, protocol: Protocol) -> Objective:
    name = ALIASES.get(str(text), str(text))
    if sense not in ("auto", "max", "min"):
        raise ConfigError("sense", sense, "use 'auto', 'max' or 'min'")
    kind, _, target = name.partition(".")
    if name == WAR:
        target, auto, objective_kind = "war", False, "probability"
    elif kind == "p" and target in STATUS_NAMES:
        auto = target == "agreement"
        objective_kind = "probability"
    elif kind == "eu" and target:
        if target == "west":
            target = _west(protocol)
        if target not in scenario.actor_names:
            raise ConfigError(
                "objective",
                text,
                f"unknown actor {target!r}; the actors are {list(scenario.actor_names)} (or 'west')",
            )
        name, auto, objective_kind = f"eu.{target}", True, "utility"
    else:
        raise ConfigError(
            "objective",
            text,
            "use p_agreement, p_war (highest rung >= full-scale invasion), p.<status> (statuses: "
            + ", ".join(STATUS_NAMES)
            + ") or eu.<actor>",
        )
    maximise = auto if sense == "auto" else sense == "max"
    return Objective(name, objective_kind, target, maximise)


def outcome_columns(scenario: Scenario) -> dict[str, object]:
    """The columns ``subject_to`` may use (and their kinds)."""
    columns: dict[str, object] = {f"p.{s}": "number" for s in STATUS_NAMES}
    columns.update({alias: "number" for alias in (*ALIASES, WAR)})
    columns.update({f"eu.{a}": "number" for a in scenario.actor_names})
    columns["eu.west"] = "number"
    return columns


def offer_columns(scenario: Scenario) -> dict[str, object]:
    """The explorer's columns that ``where`` may use (and their kinds)."""
    columns: dict[str, object] = {item.name: tuple(item.levels) for item in scenario.items}
    for actor in scenario.actor_names:
        for prefix in ("eu", "eu_lo", "eu_hi", "u_sd", "surplus", "p_accept"):
            columns[f"{prefix}.{actor}"] = "number"
        columns[f"asked.{actor}"] = "bool"
    for name in ("p_joint", "p_ratified", "p_ir", "p_pareto"):
        columns[name] = "number"
    for name in SOLUTIONS:
        columns[f"p_solution.{name}"] = "number"
    for name in ("ir", "pareto", "zopa", "opening_offer"):
        columns[name] = "bool"
    columns["package"] = "number"
    return columns


# --- simulation ----------------------------------------------------------------------------


def _chunk(
    scenario: Scenario,
    protocol: Protocol,
    engine: str,
    seed: int,
    start: int,
    stop: int,
    candidates: np.ndarray,
    payoff_actor: int,
    threads: int = 1,
):
    """Negotiate runs ``start .. stop-1`` once per candidate opening offer, on one draw.

    Returns ``status`` (candidates, runs) int8, ``war`` (candidates, runs) bool (the run's
    highest rung counts as war: :func:`sim.summary.is_war`), grid sums of each actor's outcome
    utility and of its square (candidates, actors), and the per-run outcome utility of
    ``payoff_actor`` (candidates, runs) when it is >= 0."""
    from sim.engines import get_engine

    run_chunk = get_engine(engine)
    draws = draw(scenario, protocol, seed, start, stop)
    n = stop - start
    n_actors = len(scenario.actors)
    start_rung = scenario.escalation.start_rung
    # reservation at the end of a run, by highest rung reached: r + shifts of rungs start+1..k
    cumulative = np.cumsum(draws.escalation.shifts, axis=1)  # (n, rungs, actors)
    status = np.empty((len(candidates), n), dtype=np.int8)
    war = np.empty((len(candidates), n), dtype=bool)
    payoff_sum = np.zeros((len(candidates), n_actors), dtype=np.int64)
    payoff_sq = np.zeros((len(candidates), n_actors), dtype=np.int64)
    payoff_runs = np.empty((len(candidates), n)) if payoff_actor >= 0 else None
    runs = np.arange(n)

    def negotiate(c: int) -> None:  # one opening offer over the chunk's runs (a thread's job)
        number = candidates[c]
        variant = dataclasses.replace(
            scenario, opening_offer=tuple(int(level) for level in scenario.packages[number])
        )
        outcomes = run_chunk(variant, protocol, draws)
        status[c] = outcomes.status
        war[c] = is_war(outcomes.highest_rung)
        shifted = (
            draws.actors.reservation
            + cumulative[runs, outcomes.highest_rung.astype(np.int64)]
            - cumulative[runs, start_rung]
        )
        payoff = np.where((outcomes.status == 0)[:, None], outcomes.utility, shifted)
        payoff_sum[c] = grid_sum(payoff)
        payoff_sq[c] = grid_sum(payoff * payoff)
        if payoff_runs is not None:
            payoff_runs[c] = payoff[:, payoff_actor]

    with ThreadPoolExecutor(threads) as pool:  # each candidate fills its own rows
        list(pool.map(negotiate, range(len(candidates))))
    return status, war, payoff_sum, payoff_sq, payoff_runs


@dataclass
class OfferSearch:
    scenario: Scenario
    objective: Objective
    n_runs: int
    seed: int
    table: pd.DataFrame  # one row per package, ranked
    best: int | None
    where: list[str] = field(default_factory=list)
    subject_to: list[str] = field(default_factory=list)
    alpha: float = 0.05
    adjust: str = "holm"
    protocol: str = ""


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment (family-wise error rate) of a vector of p-values."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def search_offers(
    scenario: Scenario,
    protocol: Protocol,
    engine: str,
    mc: MonteCarlo,
    objective: Objective,
    where: list[Condition] | None = None,
    subject_to: list[Condition] | None = None,
    alpha: float = 0.05,
    adjust: str = "holm",
    threshold: float = 0.5,
) -> OfferSearch:
    """Negotiate every allowed package as the opening offer and rank them (module docstring)."""
    from analysis.explorer import explore

    where, subject_to = list(where or []), list(subject_to or [])
    exploration = explore(scenario, protocol, mc.seed, mc.n_runs, threshold, mc.threads)
    offers = exploration.packages
    allowed = evaluate_all(where, offers)
    candidates = np.flatnonzero(allowed)
    n_packages, n = len(offers), mc.n_runs
    actors = scenario.actor_names
    payoff_actor = actors.index(objective.target) if objective.kind == "utility" else -1

    jobs = [
        (scenario, protocol, engine, mc.seed, start, stop, candidates, payoff_actor, mc.threads if plays_on_threads(engine) else 1)
        for start, stop in mc.chunks()
    ]
    results = list(map_jobs(_chunk, jobs, mc.n_jobs))
    status = (
        np.concatenate([r[0] for r in results], axis=1)
        if candidates.size
        else np.empty((0, n), dtype=np.int8)
    )
    war = (
        np.concatenate([r[1] for r in results], axis=1)
        if candidates.size
        else np.empty((0, n), dtype=bool)
    )
    payoff_sum = (
        sum(r[2] for r in results) if results else np.zeros((0, len(actors)), dtype=np.int64)
    )
    payoff_sq = (
        sum(r[3] for r in results) if results else np.zeros((0, len(actors)), dtype=np.int64)
    )
    payoff_runs = (
        np.concatenate([r[4] for r in results], axis=1)
        if payoff_actor >= 0 and candidates.size
        else None
    )

    table = pd.DataFrame({"package": offers["package"]})
    for item in scenario.items:
        table[item.name] = offers[item.name]
    table["allowed"] = allowed
    table["n_runs"] = np.where(allowed, n, 0)

    def spread(values: np.ndarray) -> np.ndarray:
        full = np.full(n_packages, np.nan)
        full[candidates] = values
        return full

    def hits_of(objective_name: str) -> np.ndarray:
        """(candidates, runs) bool: the runs in which a probability objective's event happens."""
        if objective_name == WAR:
            return war
        return status == STATUS_NAMES.index(objective_name.removeprefix("p."))

    for name in (WAR, *(f"p.{s}" for s in STATUS_NAMES)):
        counts = hits_of(name).sum(axis=1)
        lo, hi = wilson_arrays(counts, n)
        columns = Objective(name, "probability", name.removeprefix("p."), False).columns
        for column, values in zip(columns, (counts / n, lo, hi)):
            table[column] = spread(values)
    eu, _sd, eu_lo, eu_hi = (
        mean_interval(payoff_sum, payoff_sq, n)
        if candidates.size
        else (np.empty((0, len(actors))),) * 4
    )
    for a, actor in enumerate(actors):
        table[f"eu.{actor}"] = spread(eu[:, a])
        table[f"eu_lo.{actor}"] = spread(eu_lo[:, a])
        table[f"eu_hi.{actor}"] = spread(eu_hi[:, a])
    west = _west(protocol)
    if west in actors:
        table["eu.west"] = table[f"eu.{west}"]
    for alias, name in ALIASES.items():
        table[alias] = table[name]

    simulated = table.iloc[candidates]
    feasible = np.zeros(n_packages, dtype=bool)
    feasible[candidates] = (
        evaluate_all(subject_to, simulated) if candidates.size else np.zeros(0, dtype=bool)
    )
    table["feasible"] = feasible
    objective_values = table[objective.name].to_numpy()
    table["objective"] = objective_values
    _, lo_name, hi_name = objective.columns
    table["objective_lo"], table["objective_hi"] = table[lo_name], table[hi_name]

    # rank: feasible first, then by the objective, then by package number
    sign = -1.0 if objective.maximise else 1.0
    key = np.where(
        np.isnan(objective_values), np.inf, sign * np.nan_to_num(objective_values, nan=0.0)
    )
    order = np.lexsort((np.arange(n_packages), key, ~feasible, ~allowed))
    rank = np.empty(n_packages, dtype=np.int64)
    rank[order] = np.arange(1, n_packages + 1)
    table["rank"] = np.where(allowed, rank, 0)
    best = int(order[0]) if feasible.any() else None

    for column in ("diff", "diff_lo", "diff_hi", "p_value", "p_adjusted"):
        table[column] = np.nan
    table["tied_with_best"] = False
    if best is not None:
        b = int(np.flatnonzero(candidates == best)[0])
        if objective.kind == "probability":
            hits = hits_of(objective.name)
            gain = (hits & ~hits[b]).sum(axis=1)
            loss = (~hits & hits[b]).sum(axis=1)
            paired = paired_binary(gain, loss, n)
        else:
            diffs = payoff_runs - payoff_runs[b]
            rows = [paired_mean(int(grid_sum(d)), int(grid_sum(d * d)), n) for d in diffs]
            paired = {
                k: np.array([row[k] for row in rows]) for k in ("diff", "lo", "hi", "p_value")
            }
        others = np.arange(len(candidates)) != b
        adjusted = np.ones(len(candidates))
        if adjust == "holm" and others.any():
            adjusted[others] = holm(paired["p_value"][others])
        else:
            adjusted = paired["p_value"].copy()
        adjusted[b] = 1.0
        table.loc[candidates, "diff"] = paired["diff"]
        table.loc[candidates, "diff_lo"] = paired["lo"]
        table.loc[candidates, "diff_hi"] = paired["hi"]
        table.loc[candidates, "p_value"] = paired["p_value"]
        table.loc[candidates, "p_adjusted"] = adjusted
        table.loc[candidates, "tied_with_best"] = adjusted >= alpha
    for column in ("eu", "surplus", "p_accept"):
        for actor in actors:
            table[f"offer.{column}.{actor}"] = offers[f"{column}.{actor}"]
    for column in ("p_joint", "p_ratified", "ir", "pareto", "zopa", "solution", "opening_offer"):
        table[f"offer.{column}"] = offers[column]
    table = table.sort_values(["allowed", "rank"], ascending=[False, True], kind="stable")
    table = pd.concat([table[table["allowed"]], table[~table["allowed"]]]).reset_index(drop=True)
    return OfferSearch(
        scenario=scenario,
        objective=objective,
        n_runs=n,
        seed=mc.seed,
        table=table,
        best=best,
        where=[c.text for c in where],
        subject_to=[c.text for c in subject_to],
        alpha=alpha,
        adjust=adjust,
        protocol=str(protocol.name),
    )


# --- outputs -------------------------------------------------------------------------------


def _levels(search: OfferSearch, number: int) -> str:
    scenario = search.scenario
    return ", ".join(
        f"{k}={v}" for k, v in scenario.describe_package(scenario.packages[number]).items()
    )


def closest_to_constraints(search: OfferSearch) -> str:
    """Why the search came back empty: for each numeric bound of ``subject_to``, the best
    value any allowed opening reaches (``p_war<=0.10``: the lowest P(war) among them), rounded
    to three decimals towards the side that meets it (so that a bound at it is met)."""
    table = search.table[search.table["allowed"]]
    parts = []
    for condition in parse_conditions(search.subject_to, outcome_columns(search.scenario), "subject_to"):
        if condition.op not in ("<=", "<", ">=", ">") or condition.rhs_column is not None:
            continue
        values = table[condition.column].astype(float)
        best = values.idxmin() if condition.op in ("<=", "<") else values.idxmax()
        meet = int(evaluate_all([condition], table).sum())
        upper = condition.op in ("<=", "<")
        shown = (math.ceil if upper else math.floor)(values[best] * 1000) / 1000  # a bound at it is met
        parts.append(
            f"{condition.text}: the {'lowest' if upper else 'highest'} "
            f"{condition.column} of any allowed opening is {shown:g} "
            f"(#{int(table.at[best, 'package'])}); {meet} of {len(table)} meet it alone"
        )
    return ": " + "; ".join(parts) if parts else ""


def format_search(search: OfferSearch, out_dir: Path | None = None, top: int = 10) -> str:
    table, objective = search.table, search.objective
    allowed = int(table["allowed"].sum())
    lines = [
        (
            f"negsim-optimize | scenario {search.scenario.name} | {allowed} of {len(table)} packages as opening offer | "
            f"{search.n_runs:,} runs each (common random numbers) | seed {search.seed}"
        ),
        f"Objective: {'maximise' if objective.maximise else 'minimise'} {objective.label}"
        + (f" | where {' and '.join(search.where)}" if search.where else "")
        + (f" | subject to {' and '.join(search.subject_to)}" if search.subject_to else ""),
        "",
    ]
    if search.best is None:
        lines.append(
            "No allowed package satisfies the constraints" + closest_to_constraints(search)
            if allowed
            else "No package is allowed by 'where'"
        )
    else:
        tied = int(table["tied_with_best"].sum()) - 1
        lines.append(
            f"Best: #{search.best} ({_levels(search, search.best)}); {tied} other package(s) not significantly different "
            f"(paired, {'Holm-adjusted ' if search.adjust == 'holm' else ''}alpha {search.alpha:g})"
        )
    lines += [
        "",
        "rank  package  objective [95% CI]            P(agreement)  P(war)      diff vs best [95% CI]    tied",
    ]
    for _, row in table[table["allowed"]].head(top).iterrows():
        value = row["objective"]
        if objective.kind == "probability":
            est = f"{value:7.1%} [{row['objective_lo']:6.1%}, {row['objective_hi']:6.1%}]"
            diff = (
                f"{row['diff']:+7.1%} [{row['diff_lo']:+6.1%}, {row['diff_hi']:+6.1%}]"
                if pd.notna(row["diff"])
                else ""
            )
        else:
            est = f"{value:+7.3f} [{row['objective_lo']:+.3f}, {row['objective_hi']:+.3f}]"
            diff = (
                f"{row['diff']:+7.3f} [{row['diff_lo']:+.3f}, {row['diff_hi']:+.3f}]"
                if pd.notna(row["diff"])
                else ""
            )
        flag = "" if row["feasible"] else " (infeasible)"
        lines.append(
            f"{int(row['rank']):>4}  #{int(row['package']):<6}  {est:<28}  {row['p.agreement']:11.1%}  {row[WAR]:10.1%}  "
            f"{diff:<23}  {'yes' if row['tied_with_best'] else 'no'}{flag}"
        )
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)


def plot_ranking(search: OfferSearch, top: int = 30):
    """The best ``top`` allowed packages by the objective, with 95% intervals; tied packages
    (not significantly different from the best) filled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = search.table[search.table["allowed"]].head(top)
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.28 * len(rows) + 1.5)), layout="constrained")
    y = np.arange(len(rows))[::-1]
    value = rows["objective"].to_numpy(dtype=float)
    lo, hi = rows["objective_lo"].to_numpy(dtype=float), rows["objective_hi"].to_numpy(dtype=float)
    tied = rows["tied_with_best"].to_numpy(dtype=bool)
    feasible = rows["feasible"].to_numpy(dtype=bool)
    ax.errorbar(
        value, y, xerr=np.vstack([value - lo, hi - value]), fmt="none", ecolor="#555555", capsize=2
    )
    if search.best is None:  # nothing feasible: no best to compare with
        ax.scatter(value, y, color="#577590", zorder=3, label="estimate (no package is feasible)")
    else:
        ax.scatter(
            value[tied],
            y[tied],
            color="#2a9d8f",
            zorder=3,
            label="not significantly different from the best (paired test)",
        )
        ax.scatter(
            value[~tied],
            y[~tied],
            facecolor="white",
            edgecolor="#2a9d8f",
            zorder=3,
            label="significantly worse",
        )
    if (~feasible).any():
        ax.scatter(
            value[~feasible],
            y[~feasible],
            marker="x",
            color="#e76f51",
            zorder=4,
            label="fails subject_to",
        )
    labels = [f"{package_label(search.scenario, search.scenario.packages[int(p)])}  #{int(p)}" for p in rows["package"]]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_ylabel(f"opening offer: {package_key(search.scenario)}", fontsize=8)
    ax.set_xlabel(f"{search.objective.label} (95% interval)")
    if search.objective.kind == "probability":  # from 0: a probability's axis is not truncated
        ax.set_xlim(0, min(1.0, float(hi.max()) * 1.1 + 0.02))
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"Opening offers ranked by {search.objective.label}\n{_context(search)}", fontsize=9)
    return fig


def _context(search: OfferSearch) -> str:
    protocol = f", {search.protocol} protocol" if search.protocol else ""
    return f"{search.scenario.name}{protocol}, {search.n_runs:,} paired runs per offer (seed {search.seed})"


def plot_tradeoff(search: OfferSearch):
    """P(agreement) against P(war) (highest rung at least full-scale invasion) of every
    simulated opening offer, each with its two 95% Wilson intervals; both axes start at 0 and
    reach past the largest interval, so that no point or interval is cut off."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = search.table[search.table["allowed"]]
    fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")

    def draw(subset, **style):
        x, y = subset[WAR].to_numpy(dtype=float), subset["p.agreement"].to_numpy(dtype=float)
        xerr = np.vstack([x - subset[f"{WAR}_lo"], subset[f"{WAR}_hi"] - x])
        yerr = np.vstack([y - subset["lo.agreement"], subset["hi.agreement"] - y])
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, linestyle="none", elinewidth=0.8, capsize=0, **style)

    draw(rows, marker="o", markersize=4, color="#577590", ecolor="#9fb3c8", label="opening offer (95% Wilson intervals)")
    opening = rows[rows["offer.opening_offer"]]
    if len(opening):
        draw(opening, marker="*", markersize=14, color="#e9c46a", markeredgecolor="black", ecolor="black", label="scenario's opening offer")
    if search.best is not None:
        best = rows[rows["package"] == search.best]
        words = package_label(search.scenario, search.scenario.packages[search.best])
        draw(best, marker="D", markersize=9, markerfacecolor="none", markeredgecolor="#e76f51", markeredgewidth=2, ecolor="#e76f51", label=f"best by {search.objective.label.partition(':')[0]}: {words}")
    ax.set_xlim(0, min(1.0, float(rows[f"{WAR}_hi"].max()) * 1.1 + 0.02))
    ax.set_ylim(0, min(1.0, float(rows["hi.agreement"].max()) * 1.1 + 0.02))
    ax.set_xlabel(P_WAR_CAPTION)
    ax.set_ylabel("P(agreement)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")  # the points sit away from the origin
    ax.set_title(f"P(agreement) and P(war) of every opening offer\n{_context(search)}", fontsize=9)
    return fig


def write_outputs(
    search: OfferSearch, out_dir: Path, figures: bool, config: dict | None = None
) -> list[Path]:
    import sim
    from analysis._tool import save_figure, write_table
    from sim import atomic

    out_dir = Path(out_dir)
    paths = write_table(search.table, out_dir, "offers")
    table = search.table
    meta = {
        "scenario": search.scenario.name,
        "n_runs": search.n_runs,
        "seed": search.seed,
        "version": sim.__version__,
        "objective": dataclasses.asdict(search.objective),
        "where": search.where,
        "subject_to": search.subject_to,
        "alpha": search.alpha,
        "adjust": search.adjust,
        "best": None
        if search.best is None
        else {
            "package": search.best,
            **search.scenario.describe_package(search.scenario.packages[search.best]),
        },
        "tied_with_best": [int(p) for p in table.loc[table["tied_with_best"], "package"]],
        "config": config or {},
    }
    atomic.write_json(out_dir / "optimize.json", meta)
    paths.append(out_dir / "optimize.json")
    if figures and table["allowed"].any():
        paths.append(save_figure(plot_ranking(search), out_dir / "figures" / "offers_ranking.png"))
        paths.append(
            save_figure(plot_tradeoff(search), out_dir / "figures" / "offers_tradeoff.png")
        )
    return paths


# --- the command ---------------------------------------------------------------------------


@dataclass
class OptimizeConf(NegsimConf):
    """``negsim``'s config plus the offer search's keys."""

    objective: str = "p_agreement"
    sense: str = "auto"
    where: list[str] = field(default_factory=list)
    subject_to: list[str] = field(default_factory=list)
    alpha: float = 0.05
    adjust: str = "holm"
    threshold: float = 0.5
    top: int = 10


def _parse(cfg, scenario: Scenario, protocol: Protocol):
    objective = parse_objective(cfg.objective, cfg.sense, scenario, protocol)
    where = parse_conditions(list(cfg.where), offer_columns(scenario), "where")
    subject_to = parse_conditions(list(cfg.subject_to), outcome_columns(scenario), "subject_to")
    if not 0.0 < float(cfg.alpha) < 1.0:
        raise ConfigError("alpha", cfg.alpha, "must be in (0, 1)")
    if cfg.adjust not in ("holm", "none"):
        raise ConfigError("adjust", cfg.adjust, "use 'holm' or 'none'")
    if not 0.0 <= float(cfg.threshold) <= 1.0:
        raise ConfigError("threshold", cfg.threshold, "must be a probability in [0, 1]")
    if int(cfg.top) < 1:
        raise ConfigError("top", cfg.top, "must be >= 1")
    return objective, where, subject_to


def _validate(cfg, built) -> None:
    _parse(cfg, built[0], built[1])


def _task(cfg, out_dir: Path) -> OfferSearch:
    from sim.api import build

    scenario, protocol, engine, mc, container = build(cfg)
    objective, where, subject_to = _parse(cfg, scenario, protocol)
    search = search_offers(
        scenario,
        protocol,
        engine,
        mc,
        objective,
        where,
        subject_to,
        float(cfg.alpha),
        str(cfg.adjust),
        float(cfg.threshold),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_outputs(search, out_dir, bool(cfg.figures), container)
    if not cfg.quiet:
        print(format_search(search, out_dir, int(cfg.top)))
    return search


def main() -> None:
    """Console entry point ``negsim-optimize``."""
    from analysis._tool import run_tool

    run_tool("negsim-optimize", OptimizeConf, _task, _validate, tag="optimize")


if __name__ == "__main__":
    main()
