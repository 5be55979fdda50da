"""Validation cases: small scenarios whose answers are known in closed form.

Shared by the tests of this folder and by ``make_table.py`` (which prints the table of
``docs/validation.md``), so that the table shows exactly what the tests assert. Every case runs
the real engines through :func:`sim.montecarlo.run_monte_carlo` (or, for the Nash bargaining
case, the real sampler and utility tables), with fixed seeds.

A Monte Carlo estimate agrees with its closed form when the closed form lies in the estimate's
99% interval (``Z99``): the Wilson score interval for a probability, the normal interval
``mean +- Z99 * sd / sqrt(n)`` for a mean. Deterministic quantities must be equal.

The cases:

1. ``fearon``: an ultimatum over one item with 11 levels (Fearon 1995's risk-return trade-off).
2. ``escalation``: a constant per-round climb probability; the highest rung is binomial.
3. ``hand_path``: a deterministic single-text negotiation traced by hand, round by round.
4. ``nash``: the Nash bargaining package and the Pareto frontier of a three-package scenario,
   from expected utilities estimated by sampling the priors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.core import decisions
from sim.core.enums import RUNG_NAMES
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import Scenario, scenario_from_dict
from sim.summary import wilson_interval

Z99 = 2.5758
"""Two-sided 99% standard normal quantile (the brief's z; scipy gives 2.5758293)."""

SOURCE = "tests/validation/cases.py (a validation case, not an empirical claim)"


# --- priors ----------------------------------------------------------------------------------


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value, "rationale": "validation case: fixed by design", "source": SOURCE, "evidence": "assumption"}


def uniform(low: float, high: float) -> dict:
    return {"dist": "uniform", "low": low, "high": high, "rationale": "validation case", "source": SOURCE, "evidence": "assumption"}


def beta(a: float, b: float, low: float, high: float) -> dict:
    return {"dist": "beta", "a": a, "b": b, "low": low, "high": high, "rationale": "validation case", "source": SOURCE, "evidence": "assumption"}


def truncnormal(mean: float, sd: float, low: float, high: float) -> dict:
    return {
        "dist": "truncnormal",
        "mean": mean,
        "sd": sd,
        "low": low,
        "high": high,
        "rationale": "validation case",
        "source": SOURCE,
        "evidence": "assumption",
    }


def actor(values: dict, reservation: dict, *, every_text: bool = True, veto=(), surplus=0.0, deadline=1,
          exponent=1.0, salience: dict | None = None, ratifier: dict | None = None) -> dict:
    """An actor's plain data; ``values`` is ``{item: {level: prior}}``, salience 1 per item by default."""
    node = {
        "description": "validation actor",
        "must_accept_every_text": every_text,
        "veto_items": list(veto),
        "values": values,
        "salience": salience or {item: fixed(1.0) for item in values},
        "reservation": reservation,
        "opening_surplus": fixed(surplus),
        "deadline": fixed(deadline),
        "concession_exponent": fixed(exponent),
    }
    if ratifier is not None:
        node["ratifier"] = ratifier
    return node


def escalation(start_rung: int, beta0: float, beta_gap: float = 0.0, shifts: dict | None = None) -> dict:
    return {
        "start_rung": start_rung,
        "actor": "russia",
        "beta0": fixed(beta0),
        "beta_gap": fixed(beta_gap),
        "beta_time": fixed(0.0),
        "p_deadline": fixed(0.0),
        "p_spillover": fixed(0.0),
        "shifts": shifts or {},
    }


# --- the result of one check -----------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One closed-form quantity against its simulated estimate."""

    case: str
    quantity: str
    expected: float
    estimate: float
    lo: float
    hi: float
    n: int
    engine: str
    exact: bool = False

    @property
    def ok(self) -> bool:
        if self.exact:
            return self.expected == self.estimate
        return self.lo <= self.expected <= self.hi

    def describe(self) -> str:
        return (
            f"{self.case} / {self.quantity} [{self.engine}, n={self.n}]: closed form {self.expected!r}, "
            f"simulated {self.estimate!r}, 99% interval [{self.lo!r}, {self.hi!r}]"
        )


def proportion_check(case: str, quantity: str, expected: float, count: int, n: int, engine: str) -> Check:
    lo, hi = wilson_interval(count, n, Z99)
    return Check(case, quantity, float(expected), count / n, float(lo), float(hi), n, engine)


