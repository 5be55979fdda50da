"""Bargaining solutions (DESIGN.md, "Bargaining solutions (explorer)"), against hand-computed
answers: :mod:`analysis.bargaining` on hand-made draws, and the explorer on the small
scenario of tests/conftest.py.

Explorer cases: the small scenario as in test_explorer.py (reservations us -1/4, russia 0,
ukraine -1/4, allies -1; the allies value b1 at 1/2; Senate bias -1/8), all priors fixed, so
every draw is the same. Packages are numbered 4a + 2b + g; their utilities (us, russia,
ukraine, allies), with g = 0 (g = 1 costs Ukraine 1/2 and is never individually rational):

    #0 (0, 0, 0, 0)   #2 (-1/8, 1/8, 0, 1/8)   #4 (-1/16, 1/8, 0, 0)   #6 (-3/16, 1/4, 0, 1/8)
    #8 (-1/4, 1/4, 0, 0)   #10 (-3/8, 3/8, 0, 1/8)

1. US reservation -1/8 (the unrestricted utilitarian package is irrational). Sums of U over
   all packages: #6 is the largest (3/16), but the US gets -3/16 < -1/8 there. IR: 0 2 4 (the
   US needs U >= -1/8; Ukraine g = 0). Pareto among them: all three (0 vs 4: the US prefers 0,
   Russia 4; 4 vs 2: the US prefers 4, the allies 2). d = (-1/8, 0, -1/4, -1); surpluses
   #0 (1/8, 0, 1/4, 1), #2 (0, 1/8, 1/4, 9/8), #4 (1/16, 1/8, 1/4, 1).
   Utilitarian: sums 0, 1/8, 1/16 -> #2. Nash: products 0, 0, 1/512 -> #4. Egalitarian:
   smallest surplus 0, 0, 1/16 -> #4. Kalai-Smorodinsky: I = (0, 1/8, 0, 1/8), I - d = (1/8,
   1/8, 1/4, 9/8); ratios #0 (1, 0, 1, 8/9), #2 (0, 1, 1, 1), #4 (1/2, 1, 1, 8/9) -> #4.
2. Russia reservation 1 (above every utility, at most 5/8): the IR set is empty in every
   draw; no solution at the mean, none in any draw.
3. Ukraine reservation 0 (I_a = r_a). IR: 0 2 4 6 8, Pareto 0 2 4 6 (as in test_explorer.py).
   Ukraine's utility is 0 in every IR package, so I_ukraine = r_ukraine = 0 and its ratio is
   1 (not 0/0). Kalai-Smorodinsky: I - d = (1/4, 1/4, -, 9/8); ratios #0 (1, 0, 1, 8/9), #2
   (1/2, 1/2, 1, 1), #4 (3/4, 1/2, 1, 8/9), #6 (1/4, 1, 1, 1) -> tie of 2 and 4 at 1/2 -> #2
   (with 0/0 = NaN or 0 every package would tie, and #0 would be chosen). Nash and
   egalitarian: Ukraine's surplus is 0 in every IR package, every product and every smallest
   surplus is 0 -> the lowest Pareto package, #0. Utilitarian: #6.
4. A US red line on alpha = a1 (hold fixed 1): packages 4 5 6 7 cross it. IR: 0 2 8, all
   Pareto (2 vs 8: the US prefers 2, Russia 8). Surpluses #0 (1/4, 0, 1/4, 1), #2 (1/8, 1/8,
   1/4, 9/8), #8 (0, 1/4, 1/4, 1): every solution is #2 (Nash 9/2048 against 0, sums 0, 1/8,
   0, smallest surplus 0, 1/8, 0, KS ratios' minimum 0, 1/2, 0). Without the red line: Nash
   #4, utilitarian #6 (test_explorer.py).
5. Two draws (seed 1): the same red line with hold fixed 1/2. Run 0's uniform is 0.247 (the
   red line binds: case 4's answers), run 1's 0.546 (it does not: test_explorer.py's answers,
   Nash #4, Kalai-Smorodinsky and egalitarian #2, utilitarian #6). At the mean the hold is
   1/2 >= 1/2: held, so the solutions at the mean are case 4's.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from analysis.bargaining import (
    NONE,
    SOLUTIONS,
    SolutionCounts,
    crossings,
    held_red_lines,
    solve,
    solve_at_mean,
)
from analysis.explorer import explore, format_exploration
from sim.core.decisions import crossings_table
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.sampling import draw


@pytest.fixture
def small(scenario_dict, fixed_prior, build_scenario):
    """``small(reservations={...}, red_line_hold=None)``: the explorer's small case, changed."""

    def make(reservations=None, red_line_hold=None):
        data = scenario_dict
        r = {"us": -0.25, "russia": 0.0, "ukraine": -0.25, "nato_allies": -1.0} | (reservations or {})
        for actor, value in r.items():
            data["actors"][actor]["reservation"] = fixed_prior(value)
        data["actors"]["nato_allies"]["values"]["beta"]["b1"] = fixed_prior(0.5)
        data["actors"]["us"]["ratifier"]["bias"] = fixed_prior(-0.125)
        if red_line_hold is not None:
            data["actors"]["us"]["red_lines"] = {"alpha": {"levels": ["a1"], "hold": fixed_prior(red_line_hold)}}
        return build_scenario(data)

    return make


