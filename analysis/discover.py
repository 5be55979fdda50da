"""Scenario discovery (``negsim-discover``): in which region of the priors does an outcome
concentrate?

A run directory's ``outcomes.parquet`` holds every run's draw of every prior beside its
outcome (EMA's experiments and outcomes in one table), so no new simulation is needed. The
runs are the experiments, each varying prior (``scenario.<path>`` column) a candidate
dimension, and the outcome a 0/1 indicator: ``war`` (the highest rung is at least full-scale
invasion, :func:`sim.summary.is_war`, as P(war) everywhere) or one status
(:data:`sim.core.enums.STATUS_NAMES`; ``status.war`` for the status war alone).

Two views, both from well-kept implementations:

- **PRIM** (Friedman & Fisher 1999; for scenario discovery Bryant & Lempert 2010), the EMA
  Workbench's ``Prim``: starting from the box of all runs, peel off 5% of the runs at a time
  along the dimension whose peel raises the outcome's share most, down to 5% of the runs, then
  paste back. Each step on this *peeling trajectory* is a box with its **coverage** (share of
  the outcome's runs inside it), **density** (share of the runs inside it that have the
  outcome) and **mass** (share of all runs inside it); each restricted limit has a
  **quasi-p-value**: the one-sided binomial test of the box's density against the box without
  that limit (Bryant & Lempert 2010). A restriction with a quasi-p-value above 0.05 is not
  supported by the runs.
- **CART** (Breiman et al. 1984), scikit-learn's ``DecisionTreeClassifier``: a shallow tree
  whose leaves are boxes too; the leaf with the highest outcome rate is reported.

**Which box** (:func:`choose_box`, :func:`prune`). By default, the step of the trajectory
that maximises Youden's J = coverage − mass, i.e. the share of the outcome's runs it holds
minus the share of all runs it holds. That is the weighted relative accuracy of subgroup
discovery (Lavrač, Kavšek, Flach & Todorovski 2004; WRAcc = mass·(density − P) =
P·(coverage − mass)): the box that separates the runs with the outcome from the others best.
It needs no number from the user, it means the same at a base rate of 5% or 50% (a fixed
density threshold does not), and on a trajectory that peels one prior a little at a time (an
almost straight trade-off curve, as lieven_2022's war shows) it stays well defined where a
knee does not. Then the restrictions the runs do not support are dropped, the least
significant first, until every quasi-p-value left is at most ``alpha`` (0.05): PRIM's early
peels often cut a sliver off a prior that does not matter, and no later step undoes it. A
researcher asking "where is it at least 80%?" gives ``min_density=0.8`` (the step of highest
coverage whose density reaches it, pruned the same way), and one who has looked at the
trajectory names a step (``box=``, taken as it is).

**Held-out runs.** PRIM picks its box to make the density high, so the density of the runs it
was fitted on is biased upwards (the later steps of a trajectory overfit). By default PRIM and
the tree see a random half of the runs (``holdout=0.5``, seeded with the run's seed) and the
estimates in words (P(outcome) in the box with its 95% Wilson interval,
:func:`sim.summary.estimate`, and the share of the outcome's runs it holds) come from the
other half, which played no part in choosing the box: so the interval means what it says.
The trajectory table carries both (``coverage``/``density`` fitted, ``check_*`` held out).
"""

from __future__ import annotations

import contextlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim import rundir
from sim.core.enums import STATUS_NAMES
from sim.summary import estimate, is_war

ALPHA = 0.05
"""Largest quasi-p-value of a restriction that the runs support (Bryant & Lempert 2010)."""
PEEL_ALPHA = 0.05  # share of the box's runs peeled off per step (EMA's default)
MASS_MIN = 0.05  # PRIM stops peeling at boxes holding 5% of the runs (EMA's default)
TREE_DEPTH = 3
PREFIX = "scenario."


class DiscoverError(ValueError):
    """Input that scenario discovery cannot use; its message is one line for the user."""


# --- the outcome -----------------------------------------------------------------------------