def mean_check(case: str, quantity: str, expected: float, sample: np.ndarray, engine: str) -> Check:
    n = sample.shape[0]
    mean = float(sample.mean())
    half = Z99 * float(sample.std(ddof=1)) / math.sqrt(n)
    return Check(case, quantity, expected, mean, mean - half, mean + half, n, engine)


def exact_check(case: str, quantity: str, expected, actual, engine: str, n: int = 1) -> Check:
    return Check(case, quantity, expected, actual, expected, expected, n, engine, exact=True)


def count(summary: dict, group: str, key: str) -> int:
    return int(summary[group][key]["count"])


# --- 1. Fearon's risk-return trade-off: the ultimatum ----------------------------------------
#
# One item, levels c0 ... c10. Russia values level l at x_l = l/10 and the US at -l/10 (salience 1,
# so utility = value). Under the ultimatum every aspiration is the reservation: Russia accepts
# offer l iff r_R <= l/10, with r_R ~ U[a, b], so P(accept l) = F(l/10), F the uniform CDF. The US
# accepts its own offer iff -l/10 >= r_US. A refusal is followed by a certain climb (beta0 = 1000:
# sigmoid = 1) from the starting rung 2 to rung 3 with no spill-over: war. War shifts the US's
# reservation by `war_shift`, so the US's war payoff is W = r_US + war_shift.
#
# The US's expected payoff of offering x in [a, b] (Fearon 1995, "Rationalist explanations for
# war", the risk-return trade-off) is E(x) = F(x)(-x) + (1 - F(x)) W = W + (x - a)(-x - W)/(b - a),
# a concave parabola with its vertex at x* = (a - W)/2: a costlier war (lower W) buys a more
# generous offer and a lower risk of war. On the grid the best offer is the level nearest x*
# (the parabola is symmetric), and P(war) there is 1 - F(l*/10).

FEARON_LEVELS = 11
FEARON_CASES = {
    # name: (a, b, r_US, war_shift_US)
    "cheap war (W = -0.7)": (0.05, 0.85, -0.5, -0.2),
    "costly war (W = -0.9)": (0.05, 0.85, -0.5, -0.4),
}
FEARON_N = 20_000
FEARON_N_MESA = 4_000
FEARON_SEED = 1995


def fearon_scenario(offer: int, a: float, b: float, r_us: float, war_shift: float) -> Scenario:
    levels = [f"c{level}" for level in range(FEARON_LEVELS)]
    return scenario_from_dict(
        {
            "name": "fearon_ultimatum",
            "as_of": "2022-01-26",
            "title": "Ultimatum with a uniform reservation (Fearon 1995)",
            "description": "The US offers a level of concession; Russia accepts iff its value reaches its reservation.",
            "items": {"concession": {"levels": levels, "description": "level l is worth l/10 to Russia, -l/10 to the US"}},
            "opening_offer": {"concession": levels[offer]},
            "escalation": escalation(2, 1000.0, shifts={"full_scale_invasion": {"us": fixed(war_shift)}}),
            "actors": {
                "us": actor({"concession": {f"c{l}": fixed(-l / 10) for l in range(1, FEARON_LEVELS)}}, fixed(r_us)),
                "russia": actor({"concession": {f"c{l}": fixed(l / 10) for l in range(1, FEARON_LEVELS)}}, uniform(a, b)),
            },
        }
    )


@dataclass(frozen=True)
class FearonClosedForm:
    vertex: float  # x* = (a - W) / 2
    best_offer: int  # the level nearest x*
    p_accept: tuple[float, ...]  # P(Russia accepts level l) = F(l / 10)
    payoff: tuple[float, ...]  # the US's expected payoff of offering level l
    p_war_at_best: float


def fearon_closed_form(a: float, b: float, r_us: float, war_shift: float) -> FearonClosedForm:
    war = r_us + war_shift
    vertex = (a - war) / 2
    best = round(vertex * 10)
    assert abs(vertex * 10 - best) < 0.45, "x* too close to the middle of two levels: pick other numbers"
    assert a <= best / 10 <= min(b, -r_us), "the nearest level must lie where the parabola formula holds"
    p_accept = tuple(min(1.0, max(0.0, (l / 10 - a) / (b - a))) for l in range(FEARON_LEVELS))
    payoff = tuple(
        p * (-l / 10) + (1 - p) * war if -l / 10 >= r_us else war for l, p in enumerate(p_accept)
    )
    return FearonClosedForm(vertex, best, p_accept, payoff, 1 - p_accept[best])


