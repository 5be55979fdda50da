"""Calibration (``negsim-calibrate``): which values of some priors reproduce stated targets?

**Method: history matching** (Craig, Goldstein, Seheult & Smith 1997; Vernon, Goldstein &
Bower 2010), without an emulator. Each calibrated prior is treated as an unknown constant: a
point of a quasi-random design (a scrambled Sobol sequence, :mod:`scipy.stats.qmc`, seeded)
over the priors' allowed ranges fixes each of them at one value, and one Monte Carlo of
``n_runs`` runs gives each target quantity there. Every point uses the same seed: a fixed
prior draws nothing and every other prior keeps its own stream (DESIGN.md, "Randomness and
exactness"), so the points differ only by the calibrated values (common random numbers). A
point's **implausibility** for target ``i`` is

    I_i = |p_i - z_i| / sqrt(s_i**2 + p_i (1 - p_i) / n)

with ``p_i`` the simulated probability, ``z_i`` the target, ``s_i`` the target's standard
deviation (its tolerance, or its interval read as a 95% interval: what the target itself is
uncertain by, observation and model discrepancy together) and ``p_i (1 - p_i) / n`` the Monte
Carlo variance. A point is **accepted** (not ruled out) iff ``max_i I_i <= cutoff``, 3 by
default (Pukelsheim's 1994 three-sigma rule: at least 95% of any unimodal distribution lies
within three standard deviations). For one target whose error is normal, the truth is accepted
with probability ``2 Phi(cutoff) - 1``; for several, at least the product of those (Šidák's
inequality), whatever the correlation of the targets' errors. The recovery test
(``tests/analysis/test_calibrate.py``) checks that rate by simulation-based calibration.

Why this and not ABC: a negsim Monte Carlo of a few thousand runs takes tens of
milliseconds, so a design of a few hundred points is evaluated exactly in seconds (no emulator
needed, and no emulator error to account for); every target is a probability with a known
Monte Carlo variance, which the implausibility uses instead of an arbitrary ABC distance and
tolerance; and the answer, a region that is not ruled out, is what a few targets can support
(ABC's posterior would lean on the prior's shape inside the box, which here is the
modeller's choice of range and nothing more). pyabc is not needed either.

**What the calibrated scenario says.** Each calibrated prior becomes ``uniform`` over the
range of its accepted values (``fixed`` if only one value is accepted), ``evidence:
calibrated``, its ``targets`` recording every target and its source. That is the bounding box
of the accepted region: the joint shape (a ridge, when two priors trade off) is lost, and the
pair plot shows it. Because the design fixes each calibrated prior while the scenario spreads
it, the calibrated scenario is run once more and its fit to each target reported beside the
design's (``check`` columns): the two need not agree, and the report says so.

**What may not be calibrated.** A back-test (``backtest: true``) is tested against what
followed its ``as_of``; every quantity this command reads (P(war), a status, acceptance by an
actor) is an outcome of the talks that it tests, so a target on a back-test is refused
(DESIGN.md, "Evidence"). Calibrated priors must be continuous (an integer prior such as
``escalation.aftermath`` is refused) and have a finite allowed range. All targets are on one
scenario and one protocol (the command's).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.discover import outcome_label, outcome_names
from sim.errors import ConfigError
from sim.montecarlo import MonteCarlo, map_jobs, run_monte_carlo
from sim.parameters import parameter_of
from sim.priors import finite_number
from sim.scenario import Scenario, scenario_from_dict

CUTOFF = 3.0
"""Largest implausibility of an accepted point (Pukelsheim 1994)."""
Z95 = 1.959963984540054  # an interval is read as a central 95% interval: sd = width / (2 Z95)
TARGET_KEYS = {"name", "scenario", "protocol", "quantity", "value", "tolerance", "interval", "source"}
FILE_KEYS = {"scenario", "protocol", "targets", "priors", "description"}


# --- the targets file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One target: ``quantity`` (``war``, a status, ``acceptance.<actor>``) should be
    ``value`` give or take ``sd`` (one standard deviation), according to ``source``."""

    name: str
    quantity: str
    value: float
    sd: float
    source: str
    interval: tuple[float, float] | None = None  # as given, when the target was an interval

    def words(self) -> str:
        given = f"in [{self.interval[0]:g}, {self.interval[1]:g}] (95%)" if self.interval else f"= {self.value:g} ± {self.sd:g} (1 sd)"
        return f"{quantity_label(self.quantity)} {given}; source: {self.source}"


