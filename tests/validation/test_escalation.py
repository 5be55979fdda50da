"""Escalation with a constant per-round probability p (``cases.py``, case 2): the number of
climbs in t rounds is Binomial(t, p), so P(highest rung >= 1) = 1 - (1 - p)^t."""

from __future__ import annotations

import pytest

from . import cases


@pytest.fixture(scope="module")
def checks() -> list:
    return cases.escalation_checks()


def test_highest_rung_is_binomial(checks):
    failed = [check.describe() for check in checks if not check.ok]
    assert not failed, "\n".join(failed)
    at_least_one = [c for c in checks if c.quantity.startswith("P(highest rung >= 1)")]
    assert len(at_least_one) == len(cases.ESCALATION_ROUNDS)


def test_check_can_fail(checks):
    """One round more or less, or p off by a fifth, puts the closed form outside the intervals."""
    p = cases.ESCALATION_P
    for check in (c for c in checks if c.quantity.startswith("P(highest rung >= 1)")):
        t = int(check.case.rsplit("= ", 1)[1])
        for wrong in (1 - (1 - p) ** (t + 1), 1 - (1 - p * 1.2) ** t) + ((1 - (1 - p) ** (t - 1),) if t > 1 else ()):
            assert not check.lo <= wrong <= check.hi, (check.describe(), wrong)


def test_no_agreement_and_no_spillover():
    """Russia never accepts, so no run is an agreement; p_spillover = 0, so none is a NATO-Russia war."""
    from sim.montecarlo import MonteCarlo, run_monte_carlo
    from sim.protocols import Protocol

    summary = run_monte_carlo(cases.escalation_scenario(cases.ESCALATION_P), Protocol(max_rounds=12), "batch",
                              MonteCarlo(n_runs=2000, seed=cases.ESCALATION_SEED, save_outcomes=False))
    assert summary["status"]["agreement"]["count"] == 0
    assert summary["status"]["nato_russia_war"]["count"] == 0
    assert summary["blocker"]["russia"]["count"] == 2000


def test_mesa_engine():
    checks = cases.escalation_checks(rounds=(4,), engine="mesa", n=cases.ESCALATION_N_MESA)
    failed = [check.describe() for check in checks if not check.ok]
    assert not failed, "\n".join(failed)
