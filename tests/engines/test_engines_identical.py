"""The two engines agree run for run; the Monte Carlo matches closed-form probabilities."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.core.enums import Status
from sim.engines import get_engine
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import scenario_from_dict
from sim.summary import wilson_interval

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
PROTOCOLS = {
    "single_text": Protocol("single_text", max_rounds=12),
    "ultimatum": Protocol("ultimatum", max_rounds=1),
    "single_text_continue": Protocol("single_text", max_rounds=12, continue_after_invasion=True),
    "alternating": Protocol("alternating", max_rounds=12),
}
FIELDS = ("status", "rounds", "highest_rung", "package", "utility", "accepted", "blocker")
Z99 = 2.5758  # two-sided 99%
N_RUNS = 5_000


def test_bundled_scenarios_are_found():
    """The parametrisation below has scenarios to cover (an empty glob would pass vacuously)."""
    assert len(SCENARIOS) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("protocol_name", list(PROTOCOLS))
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_mesa_and_batch_engines_are_identical(path, protocol_name):
    """On 5,000 runs from the same draws, the Mesa and batch engines give bit-identical outcomes."""
    with open(path, encoding="utf-8") as handle:
        scenario = scenario_from_dict(yaml.safe_load(handle))
    protocol = PROTOCOLS[protocol_name]
    draws = draw(scenario, protocol, 20_220_224, 0, N_RUNS)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    batch = get_engine("batch")(scenario, protocol, draws)
    assert mesa.start == batch.start == 0
    for name in FIELDS:
        left, right = getattr(mesa, name), getattr(batch, name)
        assert left.dtype == right.dtype, name
        assert np.array_equal(left, right), name
    # the comparison is not vacuous: the runs take different paths
    assert len(np.unique(batch.status)) >= 2
    if protocol.max_rounds > 1:
        assert len(np.unique(batch.rounds)) >= 5
    assert np.all(batch.rounds <= protocol.max_rounds) and np.all(batch.rounds >= 1)


def randomised_small_scenario(data: dict, uniform, start_rung: int, escalator: str) -> dict:
    """The small scenario with every prior made uniform, to drive both engines down every
    branch: any start rung, any escalating actor, spill-overs, deadline draws, shifts on
    every rung, ratification failures."""
    for actor in data["actors"].values():
        for item, levels in actor["values"].items():
            for level in levels:
                levels[level] = uniform(-1.0, 1.0)
        for item in actor["salience"]:
            actor["salience"][item] = uniform(0.0, 1.0)
        actor["reservation"] = uniform(-0.6, 0.4)
        actor["opening_surplus"] = uniform(0.0, 0.5)
        actor["deadline"] = uniform(0.5, 8.0)
        actor["concession_exponent"] = uniform(0.3, 3.0)
        actor["ratifier"] = {"name": "r", "items": ["alpha", "gamma"], "bias": uniform(-0.3, 0.3)}
    data["actors"]["russia"]["ratifier"] = None
    data["escalation"].update(
        start_rung=start_rung,
        actor=escalator,
        beta0=uniform(-4.0, 1.0),
        beta_gap=uniform(-2.0, 6.0),
        beta_time=uniform(-1.0, 2.0),
        p_deadline=uniform(0.0, 1.0),
        p_spillover=uniform(0.0, 1.0),
        shifts={
            rung: {actor: uniform(-0.4, 0.1) for actor in data["actors"]}
            for rung in (
                "coercive_buildup",
                "limited_incursion",
                "full_scale_invasion",
                "nato_russia_clash",
            )
        },
    )
    data["opening_offer"] = {"alpha": "a1", "beta": "b0", "gamma": "g1"}
    return data


@pytest.mark.slow
@pytest.mark.parametrize("protocol_name", list(PROTOCOLS))
@pytest.mark.parametrize("start_rung, escalator", [(0, "russia"), (2, "russia"), (1, "us")])
def test_engines_identical_on_a_randomised_scenario(
    scenario_dict, uniform_prior, start_rung, escalator, protocol_name
):
    """Beyond the bundled scenarios: random priors on the small scenario, start rungs 0 and 2,
    the US as escalating actor; 2,000 runs, bit-identical outcomes, every reachable end reached."""
    scenario = scenario_from_dict(
        randomised_small_scenario(scenario_dict, uniform_prior, start_rung, escalator)
    )
    protocol = PROTOCOLS[protocol_name]
    if protocol.name == "alternating" and escalator == "us":  # the West speaks for itself
        protocol = Protocol("alternating", max_rounds=12, west_speaker="russia")
    draws = draw(scenario, protocol, 77, 0, 2_000)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    batch = get_engine("batch")(scenario, protocol, draws)
    for name in FIELDS:
        assert np.array_equal(getattr(mesa, name), getattr(batch, name)), name
    statuses = set(batch.status.tolist())
    assert {Status.AGREEMENT, Status.RATIFICATION_FAILED} <= statuses
    if not (start_rung == 0 and protocol.max_rounds == 1):  # one round climbs at most 2 rungs
        assert {Status.NATO_RUSSIA_WAR, Status.WAR} <= statuses
    assert batch.highest_rung.min() >= start_rung


# --- closed forms ----------------------------------------------------------------------------


def assert_in_wilson(count: int, n: int, p: float) -> None:
    lo, hi = wilson_interval(count, n, z=Z99)
    assert lo <= p <= hi, (
        f"closed form {p:.5f} outside the 99% interval [{lo:.5f}, {hi:.5f}] of {count}/{n}"
    )


def test_ultimatum_acceptance_closed_form(scenario_dict, fixed_prior, uniform_prior):
    """Ultimatum on (a1, b1, g1), worth U_R = 0.125 + 0.125 + 0.25 = 0.5 to Russia, whose
    reservation is uniform on [a, b] = [0, 0.8]; everyone else always accepts (r = -1) and the
    ratifiers always approve (bias 100):
    P(agreement) = P(r <= 0.5) = (0.5 - 0)/(0.8 - 0) = 0.625."""
    scenario_dict["opening_offer"] = {"alpha": "a1", "beta": "b1", "gamma": "g1"}
    scenario_dict["actors"]["russia"]["reservation"] = uniform_prior(0.0, 0.8)
    scenario_dict["actors"]["russia"]["opening_surplus"] = fixed_prior(0.5)  # ignored: T = 1
    scenario_dict["actors"]["us"]["ratifier"]["bias"] = fixed_prior(100.0)
    scenario_dict["actors"]["ukraine"]["ratifier"] = {
        "name": "Rada",
        "items": ["gamma"],
        "bias": fixed_prior(100.0),
    }
    scenario = scenario_from_dict(scenario_dict)
    n = 20_000
    summary = run_monte_carlo(
        scenario,
        Protocol("ultimatum", 1),
        "batch",
        MonteCarlo(n_runs=n, seed=3, save_outcomes=False),
    )
    assert summary["n_runs"] == n
    count = summary["status"]["agreement"]["count"]
    assert_in_wilson(count, n, (0.5 - 0.0) / (0.8 - 0.0))
    assert summary["status"]["ratification_failed"]["count"] == 0
    # a refusal is Russia's alone
    assert summary["blocker"]["russia"]["count"] == n - count
    assert summary["rounds"]["histogram"] == {"1": n}


def test_constant_climb_probability_closed_form(scenario_dict, fixed_prior):
    """Russia never accepts (r = 0.75 > 0.625, its best package); each round it climbs with
    the constant probability p = sigmoid(beta0) (beta_gap = beta_time = 0, p_deadline = 0,
    p_spillover 0, no shifts). From rung 1 with R = 5 rounds, the number of climbs is
    Binomial(R, p) until the second climb, which ends the talks at rung 3, so
    P(stalemate) = (1-p)^R, P(limited_escalation) = R p (1-p)^(R-1), P(war) = the rest."""
    scenario_dict["actors"]["russia"]["reservation"] = fixed_prior(0.75)
    beta0 = -2.0
    scenario_dict["escalation"]["beta0"] = fixed_prior(beta0)
    scenario = scenario_from_dict(scenario_dict)
    p = 1.0 / (1.0 + math.exp(-beta0))  # 0.119203
    rounds = 5
    n = 20_000
    summary = run_monte_carlo(
        scenario,
        Protocol(max_rounds=rounds),
        "batch",
        MonteCarlo(n_runs=n, seed=8, save_outcomes=False),
    )
    status = {name: summary["status"][name]["count"] for name in summary["status"]}
    stalemate = (1 - p) ** rounds  # 0.530...
    limited = rounds * p * (1 - p) ** (rounds - 1)  # 0.358...
    assert_in_wilson(status["stalemate"], n, stalemate)
    assert_in_wilson(status["limited_escalation"], n, limited)
    assert_in_wilson(status["war"], n, 1 - stalemate - limited)
    assert status["agreement"] == status["nato_russia_war"] == status["ratification_failed"] == 0
    assert status["stalemate"] + status["limited_escalation"] + status["war"] == n


def test_closed_form_checks_can_fail():
    """The interval check rejects a wrong closed form: 10,000 of 20,000 is not p = 0.53."""
    with pytest.raises(AssertionError):
        assert_in_wilson(10_000, 20_000, 0.53)
    assert_in_wilson(10_000, 20_000, 0.5)
    assert Status.STALEMATE.label == "stalemate"
