"""A deterministic single-text negotiation traced by hand (``cases.py``, case 3: the table of
the trace is in the comment above ``hand_scenario``)."""

from __future__ import annotations

import pytest

from sim.protocols import Protocol
from sim.sampling import draw

from . import cases


@pytest.mark.parametrize("engine", ["batch", "mesa"])
@pytest.mark.parametrize("variant", list(cases.HAND_VARIANTS))
def test_outcome_through_run_monte_carlo(variant, engine):
    """Status, rounds, highest rung, final package, utilities and blocker of every run, exactly."""
    checks = cases.hand_checks(variant, engine)
    failed = [check.describe() for check in checks if not check.ok]
    assert not failed, "\n".join(failed)


def test_round_by_round_path():
    """The reference Mesa model's trace equals the hand trace in every round."""
    from sim.abm.model import NegotiationModel

    scenario = cases.hand_scenario()
    protocol = Protocol(max_rounds=12)
    model = NegotiationModel(scenario, protocol, draw(scenario, protocol, cases.HAND_SEED, 0, 1), trace=True).run()
    traced = [
        dict(
            t=r.t,
            text=r.text.tolist(),
            utilities=r.utilities.tolist(),
            aspirations=r.aspirations.tolist(),
            asked=r.asked.tolist(),
            accepted=r.accepted.tolist(),
            rung_after=r.rung_after,
            reservations_after=r.reservations_after.tolist(),
            next_text=None if r.next_text is None else r.next_text.tolist(),
        )
        for r in model.history
    ]
    assert traced == cases.HAND_PATH
    assert [r.result.p_climb for r in model.history[:3]] == [1.0, 0.0, 0.0]
    assert model.history[-1].ratification_refusal == -1


def test_hawkish_senate_refuses_in_round_4():
    from sim.abm.model import NegotiationModel

    scenario = cases.hand_scenario(senate_bias=-0.1875)
    protocol = Protocol(max_rounds=12)
    model = NegotiationModel(scenario, protocol, draw(scenario, protocol, cases.HAND_SEED, 0, 1), trace=True).run()
    assert [r.text.tolist() for r in model.history] == [step["text"] for step in cases.HAND_PATH]
    assert model.history[-1].ratification_refusal == 0  # the US's Senate