@dataclass(frozen=True)
class FearonScan:
    """The Monte Carlo once per opening offer, same seed (common random numbers)."""

    summaries: tuple[dict, ...]
    payoff: tuple[float, ...]  # estimated expected payoff of each offer
    best_offer: int


def fearon_scan(a: float, b: float, r_us: float, war_shift: float, engine: str = "batch", n: int = FEARON_N,
                offers=range(FEARON_LEVELS)) -> FearonScan:
    war = r_us + war_shift
    mc = MonteCarlo(n_runs=n, seed=FEARON_SEED, save_outcomes=False)
    protocol = Protocol(name="ultimatum", max_rounds=1)
    summaries, payoff = [], []
    for offer in offers:
        summary = run_monte_carlo(fearon_scenario(offer, a, b, r_us, war_shift), protocol, engine, mc)
        p_agree = summary["status"]["agreement"]["p"]
        summaries.append(summary)
        payoff.append(p_agree * (-offer / 10) + (1 - p_agree) * war)
    best = list(offers)[int(np.argmax(payoff))]
    return FearonScan(tuple(summaries), tuple(payoff), best)


def fearon_checks(name: str, scan: FearonScan, closed: FearonClosedForm, engine: str = "batch") -> list[Check]:
    n = scan.summaries[0]["n_runs"]
    case = f"fearon, {name}"
    checks = [
        exact_check(case, "optimal offer (argmax of the scan vs level nearest x*)", closed.best_offer, scan.best_offer, engine, n),
        proportion_check(
            case, f"P(war) at the optimal offer c{closed.best_offer}", closed.p_war_at_best,
            count(scan.summaries[closed.best_offer], "status", "war"), n, engine,
        ),
    ]
    for offer, summary in enumerate(scan.summaries):
        checks.append(
            proportion_check(case, f"P(Russia accepts c{offer})", closed.p_accept[offer], count(summary, "acceptance", "russia"), n, engine)
        )
    return checks


# --- 2. Escalation with a constant per-round probability -------------------------------------
#
# Russia's reservation (1) is above its value of any package (at most 0.5): no agreement is
# possible. beta_gap = beta_time = 0 and beta0 = logit(p), so every round Russia climbs with
# probability sigmoid(beta0) = p, independently (round t uses its own uniform); p_deadline = 0.
# The run starts at rung 0, so one climb does not end the talks; it ends early only on reaching
# rung 3 (war). The number of climbs in rounds 1..t is Binomial(t, p), whether or not the run
# stopped at rung 3, so with max_rounds = t:
#   P(highest rung >= 1) = 1 - (1 - p)^t,   P(highest rung = k) = C(t, k) p^k (1 - p)^(t - k)
#   for k = 0, 1, 2, and P(war) = P(highest rung = 3) = P(Binomial(t, p) >= 3).

ESCALATION_P = 0.15
ESCALATION_ROUNDS = (1, 2, 4, 8, 12)
ESCALATION_N = 20_000
ESCALATION_N_MESA = 2_000
ESCALATION_SEED = 7


def escalation_scenario(p: float) -> Scenario:
    return scenario_from_dict(
        {
            "name": "constant_escalation",
            "as_of": "2022-01-26",
            "title": "Escalation with a constant per-round probability",
            "description": "Russia refuses every text and climbs with probability p each round.",
            "items": {"issue": {"levels": ["status_quo", "concession"]}},
            "opening_offer": {"issue": "status_quo"},
            "escalation": escalation(0, math.log(p / (1 - p))),
            "actors": {
                "us": actor({"issue": {"concession": fixed(-0.5)}}, fixed(-1.0), deadline=4),
                "russia": actor({"issue": {"concession": fixed(0.5)}}, fixed(1.0), deadline=4),
            },
        }
    )