def outcome_names() -> tuple[str, ...]:
    """``war`` (highest rung), every status but ``war`` by name, and ``status.<name>`` for all."""
    return ("war", *(s for s in STATUS_NAMES if s != "war"), *(f"status.{s}" for s in STATUS_NAMES))


def outcome_label(outcome: str) -> str:
    """How the words name the outcome's probability: ``P(war)``, ``P(agreement)``,
    ``P(status war)``."""
    status = outcome.removeprefix("status.")
    if outcome == "war":
        return "P(war)"
    return f"P(status {status})" if status == "war" else f"P({status})"


def outcome_of(frame: pd.DataFrame, outcome: str) -> np.ndarray:
    """The 0/1 outcome of each run: ``war`` by :func:`sim.summary.is_war` of its highest rung,
    a status by its ``status`` column."""
    if outcome not in outcome_names():
        raise DiscoverError(f"unknown outcome {outcome!r}; one of: {', '.join(outcome_names())}")
    if outcome == "war":
        return is_war(frame["highest_rung"].to_numpy())
    return frame["status"].astype(str).to_numpy() == outcome.removeprefix("status.")


def short_name(column: str) -> str:
    """``scenario.actors.russia.reservation`` -> ``russia.reservation``;
    ``scenario.escalation.beta_gap`` -> ``escalation.beta_gap``."""
    return column.removeprefix(PREFIX).removeprefix("actors.")


# --- reading a run ---------------------------------------------------------------------------