def _set(frame, column) -> set[int]:
    return set(frame.index[frame[column].astype(bool)])


def _shares(frame, name) -> dict[int, float]:
    column = frame[f"p_solution.{name}"]
    return {int(p): float(v) for p, v in column.items() if v > 0}


def test_unrestricted_utilitarian_package_is_irrational(small):
    exploration = explore(small({"us": -0.125}), Protocol(), seed=3, n_runs=16)
    frame = exploration.packages
    actors = ("us", "russia", "ukraine", "nato_allies")
    total = frame[[f"eu.{a}" for a in actors]].sum(axis=1)
    assert int(total.idxmax()) == 6 and total[6] == 3 / 16  # over all packages: #6
    assert frame.loc[6, "eu.us"] == -3 / 16 < exploration.disagreement["us"] == -1 / 8  # ... which the US refuses
    assert _set(frame, "ir") == {0, 2, 4} and _set(frame, "pareto") == {0, 2, 4}
    assert exploration.solutions == {"nash": 4, "kalai_smorodinsky": 4, "egalitarian": 4, "utilitarian": 2}
    assert exploration.ideal == {"us": 0.0, "russia": 0.125, "ukraine": 0.0, "nato_allies": 0.125}
    for name, number in exploration.solutions.items():
        assert _shares(frame, name) == {number: 1.0}, name  # every draw is the mean


def test_empty_individually_rational_set(small):
    exploration = explore(small({"russia": 1.0}), Protocol(), seed=3, n_runs=16)
    frame = exploration.packages
    assert not frame["ir"].any() and not frame["pareto"].any() and (frame["p_ir"] == 0).all()
    assert exploration.solutions == dict.fromkeys(SOLUTIONS)
    assert exploration.ir_empty["count"] == 16 and exploration.ir_empty["p"] == 1.0
    for name in SOLUTIONS:
        assert (frame[f"p_solution.{name}"] == 0).all() and frame[f"p_solution_lo.{name}"].eq(0).all()
    assert all(value is None for value in exploration.ideal.values())
    assert (frame["solution"] == "").all()
    text = format_exploration(exploration)
    assert "none (no package is individually rational at the mean)" in text
    assert "no package is individually rational in 100.0%" in text


def test_kalai_smorodinsky_where_the_ideal_is_the_reservation(small):
    exploration = explore(small({"ukraine": 0.0}), Protocol(), seed=3, n_runs=16)
    frame = exploration.packages
    assert _set(frame, "ir") == {0, 2, 4, 6, 8} and _set(frame, "pareto") == {0, 2, 4, 6}
    assert exploration.ideal["ukraine"] == exploration.disagreement["ukraine"] == 0.0
    assert exploration.solutions == {"nash": 0, "kalai_smorodinsky": 2, "egalitarian": 0, "utilitarian": 6}
    assert _shares(frame, "kalai_smorodinsky") == {2: 1.0}


def test_a_held_red_line_removes_packages(small):
    scenario = small(red_line_hold=1.0)
    exploration = explore(scenario, Protocol(), seed=3, n_runs=16)
    frame = exploration.packages
    assert _set(frame, "ir") == {0, 2, 8} and _set(frame, "pareto") == {0, 2, 8}
    assert exploration.solutions == dict.fromkeys(SOLUTIONS, 2)
    assert exploration.red_lines == [
        {"actor": "us", "item": "alpha", "levels": ["a1"], "mean_hold": 1.0, "held": True}
    ]
    assert "us alpha not a1 (mean hold 1.00: held)" in format_exploration(exploration)
    # utilities are unchanged (DESIGN.md): the red line acts through IR only
    assert frame.loc[4, "eu.us"] == -1 / 16 and frame.loc[4, "p_accept.us"] == 1.0
    # and the take-it-or-leave-it view sees the refusal: the US refuses 4 and 6 in every draw
    assert frame.loc[4, "p_joint"] == 0.0 and frame.loc[6, "p_joint"] == 0.0 and frame.loc[2, "p_joint"] == 1.0


