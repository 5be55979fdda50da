"""Bargaining solutions over a scenario's packages (DESIGN.md, "Bargaining solutions (explorer)").

Computation only (the explorer, :mod:`analysis.explorer`, words and draws it). In one draw of
the priors (or at the mean, as one "draw" of mean utilities):

- the disagreement point is every actor's reservation ``r_a`` at the starting rung;
- a package is **individually rational** (IR) iff every actor of the scenario (not only those
  whose yes it needs) has ``U_a >= r_a`` and it crosses none of the held red lines. Whether a
  red line holds and which packages cross it are the core's
  (:func:`sim.core.decisions.red_lines_held`, :func:`sim.core.decisions.crossings_table`);
- **Pareto optimal**: IR, and no other IR package is at least as good for every actor and
  better for one (equal packages are all kept);
- the solutions, among the Pareto-optimal IR packages (as NegMAS takes them): ``nash``
  ``argmax prod_a (U_a - r_a)``; ``utilitarian`` ``argmax sum_a U_a``; ``egalitarian``
  ``argmax min_a (U_a - r_a)`` (NegMAS calls it "kalai"); ``kalai_smorodinsky``
  ``argmax min_a (U_a - r_a) / (I_a - r_a)``, ``I_a`` the best IR utility of ``a`` (ratio 1
  where ``I_a = r_a``). NegMAS's own Kalai-Smorodinsky point takes its ideal point over all
  outcomes, not the IR ones, and may differ. Ties go to the lowest package number; a draw
  whose IR set is empty has no solution (-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.core.decisions import crossings_table, red_lines_held

SOLUTIONS = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")
NONE = -1
"""A draw's solution when its IR set is empty."""


