"""Summary statistics: Wilson intervals and the streaming accumulator."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.core.enums import RUNG_NAMES, STATUS_NAMES
from sim.engines.outcomes import Outcomes
from sim.summary import Z95, SummaryAccumulator, estimate, is_war, p_war, wilson_interval

# z = 1.959964, z^2 = 3.841459. Wilson: (s + z^2/2 -/+ z sqrt(s (n - s)/n + z^2/4)) / (n + z^2)


def test_z95_is_the_normal_quantile():
    """The default z is the 97.5% quantile of N(0, 1), to the last bit of scipy's."""
    from scipy import stats

    assert Z95 == float(stats.norm.ppf(0.975))


def test_wilson_5_of_10():
    """5/10: (5 + 1.920729 -/+ 1.959964 * sqrt(2.5 + 0.960365)) / 13.841459
    = (6.920729 -/+ 1.959964 * 1.860206) / 13.841459 = (6.920729 -/+ 3.645935) / 13.841459."""
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.236593, abs=1e-6)
    assert hi == pytest.approx(0.763407, abs=1e-6)
    assert lo + hi == pytest.approx(1.0, abs=1e-15)  # symmetric about 1/2


def test_wilson_0_of_10():
    """0/10: (1.920729 -/+ 1.959964 * sqrt(0.960365)) / 13.841459
    = (1.920729 -/+ 1.920729) / 13.841459."""
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.277533, abs=1e-6)  # = z^2 / (n + z^2)


def test_wilson_10_of_10():
    """10/10: (11.920729 -/+ 1.920729) / 13.841459: the mirror image of 0/10."""
    lo, hi = wilson_interval(10, 10)
    assert lo == pytest.approx(0.722467, abs=1e-6)  # = n / (n + z^2)
    assert hi == 1.0


def test_wilson_other_z():
    """z = 1: 1/4 -> (1 + 0.5 -/+ sqrt(0.75 + 0.25)) / 5 = (0.1, 0.5) exactly."""
    lo, hi = wilson_interval(1, 4, z=1.0)
    assert lo == pytest.approx(0.1, abs=1e-15)
    assert hi == pytest.approx(0.5, abs=1e-15)


def test_wilson_without_runs():
    """No runs: the interval is all of [0, 1]."""
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("n", [1, 7, 100, 20_000])
def test_wilson_contains_the_estimate(n):
    """Every interval contains the point estimate and stays in [0, 1]."""
    for s in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        lo, hi = wilson_interval(s, n)
        assert 0.0 <= lo <= s / n <= hi <= 1.0


def test_estimate():
    """estimate() reports p, the interval and the count."""
    e = estimate(5, 10)
    assert e["p"] == 0.5 and e["count"] == 5
    assert (e["lo"], e["hi"]) == wilson_interval(5, 10)


def synthetic_outcomes(n: int, n_items: int, n_actors: int, seed: int = 0) -> Outcomes:
    rng = np.random.default_rng(seed)
    out = Outcomes.empty(0, n, n_items, n_actors)
    out.status[:] = rng.integers(0, len(STATUS_NAMES), n)
    out.rounds[:] = rng.integers(1, 13, n)
    out.highest_rung[:] = rng.integers(1, 5, n)
    out.package[:] = rng.integers(0, 2, (n, n_items))
    out.utility[:] = rng.integers(-64, 65, (n, n_actors)) / 64.0  # dyadic: sums are exact
    out.accepted[:] = rng.random((n, n_actors)) < 0.4
    out.blocker[:] = rng.integers(-1, n_actors, n)
    return out


def piece(out: Outcomes, lo: int, hi: int) -> Outcomes:
    """Runs ``lo .. hi-1`` of ``out`` (every per-run array sliced)."""
    fields = [f.name for f in dataclasses.fields(Outcomes) if f.name != "start"]
    return Outcomes(start=out.start + lo, **{name: getattr(out, name)[lo:hi] for name in fields})


