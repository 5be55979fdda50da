"""Prior distributions: inverse CDFs against scipy.stats, supports, and parse_prior's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.errors import ConfigError
from sim.parameters import POSITIVE, PROBABILITY, REAL, UNIT, Range
from sim.priors import Prior, parse_prior
from sim.sampling import open_uniforms

# Uniforms strictly inside (0, 1), from open_uniforms' smallest value (2^-54) to 1 - 1e-6.
U = np.concatenate([[2.0**-54, 1e-12, 1e-6], np.linspace(0.001, 0.999, 999), [1 - 1e-6]])


def prior(dist: str, **params) -> dict:
    return {"dist": dist, **params, "rationale": "why", "source": "where", "evidence": "assumption"}


def test_fixed_ppf_is_the_value_whatever_the_uniform():
    """A fixed prior maps every uniform (even an uninitialised one) to its value."""
    p = parse_prior(prior("fixed", value=0.25), "x", UNIT)
    out = p.ppf(np.array([0.0, 0.3, 0.999, np.nan]))
    assert out.dtype == np.float64
    assert np.array_equal(out, np.full(4, 0.25))
    assert p.support() == (0.25, 0.25)
    assert p.is_fixed and p.mean() == 0.25


def test_uniform_ppf_matches_scipy():
    """uniform(low, high): ppf(u) = low + u (high - low), as scipy.stats.uniform."""
    p = parse_prior(prior("uniform", low=-0.25, high=0.5), "x", UNIT)
    expected = stats.uniform.ppf(U, loc=-0.25, scale=0.75)
    np.testing.assert_allclose(p.ppf(U), expected, rtol=0, atol=1e-15)
    # hand values: low + 0.5 * 0.75 = 0.125; low + 0.25 * 0.75 = -0.0625 (exact in binary)
    assert p.ppf(np.array([0.5, 0.25])).tolist() == [0.125, -0.0625]
    assert p.support() == (-0.25, 0.5)
    assert p.mean() == 0.125


def test_normal_ppf_matches_scipy():
    """normal(mean, sd) inverse CDF equals scipy.stats.norm.ppf."""
    p = parse_prior(prior("normal", mean=-3.0, sd=0.5), "x", REAL)
    np.testing.assert_allclose(p.ppf(U), stats.norm.ppf(U, loc=-3.0, scale=0.5), rtol=1e-13, atol=0)
    assert p.ppf(np.array([0.5]))[0] == -3.0
    assert p.support() == (-math.inf, math.inf)


@pytest.mark.parametrize(
    "mean, sd, low, high",
    [
        (0.0, 1.0, -1.0, 2.0),  # mode inside
        (-0.04, 0.04, -0.15, 0.05),  # a ratifier bias as in the bundled scenarios
        (0.0, 1.0, 2.0, 3.0),  # both bounds above the mean (upper tail)
        (0.0, 1.0, -3.0, -2.0),  # both bounds below the mean (lower tail)
        (0.3, 0.1, 0.0, 1.0),  # a probability
    ],
)
def test_truncnormal_ppf_matches_scipy(mean, sd, low, high):
    """truncnormal inverse CDF equals scipy.stats.truncnorm.ppf and stays in [low, high]."""
    p = parse_prior(prior("truncnormal", mean=mean, sd=sd, low=low, high=high), "x", REAL)
    a, b = (low - mean) / sd, (high - mean) / sd
    inner = U[(U > 1e-9) & (U < 1 - 1e-3)]
    np.testing.assert_allclose(
        p.ppf(inner),
        stats.truncnorm.ppf(inner, a, b, loc=mean, scale=sd),
        rtol=0,
        atol=1e-12 * max(1.0, sd),
    )
    extremes = open_uniforms(np.array([0.0, 0.5 - 2.0**-54, 1 - 2.0**-52]))
    x = p.ppf(extremes)
    assert np.all((x >= low) & (x <= high))
    assert p.support() == (low, high)


def test_truncnormal_ppf_upper_tail_precision():
    """In the upper tail of a truncation [a, b] with a < 0 the ppf keeps its digits.

    Reference values: the exact quantile of N(0, 1) on [-1, 8] at these (binary) u, solved with
    mpmath at 40 digits. scipy.stats.truncnorm.ppf itself is off by 3.5e-9 at u = 1 - 1e-9.
    """
    p = parse_prior(prior("truncnormal", mean=0.0, sd=1.0, low=-1.0, high=8.0), "x", REAL)
    u = np.array([1 - 1e-6, 1 - 1e-9])
    exact = np.array([4.788217826892718, 6.025805861793342])
    np.testing.assert_allclose(p.ppf(u), exact, rtol=1e-14, atol=0)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (0.1, 0.3), (-0.5, 0.25)])
def test_beta_ppf_matches_scipy(low, high):
    """beta(a, b) on [low, high] equals scipy.stats.beta.ppf with loc/scale and stays inside."""
    p = parse_prior(prior("beta", a=2.0, b=5.0, low=low, high=high), "x", UNIT)
    expected = stats.beta.ppf(U, 2.0, 5.0, loc=low, scale=high - low)
    np.testing.assert_allclose(p.ppf(U), expected, rtol=1e-12, atol=1e-15)
    x = p.ppf(open_uniforms(np.array([0.0, 1 - 2.0**-52])))
    assert np.all((x >= low) & (x <= high))
    # mean = low + (high - low) * a / (a + b) = low + (high - low) * 2/7
    assert p.mean() == pytest.approx(low + (high - low) * 2 / 7, abs=1e-15)


def test_beta_defaults_to_the_unit_interval():
    """A beta prior without low/high lives on [0, 1] (so it is a valid probability prior)."""
    p = parse_prior(prior("beta", a=1.0, b=3.0), "escalation.p_deadline", PROBABILITY)
    assert p.support() == (0.0, 1.0)
    # beta(1, 3): F(x) = 1 - (1 - x)^3, so ppf(7/8) = 1 - (1/8)^(1/3) = 1/2
    assert p.ppf(np.array([0.875]))[0] == pytest.approx(0.5, abs=1e-15)


def test_open_uniforms_maps_zero_inside():
    """u = 0 becomes 2^-54 (> 0), so a normal's inverse CDF at the smallest uniform is finite."""
    assert open_uniforms(np.array([0.0]))[0] == 2.0**-54
    p = parse_prior(prior("normal", mean=0.0, sd=1.0), "x", REAL)
    assert np.isfinite(p.ppf(open_uniforms(np.array([0.0])))[0])