def test_two_draws_and_the_mean(small):
    scenario = small(red_line_hold=0.5)
    draws = draw(scenario, Protocol(), 1, 0, 2)
    u = draws.events.u_red_line[:, 0, 0]
    assert u[0] < 0.5 <= u[1]  # run 0: the red line binds; run 1: it does not
    exploration = explore(scenario, Protocol(), seed=1, n_runs=2)
    frame = exploration.packages
    # at the mean: hold 1/2 >= 1/2, held: case 4's answers
    assert exploration.red_lines[0]["mean_hold"] == 0.5 and exploration.red_lines[0]["held"]
    assert exploration.solutions == dict.fromkeys(SOLUTIONS, 2)
    assert _set(frame, "ir") == {0, 2, 8}
    # per draw: run 0 gives case 4's answers, run 1 the answers without the red line
    assert _shares(frame, "nash") == {2: 0.5, 4: 0.5}
    assert _shares(frame, "utilitarian") == {2: 0.5, 6: 0.5}
    assert _shares(frame, "kalai_smorodinsky") == {2: 1.0}
    assert _shares(frame, "egalitarian") == {2: 1.0}
    assert {p: v for p, v in frame["p_ir"].items() if v > 0} == {0: 1.0, 2: 1.0, 4: 0.5, 6: 0.5, 8: 1.0}
    assert {p: v for p, v in frame["p_pareto"].items() if v > 0} == {0: 1.0, 2: 1.0, 4: 0.5, 6: 0.5, 8: 0.5}
    assert exploration.ir_empty["count"] == 0


def test_p_ratified_sees_held_red_lines_run_for_run(small):
    """With a red line that binds in some runs only, P(agreed and ratified) is still P(agreement)
    of the ultimatum protocol with the package as opening offer, count for count."""
    scenario = small(red_line_hold=0.5)
    n = 300
    frame = explore(scenario, Protocol(), seed=4, n_runs=n).packages
    assert 0 < frame.loc[4, "p_ratified"] < 1  # refused exactly in the runs where the red line binds
    for number in (0, 2, 4, 6):
        variant = dataclasses.replace(scenario, opening_offer=tuple(int(x) for x in scenario.packages[number]))
        summary = run_monte_carlo(variant, Protocol("ultimatum", 1), "batch", MonteCarlo(n_runs=n, seed=4))
        assert summary["status"]["agreement"]["count"] == round(frame.loc[number, "p_ratified"] * n), number


# --- the computation on hand-made draws ---------------------------------------------------------


def test_solve_two_hand_made_draws():
    """Two actors, three packages, reservations 0. Draw 0: U = (0, 0), (1, 0), (1/2, 1/2):
    all IR; #0 is dominated by #1; Nash (products 0, 1/4) #2; utilitarian: sums 1 and 1 tie,
    #1; egalitarian (0, 1/2) #2; KS: I = (1, 1/2), ratios (1, 0), (1/2, 1) -> #2.
    Draw 1: U = (0, 0), (1, 1), (-1/2, 1/2): #2 is not IR, #1 dominates #0: everything #1."""
    utilities = np.array(
        [
            [[0.0, 1.0, 0.5], [0.0, 0.0, 0.5]],
            [[0.0, 1.0, -0.5], [0.0, 1.0, 0.5]],
        ]
    )
    reservations = np.zeros((2, 2))
    solved = solve(utilities, reservations, np.zeros(utilities.shape, dtype=bool))
    assert solved.ir.tolist() == [[True, True, True], [True, True, False]]
    assert solved.pareto.tolist() == [[False, True, True], [False, True, False]]
    assert {name: chosen.tolist() for name, chosen in solved.solutions.items()} == {
        "nash": [2, 1],
        "kalai_smorodinsky": [2, 1],
        "egalitarian": [2, 1],
        "utilitarian": [1, 1],
    }
    assert solved.ideal.tolist() == [[1.0, 0.5], [1.0, 1.0]]
    counts = SolutionCounts(3)
    counts.add(solved)
    assert counts.n == 2 and counts.empty == 0
    assert counts.solutions["nash"].tolist() == [0, 1, 1] and counts.solutions["utilitarian"].tolist() == [0, 2, 0]
    assert counts.ir.tolist() == [2, 2, 1] and counts.pareto.tolist() == [0, 2, 1]
    # at the mean: U = (0, 0), (1, 1/2), (0, 1/2): #1 dominates both others
    at_mean, held = solve_at_mean(utilities.mean(axis=0), np.zeros(2), np.zeros((2, 1)), np.zeros((2, 1, 3), dtype=bool), np.arange(3)[:, None])
    assert at_mean.pareto.tolist() == [[False, True, False]] and not held.any()
    assert {name: int(chosen[0]) for name, chosen in at_mean.solutions.items()} == dict.fromkeys(SOLUTIONS, 1)


