"""The Nash bargaining package and the Pareto frontier of a three-package scenario
(``cases.py``, case 4), from expected utilities estimated with the real sampler and utility
tables; the frontier and the Nash package are computed in ``cases.py``, and the package
explorer, when present, is checked against the same closed form."""

from __future__ import annotations

import numpy as np
import pytest

from . import cases


@pytest.fixture(scope="module")
def checks() -> list:
    return cases.nash_checks()


def test_closed_form_by_hand():
    """The closed-form expected utilities give the frontier and the Nash package worked out in
    the comment of case 4."""
    closed = cases.nash_closed_form()
    assert closed["utilities"][1, 1] == pytest.approx(0.28137, abs=1e-5)
    assert cases.pareto_frontier(closed["utilities"]) == (1, 2)
    best, products = cases.nash_package(closed["utilities"], closed["disagreement"])
    assert best == 2
    assert products[0] == -np.inf
    assert products[1:] == pytest.approx([0.5 * (closed["utilities"][1, 1] - 0.1), 0.25 * 0.6])


def test_helpers_on_small_cases():
    u = np.array([[0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 0.5, 0.0]])
    assert cases.pareto_frontier(u) == (1, 3)  # 0 and 2 are dominated by 1
    assert cases.nash_package(u, np.array([0.0, 0.0]))[0] == 1  # products 0, 1, 0.5, 0
    assert cases.nash_package(u, np.array([0.0, 2.0]))[0] == -1  # nothing reaches Russia's d


def test_sampled_expected_utilities_match(checks):
    failed = [check.describe() for check in checks if not check.ok]
    assert not failed, "\n".join(failed)
    assert [c.quantity for c in checks[-2:]] == ["Pareto frontier of expected utilities", "Nash bargaining package"]
    assert checks[-1].estimate == "grand_bargain"


def test_package_explorer_agrees_with_the_closed_form():
    """If the package explorer (``analysis/explorer.py``) is present, its Pareto set, Nash
    package and expected utilities on the same scenario and seed match the closed form too."""
    explorer = pytest.importorskip("analysis.explorer")
    from sim.protocols import Protocol

    result = explorer.explore(cases.nash_scenario(), Protocol(), cases.NASH_SEED, cases.NASH_N)
    closed = cases.nash_closed_form()
    assert result.solutions["nash"] == 2
    assert result.packages["pareto"].tolist() == [False, True, True]
    for a, actor in enumerate(("us", "russia")):
        for p in (1, 2):
            mean = result.packages[f"eu.{actor}"].iloc[p]
            half = cases.Z99 * result.packages[f"u_sd.{actor}"].iloc[p] / np.sqrt(cases.NASH_N)
            assert abs(mean - closed["utilities"][a, p]) <= half, (actor, p, mean)