def read_run(run_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """A complete run directory's outcomes (``status``, ``highest_rung`` and its varying
    ``scenario.<path>`` columns) and its summary; :class:`DiscoverError` for a missing,
    incomplete or damaged one (:func:`sim.rundir.inspect`), one without outcomes, or one
    in which no prior varies."""
    import pyarrow.parquet as pq

    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise DiscoverError(f"{run_dir}: no such run directory")
    summary, why = rundir.inspect(run_dir)
    if summary is None:
        raise DiscoverError(f"{run_dir} is not a complete negsim run: {why}")
    path = run_dir / rundir.OUTCOMES
    if not path.is_file():
        raise DiscoverError(f"{run_dir} has no {rundir.OUTCOMES} (the run had mc.save_outcomes=false)")
    names = pq.read_schema(path).names
    priors = [c for c in names if c.startswith(PREFIX)]
    if "status" not in names or "highest_rung" not in names or not priors:
        raise DiscoverError(f"{path} has no status, highest_rung or {PREFIX}<prior> columns")
    frame = pq.read_table(path, columns=["status", "highest_rung", *priors]).to_pandas()
    varying = varying_columns(frame[priors])
    if not varying:
        raise DiscoverError(f"{path}: no sampled prior varies between its runs (all fixed): nothing to discover")
    return frame[["status", "highest_rung", *varying]], summary


def varying_columns(x: pd.DataFrame) -> list[str]:
    """The columns that take more than one value (a fixed prior is no dimension)."""
    return [c for c in x.columns if x[c].nunique(dropna=False) > 1]


# --- PRIM and CART ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """One restricted dimension of a box: ``low <= x <= high`` within ``[minimum, maximum]``
    (the range of the fitted runs); a side left at the range is not restricted (open) and
    its quasi-p-value is NaN."""

    parameter: str  # the column, ``scenario.<path>``
    low: float
    high: float
    minimum: float
    maximum: float
    qp_low: float
    qp_high: float

    @property
    def name(self) -> str:
        return short_name(self.parameter)

    @property
    def restricts_low(self) -> bool:
        return self.low > self.minimum

    @property
    def restricts_high(self) -> bool:
        return self.high < self.maximum

    @property
    def qp(self) -> float:
        """The larger quasi-p-value of its restricted sides."""
        return float(np.nanmax([self.qp_low, self.qp_high]))

    def words(self) -> str:
        if self.restricts_low and self.restricts_high:
            return f"{self.low:.3g} ≤ {self.name} ≤ {self.high:.3g}"
        if self.restricts_low:
            return f"{self.name} ≥ {self.low:.3g}"
        return f"{self.name} ≤ {self.high:.3g}"

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which runs of ``x`` satisfy it. A side left at the fitted runs' range is open, as
        the words say: a held-out draw beyond the fitted runs' highest is still inside
        ``x ≥ low``."""
        values = x[self.parameter].to_numpy()
        low = self.low if self.restricts_low else -np.inf
        high = self.high if self.restricts_high else np.inf
        return (values >= low) & (values <= high)


@dataclass
class Leaf:
    """The CART leaf with the highest outcome rate: its path from the root and its runs."""

    conditions: list[str]
    fitted: dict  # sim.summary.estimate on the fitted runs in the leaf
    check: dict  # ... on the held-out runs in the leaf


@dataclass
class Discovery:
    """What :func:`discover` found. ``trajectory`` has one row per PRIM step; ``chosen`` is
    the step chosen (``None`` if no step reaches ``min_density`` or no restriction survives
    :func:`prune`); ``restrictions`` the box after pruning; ``box_check``, ``coverage_check``
    and ``mass_check`` are the held-out estimates the words use (the fitted runs' when
    ``holdout`` is 0)."""

    outcome: str
    label: str
    n_runs: int
    n_fit: int
    n_check: int
    overall: dict  # sim.summary.estimate of the outcome over all runs
    trajectory: pd.DataFrame
    chosen: int | None
    rule: str
    restrictions: list[Restriction]
    dropped: list[str]  # priors of the chosen step dropped for want of significance
    fitted: dict | None  # the final box's coverage, density, mass on the fitted runs
    box_fit: dict | None
    box_check: dict | None
    coverage_check: float | None
    mass_check: float | None
    dimensions: list[str]
    tree_text: str
    leaf: Leaf
    settings: dict = field(default_factory=dict)
    scenario: str = ""

    def sentence(self) -> str:
        return describe(self)


@contextlib.contextmanager
def _quiet_workbench():
    """Around the EMA Workbench: it warns at import (optional ipyparallel, altair), pandas
    warns about the Workbench's own calls, and importing it sets seaborn's palette in
    matplotlib's rcParams; none of that may reach the user (the rcParams are restored)."""
    import matplotlib

    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        warnings.filterwarnings("ignore", message=r".*(ipyparallel|altair).*")
        yield


def run_prim(x: pd.DataFrame, y: np.ndarray, mass_min: float = MASS_MIN, peel_alpha: float = PEEL_ALPHA):
    """The EMA Workbench's PRIM on ``x`` (float columns) and the 0/1 outcome ``y``: its first
    box (a ``PrimBox`` holding the whole peeling and pasting trajectory)."""
    with _quiet_workbench():
        from ema_workbench.analysis import prim

        found = prim.Prim(
            x.reset_index(drop=True), np.asarray(y, dtype=int), peel_alpha=peel_alpha,
            paste_alpha=peel_alpha, mass_min=mass_min,
        )
        return found.find_box()


def restrictions_of(box, step: int) -> list[Restriction]:
    """The restricted dimensions of step ``step`` with their limits and quasi-p-values."""
    limits, initial, qp = box.box_lims[step], box.box_lims[0], box.p_values[step]
    out = []
    for column, (qp_low, qp_high) in qp.items():
        out.append(
            Restriction(
                column, float(limits.loc[0, column]), float(limits.loc[1, column]),
                float(initial.loc[0, column]), float(initial.loc[1, column]),
                np.nan if qp_low < 0 else float(qp_low), np.nan if qp_high < 0 else float(qp_high),
            )
        )
    return out


def in_box(restrictions: list[Restriction], x: pd.DataFrame) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for restriction in restrictions:
        inside &= restriction.contains(x)
    return inside


def trajectory_table(box, x_check: pd.DataFrame, y_check: np.ndarray, alpha: float = ALPHA) -> pd.DataFrame:
    """One row per step: the fitted ``coverage``, ``density``, ``mass``, runs ``n`` and
    outcome runs ``k``; ``restricted`` (how many dimensions) and ``dimensions``; ``max_qp``
    and ``significant`` (every restriction's quasi-p-value ≤ ``alpha``); ``youden`` (coverage
    − mass); and the held-out ``check_coverage``, ``check_density``, ``check_n``."""
    ppt = box.peeling_trajectory
    rows = []
    total_check = int(y_check.sum())
    for step in range(len(ppt)):
        restrictions = restrictions_of(box, step)
        qps = [r.qp for r in restrictions]
        inside = in_box(restrictions, x_check)
        k_check = int(y_check[inside].sum())
        rows.append(
            {
                "step": step,
                "coverage": float(ppt.loc[step, "coverage"]),
                "density": float(ppt.loc[step, "density"]),
                "mass": float(ppt.loc[step, "mass"]),
                "n": int(ppt.loc[step, "n"]),
                "k": int(ppt.loc[step, "k"]),
                "restricted": len(restrictions),
                "dimensions": ";".join(r.name for r in restrictions),
                "max_qp": max(qps) if qps else np.nan,
                "significant": all(q <= alpha for q in qps),
                "youden": float(ppt.loc[step, "coverage"] - ppt.loc[step, "mass"]),
                "check_coverage": k_check / total_check if total_check else np.nan,
                "check_density": k_check / int(inside.sum()) if inside.any() else np.nan,
                "check_n": int(inside.sum()),
            }
        )
    return pd.DataFrame(rows)


def choose_box(trajectory: pd.DataFrame, min_density: float | None = None, step: int | None = None) -> tuple[int | None, str]:
    """The chosen step and the rule, in words (module docstring): ``step`` if given; else,
    among the steps that restrict something (not step 0), the one of highest coverage whose
    density reaches ``min_density``, or by default the one of largest Youden's
    J = coverage − mass (ties: the earlier step). :func:`prune` then drops its restrictions
    that the runs do not support (not those of a step the user named)."""
    if step is not None:
        if not 0 <= step < len(trajectory):
            raise DiscoverError(f"box {step}: the peeling trajectory has steps 0 to {len(trajectory) - 1}")
        return step, f"step {step}, chosen by the user"
    candidates = trajectory[trajectory["step"] > 0]
    if min_density is not None:
        candidates = candidates[candidates["density"] >= min_density]
        if candidates.empty:
            return None, f"no step reaches density {min_density:g}"
        best = candidates.sort_values(["coverage", "step"], ascending=[False, True]).iloc[0]
        return int(best["step"]), f"the step of highest coverage with density ≥ {min_density:g}"
    if candidates.empty:
        return None, "PRIM peeled nothing"
    best = candidates.sort_values(["youden", "step"], ascending=[False, True]).iloc[0]
    return int(best["step"]), "largest coverage − mass (Youden's J)"


def prune(box, step: int, alpha: float = ALPHA) -> tuple[int, list[str]]:
    """Drop, one at a time, the restriction of box ``step`` with the largest quasi-p-value
    above ``alpha``, until every one left is at most ``alpha`` (backward elimination, as
    Bryant & Lempert 2010 advise; PRIM's early peels often restrict a prior that does not
    matter by a sliver, which no later step undoes). Each drop is the Workbench's
    ``drop_restriction``: it appends the box without that limit to the trajectory and
    recomputes the quasi-p-values. Returns the final box's index in ``box.box_lims`` and the
    dropped priors' names."""
    index, dropped = step, []
    while True:
        worst = max(restrictions_of(box, index), key=lambda r: r.qp, default=None)
        if worst is None or worst.qp <= alpha:
            return index, dropped
        with _quiet_workbench():
            box.drop_restriction(worst.parameter, index)
        index = len(box.box_lims) - 1
        dropped.append(worst.name)


def fit_tree(x: pd.DataFrame, y: np.ndarray, depth: int, min_leaf: int):
    """scikit-learn's CART classifier (Gini), deterministic (``random_state=0``)."""
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=depth, min_samples_leaf=min_leaf, random_state=0).fit(
        x.to_numpy(dtype=float), np.asarray(y, dtype=bool)
    )