def test_open_uniforms_maps_the_largest_uniform_inside():
    """The largest uniform numpy returns, 1 - 2^-53, stays below 1 and gives a finite draw."""
    largest = np.array([1.0 - 2.0**-53])
    assert open_uniforms(largest)[0] < 1.0
    p = parse_prior(prior("normal", mean=0.0, sd=1.0), "x", REAL)
    assert np.isfinite(p.ppf(open_uniforms(largest))[0])


# --- parse_prior's errors: each names the field -------------------------------------------


@pytest.mark.parametrize(
    "node, field",
    [
        (prior("normal", mean=0.0, sd=0.0), "p.sd"),
        (prior("normal", mean=0.0, sd=-1.0), "p.sd"),
        (prior("truncnormal", mean=0.0, sd=0.0, low=-1.0, high=1.0), "p.sd"),
        (prior("uniform", low=0.5, high=0.5), "p.high"),
        (prior("uniform", low=0.6, high=0.5), "p.high"),
        (prior("truncnormal", mean=0.0, sd=1.0, low=1.0, high=-1.0), "p.high"),
        (prior("beta", a=0.0, b=1.0), "p.a"),
        (prior("beta", a=1.0, b=-2.0), "p.b"),
        (prior("beta", a=1.0, b=1.0, low=0.8, high=0.2), "p.high"),
    ],
)
def test_impossible_parameters(node, field):
    """sd <= 0, low >= high and non-positive beta shapes are rejected at their own field."""
    with pytest.raises(ConfigError) as error:
        parse_prior(node, "p", REAL)
    assert error.value.field == field


@pytest.mark.parametrize(
    "node, field",
    [
        ({"dist": "fixed", "rationale": "r", "source": "s", "evidence": "assumption"}, "p.value"),
        (prior("uniform", low=0.0), "p.high"),
        (prior("normal", mean=0.0, sd=float("nan")), "p.sd"),
        (prior("uniform", low="zero", high=1.0), "p.low"),
        (prior("uniform", low=True, high=1.0), "p.low"),
        (prior("gamma", shape=1.0), "p.dist"),
        ({"low": 0.0, "high": 1.0, "rationale": "r", "source": "s", "evidence": "assumption"}, "p.dist"),
        (prior("uniform", low=0.0, high=1.0, sd=1.0), "p.sd"),
        (0.5, "p"),
    ],
)
def test_malformed_priors(node, field):
    """Missing or non-numeric parameters, unknown families and stray keys name their field."""
    with pytest.raises(ConfigError) as error:
        parse_prior(node, "p", REAL)
    assert error.value.field == field


def test_unused_schema_fields_are_ignored():
    """Keys of the structured config's schema that are None (unused) are not errors."""
    p = parse_prior({**prior("uniform", low=0.0, high=1.0), "mean": None, "sd": None}, "p", UNIT)
    assert p.params == {"low": 0.0, "high": 1.0}