@dataclass(frozen=True)
class CalibratedPrior:
    """A prior to calibrate: its path and the range its value is searched in."""

    path: str
    low: float
    high: float


@dataclass(frozen=True)
class Spec:
    """A targets file, read and checked."""

    path: str
    scenario: str
    protocol: str
    targets: tuple[Target, ...]
    priors: tuple[CalibratedPrior, ...]


def quantity_label(quantity: str) -> str:
    if quantity.startswith("acceptance."):
        return f"P(acceptance by {quantity.removeprefix('acceptance.')})"
    return outcome_label(quantity)


def _probability(value, where: str) -> float:
    value = finite_number(value, where)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(where, value, "a target is a probability: must be in [0, 1]")
    return value


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, value, "must be a non-empty string")
    return value.strip()


def read_targets(path: str | Path) -> Spec:
    """The targets file at ``path`` (docs/analysis.md, "Calibration"), checked: a bad one
    raises a one-line :class:`ConfigError` naming the field (``targets[1].tolerance``).

    Read as a scenario file is (:func:`sim.scenario_file.load`: plain data, bounded size, no
    anchors, no duplicate keys, no ``${...}``)."""
    from sim.scenario_file import ScenarioFileError, load

    try:
        data = load(Path(path).expanduser())
    except ScenarioFileError as error:
        raise ConfigError("targets", str(path), error.reason) from None
    if not isinstance(data, dict):
        raise ConfigError("targets", str(path), "a targets file is a mapping with scenario, protocol, targets and priors")
    unknown = sorted(set(map(str, data)) - FILE_KEYS)
    if unknown:
        raise ConfigError(unknown[0], data[unknown[0]], f"unknown key of a targets file; use {sorted(FILE_KEYS)}")
    scenario, protocol = _text(data, "scenario", "scenario"), _text(data, "protocol", "protocol")
    entries = data.get("targets")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("targets", entries, "must be a non-empty list of targets")
    targets = [_target(entry, f"targets[{i}]", scenario, protocol) for i, entry in enumerate(entries)]
    names = [t.name for t in targets]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(f"targets[{i}].name", name, "two targets have this name; name them apart")
    priors = data.get("priors")
    if not isinstance(priors, dict) or not priors:
        raise ConfigError("priors", priors, "must map each prior to calibrate to its allowed range [low, high]")
    ranges = []
    for key, bounds in priors.items():
        where = f"priors.{key}"
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ConfigError(where, bounds, "must be the allowed range [low, high]")
        low, high = finite_number(bounds[0], where), finite_number(bounds[1], where)
        if not low < high:
            raise ConfigError(where, bounds, "low must be below high")
        ranges.append(CalibratedPrior(str(key).removeprefix("scenario."), low, high))
    return Spec(str(path), scenario, protocol, tuple(targets), tuple(ranges))