def tree_text(tree, columns: list[str]) -> str:
    from sklearn.tree import export_text

    return export_text(tree, feature_names=[short_name(c) for c in columns], show_weights=True, decimals=3)


def best_leaf(tree, columns: list[str], x_fit, y_fit, x_check, y_check) -> Leaf:
    """The leaf whose fitted runs have the highest outcome rate (ties: more runs, then the
    lower node id), with the conditions on its path (one per dimension, the tightest
    bounds, in column order) and its held-out estimate."""
    inner = tree.tree_
    leaves_fit = tree.apply(x_fit.to_numpy(dtype=float))
    leaves = np.unique(leaves_fit)
    k = np.array([int(y_fit[leaves_fit == leaf].sum()) for leaf in leaves])
    n = np.array([int((leaves_fit == leaf).sum()) for leaf in leaves])
    order = np.lexsort((leaves, -n, -(k / n)))
    leaf = int(leaves[order[0]])
    parent = {}
    for node in range(inner.node_count):
        for child, side in ((inner.children_left[node], "≤"), (inner.children_right[node], ">")):
            if child >= 0:
                parent[int(child)] = (node, side)
    bounds: dict[int, list[float]] = {}  # feature -> [above, at most], tightest on the path
    node = leaf
    while node in parent:
        up, side = parent[node]
        limits = bounds.setdefault(int(inner.feature[up]), [-np.inf, np.inf])
        if side == ">":
            limits[0] = max(limits[0], float(inner.threshold[up]))
        else:
            limits[1] = min(limits[1], float(inner.threshold[up]))
        node = up
    conditions = []
    for feature in sorted(bounds):
        above, at_most = bounds[feature]
        name = short_name(columns[feature])
        if np.isfinite(above) and np.isfinite(at_most):
            conditions.append(f"{above:.3g} < {name} ≤ {at_most:.3g}")
        elif np.isfinite(above):
            conditions.append(f"{name} > {above:.3g}")
        else:
            conditions.append(f"{name} ≤ {at_most:.3g}")
    leaves_check = tree.apply(x_check.to_numpy(dtype=float)) if len(x_check) else np.array([], dtype=int)
    in_check = leaves_check == leaf
    return Leaf(
        conditions,
        estimate(int(y_fit[leaves_fit == leaf].sum()), int((leaves_fit == leaf).sum())),
        estimate(int(y_check[in_check].sum()), int(in_check.sum())),
    )