def test_accumulator_counts(small_scenario):
    """Counts of statuses, blockers and acceptances are what the outcomes say."""
    out = synthetic_outcomes(1000, 3, 4)
    acc = SummaryAccumulator(small_scenario, max_rounds=12)
    acc.add(out)
    result = acc.result()
    assert result["n_runs"] == 1000
    for code, name in enumerate(STATUS_NAMES):
        assert result["status"][name]["count"] == int((out.status == code).sum())
    assert sum(e["count"] for e in result["status"].values()) == 1000
    assert result["blocker"]["none"]["count"] == int((out.blocker == -1).sum())
    assert result["blocker"]["russia"]["count"] == int((out.blocker == 1).sum())
    assert result["acceptance"]["ukraine"]["count"] == int(out.accepted[:, 2].sum())
    assert result["mean_utility"]["us"] == out.utility[:, 0].sum() / 1000
    assert result["rounds"]["mean"] == out.rounds.astype(float).mean()
    assert sum(result["rounds"]["histogram"].values()) == 1000
    top = result["top_packages"]
    assert len(top) == 8  # 2^3 packages, all present
    assert top[0]["count"] >= top[-1]["count"]
    assert sum(p["count"] for p in top) == 1000
    assert sum(sum(p["status"].values()) for p in top) == 1000


@pytest.mark.parametrize("cuts", [[0, 1, 2, 500, 999, 1000], [0, 333, 666, 1000], [0, 1000]])
def test_accumulator_in_pieces_equals_at_once(small_scenario, cuts):
    """Adding the outcomes chunk by chunk (in any order) gives the same summary as all at once."""
    out = synthetic_outcomes(1000, 3, 4, seed=1)
    whole = SummaryAccumulator(small_scenario, max_rounds=12)
    whole.add(out)
    pieces = SummaryAccumulator(small_scenario, max_rounds=12)
    bounds = list(zip(cuts[:-1], cuts[1:]))
    for lo, hi in reversed(bounds):
        pieces.add(piece(out, lo, hi))
    assert pieces.result(top=5) == whole.result(top=5)


def test_accumulator_mean_utility_does_not_depend_on_chunking(small_scenario):
    """The mean utility is bit-identical whether the outcomes arrive in one chunk or many."""
    out = synthetic_outcomes(1000, 3, 4, seed=2)
    out.utility[:] = np.random.default_rng(3).uniform(-1, 1, out.utility.shape)  # not dyadic
    whole = SummaryAccumulator(small_scenario, max_rounds=12)
    whole.add(out)
    pieces = SummaryAccumulator(small_scenario, max_rounds=12)
    for lo in range(0, 1000, 7):
        pieces.add(piece(out, lo, min(lo + 7, 1000)))
    assert pieces.result()["mean_utility"] == whole.result()["mean_utility"]
    # Utilities are summed exactly on a 2^-32 grid, so the mean is within half a grid step.
    assert abs(whole.result()["mean_utility"]["us"] - math.fsum(out.utility[:, 0]) / 1000) <= 2.0**-33


def test_p_war_is_the_highest_rung_whatever_the_status(small_scenario):
    """DESIGN.md "Statuses": P(war) is the share of runs whose highest rung is at least
    full-scale invasion (3). Hand-made runs where status and rung disagree: an agreement and a
    failed ratification at rung 3 (``continue_after_invasion``) are war; nothing below 3 is.
    Rungs 3, 3, 3, 4, 2, 1, 3 -> 5 of 7 runs at war; the statuses war and nato_russia_war
    are only 2."""
    status = ["agreement", "ratification_failed", "war", "nato_russia_war", "limited_escalation", "stalemate", "agreement"]
    rungs = [3, 3, 3, 4, 2, 1, 3]
    out = synthetic_outcomes(7, 3, 4)
    out.status[:] = [STATUS_NAMES.index(s) for s in status]
    out.highest_rung[:] = rungs
    assert is_war(out.highest_rung).tolist() == [True, True, True, True, False, False, True]
    acc = SummaryAccumulator(small_scenario, max_rounds=12)
    acc.add(out)
    result = acc.result()
    assert result["p_war"] == p_war(out.highest_rung) == estimate(5, 7)
    assert result["status"]["war"]["count"] + result["status"]["nato_russia_war"]["count"] == 2
    # from a histogram by rung (how a summary without the column is read)
    counts = [result["highest_rung"][name]["count"] for name in RUNG_NAMES]
    assert p_war(range(len(RUNG_NAMES)), counts) == result["p_war"]


@pytest.mark.parametrize("cuts", [[0, 1, 500, 1000], [0, 999, 1000]])
def test_p_war_does_not_depend_on_chunking(small_scenario, cuts):
    out = synthetic_outcomes(1000, 3, 4, seed=5)
    pieces = SummaryAccumulator(small_scenario, max_rounds=12)
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        pieces.add(piece(out, lo, hi))
    assert pieces.result()["p_war"] == p_war(out.highest_rung)
    assert pieces.result()["p_war"]["count"] == int((out.highest_rung >= 3).sum())