def escalation_checks(p: float = ESCALATION_P, rounds=ESCALATION_ROUNDS, engine: str = "batch",
                      n: int = ESCALATION_N) -> list[Check]:
    scenario = escalation_scenario(p)
    checks = []
    for t in rounds:
        summary = run_monte_carlo(
            scenario, Protocol(max_rounds=t), engine, MonteCarlo(n_runs=n, seed=ESCALATION_SEED, save_outcomes=False)
        )
        rung = summary["highest_rung"]
        case = f"escalation, p = {p}, t = {t}"
        checks.append(proportion_check(case, "P(highest rung >= 1) = 1-(1-p)^t", 1 - (1 - p) ** t,
                                       n - int(rung["diplomacy"]["count"]), n, engine))
        for k in range(3):
            if k <= t and k > 0:
                checks.append(proportion_check(case, f"P(highest rung = {k}) = binomial pmf", float(stats.binom.pmf(k, t, p)),
                                               int(rung[RUNG_NAMES[k]]["count"]), n, engine))
        if t >= 3:
            checks.append(proportion_check(case, "P(war) = P(Binomial(t, p) >= 3)", float(stats.binom.sf(2, t, p)),
                                           count(summary, "status", "war"), n, engine))
    return checks


# --- 3. A deterministic single-text negotiation, traced by hand --------------------------------
#
# Three items alpha (a0 a1 a2), beta (b0 b1), gamma (g0 g1); every actor weighs them 1, 1, 2, so
# the saliences are s = (1/4, 1/4, 1/2) and the contribution of a level is c = s * v. Every prior
# is fixed and every number dyadic, so all sums are exact in float64.
#
#   actor        asked when     values v (a1, a2 | b1 | g1)     contributions c            r      h     T
#   us           every text     -0.25, -0.5 | -0.5 | -0.25      -1/16, -1/8 | -1/8 | -1/8  -3/8   1/4   4
#   russia       every text      0.25,  0.5 |  0.5 |  0.5        1/16,  1/8 |  1/8 |  1/4   1/2   1/4   4
#   ukraine      gamma moved     0,     0   |  0   | -1          0,     0   |  0   | -1/2  -1/4   0     4
#   nato_allies  beta moved      0,     0   | -0.5 |  0          0,     0   | -1/8 |  0    -1/4   1/4   2
#
# e = 1, so asp(t) = r + h(1 - t/T) for t < T and r from T on. Ratifier: the US Senate on beta and
# gamma with bias -1/8 (approves iff U_us - 1/8 >= r_us). Escalation: start at rung 1; Russia
# climbs with probability sigmoid(-6000 + 16000 * gap): 1 for the gap 11/16 of round 1, exactly 0
# (exp overflows) for the gaps 1/4 and 1/16 of rounds 2 and 3. Reaching rung 2 (limited
# incursion) shifts r by -1/8 (russia), -3/8 (ukraine), -1/16 (us).
#
# round 1, text (0,0,0): U = (0, 0, 0, 0); asp = (-3/16, 11/16, -1/4, -1/8); asked us, russia.
#   Russia refuses (0 < 11/16). Climb 1 -> 2: r = (-7/16, 3/8, -5/8, -1/4). Amendment at asp(1)
#   with the new r, (-1/4, 9/16, -5/8, -1/8); rank = (refusals, shortfall) of the asked actors:
#     text (0,0,0) (1, 9/16) | alpha up (1,0,0): R 1/16 -> (1, 1/2) | beta up (0,1,0): R 1/8,
#     allies -1/8 >= -1/8 -> (1, 7/16) | gamma up (0,0,1): R 1/4, us -1/8 ok, Ukraine -1/2 >= -5/8
#     -> (1, 5/16), the best -> (0,0,1). (Before the shift Ukraine, at -1/4, would have refused
#     gamma: the shift takes effect in the same round's amendment.)
# round 2, text (0,0,1): U = (-1/8, 1/4, -1/2, 0); asp(2) = (-5/16, 1/2, -5/8, -1/4); asked us,
#   russia, ukraine. Russia refuses (1/4 < 1/2); gap 1/4: z = -2000, no climb. Amendment:
#     text (1, 1/4) | alpha up (1,0,1): R 5/16 -> (1, 3/16) | beta up (0,1,1): R 3/8, us -1/4 ok,
#     allies -1/8 ok -> (1, 1/8), the best | gamma down (0,0,0): (1, 1/2)  -> (0,1,1).
# round 3, text (0,1,1): U = (-1/4, 3/8, -1/2, -1/8); asp(3) = (-3/8, 7/16, -5/8, -1/4); all four
#   asked. Russia refuses (3/8 < 7/16); gap 1/16, no climb. Amendment:
#     text (1, 1/16) | alpha up (1,1,1): us -5/16 >= -3/8, R 7/16 >= 7/16 -> (0, 0), the best
#     | beta down, gamma down: Russia short 3/16, 5/16  -> (1,1,1).
# round 4, text (1,1,1): U = (-5/16, 7/16, -1/2, -1/8); asp(4) = r = (-7/16, 3/8, -5/8, -1/4);
#   everyone asked accepts. The Senate votes (beta, gamma moved): -5/16 - 1/8 = -7/16 >= -7/16
#   (equality approves): agreement in round 4 at rung 2 on (a1, b1, g1).
#
# Variants: max_rounds = 3 ends after round 3 with the last text evaluated, (0,1,1), refused by
# Russia at rung 2: limited_escalation. A Senate bias of -3/16 (-5/16 - 3/16 = -1/2 < -7/16) makes
# round 4 a ratification failure blocked by the US.