# --- the analysis ----------------------------------------------------------------------------


def split_runs(n: int, holdout: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the fitted and the held-out runs: a random ``holdout`` share held out."""
    if not 0 <= holdout < 1:
        raise DiscoverError(f"holdout {holdout:g}: a share in [0, 1)")
    order = rng.permutation(n)
    n_check = int(round(holdout * n))
    return np.sort(order[n_check:]), np.sort(order[:n_check])


def discover_table(
    x: pd.DataFrame,
    y: np.ndarray,
    outcome: str = "outcome",
    label: str | None = None,
    rng: np.random.Generator | None = None,
    holdout: float = 0.5,
    min_density: float | None = None,
    box: int | None = None,
    depth: int = TREE_DEPTH,
    mass_min: float = MASS_MIN,
    peel_alpha: float = PEEL_ALPHA,
) -> Discovery:
    """PRIM and CART on experiments ``x`` (one numeric column per dimension; constant ones
    are dropped) and the 0/1 outcome ``y``; the held-out share ``holdout`` of the runs
    (drawn with ``rng``) gives the estimates in words (module docstring)."""
    y = np.asarray(y, dtype=bool)
    if len(y) != len(x):
        raise DiscoverError(f"{len(y)} outcomes for {len(x)} runs")
    if rng is None:
        rng = np.random.default_rng(0)
    label = label or f"P({outcome})"
    count = int(y.sum())
    if count == 0 or count == len(y):
        raise DiscoverError(
            f"outcome {outcome} happens in {count} of {len(y)} runs: nothing to tell apart"
        )
    dimensions = varying_columns(x)
    if not dimensions:
        raise DiscoverError("no dimension varies between the runs: nothing to discover")
    x = x[dimensions].astype(float).reset_index(drop=True)
    fit, check = split_runs(len(y), holdout, rng)
    x_fit, y_fit = x.iloc[fit].reset_index(drop=True), y[fit]
    x_check, y_check = (x.iloc[check].reset_index(drop=True), y[check]) if len(check) else (x_fit, y_fit)
    if y_fit.all() or not y_fit.any():
        raise DiscoverError(f"outcome {outcome} happens in {int(y_fit.sum())} of the {len(y_fit)} fitted runs: nothing to tell apart")
    found = run_prim(x_fit, y_fit, mass_min, peel_alpha)
    trajectory = trajectory_table(found, x_check, y_check)
    chosen, rule = choose_box(trajectory, min_density, box)
    restrictions, dropped = [], []
    fitted = box_fit = box_check = coverage_check = mass_check = None
    if chosen is not None:
        final = chosen
        if box is None:
            final, dropped = prune(found, chosen)
            if dropped:
                rule += f", then {', '.join(dropped)} dropped (quasi-p > {ALPHA:g})"
        restrictions = restrictions_of(found, final)
    if restrictions:
        row = found.peeling_trajectory.loc[final]
        fitted = {key: float(row[key]) for key in ("coverage", "density", "mass")}
        box_fit = estimate(int(row["k"]), int(row["n"]))
        inside = in_box(restrictions, x_check)
        box_check = estimate(int(y_check[inside].sum()), int(inside.sum()))
        coverage_check = int(y_check[inside].sum()) / int(y_check.sum())
        mass_check = float(inside.mean())
    elif chosen is not None:
        rule += ": no restriction left"
        chosen = None
    trajectory["chosen"] = trajectory["step"] == chosen
    tree = fit_tree(x_fit, y_fit, depth, max(1, int(round(mass_min * len(y_fit)))))
    return Discovery(
        outcome=outcome,
        label=label,
        n_runs=len(y),
        n_fit=len(fit),
        n_check=len(check),
        overall=estimate(count, len(y)),
        trajectory=trajectory,
        chosen=chosen,
        rule=rule,
        restrictions=restrictions,
        dropped=dropped,
        fitted=fitted,
        box_fit=box_fit,
        box_check=box_check,
        coverage_check=coverage_check,
        mass_check=mass_check,
        dimensions=dimensions,
        tree_text=tree_text(tree, dimensions),
        leaf=best_leaf(tree, dimensions, x_fit, y_fit, x_check, y_check),
        settings={
            "holdout": holdout, "min_density": min_density, "box": box, "tree_depth": depth,
            "mass_min": mass_min, "peel_alpha": peel_alpha, "alpha": ALPHA,
        },
    )


def discover(
    run_dir: str | Path,
    outcome: str = "war",
    holdout: float = 0.5,
    min_density: float | None = None,
    box: int | None = None,
    depth: int = TREE_DEPTH,
    seed: int | None = None,
) -> Discovery:
    """Scenario discovery on a complete run directory's ``outcomes.parquet`` (module
    docstring). ``seed`` draws the held-out runs (default: the run's own seed).

    >>> from analysis.discover import discover
    >>> found = discover("outputs/lieven20k", outcome="war")   # doctest: +SKIP
    >>> print(found.sentence())                                 # doctest: +SKIP
    """
    if outcome not in outcome_names():
        raise DiscoverError(f"unknown outcome {outcome!r}; one of: {', '.join(outcome_names())}")
    frame, summary = read_run(run_dir)
    if seed is None:
        seed = int(summary.get("seed", 0))
    priors = [c for c in frame.columns if c.startswith(PREFIX)]
    found = discover_table(
        frame[priors], outcome_of(frame, outcome), outcome, outcome_label(outcome),
        np.random.default_rng(seed), holdout, min_density, box, depth,
    )
    found.scenario = str(summary.get("scenario", ""))
    found.settings.update({"seed": seed, "run_dir": str(Path(run_dir).expanduser().resolve())})
    return found


# --- words -----------------------------------------------------------------------------------


def _p(est: dict) -> str:
    return f"{est['p']:.2f} [{est['lo']:.2f}, {est['hi']:.2f}]"


def describe(found: Discovery) -> str:
    """The chosen box in one sentence, with the held-out estimates (module docstring)."""
    where = "the held-out runs" if found.n_check else "the fitted runs; none held out, so optimistic"
    if found.chosen is None:
        return (
            f"{found.label} is {_p(found.overall)} overall; PRIM found no box to report "
            f"({found.rule})."
        )
    est = found.box_check
    conditions = " and ".join(r.words() for r in found.restrictions)
    return (
        f"{found.label} is {_p(est)} (Wilson 95%, {where}), against {found.overall['p']:.2f} overall, "
        f"when {conditions}; this box holds {found.coverage_check:.0%} of the runs with "
        f"{found.outcome} and {found.mass_check:.0%} of all runs."
    )


def format_discovery(found: Discovery, out_dir: Path | None = None) -> str:
    """The terminal report: the sentence, the box's limits, the tree's best leaf."""
    lines = [
        f"negsim-discover | scenario {found.scenario or '?'} | outcome {found.outcome} | "
        f"{found.n_runs:,} runs ({found.n_fit:,} fitted, {found.n_check:,} held out) | "
        f"{len(found.dimensions)} varying priors",
        "",
        describe(found),
        "",
        f"PRIM: {len(found.trajectory)} steps; chosen: "
        + (f"step {found.chosen} ({found.rule})" if found.chosen is not None else found.rule),
    ]
    if found.chosen is not None:
        fitted = found.fitted
        line = f"  fitted: coverage {fitted['coverage']:.3f}, density {fitted['density']:.3f}, mass {fitted['mass']:.3f}"
        if found.n_check:
            line += (
                f"; held out: coverage {found.coverage_check:.3f}, density {found.box_check['p']:.3f}, "
                f"mass {found.mass_check:.3f}"
            )
        lines.append(line)
        lines.append(f"  {'restriction':<48} {'low':>9} {'high':>9}   quasi-p (low, high)")
        for r in found.restrictions:
            lines.append(
                f"  {r.name:<48} {r.low:>9.4g} {r.high:>9.4g}   {_qp(r.qp_low)}, {_qp(r.qp_high)}"
            )
    leaf = found.leaf
    lines += [
        "",
        f"CART (depth {found.settings['tree_depth']}): the leaf with the highest rate, "
        + (" and ".join(leaf.conditions) or "the root"),
        f"  {found.label} there: {_p(leaf.check if found.n_check else leaf.fitted)}"
        + (" (held out)" if found.n_check else " (fitted)"),
    ]
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)


def _qp(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2g}"


def as_json(found: Discovery) -> dict:
    """The chosen box, the leaf, the estimates and the settings (``discover.json``)."""
    return {
        "scenario": found.scenario,
        "outcome": found.outcome,
        "label": found.label,
        "n_runs": found.n_runs,
        "n_fit": found.n_fit,
        "n_check": found.n_check,
        "overall": found.overall,
        "chosen_step": found.chosen,
        "rule": found.rule,
        "dropped": found.dropped,
        "box": {
            "restrictions": [
                {"parameter": r.parameter, "low": r.low if r.restricts_low else None,
                 "high": r.high if r.restricts_high else None, "minimum": r.minimum,
                 "maximum": r.maximum, "qp_low": _nan_none(r.qp_low), "qp_high": _nan_none(r.qp_high)}
                for r in found.restrictions
            ],
            "fitted": found.box_fit,
            "fitted_coverage": None if found.fitted is None else found.fitted["coverage"],
            "fitted_mass": None if found.fitted is None else found.fitted["mass"],
            "check": found.box_check,
            "check_coverage": found.coverage_check,
            "check_mass": found.mass_check,
        },
        "cart_leaf": {"conditions": found.leaf.conditions, "fitted": found.leaf.fitted, "check": found.leaf.check},
        "sentence": describe(found),
        "settings": found.settings,
        "dimensions": found.dimensions,
    }


def _nan_none(value: float) -> float | None:
    return None if np.isnan(value) else value


def dumps(found: Discovery) -> str:
    return json.dumps(as_json(found), indent=2) + "\n"