def test_kalai_smorodinsky_ideal_is_over_the_individually_rational_packages():
    """Reservations 0; U = (2, -1), (1, 1/5), (1/2, 1/2). #0 is not IR (the second actor gets
    -1). Our ideal point is the best IR utility, I = (1, 1/2): ratios (1, 2/5), (1/2, 1) ->
    #2. NegMAS's KS takes its ideal point over all outcomes, (2, 1/2): ratios (1/2, 2/5),
    (1/4, 1) -> #1. The two differ (docs/analysis.md says so)."""
    utilities = np.array([[[2.0, 1.0, 0.5], [-1.0, 0.2, 0.5]]])
    solved = solve(utilities, np.zeros((1, 2)), np.zeros(utilities.shape, dtype=bool))
    assert solved.solutions["kalai_smorodinsky"].tolist() == [2]
    ideal_all = utilities[0].max(axis=1)
    ratios = (utilities[0] / ideal_all[:, None]).min(axis=0)
    assert int(np.argmax(np.where(solved.ir[0], ratios, -np.inf))) == 1


def test_empty_draw_has_no_solution():
    utilities = np.array([[[0.0, 1.0], [0.0, -1.0]], [[0.0, 1.0], [0.0, 1.0]]])
    reservations = np.array([[0.5, 0.0], [0.0, 0.0]])  # draw 0: nothing gives the first actor 1/2 and the second 0
    solved = solve(utilities, reservations, np.zeros(utilities.shape, dtype=bool))
    assert solved.empty.tolist() == [True, False]
    assert all(chosen.tolist() == [NONE, 1] for chosen in solved.solutions.values())
    counts = SolutionCounts(2)
    counts.add(solved)
    assert counts.empty == 1 and counts.solutions["nash"].tolist() == [0, 1]


def test_held_red_lines_and_crossings_are_the_cores():
    rng = np.random.default_rng(0)
    n, actors, items = 50, 3, 2
    levels = np.array([[[False, True, False], [False, False, False]],
                       [[True, False, False], [False, False, True]],
                       [[False, False, False], [False, False, False]]])  # fmt: skip
    packages = np.array(list(itertools.product(range(3), range(3))))
    u = rng.random((n, actors, items))
    hold = np.full((n, actors, items), 0.5)
    held = held_red_lines(u, hold)
    assert np.array_equal(held, u < 0.5)
    table = crossings(held, levels, packages)
    for k in range(n):
        expected = np.empty((actors, len(packages)), dtype=np.bool_)
        crossings_table(held[k], levels, packages, expected)
        assert np.array_equal(table[k], expected)


def _naive(utilities, reservations, crosses):
    """The definitions, one draw and one package at a time (for the randomised check)."""
    n, actors, packages = utilities.shape
    out = {name: [] for name in SOLUTIONS}
    pareto_all = []
    for k in range(n):
        u, r = utilities[k], reservations[k]
        ir = [all(u[a, p] >= r[a] and not crosses[k, a, p] for a in range(actors)) for p in range(packages)]
        pareto = [
            ir[p]
            and not any(
                ir[q] and all(u[a, q] >= u[a, p] for a in range(actors)) and any(u[a, q] > u[a, p] for a in range(actors))
                for q in range(packages)
            )
            for p in range(packages)
        ]
        pareto_all.append(pareto)
        candidates = [p for p in range(packages) if pareto[p]]
        if not candidates:
            for name in SOLUTIONS:
                out[name].append(NONE)
            continue
        ideal = [max(u[a, p] for p in range(packages) if ir[p]) for a in range(actors)]

        def ratio(a, p):
            return 1.0 if ideal[a] == r[a] else (u[a, p] - r[a]) / (ideal[a] - r[a])

        keys = {
            "nash": lambda p: float(np.prod([u[a, p] - r[a] for a in range(actors)])),
            "utilitarian": lambda p: sum(u[a, p] for a in range(actors)),
            "egalitarian": lambda p: min(u[a, p] - r[a] for a in range(actors)),
            "kalai_smorodinsky": lambda p: min(ratio(a, p) for a in range(actors)),
        }
        for name, key in keys.items():
            best = max(key(p) for p in candidates)
            out[name].append(min(p for p in candidates if key(p) == best))
    return out, np.array(pareto_all)


def test_solve_matches_the_definitions_on_random_draws_with_ties():
    rng = np.random.default_rng(7)
    n, actors, packages = 300, 3, 7
    utilities = rng.integers(-2, 5, (n, actors, packages)) / 4.0  # a coarse grid: many ties
    reservations = rng.integers(-2, 3, (n, actors)) / 4.0
    crosses = rng.random((n, actors, packages)) < 0.1
    solved = solve(utilities, reservations, crosses)
    expected, pareto = _naive(utilities, reservations, crosses)
    assert np.array_equal(solved.pareto, pareto)
    for name in SOLUTIONS:
        assert solved.solutions[name].tolist() == expected[name], name
    assert 0 < solved.empty.sum() < n  # both kinds of draws occur
