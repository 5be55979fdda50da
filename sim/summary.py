"""Streaming summary of a Monte Carlo: counts per chunk, estimates with Wilson intervals.

Only counts are kept, so memory does not grow with the number of runs and the summary of a
run whose outcomes table was not saved (``mc.save_outcomes=false``) is still exact.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import RUNG_NAMES, STATUS_NAMES, Rung
from sim.engines.outcomes import Outcomes
from sim.scenario import Scenario

Z95 = 1.959963984540054
"""The 97.5% quantile of N(0, 1) (``scipy.stats.norm.ppf(0.975)``, a test checks it), written
out so that a run need not import scipy.stats (half a second at the prompt)."""
UTILITY_GRID = 2.0**32
"""Utilities are summed as integers on this grid (resolution 2.3e-10): exact, so the mean
does not depend on how runs are split into chunks, as a float sum would."""


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927; Brown, Cai & DasGupta
    2001 recommend it over the Wald interval, which fails near 0 and 1)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def estimate(successes: int, n: int) -> dict[str, float]:
    lo, hi = wilson_interval(successes, n)
    return {"p": successes / n if n else 0.0, "lo": lo, "hi": hi, "count": int(successes)}


WAR_RUNG = Rung.FULL_SCALE_INVASION
P_WAR_CAPTION = "P(war): highest rung ≥ full-scale invasion"
"""How every command labels P(war); the share of the status ``war`` is "status war"."""


def is_war(highest_rung) -> np.ndarray:
    """Which runs count as war: those whose highest rung is at least full-scale invasion
    (3), whatever their status (DESIGN.md, "Statuses": under ``continue_after_invasion``
    that includes agreements and failed ratifications after an invasion)."""
    return np.asarray(highest_rung) >= WAR_RUNG


def p_war(highest_rung, runs=None) -> dict[str, float]:
    """P(war) with its 95% Wilson interval, ``{count, p, lo, hi}``: the one computation of
    P(war) that every command reads (``summary.json``'s ``p_war``).

    ``highest_rung`` is a column of runs' highest rungs; or, with ``runs``, a list of rungs
    and ``runs[j]`` the number of runs whose highest rung is ``highest_rung[j]`` (a
    histogram: ``p_war(range(5), counts)``)."""
    rungs = np.asarray(highest_rung)
    weights = np.ones(rungs.shape, dtype=np.int64) if runs is None else np.asarray(runs, dtype=np.int64)
    return estimate(int(weights[is_war(rungs)].sum()), int(weights.sum()))


class SummaryAccumulator:
    """Adds up the outcomes of chunks in any order; ``result()`` gives the summary dict."""

    def __init__(self, scenario: Scenario, max_rounds: int) -> None:
        self.scenario = scenario
        self.n = 0
        self.status = np.zeros(len(STATUS_NAMES), dtype=np.int64)
        self.rung = np.zeros(len(RUNG_NAMES), dtype=np.int64)
        self.rounds = np.zeros(max_rounds + 1, dtype=np.int64)
        n_actors = len(scenario.actors)
        self.accepted = np.zeros(n_actors, dtype=np.int64)
        self.blocker = np.zeros(n_actors + 1, dtype=np.int64)  # last slot: no blocker
        self.utility_sum = [0] * n_actors  # integers on UTILITY_GRID
        # runs per (package number, status): the final-package table without sorting
        self.package_status = np.zeros((len(scenario.packages), len(STATUS_NAMES)), dtype=np.int64)

    def add(self, outcomes: Outcomes) -> None:
        self.n += outcomes.n
        self.status += np.bincount(outcomes.status, minlength=len(self.status))
        self.rung += np.bincount(outcomes.highest_rung, minlength=len(self.rung))
        self.rounds += np.bincount(outcomes.rounds, minlength=len(self.rounds))
        self.accepted += outcomes.accepted.sum(axis=0)
        self.blocker += np.bincount(np.where(outcomes.blocker < 0, len(self.blocker) - 1, outcomes.blocker), minlength=len(self.blocker))
        on_grid = np.rint(outcomes.utility * UTILITY_GRID).astype(np.int64).sum(axis=0)
        self.utility_sum = [total + int(part) for total, part in zip(self.utility_sum, on_grid)]
        numbers = outcomes.package.astype(np.int64) @ self.scenario.strides
        n_status = len(STATUS_NAMES)
        cells = np.bincount(numbers * n_status + outcomes.status, minlength=self.package_status.size)
        self.package_status += cells.reshape(self.package_status.shape)

    def result(self, top: int = 10) -> dict:
        n, scenario = self.n, self.scenario
        rounds = np.arange(len(self.rounds))
        per_package = self.package_status.sum(axis=1)
        return {
            "n_runs": int(n),
            "status": {name: estimate(int(c), n) for name, c in zip(STATUS_NAMES, self.status)},
            "p_war": p_war(np.arange(len(self.rung)), self.rung),
            "acceptance": {name: estimate(int(c), n) for name, c in zip(scenario.actor_names, self.accepted)},
            "blocker": {name: estimate(int(c), n) for name, c in zip((*scenario.actor_names, "none"), self.blocker)},
            "highest_rung": {name: estimate(int(c), n) for name, c in zip(RUNG_NAMES, self.rung)},
            "rounds": {
                "mean": float((rounds * self.rounds).sum() / n) if n else 0.0,
                "histogram": {str(r): int(c) for r, c in zip(rounds[1:], self.rounds[1:])},
            },
            "mean_utility": {
                name: total / UTILITY_GRID / n if n else 0.0 for name, total in zip(scenario.actor_names, self.utility_sum)
            },
            "top_packages": [
                {
                    "package": scenario.describe_package(scenario.packages[number]),
                    **estimate(int(per_package[number]), n),
                    "status": {s: int(c) for s, c in zip(STATUS_NAMES, self.package_status[number]) if c},
                }
                for number in np.lexsort((np.arange(len(per_package)), -per_package))[:top]
                if per_package[number] > 0
            ],
        }
