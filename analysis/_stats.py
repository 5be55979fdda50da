"""Small statistics shared by the analysis commands: exact sums, paired comparisons."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.summary import Z95, wilson_interval

GRID = 2.0**32
"""Sums of utilities are taken as integers on this grid (as in sim.summary), so that a mean
does not depend on how the runs were split into blocks."""


def grid_sum(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Exact (integer) sum of ``values * GRID`` along ``axis``: inside int64 while
    n * max|value| < 2**31 (utilities and their squares, reservations, payoffs)."""
    return np.rint(values * GRID).astype(np.int64).sum(axis=axis)


def wilson_arrays(successes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise 95% Wilson intervals (sim.summary.wilson_interval) of an array of counts."""
    flat = np.asarray(successes).ravel()
    bounds = np.array([wilson_interval(int(c), n) for c in flat]).reshape(*np.shape(successes), 2)
    return bounds[..., 0], bounds[..., 1]


def mean_interval(
    total: np.ndarray, total_sq: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard deviation and 95% normal interval of the mean, from grid sums of the
    values and of their squares."""
    mean = total / GRID / n
    second = total_sq / GRID / n
    var = np.maximum(second - mean * mean, 0.0) * (n / (n - 1) if n > 1 else 0.0)
    sd = np.sqrt(var)
    half = Z95 * sd / math.sqrt(n) if n else np.inf
    return mean, sd, mean - half, mean + half


def paired_binary(gain: np.ndarray, loss: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Paired comparison of two binary outcomes on the same runs (common random numbers).

    ``gain`` counts runs where the outcome is 1 for B and 0 for A, ``loss`` the reverse; the
    difference P(B) - P(A) is ``(gain - loss) / n`` and its 95% interval is the Wald interval
    of the mean of the per-run differences (values -1, 0, 1). ``p_value`` is McNemar's exact
    test (binomial on the discordant runs), which stays valid when they are few.
    """
    gain = np.asarray(gain, dtype=np.float64)
    loss = np.asarray(loss, dtype=np.float64)
    diff = (gain - loss) / n
    var = np.maximum((gain + loss) / n - diff * diff, 0.0) / max(n - 1, 1)
    half = Z95 * np.sqrt(var)
    p_value = np.array(
        [
            1.0 if g + l_ == 0 else stats.binomtest(int(g), int(g + l_), 0.5).pvalue
            for g, l_ in zip(gain.ravel(), loss.ravel())
        ]
    ).reshape(np.shape(gain))
    return {"diff": diff, "lo": diff - half, "hi": diff + half, "p_value": p_value}


def paired_mean(total: int, total_sq: int, n: int) -> dict[str, float]:
    """Paired comparison of a real outcome: the mean per-run difference, from the grid sums
    (``grid_sum``) of the differences and of their squares, with its 95% normal interval and
    the two-sided z-test p-value."""
    diff = total / GRID / n
    var = max(total_sq / GRID / n - diff * diff, 0.0) * (n / (n - 1) if n > 1 else 0.0)
    se = math.sqrt(var / n)
    if se == 0.0:
        p_value = 1.0 if diff == 0.0 else 0.0
    else:
        p_value = float(2 * stats.norm.sf(abs(diff) / se))
    return {"diff": diff, "lo": diff - Z95 * se, "hi": diff + Z95 * se, "p_value": p_value}