HAND_N = 16  # identical runs: every prior is fixed
HAND_SEED = 11


def hand_scenario(senate_bias: float = -0.125) -> Scenario:
    def vals(a1, a2, b1, g1):
        return {"alpha": {"a1": fixed(a1), "a2": fixed(a2)}, "beta": {"b1": fixed(b1)}, "gamma": {"g1": fixed(g1)}}

    weights = {"alpha": fixed(1.0), "beta": fixed(1.0), "gamma": fixed(2.0)}
    return scenario_from_dict(
        {
            "name": "hand_traced",
            "as_of": "2022-01-26",
            "title": "A single-text negotiation traced by hand",
            "description": "Four actors, three items, fixed dyadic priors, a certain climb in round 1.",
            "items": {
                "alpha": {"levels": ["a0", "a1", "a2"]},
                "beta": {"levels": ["b0", "b1"]},
                "gamma": {"levels": ["g0", "g1"]},
            },
            "opening_offer": {"alpha": "a0", "beta": "b0", "gamma": "g0"},
            "escalation": escalation(
                1, -6000.0, 16000.0,
                shifts={"limited_incursion": {"russia": fixed(-0.125), "ukraine": fixed(-0.375), "us": fixed(-0.0625)}},
            ),
            "actors": {
                "us": actor(vals(-0.25, -0.5, -0.5, -0.25), fixed(-0.375), surplus=0.25, deadline=4, salience=weights,
                            ratifier={"name": "US Senate", "items": ["beta", "gamma"], "bias": fixed(senate_bias)}),
                "russia": actor(vals(0.25, 0.5, 0.5, 0.5), fixed(0.5), surplus=0.25, deadline=4, salience=weights),
                "ukraine": actor(vals(0.0, 0.0, 0.0, -1.0), fixed(-0.25), every_text=False, veto=["gamma"], deadline=4,
                                 salience=weights),
                "nato_allies": actor(vals(0.0, 0.0, -0.5, 0.0), fixed(-0.25), every_text=False, veto=["beta"],
                                     surplus=0.25, deadline=2, salience=weights),
            },
        }
    )


# The hand trace above, round by round: text, utilities, aspirations, asked, accepted, rung after
# the round, and the amendment (None: the run ended in that round).
HAND_PATH = [
    dict(t=1, text=[0, 0, 0], utilities=[0.0, 0.0, 0.0, 0.0], aspirations=[-0.1875, 0.6875, -0.25, -0.125],
         asked=[True, True, False, False], accepted=[True, False, True, True], rung_after=2,
         reservations_after=[-0.4375, 0.375, -0.625, -0.25], next_text=[0, 0, 1]),
    dict(t=2, text=[0, 0, 1], utilities=[-0.125, 0.25, -0.5, 0.0], aspirations=[-0.3125, 0.5, -0.625, -0.25],
         asked=[True, True, True, False], accepted=[True, False, True, True], rung_after=2,
         reservations_after=[-0.4375, 0.375, -0.625, -0.25], next_text=[0, 1, 1]),
    dict(t=3, text=[0, 1, 1], utilities=[-0.25, 0.375, -0.5, -0.125], aspirations=[-0.375, 0.4375, -0.625, -0.25],
         asked=[True, True, True, True], accepted=[True, False, True, True], rung_after=2,
         reservations_after=[-0.4375, 0.375, -0.625, -0.25], next_text=[1, 1, 1]),
    dict(t=4, text=[1, 1, 1], utilities=[-0.3125, 0.4375, -0.5, -0.125], aspirations=[-0.4375, 0.375, -0.625, -0.25],
         asked=[True, True, True, True], accepted=[True, True, True, True], rung_after=2,
         reservations_after=[-0.4375, 0.375, -0.625, -0.25], next_text=None),
]
HAND_VARIANTS = {
    # name: (senate bias, max_rounds) -> (status, rounds, highest rung, package, utilities, blocker)
    "agreement": ((-0.125, 12), ("agreement", 4, "limited_incursion", ("a1", "b1", "g1"), (-0.3125, 0.4375, -0.5, -0.125), "none")),
    "max_rounds 3": ((-0.125, 3), ("limited_escalation", 3, "limited_incursion", ("a0", "b1", "g1"), (-0.25, 0.375, -0.5, -0.125), "russia")),
    "hawkish Senate": ((-0.1875, 12), ("ratification_failed", 4, "limited_incursion", ("a1", "b1", "g1"), (-0.3125, 0.4375, -0.5, -0.125), "us")),
}