def held_red_lines(u_red_line: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """(draws, actors, items) bool: which red lines bind in each draw (the core's rule,
    ``u < hold``; an item without a red line never binds: its uniform is 1)."""
    return red_lines_held(u_red_line, hold)


def crossings(held: np.ndarray, red_line_levels: np.ndarray, packages: np.ndarray) -> np.ndarray:
    """(draws, actors, packages) bool: whether a package crosses one of an actor's held red
    lines in a draw (:func:`sim.core.decisions.crossings_table`, once per distinct pattern
    of held red lines: there are at most 2^(red lines) of them)."""
    held = np.asarray(held, dtype=bool)
    n, n_actors = held.shape[0], held.shape[1]
    out = np.zeros((n, n_actors, packages.shape[0]), dtype=bool)
    if not held.any():
        return out
    patterns, which = np.unique(held.reshape(n, -1), axis=0, return_inverse=True)
    for j, pattern in enumerate(patterns):
        table = np.empty((n_actors, packages.shape[0]), dtype=np.bool_)
        crossings_table(pattern.reshape(held.shape[1:]), red_line_levels, packages, table)
        out[np.asarray(which).ravel() == j] = table
    return out


def individually_rational(utilities: np.ndarray, reservations: np.ndarray, crosses: np.ndarray) -> np.ndarray:
    """(draws, packages) bool: every actor has ``U_a >= r_a`` and no held red line is crossed.
    ``utilities`` (draws, actors, packages), ``reservations`` (draws, actors), ``crosses``
    like ``utilities``."""
    return (utilities >= reservations[:, :, None]).all(axis=1) & ~crosses.any(axis=1)


@njit(cache=True, nogil=True)
def _pareto(utilities, ir, out):
    n, n_actors, n_packages = utilities.shape
    for k in range(n):
        for p in range(n_packages):
            out[k, p] = False
            if not ir[k, p]:
                continue
            dominated = False
            for q in range(n_packages):
                if q == p or not ir[k, q]:
                    continue
                at_least, better = True, False
                for a in range(n_actors):
                    if utilities[k, a, q] < utilities[k, a, p]:
                        at_least = False
                        break
                    if utilities[k, a, q] > utilities[k, a, p]:
                        better = True
                if at_least and better:
                    dominated = True
                    break
            out[k, p] = not dominated
    return out


def pareto_optimal(utilities: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """(draws, packages) bool: IR, and no other IR package of the draw is at least as good
    for every actor and better for one."""
    utilities = np.ascontiguousarray(utilities, dtype=np.float64)
    return _pareto(utilities, np.ascontiguousarray(ir, dtype=np.bool_), np.empty(ir.shape, dtype=np.bool_))


@dataclass
class Solved:
    """One set of draws solved: ``ir`` and ``pareto`` (draws, packages) bool, ``solutions``
    name -> (draws,) package number (:data:`NONE` where the IR set is empty), ``ideal``
    (draws, actors) the best IR utility of each actor (NaN where the IR set is empty)."""

    ir: np.ndarray
    pareto: np.ndarray
    solutions: dict[str, np.ndarray]
    ideal: np.ndarray

    @property
    def empty(self) -> np.ndarray:
        """(draws,) bool: draws whose IR set is empty."""
        return ~self.ir.any(axis=1)


def _argmax(criterion: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per draw, the lowest package number with the largest criterion among ``allowed``
    (:data:`NONE` where nothing is allowed)."""
    masked = np.where(allowed, criterion, -np.inf)
    best = np.argmax(masked, axis=1)  # the first maximum: the lowest package number
    return np.where(allowed.any(axis=1), best, NONE)


def solve(utilities: np.ndarray, reservations: np.ndarray, crosses: np.ndarray) -> Solved:
    """The IR and Pareto sets and the four solutions of every draw (module docstring).

    ``utilities`` (draws, actors, packages); ``reservations`` (draws, actors), the
    disagreement point; ``crosses`` (draws, actors, packages), the held red lines' crossings.
    """
    utilities = np.asarray(utilities, dtype=np.float64)
    reservations = np.asarray(reservations, dtype=np.float64)
    ir = individually_rational(utilities, reservations, np.asarray(crosses, dtype=bool))
    pareto = pareto_optimal(utilities, ir)
    surplus = utilities - reservations[:, :, None]  # (draws, actors, packages)
    with np.errstate(invalid="ignore"):
        ideal = np.where(ir[:, None, :], utilities, -np.inf).max(axis=2)  # (draws, actors)
    ideal = np.where(ir.any(axis=1)[:, None], ideal, np.nan)
    span = (ideal - reservations)[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(span > 0, surplus / np.where(span > 0, span, 1.0), 1.0)
    product = np.ones(ir.shape)
    total = np.zeros(ir.shape)
    for a in range(utilities.shape[1]):  # actor order, left to right
        product = product * surplus[:, a]
        total = total + utilities[:, a]
    criteria = {
        "nash": product,
        "kalai_smorodinsky": ratio.min(axis=1),
        "egalitarian": surplus.min(axis=1),
        "utilitarian": total,
    }
    solutions = {name: _argmax(criteria[name], pareto) for name in SOLUTIONS}
    return Solved(ir=ir, pareto=pareto, solutions=solutions, ideal=ideal)


class SolutionCounts:
    """Counts over draws, added block by block (exact, so independent of the block size):
    draws with an empty IR set, and per package the draws in which it is IR, Pareto optimal
    and each solution."""

    def __init__(self, n_packages: int) -> None:
        self.n = 0
        self.empty = 0
        self.ir = np.zeros(n_packages, dtype=np.int64)
        self.pareto = np.zeros(n_packages, dtype=np.int64)
        self.solutions = {name: np.zeros(n_packages, dtype=np.int64) for name in SOLUTIONS}

    def add(self, solved: Solved) -> None:
        self.n += solved.ir.shape[0]
        self.empty += int(solved.empty.sum())
        self.ir += solved.ir.sum(axis=0)
        self.pareto += solved.pareto.sum(axis=0)
        for name, chosen in solved.solutions.items():
            found = chosen[chosen != NONE]
            self.solutions[name] += np.bincount(found, minlength=len(self.ir))


def solve_at_mean(
    mean_utilities: np.ndarray,
    mean_reservations: np.ndarray,
    mean_hold: np.ndarray,
    red_line_levels: np.ndarray,
    packages: np.ndarray,
) -> tuple[Solved, np.ndarray]:
    """The solutions at the mean: each package's mean utility (actors, packages), the mean
    reservation (actors,), and a red line held iff its mean ``hold`` (actors, items) is at
    least 1/2. Returns the one-draw :class:`Solved` and the held red lines (actors, items)."""
    held = np.asarray(mean_hold) >= 0.5
    crosses = np.empty((held.shape[0], packages.shape[0]), dtype=np.bool_)
    crossings_table(held, red_line_levels, packages, crosses)
    solved = solve(np.asarray(mean_utilities)[None], np.asarray(mean_reservations)[None], crosses[None])
    return solved, held
