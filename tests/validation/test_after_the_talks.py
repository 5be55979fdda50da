"""DESIGN.md, "After the talks": the crisis goes on after talks that ended with neither
agreement nor war, so no protocol caps war by its structure.

Closed form: an ultimatum in which only Russia is asked, ``U_R < r_R`` both fixed, no shifts,
start rung 1, ``p_deadline = 0`` and a constant climb probability ``p`` per draw (round 1's own
draw and each of the ``K`` aftermath periods): war needs two climbs in ``K + 1`` draws, so
P(war) = 1 - (1-p)^(K+1) - (K+1) p (1-p)^K.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engines import get_engine
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import scenario_from_dict
from sim.summary import wilson_interval

P = 0.3
N = 20_000
Z99 = 2.5758293035489


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def p_war(p: float, k: int) -> float:
    return 1 - (1 - p) ** (k + 1) - (k + 1) * p * (1 - p) ** k


def only_russia_asked(data: dict, fixed, aftermath: dict) -> dict:
    """Russia alone must say yes; it values the status quo at 0 < r_R = 0.5, so it refuses."""
    data["actors"]["us"]["must_accept_every_text"] = False
    data["actors"]["russia"]["reservation"] = fixed(0.5)
    data["escalation"]["beta0"] = fixed(logit(P))
    data["escalation"]["aftermath"] = aftermath
    return data


def wars(scenario, engine: str = "batch", n: int = N) -> np.ndarray:
    protocol = Protocol("ultimatum", 1)
    outcomes = get_engine(engine)(scenario, protocol, draw(scenario, protocol, 11, 0, n))
    return outcomes


@pytest.mark.parametrize("k", [0, 1, 3, 6])
def test_war_needs_two_climbs_in_k_plus_one_draws(scenario_dict, fixed_prior, k):
    scenario = scenario_from_dict(only_russia_asked(scenario_dict, fixed_prior, fixed_prior(k)))
    out = wars(scenario)
    count = int((out.highest_rung >= 3).sum())
    lo, hi = wilson_interval(count, N, Z99)
    assert lo <= p_war(P, k) <= hi, (count / N, p_war(P, k))
    # not vacuous: one period more or less is outside the interval (k >= 1)
    if k >= 1:
        assert not lo <= p_war(P, k + 1) <= hi and not lo <= p_war(P, k - 1) <= hi
    # periods played: the run ends in the period of the second climb, or plays all K
    assert out.aftermath.max() == k and (out.aftermath[out.highest_rung < 3] == k).all()
    assert (out.rounds == 1).all() and (out.status != 0).all()


def test_given_no_climb_in_round_1(scenario_dict, fixed_prior):
    """Runs without a climb in round 1: war needs two climbs in the K periods alone."""
    k = 4
    scenario = scenario_from_dict(only_russia_asked(scenario_dict, fixed_prior, fixed_prior(k)))
    protocol = Protocol("ultimatum", 1)
    draws = draw(scenario, protocol, 11, 0, N)
    out = get_engine("batch")(scenario, protocol, draws)
    calm = draws.events.u_round[:, 0] >= P
    count, n = int((out.highest_rung[calm] >= 3).sum()), int(calm.sum())
    lo, hi = wilson_interval(count, n, Z99)
    expected = 1 - (1 - P) ** k - k * P * (1 - P) ** (k - 1)
    assert lo <= expected <= hi


def test_a_uniform_integer_aftermath_is_the_mixture(scenario_dict, fixed_prior):
    prior = {"dist": "uniform_integer", "low": 0, "high": 4, "rationale": "test", "source": "test", "evidence": "assumption"}
    scenario = scenario_from_dict(only_russia_asked(scenario_dict, fixed_prior, prior))
    out = wars(scenario)
    count = int((out.highest_rung >= 3).sum())
    lo, hi = wilson_interval(count, N, Z99)
    assert lo <= np.mean([p_war(P, k) for k in range(5)]) <= hi


def test_mesa_engine_agrees_run_for_run(scenario_dict, fixed_prior):
    prior = {"dist": "uniform_integer", "low": 0, "high": 4, "rationale": "test", "source": "test", "evidence": "assumption"}
    scenario = scenario_from_dict(only_russia_asked(scenario_dict, fixed_prior, prior))
    batch, mesa = wars(scenario, "batch", 600), wars(scenario, "mesa", 600)
    for name in ("status", "highest_rung", "aftermath", "rounds"):
        assert np.array_equal(getattr(batch, name), getattr(mesa, name)), name


@pytest.mark.parametrize("protocol", ["single_text", "ultimatum", "alternating"])
def test_no_protocol_caps_war(protocol):
    """A very large beta0: every run that neither agreed nor failed ratification ends in war
    (K >= 2 - start rung); a very negative beta0: none does."""
    from sim.api import build, compose

    for beta0, all_war in ((60.0, True), (-60.0, False)):
        overrides = [
            f"scenario.escalation.beta0={{dist: fixed, value: {beta0}, low: null, high: null, rationale: test, source: test, evidence: assumption, quote: ''}}",
            "scenario.escalation.aftermath={dist: fixed, value: 1, low: null, high: null, rationale: test, source: test, evidence: assumption}",
        ]
        scenario, rules, engine, _, _ = build(compose("us_response_2022", protocol=protocol, overrides=overrides))
        summary = run_monte_carlo(scenario, rules, "batch", MonteCarlo(n_runs=3000, seed=5, save_outcomes=False))
        statuses = summary["status"]
        unsettled = 3000 - statuses["agreement"]["count"] - statuses["ratification_failed"]["count"]
        at_war = statuses["war"]["count"] + statuses["nato_russia_war"]["count"]
        assert unsettled > 0
        assert at_war == (unsettled if all_war else 0), (beta0, statuses)
