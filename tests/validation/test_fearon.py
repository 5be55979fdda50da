"""Fearon's risk-return trade-off under the ultimatum protocol (``cases.py``, case 1).

The Monte Carlo runs once per opening offer with the same seed (common random numbers); the
offer that maximises the US's estimated expected payoff must be the closed form's, and P(war)
there, and P(Russia accepts) at every offer, must lie in their 99% Wilson intervals.
"""

from __future__ import annotations

import pytest

from . import cases

NAMES = list(cases.FEARON_CASES)


@pytest.fixture(scope="module")
def scans() -> dict:
    return {name: cases.fearon_scan(*cases.FEARON_CASES[name]) for name in NAMES}


def test_closed_form_is_the_best_level_of_the_exact_payoffs():
    """The closed form (the level nearest x* = (a - W)/2) is the argmax of the exact expected
    payoffs over all 11 levels, and a costlier war buys a more generous offer (Fearon 1995)."""
    best = {}
    for name in NAMES:
        closed = cases.fearon_closed_form(*cases.FEARON_CASES[name])
        assert max(range(cases.FEARON_LEVELS), key=lambda l: closed.payoff[l]) == closed.best_offer
        best[name] = (closed.best_offer, closed.p_war_at_best)
    assert best == {"cheap war (W = -0.7)": (4, 0.5625), "costly war (W = -0.9)": (5, pytest.approx(0.4375))}


@pytest.mark.parametrize("name", NAMES)
def test_scan_matches_closed_form(scans, name):
    closed = cases.fearon_closed_form(*cases.FEARON_CASES[name])
    checks = cases.fearon_checks(name, scans[name], closed)
    failed = [check.describe() for check in checks if not check.ok]
    assert not failed, "\n".join(failed)
    assert len(checks) == 2 + cases.FEARON_LEVELS


@pytest.mark.parametrize("name", NAMES)
def test_refusal_is_war_and_acceptance_is_agreement(scans, name):
    """The escalation settings make the outcome binary: every run is an agreement (both accept)
    or a war (a refusal, then the certain climb from rung 2 to 3, no spill-over)."""
    a, b, r_us, _ = cases.FEARON_CASES[name]
    for offer, summary in enumerate(scans[name].summaries):
        status = {k: v["count"] for k, v in summary["status"].items() if v["count"]}
        assert set(status) <= {"agreement", "war"}
        assert status.get("agreement", 0) + status.get("war", 0) == summary["n_runs"]
        if -offer / 10 < r_us:  # the US refuses its own offer: war in every run
            assert status == {"war": summary["n_runs"]}
        else:
            assert status.get("agreement", 0) == summary["acceptance"]["russia"]["count"]


@pytest.mark.parametrize("name", NAMES)
def test_checks_can_fail(scans, name):
    """A wrong war payoff (the reservation without the war shift) moves x* to another level,
    and the scan rejects it; so does P(war) one level away from the optimum."""
    a, b, r_us, shift = cases.FEARON_CASES[name]
    wrong = cases.fearon_closed_form(a, b, r_us + 0.1, shift)  # W 0.1 higher: x* 0.05 lower
    checks = cases.fearon_checks(name, scans[name], wrong)
    assert not checks[0].ok  # the optimal offer
    closed = cases.fearon_closed_form(a, b, r_us, shift)
    neighbour = closed.best_offer - 1
    summary = scans[name].summaries[closed.best_offer]
    off_by_one = cases.proportion_check(name, "P(war)", 1 - closed.p_accept[neighbour],
                                        summary["status"]["war"]["count"], summary["n_runs"], "batch")
    assert not off_by_one.ok


def test_mesa_engine_at_the_optimum():
    """The reference Mesa engine gives P(war) at the optimum within its 99% interval too, and
    the same counts as the batch engine on the same runs."""
    name = NAMES[0]
    params = cases.FEARON_CASES[name]
    closed = cases.fearon_closed_form(*params)
    offers = [closed.best_offer]
    mesa = cases.fearon_scan(*params, engine="mesa", n=cases.FEARON_N_MESA, offers=offers)
    batch = cases.fearon_scan(*params, engine="batch", n=cases.FEARON_N_MESA, offers=offers)
    war = mesa.summaries[0]["status"]["war"]["count"]
    check = cases.proportion_check(name, "P(war) at the optimum", closed.p_war_at_best, war, cases.FEARON_N_MESA, "mesa")
    assert check.ok, check.describe()
    assert mesa.summaries[0]["status"] == batch.summaries[0]["status"]