def _target(entry, where: str, scenario: str, protocol: str) -> Target:
    if not isinstance(entry, dict):
        raise ConfigError(where, entry, "a target is a mapping with quantity, value and tolerance (or interval), and source")
    unknown = sorted(set(map(str, entry)) - TARGET_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", entry[unknown[0]], f"unknown key of a target; use {sorted(TARGET_KEYS)}")
    for key, expected in (("scenario", scenario), ("protocol", protocol)):
        if key in entry and entry[key] != expected:
            raise ConfigError(f"{where}.{key}", entry[key], f"every target is on the file's {key} ({expected!r}): one {key} per calibration")
    quantity = _text(entry, "quantity", f"{where}.quantity")
    if quantity not in outcome_names() and not quantity.startswith("acceptance."):
        raise ConfigError(f"{where}.quantity", quantity, f"use war, acceptance.<actor> or one of {', '.join(outcome_names()[1:])}")
    source = _text(entry, "source", f"{where}.source")
    has_interval, has_value = "interval" in entry, "value" in entry or "tolerance" in entry
    if has_interval == has_value:
        raise ConfigError(where, entry, "give either value and tolerance, or an interval [low, high]")
    if has_interval:
        bounds = entry["interval"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ConfigError(f"{where}.interval", bounds, "must be [low, high]")
        low, high = (_probability(b, f"{where}.interval") for b in bounds)
        if not low < high:
            raise ConfigError(f"{where}.interval", bounds, "low must be below high")
        value, sd, interval = (low + high) / 2, (high - low) / (2 * Z95), (low, high)
    else:
        value = _probability(entry.get("value"), f"{where}.value")
        sd = finite_number(entry.get("tolerance"), f"{where}.tolerance")
        if not sd > 0:
            raise ConfigError(f"{where}.tolerance", sd, "must be > 0 (one standard deviation of the target)")
        interval = None
    name = str(entry.get("name") or quantity)
    return Target(name, quantity, value, sd, source, interval)


def check_spec(spec: Spec, scenario: Scenario, protocol_name: str) -> None:
    """Refuse what cannot be calibrated against this scenario and protocol (module
    docstring): a back-test, a scenario or protocol other than the file's, an unknown actor,
    an unknown, integer or unbounded prior, a range outside the prior's allowed range."""
    if scenario.name != spec.scenario:
        raise ConfigError("scenario", scenario.name, f"the targets file is on scenario {spec.scenario!r}")
    if protocol_name != spec.protocol:
        raise ConfigError("protocol", protocol_name, f"the targets file is on protocol {spec.protocol!r}")
    if scenario.backtest:
        raise ConfigError(
            "targets[0].quantity", spec.targets[0].quantity,
            f"{scenario.name} is a back-test (backtest: true, as_of {scenario.as_of}): it may not be calibrated on "
            "the outcome it tests (P(war), statuses and acceptances are all outcomes of its talks)",
        )  # fmt: skip
    for i, target in enumerate(spec.targets):
        actor = target.quantity.removeprefix("acceptance.")
        if target.quantity.startswith("acceptance.") and actor not in scenario.actor_names:
            raise ConfigError(f"targets[{i}].quantity", target.quantity, f"no such actor; one of {list(scenario.actor_names)}")
    priors = scenario.priors()
    for prior in spec.priors:
        where = f"priors.{prior.path}"
        if prior.path not in priors:
            raise ConfigError(where, prior.path, "no such prior in the scenario (paths as in scenario.priors())")
        parameter = parameter_of(prior.path)
        if parameter.whole:
            raise ConfigError(where, prior.path, "a whole-number prior cannot be calibrated (the design is continuous)")
        if not parameter.allowed.contains(prior.low, prior.high):
            raise ConfigError(where, [prior.low, prior.high], f"leaves the parameter's allowed range {parameter.allowed}")


# --- one design point ------------------------------------------------------------------------


def fixed_at(data: dict, values: dict[str, float]) -> dict:
    """Scenario data with each prior at ``path`` fixed at its value (its rationale, source
    and evidence kept: a fixed prior draws nothing, so no other stream moves)."""
    data = copy.deepcopy(data)
    for path, value in values.items():
        node, key = _parent(data, path)
        kept = {k: v for k, v in node[key].items() if k in ("rationale", "source", "evidence", "quote", "targets") and v is not None}
        node[key] = {"dist": "fixed", "value": float(value), **kept}
    return data


def _parent(data: dict, path: str) -> tuple[dict, str]:
    """The mapping that holds the prior at dotted ``path``, and its key there."""
    *parents, key = path.split(".")
    for part in parents:
        data = data[part]
    return data, key


def quantity_of(summary: dict, quantity: str) -> dict:
    """``{p, lo, hi, count}`` of a quantity in a Monte Carlo summary: ``war`` is P(war)
    (``p_war``, the highest rung), a status its share, ``acceptance.<actor>`` that actor's."""
    if quantity == "war":
        return summary["p_war"]
    if quantity.startswith("acceptance."):
        return summary["acceptance"][quantity.removeprefix("acceptance.")]
    return summary["status"][quantity.removeprefix("status.")]


def simulate(data: dict, protocol, engine: str, mc: MonteCarlo, quantities: tuple[str, ...]) -> list[dict]:
    """One Monte Carlo of scenario ``data``: each quantity's estimate."""
    summary = run_monte_carlo(scenario_from_dict(data), protocol, engine, mc)
    return [quantity_of(summary, q) for q in quantities]


def implausibility(simulated: np.ndarray, n_runs: int, value: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``|p - z| / sqrt(s**2 + p (1 - p) / n)`` (module docstring), elementwise."""
    simulated = np.asarray(simulated, dtype=float)
    mc_var = simulated * (1.0 - simulated) / n_runs
    return np.abs(simulated - value) / np.sqrt(np.asarray(sd, dtype=float) ** 2 + mc_var)


def accepted(implausibilities: np.ndarray, cutoff: float = CUTOFF) -> np.ndarray:
    """Which points (rows) are not ruled out: the largest implausibility over the targets
    (columns) is at most ``cutoff``."""
    return np.max(np.atleast_2d(implausibilities), axis=1) <= cutoff


def design(priors: tuple[CalibratedPrior, ...], points: int, seed: int) -> np.ndarray:
    """``points`` (a power of 2) points of a scrambled Sobol sequence (seeded) over the
    priors' ranges: (points, priors)."""
    from scipy.stats import qmc

    unit = qmc.Sobol(d=len(priors), scramble=True, seed=seed).random_base2(int(math.log2(points)))
    return qmc.scale(unit, [p.low for p in priors], [p.high for p in priors])


# --- the calibration -------------------------------------------------------------------------


@dataclass
class Calibration:
    """A calibration's results (module docstring)."""

    spec: Spec
    points: pd.DataFrame  # one row per design point: the priors, sim.<t>, I.<t>, I_max, accepted
    fit: pd.DataFrame  # one row per target
    region: pd.DataFrame  # one row per calibrated prior: range searched, accepted range
    settings: dict
    calibrated: dict | None = None  # the calibrated scenario's data (None: nothing accepted)
    prior_ranges: dict = field(default_factory=dict)  # each calibrated prior's support as written

    @property
    def n_accepted(self) -> int:
        return int(self.points["accepted"].sum())


def calibrate(
    spec: Spec,
    data: dict,
    protocol,
    engine: str,
    mc: MonteCarlo,
    points: int = 128,
    cutoff: float = CUTOFF,
    design_seed: int | None = None,
    version: str = "",
) -> Calibration:
    """History matching of ``spec``'s priors to its targets on the scenario ``data`` (plain,
    as composed) under ``protocol`` (module docstring). ``mc.n_runs`` runs from ``mc.seed`` at
    every design point; the design is seeded with ``design_seed`` (default ``mc.seed``)."""
    if points < 2 or points & (points - 1):
        raise ConfigError("points", points, "must be a power of 2 of at least 2 (a Sobol design is balanced at powers of 2)")
    if not cutoff > 0:
        raise ConfigError("cutoff", cutoff, "must be > 0")
    scenario = scenario_from_dict(data)
    check_spec(spec, scenario, protocol.name)
    seed = mc.seed if design_seed is None else design_seed
    matrix = design(spec.priors, points, seed)
    paths = [p.path for p in spec.priors]
    quantities = tuple(t.quantity for t in spec.targets)
    n_jobs = max(1, int(mc.n_jobs))
    single = dataclasses.replace(mc, n_jobs=1, n_threads=1 if n_jobs > 1 else mc.n_threads, save_outcomes=False)
    jobs = ((fixed_at(data, dict(zip(paths, row))), protocol, engine, single, quantities) for row in matrix)
    results = list(map_jobs(simulate, jobs, n_jobs))
    frame = pd.DataFrame(matrix, columns=paths)
    values = np.array([t.value for t in spec.targets])
    sds = np.array([t.sd for t in spec.targets])
    simulated = np.array([[r["p"] for r in row] for row in results]).reshape(len(matrix), len(quantities))
    scores = implausibility(simulated, mc.n_runs, values, sds)
    for j, target in enumerate(spec.targets):
        frame[f"sim.{target.name}"] = simulated[:, j]
        frame[f"I.{target.name}"] = scores[:, j]
    frame["I_max"] = scores.max(axis=1)
    frame["accepted"] = accepted(scores, cutoff)
    priors = scenario.priors()
    region = _region(spec, frame, priors)
    settings = {
        "targets_file": spec.path, "scenario": spec.scenario, "protocol": spec.protocol, "engine": engine,
        "points": points, "n_runs": mc.n_runs, "seed": mc.seed, "design_seed": seed, "cutoff": cutoff,
        "method": "history matching: Sobol design, common random numbers, max implausibility <= cutoff",
        "version": version,
    }  # fmt: skip
    result = Calibration(spec, frame, pd.DataFrame(), region, settings,
                         prior_ranges={p: priors[p].support() for p in paths})  # fmt: skip
    if result.n_accepted:
        result.calibrated = calibrated_data(data, spec, region, settings)
        checks = simulate(result.calibrated, protocol, engine, dataclasses.replace(mc, save_outcomes=False), quantities)
    else:
        checks = None
    result.fit = fit_table(spec, frame, mc.n_runs, checks)
    return result


def _region(spec: Spec, frame: pd.DataFrame, priors: dict) -> pd.DataFrame:
    ok = frame["accepted"].to_numpy()
    rows = []
    for prior in spec.priors:
        values = frame.loc[ok, prior.path]
        low, high = priors[prior.path].support()
        rows.append({
            "prior": prior.path, "written": f"{priors[prior.path].dist} [{low:g}, {high:g}]",
            "search_low": prior.low, "search_high": prior.high,
            "accepted_low": values.min() if len(values) else math.nan,
            "accepted_high": values.max() if len(values) else math.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


def fit_table(spec: Spec, frame: pd.DataFrame, n_runs: int, checks: list[dict] | None) -> pd.DataFrame:
    """Per target: the target, the best point's simulated value and implausibility, the
    range over the accepted points, and (``check_*``) the calibrated scenario's estimate with
    its 95% Wilson interval and implausibility."""
    best = frame["I_max"].idxmin()
    ok = frame["accepted"].to_numpy()
    rows = []
    for j, target in enumerate(spec.targets):
        sim = frame[f"sim.{target.name}"]
        row = {
            "target": target.name, "quantity": target.quantity, "value": target.value, "sd": target.sd,
            "best_sim": sim[best], "best_I": frame.loc[best, f"I.{target.name}"],
            "accepted_sim_low": sim[ok].min() if ok.any() else math.nan,
            "accepted_sim_high": sim[ok].max() if ok.any() else math.nan,
            "check_p": math.nan, "check_lo": math.nan, "check_hi": math.nan, "check_I": math.nan,
            "source": target.source,
        }  # fmt: skip
        if checks is not None:
            check = checks[j]
            row.update(check_p=check["p"], check_lo=check["lo"], check_hi=check["hi"],
                       check_I=float(implausibility(check["p"], n_runs, target.value, target.sd)))  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def calibrated_data(data: dict, spec: Spec, region: pd.DataFrame, settings: dict) -> dict:
    """The scenario ``data`` renamed ``calibrated_<name>``, each calibrated prior uniform over
    its accepted range (fixed where one value is accepted), ``evidence: calibrated``, its
    ``targets`` recording every target and source and the run that fitted it."""
    data = _without_none(copy.deepcopy(data))
    data["name"] = f"calibrated_{spec.scenario}"
    data["title"] = f"{data.get('title', spec.scenario)} (calibrated)"
    targets = "; ".join(f"{t.name}: {t.words()}" for t in spec.targets)
    how = (
        f"negsim-calibrate {settings['version']}: history matching on {spec.scenario}/{spec.protocol}, "
        f"{settings['points']} Sobol points (seed {settings['design_seed']}) x {settings['n_runs']} runs (seed "
        f"{settings['seed']}), max implausibility <= {settings['cutoff']:g}"
    )
    for row in region.itertuples():
        node, key = _parent(data, row.prior)
        old = node[key]
        shape = {"dist": "fixed", "value": float(row.accepted_low)} if row.accepted_low == row.accepted_high else \
            {"dist": "uniform", "low": float(row.accepted_low), "high": float(row.accepted_high)}
        node[key] = {
            **shape,
            "rationale": f"Calibrated: the range of the accepted values, searched over [{row.search_low:g}, "
            f"{row.search_high:g}]; was {row.written} ({old.get('evidence')}): {old.get('rationale', '')}",
            "source": old.get("source", ""),
            "evidence": "calibrated",
            "targets": f"{targets}. Fitted by {how}.",
        }  # fmt: skip
    return data


def _without_none(node):
    """The composed scenario without its schema's unset (None) fields, as a file writes it."""
    if isinstance(node, dict):
        return {k: _without_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_none(v) for v in node]
    return node


def truth_implausibility(
    spec: Spec, data: dict, protocol, engine: str, mc: MonteCarlo, truth: dict[str, float]
) -> np.ndarray:
    """The implausibility of each target at the values ``truth`` (not a design point), with
    the calibration's seed and runs: the accepted region holds ``truth`` iff its maximum is at
    most the cutoff. The recovery check (simulation-based calibration) asks this."""
    results = simulate(fixed_at(data, truth), protocol, engine, dataclasses.replace(mc, save_outcomes=False),
                       tuple(t.quantity for t in spec.targets))  # fmt: skip
    values = np.array([t.value for t in spec.targets])
    return implausibility(np.array([r["p"] for r in results]), mc.n_runs, values, np.array([t.sd for t in spec.targets]))