@pytest.mark.parametrize(
    "node, allowed, path",
    [
        (prior("normal", mean=0.5, sd=0.1), PROBABILITY, "escalation.p_spillover"),
        (prior("uniform", low=-0.1, high=0.5), PROBABILITY, "escalation.p_deadline"),
        (prior("fixed", value=1.5), UNIT, "actors.us.reservation"),
        (prior("normal", mean=8.0, sd=1.0), POSITIVE, "actors.us.deadline"),
        (prior("uniform", low=0.0, high=10.0), POSITIVE, "actors.us.deadline"),
        (prior("truncnormal", mean=0.0, sd=1.0, low=-2.0, high=2.0), UNIT, "actors.us.values.x.y"),
        (prior("beta", a=2.0, b=2.0, low=-1.5, high=0.0), UNIT, "actors.us.reservation"),
    ],
)
def test_support_outside_the_allowed_range(node, allowed, path):
    """A prior whose support leaves its field's range is rejected at the prior's own path."""
    with pytest.raises(ConfigError) as error:
        parse_prior(node, path, allowed)
    assert error.value.field == path
    assert "allowed range" in error.value.reason


@pytest.mark.parametrize(
    "node, allowed",
    [
        (prior("uniform", low=0.0, high=1.0), PROBABILITY),  # closed interval: bounds allowed
        (prior("beta", a=2.0, b=3.0), PROBABILITY),
        (prior("normal", mean=0.0, sd=1.0), REAL),
        (prior("truncnormal", mean=5.0, sd=3.0, low=1.0, high=12.0), POSITIVE),
        (prior("fixed", value=-1.0), UNIT),
    ],
)
def test_support_inside_the_allowed_range(node, allowed):
    """Supports on or inside the allowed range's bounds are accepted."""
    assert isinstance(parse_prior(node, "p", allowed), Prior)


def test_support_message_names_the_range():
    """The error gives the prior's support and the range, open or closed at its low end."""
    with pytest.raises(ConfigError) as error:
        parse_prior(prior("uniform", low=0.0, high=10.0), "actors.us.deadline", POSITIVE)
    assert error.value.reason == (
        "support [0, 10] of this uniform prior leaves the allowed range (0, inf]"
    )
    with pytest.raises(ConfigError) as error:
        parse_prior(prior("uniform", low=-0.5, high=1.5), "actors.us.reservation", UNIT)
    assert error.value.reason.endswith("leaves the allowed range [-1, 1]")


@pytest.mark.parametrize(
    "allowed, range_",
    [
        ((0.0, 1.0), PROBABILITY),
        ((-1.0, 1.0), UNIT),
        ((0.0, math.inf, True), POSITIVE),
        ((-math.inf, math.inf), REAL),
    ],
)
def test_a_tuple_is_still_a_range(allowed, range_):
    """``(low, high)`` and ``(low, high, open_low)`` still work as ``allowed``, exactly as the
    Range they spell: same accepted priors, same rejections, same messages."""
    assert Range(*allowed) == range_
    nodes = [
        prior("uniform", low=0.0, high=1.0),  # both bounds closed
        prior("uniform", low=0.25, high=0.5),
        prior("uniform", low=-0.5, high=0.5),
        prior("fixed", value=1.5),
        prior("normal", mean=0.0, sd=1.0),
        prior("truncnormal", mean=5.0, sd=3.0, low=1.0, high=12.0),
    ]
    verdicts = []
    for node in nodes:
        outcomes = []
        for bounds in (allowed, range_):
            try:
                outcomes.append(parse_prior(node, "p", bounds))
            except ConfigError as error:
                outcomes.append(error.reason)
        assert outcomes[0] == outcomes[1], node
        verdicts.append(isinstance(outcomes[0], Prior))
    expected = {
        "[0, 1]": [True, True, False, False, False, False],
        "[-1, 1]": [True, True, True, False, False, False],
        "(0, inf]": [False, True, False, True, False, True],
        "[-inf, inf]": [True] * 6,
    }
    assert verdicts == expected[str(range_)]


@pytest.mark.parametrize("missing", ["rationale", "source"])
@pytest.mark.parametrize("bad", [None, "", "   "])
def test_rationale_and_source_are_required(missing, bad):
    """A prior without a (non-blank) rationale or source is rejected at that field."""
    node = prior("uniform", low=0.0, high=1.0)
    if bad is None:
        del node[missing]
    else:
        node[missing] = bad
    with pytest.raises(ConfigError) as error:
        parse_prior(node, "actors.russia.reservation", UNIT)
    assert error.value.field == f"actors.russia.reservation.{missing}"


