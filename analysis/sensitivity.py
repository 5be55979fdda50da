"""Sensitivity analysis (``negsim-sensitivity``): which priors drive P(agreement) and P(war).

A **factor** is one prior of the scenario (``actors.russia.reservation``; a glob such as
``actors.russia.*`` selects several) and its value is a **shift** ``delta`` of the whole prior:
every draw of that prior moves by ``delta`` (a uniform on [low, high] becomes one on
[low + delta, high + delta], a normal's mean moves, a fixed value moves), its shape unchanged.
Because each prior's draws come from its own random stream, a shifted prior changes nothing
else in any run: all sample points share their random numbers (common random numbers), so the
differences between them are the factor's effect, not noise. By default a factor ranges over
``delta in [-shift*s, +shift*s]``, ``s`` the prior's half-width (half its support; ``sd`` for
a normal; ``fixed_scale`` for a fixed prior), cut where the shifted support would leave the
field's allowed range (a probability stays in [0, 1]); ``path:lo:hi`` gives the bounds of
``delta`` explicitly.

Each sample point is one Monte Carlo (:func:`sim.montecarlo.run_monte_carlo`, ``mc.n_runs``
runs from ``mc.seed``) of the scenario with the factors shifted; its outputs are P(agreement)
and P(war) (``war``: the share of runs whose highest rung is at least full-scale invasion,
whatever their status, :func:`sim.summary.p_war`; not the status ``war`` alone).

``method``:

- ``oat``: the tornado only. Every factor at its low and at its high bound, the others at 0
  (the scenario as written): 2k + 1 Monte Carlos.
- ``morris`` (default): the tornado, and Morris elementary effects (SALib; ``trajectories``
  r, ``levels`` 4): r(k + 1) Monte Carlos. ``mu_star`` is the mean absolute change in the
  output per unit of the factor's range (normalised to [0, 1]), ``sigma`` the spread of the
  effects (interactions, non-linearity).
- ``sobol``: the tornado, and Sobol first-order and total indices (SALib, Saltelli/Sobol'
  sampling with ``base_samples`` N): N(k + 2) Monte Carlos. The most informative and costly.
- ``given_data``: no shifts and no re-runs: one Monte Carlo (written to the run directory as
  ``outcomes.parquet`` and ``summary.json``), whose table holds every run's draw of every
  prior. Per factor: the outcome among the runs whose draw is in the prior's bottom / top
  tenth (the tornado), and the first-order index Var(E[Y | X_i]) / Var(Y) of the run's outcome
  indicator over the priors' own spread (:func:`first_order_given_data`). This answers a
  different question: which prior's uncertainty, as written, drives the outcome of a run.

Outputs in the run directory: ``sensitivity.parquet``/``.csv`` (one row per factor, sorted
by the P(agreement) swing), ``points.parquet`` (every sample point and its outputs; not for
``given_data``), ``sensitivity.json`` and ``figures/sensitivity_tornado.png`` (+
``sensitivity_morris.png``, ``sensitivity_sobol.png`` or ``sensitivity_given_data.png``).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.api import MonteCarlo, map_jobs, run_monte_carlo
from sim.config import NegsimConf
from sim.errors import ConfigError
from sim.protocols import Protocol
from sim.parameters import Range, column, parameter_of
from sim.scenario import Scenario, scenario_from_dict
from sim.summary import P_WAR_CAPTION, is_war

log = logging.getLogger("negsim")

OUTPUTS = ("agreement", "war")
"""P(agreement) (the status) and P(war) (the highest rung: ``summary.json``'s ``p_war``)."""
METHODS = ("oat", "morris", "sobol", "given_data", "delta", "pawn")
SHIFT_METHODS = ("oat", "morris", "sobol")
GIVEN_METHODS = ("given_data", "delta", "pawn")  # one Monte Carlo (or outcomes=PATH), no shifts
QUANTILE = 0.1  # given_data: the tornado compares the bottom and top tenth of a prior's draws


@dataclass(frozen=True)
class Factor:
    path: str  # prior path in the scenario (``actors.russia.reservation``)
    dist: str
    low: float  # bounds of the shift delta
    high: float


def allowed_range(path: str) -> Range:
    """The allowed range of a prior's values (the parameter table's, as validation uses it)."""
    return parameter_of(path).allowed


def default_bounds(prior, path: str, shift: float, fixed_scale: float) -> tuple[float, float]:
    """``[-shift*s, +shift*s]`` cut so that the shifted support stays in the allowed range."""
    low, high = prior.support()
    if prior.dist == "normal":
        scale = prior.params["sd"]
    elif prior.dist == "fixed":
        scale = fixed_scale
    else:
        scale = (high - low) / 2
    lo, hi = -shift * scale, shift * scale
    allowed = allowed_range(path)
    open_low = allowed.open_low
    if math.isfinite(low) and math.isfinite(allowed.low):
        room = allowed.low - low  # delta >= room keeps low + delta >= allowed low
        if open_low:
            room += 1e-9 * max(1.0, abs(low))
        lo = max(lo, room)
    if math.isfinite(high) and math.isfinite(allowed.high):
        hi = min(hi, allowed.high - high)
    return lo, hi


def select_factors(
    scenario: Scenario, specs, shift: float, fixed_scale: float, shifts: bool = True
) -> list[Factor]:
    """Factors from ``specs`` (paths, globs, ``path:lo:hi``); none given: every prior that is
    not fixed. Without ``shifts`` (the given-data method) a factor is a prior's own draws: it
    must not be fixed, and it has no bounds."""
    priors = scenario.priors()
    if not specs:
        specs = [path for path, prior in priors.items() if not prior.is_fixed]
    factors: dict[str, Factor] = {}
    for spec in specs:
        text = str(spec)
        pattern, *bounds = text.split(":")
        pattern = pattern.removeprefix("scenario.")
        matches = [p for p in priors if fnmatch.fnmatchcase(p, pattern)]
        if not matches:
            raise ConfigError(
                "factors",
                text,
                "matches no prior of the scenario (paths as in scenario.priors(), e.g. actors.russia.reservation)",
            )
        if bounds and len(bounds) != 2:
            raise ConfigError("factors", text, "explicit bounds are 'path:low:high'")
        for path in matches:
            prior = priors[path]
            if not shifts:
                if prior.is_fixed:
                    if pattern != path:
                        continue  # a glob: keep its priors that vary
                    raise ConfigError(
                        "factors",
                        text,
                        "a fixed prior does not vary between runs (given_data uses the runs' own draws)",
                    )
                factors[path] = Factor(path, prior.dist, math.nan, math.nan)
                continue
            if bounds:
                try:
                    lo, hi = float(bounds[0]), float(bounds[1])
                except ValueError:
                    raise ConfigError("factors", text, "bounds must be numbers") from None
                low, high = prior.support()
                allowed = allowed_range(path)
                if not allowed.contains(low + lo, high + hi):
                    raise ConfigError(
                        "factors",
                        text,
                        f"shifting [{low:g}, {high:g}] by [{lo:g}, {hi:g}] leaves the allowed range {allowed}",
                    )
            else:
                lo, hi = default_bounds(prior, path, shift, fixed_scale)
            if not lo < hi:
                raise ConfigError(
                    "factors",
                    text,
                    f"{path}: empty range of shifts [{lo:g}, {hi:g}] (the prior touches its allowed range); give 'path:low:high'",
                )
            factors[path] = Factor(path, prior.dist, float(lo), float(hi))
    return list(factors.values())


def shifted_scenario(data: dict, deltas: dict[str, float]) -> Scenario:
    """The scenario of plain ``data`` with each prior at ``path`` shifted by ``delta``."""
    data = copy.deepcopy(data)
    for path, delta in deltas.items():
        if delta == 0.0:
            continue
        node = data
        for key in path.split("."):
            node = node[key]
        dist = node.get("dist")
        if dist == "fixed":
            node["value"] = node["value"] + delta
        elif dist == "normal":
            node["mean"] = node["mean"] + delta
        else:
            if dist == "beta":
                node["low"] = node.get("low") if node.get("low") is not None else 0.0
                node["high"] = node.get("high") if node.get("high") is not None else 1.0
            if dist == "truncnormal":
                node["mean"] = node["mean"] + delta
            node["low"] = node["low"] + delta
            node["high"] = node["high"] + delta
    return scenario_from_dict(data)


def evaluate_point(
    data: dict, protocol: Protocol, engine: str, mc: MonteCarlo, deltas: dict[str, float]
) -> dict[str, float]:
    """One sample point: the Monte Carlo of the shifted scenario, P(agreement) and P(war)."""
    summary = run_monte_carlo(shifted_scenario(data, deltas), protocol, engine, mc)
    agreement, war = summary["status"]["agreement"], summary["p_war"]
    return {
        "agreement": agreement["p"],
        "war": war["p"],
        "n_agreement": agreement["count"],
        "n_war": war["count"],
    }


def evaluate_points(
    data: dict,
    protocol: Protocol,
    engine: str,
    mc: MonteCarlo,
    factors: list[Factor],
    matrix: np.ndarray,
    n_jobs: int,
) -> pd.DataFrame:
    """Every row of ``matrix`` (points x factors, shifts) as one Monte Carlo, on ``n_jobs`` cores."""
    single = dataclasses.replace(
        mc, n_jobs=1, n_threads=1 if n_jobs > 1 else mc.n_threads, save_outcomes=False
    )  # with points in parallel, one core per point
    points = [{f.path: float(v) for f, v in zip(factors, row)} for row in matrix]
    jobs = [(data, protocol, engine, single, p) for p in points]
    results = list(map_jobs(evaluate_point, jobs, n_jobs))
    frame = pd.DataFrame(matrix, columns=[f.path for f in factors])
    for key in results[0] if results else ():
        frame[key] = [r[key] for r in results]
    return frame


@dataclass
class Sensitivity:
    scenario: Scenario
    method: str
    n_runs: int
    seed: int
    factors: list[Factor]
    table: pd.DataFrame
    points: pd.DataFrame
    base: dict[str, float]
    settings: dict = field(default_factory=dict)
    by_evidence: pd.DataFrame | None = None  # sobol: grouped indices, one row per evidence type


def analyse(
    scenario: Scenario,
    data: dict,
    protocol: Protocol,
    engine: str,
    mc: MonteCarlo,
    factors: list[Factor],
    method: str = "morris",
    trajectories: int = 10,
    levels: int = 4,
    base_samples: int = 64,
    out_dir: Path | None = None,
    resamples: int = 100,
    slices: int = 10,
) -> Sensitivity:
    """Run the design of ``method`` (module docstring) and return the per-factor table.
    ``given_data`` writes its one Monte Carlo (``outcomes.parquet``, ``summary.json``) into
    ``out_dir`` (a temporary folder when None)."""
    if method not in METHODS:
        raise ConfigError("method", method, f"use one of {list(METHODS)}")
    if method in GIVEN_METHODS:
        return given_data(scenario, protocol, engine, mc, factors, out_dir, method, resamples, slices)
    k = len(factors)
    lows = np.array([f.low for f in factors])
    highs = np.array([f.high for f in factors])
    # the tornado: the base point, then each factor at its low and at its high bound
    oat = np.zeros((2 * k + 1, k))
    for j in range(k):
        oat[1 + 2 * j, j] = lows[j]
        oat[2 + 2 * j, j] = highs[j]
    oat_points = evaluate_points(data, protocol, engine, mc, factors, oat, mc.n_jobs)
    oat_points.insert(0, "design", "oat")
    base = {out: float(oat_points[out].iat[0]) for out in OUTPUTS}
    table = pd.DataFrame(
        {
            "factor": [f.path for f in factors],
            "dist": [f.dist for f in factors],
            "delta_lo": lows,
            "delta_hi": highs,
        }
    )
    for out in OUTPUTS:
        values = oat_points[out].to_numpy()
        table[f"base.{out}"] = base[out]
        table[f"lo.{out}"] = values[1::2]
        table[f"hi.{out}"] = values[2::2]
        table[f"swing.{out}"] = values[2::2] - values[1::2]
    points = [oat_points]
    problem = {
        "num_vars": k,
        "names": [f.path for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }
    settings: dict = {}
    by_evidence = None
    if method == "morris":
        from SALib.analyze import morris as morris_analyze
        from SALib.sample import morris as morris_sample

        sample = morris_sample.sample(problem, trajectories, num_levels=levels, seed=mc.seed)
        frame = evaluate_points(data, protocol, engine, mc, factors, sample, mc.n_jobs)
        frame.insert(0, "design", "morris")
        points.append(frame)
        for out in OUTPUTS:
            result = morris_analyze.analyze(
                problem, sample, frame[out].to_numpy(), num_levels=levels, seed=mc.seed
            )
            table[f"mu_star.{out}"] = np.asarray(result["mu_star"], dtype=float)
            table[f"mu_star_conf.{out}"] = np.asarray(result["mu_star_conf"], dtype=float)
            table[f"mu.{out}"] = np.asarray(result["mu"], dtype=float)
            table[f"sigma.{out}"] = np.asarray(result["sigma"], dtype=float)
        settings = {"trajectories": trajectories, "levels": levels}
    elif method == "sobol":
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SALib warns when N is not a power of 2
            sample = sobol_sample.sample(
                problem, base_samples, calc_second_order=False, seed=mc.seed
            )
        frame = evaluate_points(data, protocol, engine, mc, factors, sample, mc.n_jobs)
        frame.insert(0, "design", "sobol")
        points.append(frame)
        for out in OUTPUTS:
            y = frame[out].to_numpy()
            if np.ptp(y) == 0:
                zeros = np.zeros(k)
                result = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
            else:
                result = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=mc.seed)
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                table[f"{key}.{out}"] = np.asarray(result[key], dtype=float)
        settings = {"base_samples": base_samples}
        by_evidence = _sobol_by_evidence(scenario, data, protocol, engine, mc, factors, problem, base_samples, points)
    order = np.lexsort((np.arange(k), -np.abs(table["swing.agreement"].to_numpy())))
    table = table.iloc[order].reset_index(drop=True)
    return Sensitivity(
        scenario=scenario,
        method=method,
        n_runs=mc.n_runs,
        seed=mc.seed,
        factors=factors,
        table=table,
        points=pd.concat(points, ignore_index=True),
        base=base,
        settings=settings,
        by_evidence=by_evidence,
    )


def _sobol_by_evidence(scenario, data, protocol, engine, mc, factors, problem, base_samples, points):
    """DESIGN.md, "Evidence": how much of the variance of P(agreement) and P(war) comes from
    the priors of each evidence type, as grouped Sobol indices (SALib's ``groups``: the
    factors of one type move together in the design). None if the factors share one type."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    groups = [scenario.prior(f.path).evidence or "unstated" for f in factors]
    names = list(dict.fromkeys(groups))  # SALib reports groups in order of first appearance
    if len(names) < 2:
        return None
    grouped = {**problem, "groups": groups}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = sobol_sample.sample(grouped, base_samples, calc_second_order=False, seed=mc.seed)
    frame = evaluate_points(data, protocol, engine, mc, factors, sample, mc.n_jobs)
    frame.insert(0, "design", "sobol_by_evidence")
    points.append(frame)
    table = pd.DataFrame({"evidence": names, "factors": [groups.count(n) for n in names]})
    for out in OUTPUTS:
        y = frame[out].to_numpy()
        if np.ptp(y) == 0:
            zeros = np.zeros(len(names))
            result = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            result = sobol_analyze.analyze(grouped, y, calc_second_order=False, seed=mc.seed)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            table[f"{key}.{out}"] = np.asarray(result[key], dtype=float)
    return table


def first_order_given_data(x: np.ndarray, y: np.ndarray, bins: int | None = None) -> np.ndarray:
    """First-order indices S_i = Var(E[Y | X_i]) / Var(Y) from one sample (given data).

    Each column of ``x`` (runs, factors) is cut into ``bins`` classes of equal size by rank
    (default ``clip(sqrt(n) / 2, 10, 100)``) and S_i is the bias-adjusted correlation ratio
    (eta squared; Pearson 1903, with the adjustment of Kelley 1935):
    ``(SSB - (B - 1) * SSW / (n - B)) / SST``, whose expectation is about 0 for a factor that
    does not matter (plain eta squared would be about (B - 1)/n). It can come out slightly
    below 0. Ties in ``x`` (a discrete prior) keep their run order.
    """
    n, k = x.shape
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0.0 or n < 4:
        return np.zeros(k)
    b = bins or int(np.clip(np.sqrt(n) / 2, 10, 100))
    b = min(b, n // 2)
    out = np.empty(k)
    for j in range(k):
        ranks = np.empty(n, dtype=np.int64)
        ranks[np.argsort(x[:, j], kind="stable")] = np.arange(n)
        classes = ranks * b // n
        counts = np.bincount(classes, minlength=b)
        means = np.bincount(classes, weights=y, minlength=b) / counts
        between = float((counts * (means - y.mean()) ** 2).sum())
        within = total - between
        out[j] = (between - (b - 1) * within / (n - b)) / total
    return out


def given_data(
    scenario: Scenario,
    protocol: Protocol,
    engine: str,
    mc: MonteCarlo,
    factors: list[Factor],
    out_dir: Path | None,
    method: str = "given_data",
    resamples: int = 100,
    slices: int = 10,
) -> Sensitivity:
    """One Monte Carlo (``outcomes.parquet`` and ``summary.json`` into ``out_dir``); then
    :func:`from_outcomes` on its table."""
    import tempfile

    import pyarrow.parquet as pq

    settings = dataclasses.replace(mc, save_outcomes=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(out_dir) if out_dir is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        run_monte_carlo(scenario, protocol, engine, settings, folder)
        columns = ["status", "highest_rung", *(column(f.path) for f in factors)]
        frame = pq.read_table(folder / "outcomes.parquet", columns=columns).to_pandas()
    return from_outcomes(frame, factors, scenario, mc.seed, method, resamples, slices)


def delta_classes(n: int) -> int:
    """Classes of a factor for the delta index: SALib's rule, ``min(ceil(n**e), 48)`` with
    ``e = 2 / (7 + tanh((1500 - n) / 500))`` (12 classes for 20,000 runs)."""
    exponent = 2 / (7 + np.tanh((1500 - n) / 500))
    return int(max(2, min(math.ceil(n**exponent), 48, n // 2)))


def _rank_classes(x: np.ndarray, b: int) -> np.ndarray:
    """Column j cut into ``b`` classes of equal size by rank (ties keep their run order)."""
    n, k = x.shape
    classes = np.empty((n, k), dtype=np.int64)
    for j in range(k):
        ranks = np.empty(n, dtype=np.int64)
        ranks[np.argsort(x[:, j], kind="stable")] = np.arange(n)
        classes[:, j] = ranks * b // n
    return classes


def _slice_classes(x: np.ndarray, s: int) -> np.ndarray:
    """PAWN's slices, as SALib's ``pawn.analyze`` cuts them: ``s`` intervals between the
    quantiles of each column, ``[q_i, q_i+1)``; a run in none of them (the maximum) is -1."""
    n, k = x.shape
    classes = np.full((n, k), -1, dtype=np.int64)
    for j in range(k):
        edges = np.quantile(x[:, j], np.linspace(0, 1, s + 1))
        for i in range(s):
            classes[(x[:, j] >= edges[i]) & (x[:, j] < edges[i + 1]), j] = i
    return classes


def _class_sums(classes: np.ndarray, b: int, weights: np.ndarray, y: np.ndarray):
    """Per factor and class: the (weighted) number of runs and the sum of ``y``."""
    n, k = classes.shape
    valid = classes >= 0
    index = (classes + b * np.arange(k))[valid]
    w = np.broadcast_to(weights[:, None], (n, k))[valid]
    wy = np.broadcast_to((weights * y)[:, None], (n, k))[valid]
    counts = np.bincount(index, weights=w, minlength=b * k).reshape(k, b)
    sums = np.bincount(index, weights=wy, minlength=b * k).reshape(k, b)
    return counts, sums


def binary_indices(
    deltas: np.ndarray, s1s: np.ndarray, pawns: np.ndarray, y: np.ndarray, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """delta, S1 and PAWN of a 0/1 output ``y`` (runs weighted by ``weights``: all ones, or a
    bootstrap resample's counts) for class partitions ``deltas``, ``s1s``, ``pawns``.

    - delta (Borgonovo 2007): half the expected L1 distance between the density of Y and its
      density given X_i. For a 0/1 output it is ``sum_c (n_c / n) |p_c - p|`` over X_i's
      classes ``c`` (P(Y = 1) in the class against overall).
    - S1: the adjusted correlation ratio of :func:`first_order_given_data`.
    - PAWN (Pianosi & Wagener 2015): the median over X_i's slices of the Kolmogorov-Smirnov
      distance between the distribution of Y in the slice and overall, ``|p_s - p|`` for a 0/1
      output (equal to SALib's ``pawn.analyze``, a test checks it); also its maximum.
    """
    n = weights.sum()
    p = float((weights * y).sum() / n)
    out: dict[str, np.ndarray] = {}
    counts, sums = _class_sums(deltas, int(deltas.max()) + 1, weights, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(counts > 0, np.abs(sums / counts - p), 0.0)
    out["delta"] = (counts * gap).sum(axis=1) / n
    b = int(s1s.max()) + 1
    counts, sums = _class_sums(s1s, b, weights, y)
    total = float((weights * (y - p) ** 2).sum())
    if total == 0.0:
        out["S1"] = np.zeros(deltas.shape[1])
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / counts, p)
        between = (counts * (means - p) ** 2).sum(axis=1)
        out["S1"] = (between - (b - 1) * (total - between) / (n - b)) / total
    counts, sums = _class_sums(pawns, int(pawns.max()) + 1, weights, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        ks = np.where(counts > 0, np.abs(sums / counts - p), np.nan)
    out["pawn"] = np.nanmedian(ks, axis=1)
    out["pawn_max"] = np.nanmax(ks, axis=1)
    return out


def from_outcomes(
    frame: pd.DataFrame,
    factors: list[Factor],
    scenario,
    seed: int,
    method: str = "given_data",
    resamples: int = 100,
    slices: int = 10,
) -> Sensitivity:
    """Each factor's runs' own draws (columns ``scenario.<path>`` of ``frame``, an
    ``outcomes.parquet``) against the runs' outcomes (its ``status`` and ``highest_rung``).

    Per factor and output (``agreement``: the status; ``war``: the highest rung is at least
    full-scale invasion, :func:`sim.summary.is_war`):
    ``lo.*``/``hi.*``, the output among the runs whose draw is in the prior's bottom / top
    tenth (``q10``, ``q90``: the cut points); ``S1.*`` (:func:`first_order_given_data`);
    ``delta.*`` and ``pawn.*`` (:func:`binary_indices`), with ``delta_null.*``, the delta
    expected of a prior that does not matter (``sum_c (n_c/n) sqrt(2 p (1 - p) / (pi n_c))``,
    the mean |p_c - p| of pure sampling noise). ``*_lo``/``*_hi``: 95% percentile intervals
    from ``resamples`` bootstrap resamples of the runs (seeded with ``seed``; each run keeps
    its class). The table is sorted by the method's index of P(agreement) (``delta``,
    ``pawn``) or by the swing of P(agreement) (``given_data``).
    """
    status = frame["status"].astype(str).to_numpy()
    outputs = {"agreement": status == "agreement", "war": is_war(frame["highest_rung"].to_numpy())}
    x = frame[[column(f.path) for f in factors]].to_numpy(dtype=float)
    n, k = x.shape
    base = {out: float(y.mean()) for out, y in outputs.items()}
    table = pd.DataFrame({"factor": [f.path for f in factors], "dist": [f.dist for f in factors]})
    q_lo = np.quantile(x, QUANTILE, axis=0)
    q_hi = np.quantile(x, 1 - QUANTILE, axis=0)
    table["q10"], table["q90"] = q_lo, q_hi
    m = delta_classes(n)
    bins = min(int(np.clip(np.sqrt(n) / 2, 10, 100)), n // 2)
    partitions = (_rank_classes(x, m), _rank_classes(x, bins), _slice_classes(x, slices))
    rng = np.random.default_rng(seed)
    boot_weights = [np.bincount(rng.integers(0, n, n), minlength=n).astype(float) for _ in range(resamples)]
    ones = np.ones(n)
    sizes = np.bincount(partitions[0][:, 0], minlength=m).astype(float)
    for out, y in outputs.items():
        yf = y.astype(float)
        table[f"base.{out}"] = base[out]
        table[f"lo.{out}"] = [float(y[x[:, j] <= q_lo[j]].mean()) for j in range(k)]
        table[f"hi.{out}"] = [float(y[x[:, j] >= q_hi[j]].mean()) for j in range(k)]
        table[f"swing.{out}"] = table[f"hi.{out}"] - table[f"lo.{out}"]
        point = binary_indices(*partitions, yf, ones)
        boots = [binary_indices(*partitions, yf, w) for w in boot_weights]
        p = base[out]
        null = float((sizes / n * np.sqrt(2 * p * (1 - p) / (np.pi * sizes))).sum())
        for key in ("delta", "S1", "pawn"):
            table[f"{key}.{out}"] = point[key]
            if boots:
                stack = np.array([b[key] for b in boots])
                table[f"{key}_lo.{out}"] = np.nanquantile(stack, 0.025, axis=0)
                table[f"{key}_hi.{out}"] = np.nanquantile(stack, 0.975, axis=0)
            else:
                table[f"{key}_lo.{out}"] = table[f"{key}_hi.{out}"] = np.nan
        table[f"delta_null.{out}"] = null
        table[f"pawn_max.{out}"] = point["pawn_max"]
    if method in ("delta", "pawn"):
        key = table[f"{method}.agreement"].to_numpy()
    else:
        key = np.abs(table["swing.agreement"].to_numpy())
    order = np.lexsort((np.arange(k), -key))
    return Sensitivity(
        scenario=scenario,
        method=method,
        n_runs=n,
        seed=seed,
        factors=factors,
        table=table.iloc[order].reset_index(drop=True),
        points=pd.DataFrame(),
        base=base,
        settings={
            "quantile": QUANTILE,
            "monte_carlos": 1,
            "delta_classes": m,
            "s1_classes": bins,
            "pawn_slices": slices,
            "resamples": resamples,
        },
    )


def read_outcomes(path: str | Path, specs=()) -> tuple[pd.DataFrame, list[Factor], object, int]:
    """An existing run's ``outcomes.parquet`` (``path`` is the run directory or the file):
    its status, its highest rung and every sampled prior that varies (``scenario.<path>`` columns; constant ones,
    the fixed priors, are skipped), optionally only those matching ``specs`` (paths or globs).
    Returns the table, the factors, the run's scenario (from its ``summary.json``; an object
    with only a ``name`` when that is missing) and its seed (0 when unknown)."""
    import json
    import types

    import pyarrow.parquet as pq

    path = Path(path).expanduser()
    file = path / "outcomes.parquet" if path.is_dir() else path
    if not file.is_file() or file.name != "outcomes.parquet":
        raise ConfigError("outcomes", str(path), "no outcomes.parquet there (a negsim run directory, or the file)")
    try:
        schema = pq.read_schema(file)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise ConfigError("outcomes", str(file), f"not a readable parquet file ({type(error).__name__})") from None
    columns = [c for c in schema.names if c.startswith("scenario.")]
    if "status" not in schema.names or "highest_rung" not in schema.names or not columns:
        raise ConfigError("outcomes", str(file), "no status, highest_rung or scenario.<prior> columns (written by negsim with mc.save_outcomes=true)")
    scenario, seed = None, 0
    summary = file.parent / "summary.json"
    if summary.is_file():
        meta = json.loads(summary.read_text(encoding="utf-8"))
        seed = int(meta.get("seed", 0))
        try:
            scenario = scenario_from_dict(meta["config"]["scenario"])
        except (KeyError, TypeError, ValueError, ConfigError):
            scenario = types.SimpleNamespace(name=str(meta.get("scenario", file.parent.name)))
    if scenario is None:
        scenario = types.SimpleNamespace(name=file.parent.name)
    priors = scenario.priors() if hasattr(scenario, "priors") else {}
    names = [c.removeprefix("scenario.") for c in columns]
    if specs:
        chosen: list[str] = []
        for spec in specs:
            pattern = str(spec).removeprefix("scenario.")
            matches = [p for p in names if fnmatch.fnmatchcase(p, pattern)]
            if not matches:
                raise ConfigError("factors", str(spec), f"matches no scenario.<prior> column of {file}")
            chosen += [p for p in matches if p not in chosen]
        names = chosen
    frame = pq.read_table(file, columns=["status", "highest_rung", *(column(p) for p in names)]).to_pandas()
    varying = [p for p in names if frame[f"scenario.{p}"].nunique(dropna=False) > 1]
    if not varying:
        raise ConfigError("outcomes", str(file), "no sampled prior varies between its runs (all fixed)")
    factors = [
        Factor(p, priors[p].dist if p in priors else "", math.nan, math.nan) for p in varying
    ]
    return frame, factors, scenario, seed


# --- outputs -------------------------------------------------------------------------------

LABELS = {"agreement": "P(agreement)", "war": P_WAR_CAPTION}


def plot_tornado(result: Sensitivity, top: int = 20):
    """For each output, the top factors by swing: a bar from the output at the factor's low
    bound to the output at its high bound, around the base value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table
    n = min(top, len(table))
    fig, axes = plt.subplots(1, 2, figsize=(13, max(3.0, 0.32 * n + 1.8)), layout="constrained")
    for ax, out in zip(axes, OUTPUTS):
        rows = table.reindex(
            table[f"swing.{out}"].abs().sort_values(ascending=False, kind="stable").index
        ).head(n)
        y = np.arange(len(rows))[::-1]
        base = result.base[out]
        lo, hi = rows[f"lo.{out}"].to_numpy(), rows[f"hi.{out}"].to_numpy()
        given = result.method in GIVEN_METHODS
        low_label = (
            "runs with the prior's draw in its bottom tenth" if given else "factor at its low bound"
        )
        high_label = (
            "runs with the prior's draw in its top tenth" if given else "factor at its high bound"
        )
        ax.barh(y, lo - base, left=base, color="#8ab17d", label=low_label)
        ax.barh(y, hi - base, left=base, color="#e76f51", alpha=0.8, label=high_label)
        ax.axvline(base, color="black", linewidth=1)
        if given:
            bounds = zip(rows["q10"], rows["q90"])
            labels = [
                f"{f}  [<= {a:.3g} | >= {b:.3g}]" for f, (a, b) in zip(rows["factor"], bounds)
            ]
        else:
            bounds = zip(rows["delta_lo"], rows["delta_hi"])
            labels = [f"{f}  [{a:+.3g}, {b:+.3g}]" for f, (a, b) in zip(rows["factor"], bounds)]
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_xlabel(f"{LABELS[out]} (base {base:.1%})")
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.legend(fontsize=7, loc="best")
    if result.method in GIVEN_METHODS:
        title = (
            f"{result.scenario.name}: outcome by each prior's own draws (cut points in brackets), "
            f"one Monte Carlo of {result.n_runs:,} runs"
        )
    else:
        title = (
            f"{result.scenario.name}: one prior shifted at a time (shift range in brackets), "
            f"{result.n_runs:,} runs per point, common random numbers"
        )
    fig.suptitle(title)
    return fig


def plot_indices(result: Sensitivity, top: int = 20):
    """Morris mu* (with its bootstrap interval), Sobol S1/ST or the given-data S1, per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table
    n = min(top, len(table))
    fig, axes = plt.subplots(1, 2, figsize=(13, max(3.0, 0.32 * n + 1.8)), layout="constrained")
    for ax, out in zip(axes, OUTPUTS):
        key = {
            "morris": f"mu_star.{out}",
            "sobol": f"ST.{out}",
            "delta": f"delta.{out}",
            "pawn": f"pawn.{out}",
        }.get(result.method, f"S1.{out}")
        rows = table.reindex(table[key].sort_values(ascending=False, kind="stable").index).head(n)
        y = np.arange(len(rows))[::-1]
        if result.method == "morris":
            ax.barh(
                y,
                rows[key],
                xerr=rows[f"mu_star_conf.{out}"],
                color="#577590",
                capsize=2,
                label="mu*",
            )
            ax.scatter(rows[f"sigma.{out}"], y, color="#e76f51", zorder=3, s=12, label="sigma")
            ax.set_xlabel(f"Morris mu* of {LABELS[out]} (per unit of factor range)")
        elif result.method in GIVEN_METHODS:
            name = {"delta": "delta", "pawn": "PAWN (median KS)"}.get(result.method, "S1")
            index = key.split(".")[0]
            value = rows[key].to_numpy()
            err = np.vstack(
                [value - rows[f"{index}_lo.{out}"].to_numpy(), rows[f"{index}_hi.{out}"].to_numpy() - value]
            )
            ax.barh(
                y,
                value,
                xerr=np.clip(np.nan_to_num(err), 0, None),
                color={"delta": "#577590", "pawn": "#f4a261"}.get(result.method, "#8ab17d"),
                capsize=2,
                label=f"{name}, 95% bootstrap interval",
            )
            if result.method == "delta":
                ax.axvline(
                    rows[f"delta_null.{out}"].iat[0] if len(rows) else 0,
                    color="black",
                    linestyle=":",
                    linewidth=1,
                    label="expected of a prior that does not matter",
                )
            what = {
                "delta": "delta",
                "pawn": "PAWN index (median KS distance)",
            }.get(result.method, "first-order index S1")
            ax.set_xlabel(f"{what} of {LABELS[out]}")
        else:
            ax.barh(
                y + 0.2,
                rows[f"S1.{out}"],
                height=0.4,
                xerr=rows[f"S1_conf.{out}"],
                color="#8ab17d",
                capsize=2,
                label="S1 (first order)",
            )
            ax.barh(
                y - 0.2,
                rows[f"ST.{out}"],
                height=0.4,
                xerr=rows[f"ST_conf.{out}"],
                color="#577590",
                capsize=2,
                label="ST (total)",
            )
            ax.set_xlabel(f"Sobol indices of {LABELS[out]}")
        ax.set_yticks(y, rows["factor"], fontsize=7)
        ax.legend(fontsize=7, loc="best")
    monte_carlos = max(len(result.points), 1)
    if result.method in GIVEN_METHODS:
        design = f"one Monte Carlo of {result.n_runs:,} runs, each prior's own draws"
    else:
        design = f"{monte_carlos:,} Monte Carlos of {result.n_runs:,} runs"
    fig.suptitle(f"{result.scenario.name}: {result.method} sensitivity ({design})")
    return fig


def write_outputs(
    result: Sensitivity, out_dir: Path, figures: bool, config: dict | None = None
) -> list[Path]:
    import sim
    from analysis._tool import save_figure, write_table
    from sim import atomic

    out_dir = Path(out_dir)
    paths = write_table(result.table, out_dir, "sensitivity")
    if result.by_evidence is not None:
        paths += write_table(result.by_evidence, out_dir, "sensitivity_by_evidence")
    if len(result.points):
        points = out_dir / "points.parquet"
        with atomic.Replacement(points) as partial:
            result.points.to_parquet(partial, index=False)
        paths.append(points)
    meta = {
        "scenario": result.scenario.name,
        "method": result.method,
        "n_runs": result.n_runs,
        "seed": result.seed,
        "version": sim.__version__,
        "monte_carlos": max(len(result.points), 1),
        "base": result.base,
        "settings": result.settings,
        "factors": [
            {
                "path": f.path,
                "dist": f.dist,
                "delta_lo": None if math.isnan(f.low) else f.low,
                "delta_hi": None if math.isnan(f.high) else f.high,
            }
            for f in result.factors
        ],
        "config": config or {},
    }
    atomic.write_json(out_dir / "sensitivity.json", meta)
    paths.append(out_dir / "sensitivity.json")
    if figures:
        paths.append(
            save_figure(plot_tornado(result), out_dir / "figures" / "sensitivity_tornado.png")
        )
        if result.method != "oat":
            paths.append(
                save_figure(
                    plot_indices(result), out_dir / "figures" / f"sensitivity_{result.method}.png"
                )
            )
    return paths


def format_result(result: Sensitivity, out_dir: Path | None = None, top: int = 15) -> str:
    given = result.method in GIVEN_METHODS
    design = (
        f"one Monte Carlo of {result.n_runs:,} runs, each prior's own draws"
        if given
        else f"{len(result.points):,} Monte Carlos of {result.n_runs:,} runs (common random numbers)"
    )
    extra = {
        "morris": "   mu* agr / war",
        "sobol": "   ST agr / war",
        "given_data": "   S1 agr / war",
        "delta": "   delta agr / war",
        "pawn": "   PAWN agr / war",
    }
    header = "factor".ljust(48) + ("bottom | top tenth" if given else "shift range").ljust(22)
    lines = [
        (
            f"negsim-sensitivity | scenario {result.scenario.name} | {result.method} | "
            f"{len(result.factors)} factors | {design} | seed {result.seed}"
        ),
        (
            f"Base: P(agreement) {result.base['agreement']:.1%}, "
            f"{P_WAR_CAPTION} {result.base['war']:.1%}"
        ),
        *([f"Note: {result.settings['note']}"] if "note" in result.settings else []),
        "",
        header + "P(agreement) low..high   P(war) low..high    " + extra.get(result.method, ""),
    ]
    index = {"morris": "mu_star", "sobol": "ST", "given_data": "S1", "delta": "delta", "pawn": "pawn"}.get(
        result.method
    )
    for _, row in result.table.head(top).iterrows():
        if given:
            bounds = f"[<= {row['q10']:.3g} | >= {row['q90']:.3g}]"
        else:
            bounds = f"[{row['delta_lo']:+.3g}, {row['delta_hi']:+.3g}]"
        line = (
            f"{row['factor']:<46}  {bounds}".ljust(70)
            + f"{row['lo.agreement']:6.1%} .. {row['hi.agreement']:6.1%}    "
            + f"{row['lo.war']:6.1%} .. {row['hi.war']:6.1%}"
        )
        if index:
            line += f"   {row[f'{index}.agreement']:.3f} / {row[f'{index}.war']:.3f}"
        lines.append(line)
    if result.by_evidence is not None:
        lines += ["", "Share of variance by evidence type (grouped Sobol, S1 / ST):", "evidence".ljust(14) + "factors   P(agreement)      P(war)"]
        for _, row in result.by_evidence.iterrows():
            lines.append(
                f"{row['evidence']:<14}{int(row['factors']):>7}   {row['S1.agreement']:.3f} / {row['ST.agreement']:.3f}"
                f"   {row['S1.war']:.3f} / {row['ST.war']:.3f}"
            )
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)


# --- the command ---------------------------------------------------------------------------


@dataclass
class SensitivityConf(NegsimConf):
    """``negsim``'s config plus the sensitivity analysis' keys."""

    method: str = "morris"
    factors: list[str] = field(default_factory=list)
    shift: float = 1.0
    fixed_scale: float = 0.1
    trajectories: int = 10
    levels: int = 4
    base_samples: int = 64
    outcomes: str | None = None  # given_data/delta/pawn: an existing run's outcomes.parquet
    resamples: int = 100  # given_data/delta/pawn: bootstrap resamples for the intervals
    slices: int = 10  # pawn: slices of each factor
    top: int = 15


def _parse(cfg, scenario: Scenario) -> list[Factor]:
    if cfg.method not in METHODS:
        raise ConfigError("method", cfg.method, f"use one of {list(METHODS)}")
    for key, minimum in (
        ("trajectories", 2),
        ("levels", 2),
        ("base_samples", 2),
        ("top", 1),
        ("resamples", 0),
        ("slices", 2),
    ):
        if int(cfg[key]) < minimum:
            raise ConfigError(key, cfg[key], f"must be >= {minimum}")
    if not float(cfg.shift) > 0:
        raise ConfigError("shift", cfg.shift, "must be > 0")
    if not float(cfg.fixed_scale) > 0:
        raise ConfigError("fixed_scale", cfg.fixed_scale, "must be > 0")
    if cfg.outcomes is not None:
        if cfg.method not in GIVEN_METHODS:
            raise ConfigError(
                "method", cfg.method, f"outcomes=PATH works with {list(GIVEN_METHODS)} (no shifts)"
            )
        return read_outcomes(cfg.outcomes, list(cfg.factors))[1]
    factors = select_factors(
        scenario,
        list(cfg.factors),
        float(cfg.shift),
        float(cfg.fixed_scale),
        shifts=cfg.method in SHIFT_METHODS,
    )
    if not factors:
        raise ConfigError(
            "factors",
            list(cfg.factors),
            "no factor: every prior of the scenario is fixed; name some with factors=[...]",
        )
    return factors


ONE_FACTOR_NOTE = "{method} needs two or more factors; with one, this is its one-at-a-time sweep (method=oat)"


def method_for(method: str, factors: list[Factor]) -> tuple[str, str | None]:
    """The design to run, and why it differs from ``method`` if it does. With one factor,
    Morris elementary effects and Sobol indices say nothing a sweep does not (Sobol's S1 = ST
    = 1 by construction), so the one-at-a-time sweep of that factor, the tornado, is run."""
    if method in ("morris", "sobol") and len(factors) == 1:
        return "oat", ONE_FACTOR_NOTE.format(method=method.capitalize())
    return method, None


def _validate(cfg, built) -> None:
    _parse(cfg, built[0])


def _task(cfg, out_dir: Path) -> Sensitivity:
    from sim.api import build

    scenario, protocol, engine, mc, container = build(cfg)
    factors = _parse(cfg, scenario)
    if cfg.outcomes is not None:
        frame, factors, run_scenario, seed = read_outcomes(cfg.outcomes, list(cfg.factors))
        result = from_outcomes(
            frame, factors, run_scenario, seed, str(cfg.method), int(cfg.resamples), int(cfg.slices)
        )
        result.settings["outcomes"] = str(Path(cfg.outcomes).expanduser().resolve())
        out_dir.mkdir(parents=True, exist_ok=True)
        write_outputs(result, out_dir, bool(cfg.figures), container)
        if not cfg.quiet:
            print(format_result(result, out_dir, int(cfg.top)))
        return result
    method, note = method_for(str(cfg.method), factors)
    result = analyse(
        scenario,
        container["scenario"],
        protocol,
        engine,
        mc,
        factors,
        method,
        int(cfg.trajectories),
        int(cfg.levels),
        int(cfg.base_samples),
        out_dir=out_dir,
        resamples=int(cfg.resamples),
        slices=int(cfg.slices),
    )
    if note is not None:
        result.settings["note"] = note
    out_dir.mkdir(parents=True, exist_ok=True)
    write_outputs(result, out_dir, bool(cfg.figures), container)
    if not cfg.quiet:
        print(format_result(result, out_dir, int(cfg.top)))
    return result


def main() -> None:
    """Console entry point ``negsim-sensitivity``."""
    from analysis._tool import run_tool

    run_tool("negsim-sensitivity", SensitivityConf, _task, _validate, tag="sensitivity")


if __name__ == "__main__":
    main()