def hand_checks(variant: str, engine: str = "batch") -> list[Check]:
    (bias, max_rounds), expected = HAND_VARIANTS[variant]
    status, rounds, rung, package, utilities, blocker = expected
    scenario = hand_scenario(bias)
    summary = run_monte_carlo(
        scenario, Protocol(max_rounds=max_rounds), engine, MonteCarlo(n_runs=HAND_N, seed=HAND_SEED, save_outcomes=False)
    )
    n = summary["n_runs"]
    top = summary["top_packages"][0]
    case = f"hand-traced path, {variant}"
    every = lambda group: tuple(k for k, v in summary[group].items() if v["count"] == n)  # noqa: E731
    return [
        exact_check(case, "status of every run", (status,), every("status"), engine, n),
        exact_check(case, "rounds of every run", {str(rounds): n}, {k: v for k, v in summary["rounds"]["histogram"].items() if v}, engine, n),
        exact_check(case, "highest rung of every run", (rung,), every("highest_rung"), engine, n),
        exact_check(case, "final package of every run", (package, n), (tuple(top["package"].values()), top["count"]), engine, n),
        exact_check(case, "mean utilities", utilities, tuple(summary["mean_utility"].values()), engine, n),
        exact_check(case, "blocker of every run", (blocker,), every("blocker"), engine, n),
    ]


# --- 4. The Nash bargaining package and the Pareto frontier ------------------------------------
#
# One item with three levels (three packages): status_quo, arms_control, grand_bargain; two
# actors. Utility = value (one item, salience 1), so E[U_a(package)] is the mean of a prior:
#   US      arms_control  uniform[0, 0.4]                       mean  0.2
#           grand_bargain beta(2, 2) on [-0.3, 0.2]             mean -0.05
#           reservation   uniform[-0.4, -0.2]                   mean -0.3
#   Russia  arms_control  normal(0.3, 0.15) cut to [0, 0.5]     mean 0.3 + 0.15 (phi(-2) - phi(4/3)) / (Phi(4/3) - Phi(-2))
#           grand_bargain uniform[0.5, 0.9]                     mean  0.7
#           reservation   beta(2, 5) on [0, 0.35]               mean  0.1
# Expected utilities (US, Russia): status quo (0, 0), arms control (0.2, 0.2814), grand bargain
# (-0.05, 0.7). Pareto frontier (no other package at least as good for both and better for one):
# arms control and grand bargain; the status quo is dominated by arms control. Nash bargaining
# package (Nash 1950): the package maximising the product of gains over the disagreement point
# d = (E r_US, E r_R) = (-0.3, 0.1) among those where both gains are >= 0: status quo has Russia's
# gain -0.1 (infeasible); arms control 0.5 * 0.1814 = 0.0907; grand bargain 0.25 * 0.6 = 0.15.
# The Nash package is the grand bargain.
#
# The estimates come from the real sampler (sim.sampling.draw: streams, inverse CDFs) and the
# real utility tables (sim.core.decisions.utility_tables); the frontier and
# the Nash package are computed here, independently of the package explorer (analysis/explorer.py,
# which test_nash.py also checks against the closed form when it is present).

NASH_N = 40_000
NASH_SEED = 1950
NASH_PACKAGES = ("status_quo", "arms_control", "grand_bargain")