def test_config_error_message_names_field_and_value():
    """str(ConfigError) is one line: field, reason, and the bad value."""
    with pytest.raises(ConfigError) as error:
        parse_prior(prior("normal", mean=0.0, sd=-2.0), "escalation.beta0", REAL)
    message = str(error.value)
    assert message.startswith("escalation.beta0.sd: ")
    assert message.endswith("(got -2.0)")
    assert "\n" not in message


# --- evidence: what a prior rests on (DESIGN.md, "Evidence") ------------------------------


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ({"evidence": None}, "p.evidence", "every prior needs an evidence type"),
        ({"evidence": ""}, "p.evidence", "every prior needs an evidence type"),
        ({"evidence": "hunch"}, "p.evidence", "unknown evidence type"),
        ({"evidence": "quote"}, "p.quote", "a quote prior needs a quote"),
        ({"evidence": "quote", "quote": "  "}, "p.quote", "a quote prior needs a quote"),
        ({"evidence": "quote", "quote": 3}, "p.quote", "must be a string"),
        ({"evidence": "external", "quote": "a phrase"}, "p.quote", "only a quote prior has a quote"),
        ({"evidence": "calibrated"}, "p.targets", "records the targets"),
        ({"evidence": "assumption", "targets": "P(war)"}, "p.targets", "only a calibrated prior has a targets"),
    ],
)
def test_bad_evidence_is_one_line_naming_the_field(extra, field, words):
    node = {**prior("uniform", low=0.0, high=1.0), **extra}
    if extra.get("evidence", "x") is None:
        del node["evidence"]
    with pytest.raises(ConfigError) as error:
        parse_prior(node, "p", UNIT)
    assert error.value.field == field
    assert words in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "extra",
    [
        {"evidence": "quote", "quote": "a commitment that we're bound to"},
        {"evidence": "external"},
        {"evidence": "assumption"},
        {"evidence": "calibrated", "targets": "P(agreement) of minsk_first under single_text"},
    ],
)
def test_each_evidence_type_is_kept_on_the_prior(extra):
    p = parse_prior({**prior("uniform", low=0.0, high=1.0), **extra}, "p", UNIT)
    assert p.evidence == extra["evidence"]
    assert p.quote == extra.get("quote", "") and p.targets == extra.get("targets", "")


def test_unused_evidence_fields_of_the_schema_are_ignored():
    """The structured config fills quote and targets with "" on every prior."""
    p = parse_prior({**prior("uniform", low=0.0, high=1.0), "quote": "", "targets": ""}, "p", UNIT)
    assert (p.evidence, p.quote, p.targets) == ("assumption", "", "")


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf"), float("nan")])
def test_a_number_no_float_holds_is_refused(value):
    """``10**400`` (a YAML integer) overflowed math.isfinite: a traceback, found by the fuzz test."""
    from sim.errors import ConfigError

    with pytest.raises(ConfigError, match="x.low: must be a finite number"):
        parse_prior(prior("uniform", low=value, high=0.5), "x", REAL)


@pytest.mark.parametrize("dist", [[], {"a": 1}, 1, None])
def test_a_distribution_that_is_not_a_name_is_refused(dist):
    """``dist: []`` raised TypeError (unhashable) where no structured config types it (the
    escalation shifts): a traceback, found by the fuzz test."""
    from sim.errors import ConfigError

    with pytest.raises(ConfigError, match="x.dist: unknown distribution"):
        parse_prior({**prior("uniform", low=0.0, high=0.5), "dist": dist}, "x", REAL)


def test_normal_families_are_scipys_ndtri_bit_for_bit():
    """The compiled inverse CDFs (sim.quantiles) call the C function behind
    scipy.special.ndtri: a normal prior gives mean + sd * ndtri(u) exactly, and a truncated
    one the two-sided inversion written here with scipy's ufuncs, exactly."""
    from scipy import special

    u = np.concatenate([U, np.linspace(1e-12, 1 - 1e-12, 10_001)])
    normal = parse_prior(prior("normal", mean=-3.0, sd=0.5), "x", REAL)
    assert np.array_equal(normal.ppf(u), -3.0 + 0.5 * special.ndtri(u))
    params = {"mean": 0.1, "sd": 0.3, "low": -0.2, "high": 0.9}
    truncated = parse_prior(prior("truncnormal", **params), "x", Range(-1.0, 1.0))
    a, b = (params["low"] - params["mean"]) / params["sd"], (params["high"] - params["mean"]) / params["sd"]
    lower, upper = special.ndtr(a), special.ndtr(b)
    below = lower + u * (upper - lower)
    above = special.ndtr(-b) + (1.0 - u) * (special.ndtr(-a) - special.ndtr(-b))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(below <= 0.5, special.ndtri(below), -special.ndtri(above))
    assert np.array_equal(truncated.ppf(u), np.clip(params["mean"] + params["sd"] * z, params["low"], params["high"]))