def nash_scenario() -> Scenario:
    return scenario_from_dict(
        {
            "name": "three_packages",
            "as_of": "2022-01-26",
            "title": "Three packages, two actors",
            "description": "Status quo, an arms-control deal and a grand bargain.",
            "items": {"deal": {"levels": list(NASH_PACKAGES)}},
            "opening_offer": {"deal": "status_quo"},
            "escalation": escalation(1, -1000.0),
            "actors": {
                "us": actor({"deal": {"arms_control": uniform(0.0, 0.4), "grand_bargain": beta(2, 2, -0.3, 0.2)}},
                            uniform(-0.4, -0.2)),
                "russia": actor({"deal": {"arms_control": truncnormal(0.3, 0.15, 0.0, 0.5), "grand_bargain": uniform(0.5, 0.9)}},
                                beta(2, 5, 0.0, 0.35)),
            },
        }
    )


def nash_closed_form() -> dict:
    alpha, beta_ = (0 - 0.3) / 0.15, (0.5 - 0.3) / 0.15
    phi, Phi = stats.norm.pdf, stats.norm.cdf
    russia_arms = 0.3 + 0.15 * (phi(alpha) - phi(beta_)) / (Phi(beta_) - Phi(alpha))
    utilities = np.array([[0.0, 0.2, -0.3 + 0.5 * 2 / 4], [0.0, russia_arms, 0.7]])  # (actor, package)
    disagreement = np.array([-0.3, 0.35 * 2 / 7])
    return {"utilities": utilities, "disagreement": disagreement}


def pareto_frontier(utilities: np.ndarray) -> tuple[int, ...]:
    """Packages (columns) that no other package weakly dominates with one strict gain."""
    n = utilities.shape[1]
    return tuple(
        p for p in range(n)
        if not any(np.all(utilities[:, q] >= utilities[:, p]) and np.any(utilities[:, q] > utilities[:, p]) for q in range(n) if q != p)
    )


def nash_package(utilities: np.ndarray, disagreement: np.ndarray) -> tuple[int, np.ndarray]:
    """The package maximising the product of gains over ``disagreement`` among the packages where
    every gain is >= 0 (-1 if there is none), and every package's product (-inf where infeasible)."""
    gains = utilities - disagreement[:, None]
    products = np.where(np.all(gains >= 0, axis=0), np.prod(gains, axis=0), -np.inf)
    return (int(np.argmax(products)) if np.isfinite(products).any() else -1), products


def sampled_utilities(scenario: Scenario, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(runs, actors, packages) utilities from the real sampler and utility tables, and the
    (runs, actors) reservations."""
    draws = draw(scenario, Protocol(), seed, 0, n)
    actors = draws.actors
    table = decisions.utility_tables(actors.values, actors.salience, scenario.n_levels)
    return table, np.asarray(actors.reservation)


def nash_checks(n: int = NASH_N, seed: int = NASH_SEED) -> list[Check]:
    scenario = nash_scenario()
    closed = nash_closed_form()
    table, reservation = sampled_utilities(scenario, n, seed)
    engine = "sampler"
    checks = []
    for a, actor_name in enumerate(scenario.actor_names):
        for p, package in enumerate(NASH_PACKAGES):
            if p == 0:
                checks.append(exact_check("nash", f"U_{actor_name}({package}) = 0 in every run", 0.0,
                                          float(np.abs(table[:, a, p]).max()), engine, n))
            else:
                checks.append(mean_check("nash", f"E U_{actor_name}({package})", float(closed["utilities"][a, p]), table[:, a, p], engine))
        checks.append(mean_check("nash", f"E r_{actor_name} (disagreement point)", float(closed["disagreement"][a]),
                                 reservation[:, a], engine))
    estimated = table.mean(axis=0)
    expected_frontier = pareto_frontier(closed["utilities"])
    expected_nash, _ = nash_package(closed["utilities"], closed["disagreement"])
    simulated_nash, _ = nash_package(estimated, reservation.mean(axis=0))
    names = lambda ps: tuple(NASH_PACKAGES[p] for p in ps)  # noqa: E731
    checks.append(exact_check("nash", "Pareto frontier of expected utilities", names(expected_frontier),
                              names(pareto_frontier(estimated)), engine, n))
    checks.append(exact_check("nash", "Nash bargaining package", NASH_PACKAGES[expected_nash],
                              NASH_PACKAGES[simulated_nash], engine, n))
    return checks

