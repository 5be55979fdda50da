"""Calibration (``negsim-calibrate``, :mod:`analysis.calibrate`): the implausibility and the
acceptance rule by hand, the targets file's checks, the refusal of a back-test, the calibrated
scenario (valid, audited, runnable), and simulation-based calibration: targets generated from
known values are recovered at the stated rate, by a check that fails when the Monte Carlo
variance is left out."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import yaml
from scipy import stats

from analysis import calibrate as cal
from sim.errors import ConfigError

TARGETS = {
    "scenario": "lieven_2022",
    "protocol": "single_text",
    "targets": [{"quantity": "war", "interval": [0.65, 0.79], "source": "test"}],
    "priors": {"escalation.beta0": [-4.6, 0.0], "escalation.p_deadline": [0.1, 0.9]},
}


def write(tmp_path, data, name="targets.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lieven():
    """lieven_2022 under single_text: (plain data, protocol, engine, mc)."""
    from sim.api import build, compose

    _, protocol, engine, mc, container = build(compose("lieven_2022", "single_text", n_runs=2000, seed=0))
    return container["scenario"], protocol, engine, mc


# --- by hand -----------------------------------------------------------------------------------


def test_implausibility_by_hand():
    # |0.3 - 0.4| / sqrt(0.05**2 + 0.3 * 0.7 / 100) = 0.1 / sqrt(0.0025 + 0.0021) = 0.1 / 0.067823
    assert cal.implausibility(0.3, 100, 0.4, 0.05) == pytest.approx(1.474420, abs=1e-6)
    # the Monte Carlo variance vanishes at p = 0: only the target's sd is left
    assert cal.implausibility(0.0, 100, 0.1, 0.05) == pytest.approx(2.0)
    # vectorised over points (rows) and targets (columns)
    both = cal.implausibility(np.array([[0.3, 0.5]]), 100, np.array([0.4, 0.5]), np.array([0.05, 0.1]))
    assert both.shape == (1, 2) and both[0, 1] == 0.0


def test_a_point_is_accepted_iff_its_largest_implausibility_is_at_most_the_cutoff():
    scores = np.array([[1.0, 2.9], [3.01, 0.0], [3.0, 3.0], [0.2, 7.0]])
    assert cal.accepted(scores).tolist() == [True, False, True, False]
    assert cal.accepted(scores, cutoff=1.0).tolist() == [False, False, False, False]
    assert cal.accepted(scores, cutoff=8.0).all()


def test_an_interval_is_read_as_a_central_95_percent_interval(tmp_path):
    spec = cal.read_targets(write(tmp_path, TARGETS))
    (target,) = spec.targets
    assert target.value == pytest.approx(0.72)
    assert target.sd == pytest.approx(0.14 / (2 * 1.959964), rel=1e-6)  # 0.035715
    assert [p.path for p in spec.priors] == ["escalation.beta0", "escalation.p_deadline"]


def test_the_design_is_seeded_balanced_and_inside_the_ranges(tmp_path):
    spec = cal.read_targets(write(tmp_path, TARGETS))
    first, again, other = (cal.design(spec.priors, 64, seed) for seed in (3, 3, 4))
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.shape == (64, 2)
    assert (first[:, 0] >= -4.6).all() and (first[:, 0] <= 0).all()
    # a Sobol design at a power of 2 puts exactly a quarter of the points in each quarter
    assert np.histogram(first[:, 1], bins=4, range=(0.1, 0.9))[0].tolist() == [16, 16, 16, 16]


# --- bad targets files -------------------------------------------------------------------------


def _bad(key, value):
    data = yaml.safe_load(yaml.safe_dump(TARGETS))
    if key.startswith("targets[0]."):
        data["targets"][0][key.removeprefix("targets[0].")] = value
    else:
        data[key] = value
    return data


BAD = [
    (_bad("targets", []), "targets: must be a non-empty list"),
    (_bad("targets[0].quantity", "peace"), "targets[0].quantity: use war"),
    (_bad("targets[0].interval", [0.8, 0.6]), "targets[0].interval: low must be below high"),
    (_bad("targets[0].interval", [0.5, 1.5]), "targets[0].interval: a target is a probability"),
    (_bad("targets[0].value", 0.5), "targets[0]: give either value and tolerance, or an interval"),
    (_bad("targets[0].source", ""), "targets[0].source: must be a non-empty string"),
    (_bad("targets[0].protocol", "ultimatum"), "targets[0].protocol: every target is on the file's protocol"),
    (_bad("targets[0].colour", "red"), "targets[0].colour: unknown key"),
    (_bad("priors", {"escalation.beta0": [1, 0]}), "priors.escalation.beta0: low must be below high"),
    (_bad("priors", {"escalation.beta0": "wide"}), "priors.escalation.beta0: must be the allowed range"),
    (_bad("priors", {"escalation.beta0": [-(10**400), 0]}), "priors.escalation.beta0: must be a finite number"),
    (_bad("targets[0].interval", [True, 0.9]), "targets[0].interval: must be a finite number"),
    (_bad("extra", 1), "extra: unknown key of a targets file"),
]


@pytest.mark.parametrize("data, text", BAD, ids=[t for _, t in BAD])
def test_a_bad_targets_file_is_one_line_naming_the_field(tmp_path, data, text):
    with pytest.raises(ConfigError) as error:
        cal.read_targets(write(tmp_path, data))
    assert str(error.value).startswith(text) and "\n" not in str(error.value)


def test_tolerance_must_be_positive(tmp_path):
    data = _bad("targets[0].value", 0.5)
    del data["targets"][0]["interval"]
    data["targets"][0]["tolerance"] = 0
    with pytest.raises(ConfigError, match=r"^targets\[0\].tolerance: must be > 0"):
        cal.read_targets(write(tmp_path, data))


@pytest.mark.parametrize(
    "priors, text",
    [
        ({"escalation.nope": [0, 1]}, "priors.escalation.nope: no such prior"),
        ({"escalation.aftermath": [0, 6]}, "priors.escalation.aftermath: a whole-number prior"),
        ({"escalation.p_deadline": [0.5, 1.5]}, "priors.escalation.p_deadline: leaves the parameter's allowed range [0, 1]"),
    ],
)
def test_a_prior_that_cannot_be_calibrated_is_refused(tmp_path, lieven, priors, text):
    from sim.scenario import scenario_from_dict

    spec = cal.read_targets(write(tmp_path, {**TARGETS, "priors": priors}))
    with pytest.raises(ConfigError, match=f"^{text}".replace("[", r"\[").replace("]", r"\]")):
        cal.check_spec(spec, scenario_from_dict(lieven[0]), "single_text")


def test_a_back_test_is_not_calibrated_on_the_outcome_it_tests(tmp_path):
    """us_response_2022 is a back-test: every quantity is an outcome of the talks it tests."""
    from sim.api import build, compose

    scenario, protocol, *_ = build(compose("us_response_2022", "single_text", n_runs=10))
    spec = cal.read_targets(write(tmp_path, {**TARGETS, "scenario": "us_response_2022"}))
    with pytest.raises(ConfigError) as error:
        cal.check_spec(spec, scenario, protocol.name)
    message = str(error.value)
    assert message.startswith("targets[0].quantity: us_response_2022 is a back-test (backtest: true, as_of 2022-01-26)")
    assert "may not be calibrated on the outcome it tests" in message


# --- a calibration and its scenario ------------------------------------------------------------


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, lieven):
    data, protocol, engine, mc = lieven
    path = write(tmp_path_factory.mktemp("targets"), TARGETS)
    return cal.calibrate(cal.read_targets(path), data, protocol, engine, mc, points=32, version="test")


def test_the_calibration_accepts_a_strict_part_of_the_box_and_fits_there(calibrated):
    points = calibrated.points
    assert 0 < calibrated.n_accepted < len(points)
    assert (points.loc[points["accepted"], "I_max"] <= 3).all() and (points.loc[~points["accepted"], "I_max"] > 3).all()
    beta0 = calibrated.region.set_index("prior").loc["escalation.beta0"]
    assert -4.6 < beta0.accepted_low < beta0.accepted_high <= 0.0
    # P(war) rises with beta0 (the intercept of P(climb)): what is accepted is a band of it
    ok = points["accepted"]
    assert points.loc[ok, "escalation.beta0"].min() > points.loc[~ok & (points["sim.war"] < 0.65), "escalation.beta0"].max()
    fit = calibrated.fit.iloc[0]
    assert fit.best_I <= 3 and fit.accepted_sim_low >= 0.72 - 3 * 0.036 - 0.02


def test_the_calibrated_scenario_records_its_targets_passes_the_audit_and_runs(tmp_path, calibrated):
    import sim
    from sim.evidence import QuoteChecker, audit_file, load_ledger, load_sources, sources_dir

    data = calibrated.calibrated
    prior = data["escalation"]["beta0"]
    assert prior["evidence"] == "calibrated" and prior["dist"] == "uniform"
    assert prior["targets"].startswith("war: P(war) in [0.65, 0.79] (95%); source: test. Fitted by negsim-calibrate test")
    assert "quote" not in prior  # only a quote prior has one
    assert data["escalation"]["beta_gap"]["evidence"] == "quote"  # the others untouched
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    audit = audit_file(path, load_sources(), QuoteChecker(sources_dir(), load_ledger()))
    assert audit.violations == [], audit.violations
    result = sim.run(overrides=[f"scenario_file={path}"], n_runs=500, seed=0)
    assert result.summary["scenario"] == "calibrated_lieven_2022"


# --- simulation-based calibration --------------------------------------------------------------


def test_targets_generated_from_known_values_are_recovered_at_the_stated_rate(tmp_path, lieven):
    """Simulation-based calibration. In each of K trials: a true beta0 drawn uniformly from
    the searched range; the target is P(war) at it from 2,000 runs of another seed, with its
    own sampling sd as the tolerance (so the target states its uncertainty truly); the
    calibration's runs (2,000, the trial's seed) at the truth give its implausibility. For one
    target with normal errors the truth is accepted with probability 2 Phi(c) - 1: checked at
    c = 1 (68%) and c = 2 (95%) by a two-sided binomial test. The same test rejects the
    implausibility without the Monte Carlo variance (it would accept the truth too rarely), so
    it can fail. In the first trials a design of 16 points also shows the accepted region is
    a strict part of the box that holds the truth."""
    data, protocol, engine, mc = lieven
    spec = cal.read_targets(write(tmp_path, {**TARGETS, "priors": {"escalation.beta0": [-4.6, 0.0]}}))
    trials, n_obs = 100, 2000
    truths = np.random.default_rng(2026).uniform(-4.6, 0.0, trials)
    simulated, observed = np.empty(trials), np.empty(trials)
    for k, truth in enumerate(truths):
        fixed = cal.fixed_at(data, {"escalation.beta0": truth})
        (target,) = cal.simulate(fixed, protocol, engine, dataclasses.replace(mc, n_runs=n_obs, seed=10_000 + k), ("war",))
        observed[k] = target["p"]
        sd = max(math.sqrt(target["p"] * (1 - target["p"]) / n_obs), 1e-3)
        trial_mc = dataclasses.replace(mc, seed=k)
        (simulated[k],) = (r["p"] for r in cal.simulate(fixed, protocol, engine, trial_mc, ("war",)))
        if k < 4:  # the same through the calibration's own functions, and a design
            trial = dataclasses.replace(spec, targets=(dataclasses.replace(spec.targets[0], value=target["p"], sd=sd),))
            (score,) = cal.truth_implausibility(trial, data, protocol, engine, trial_mc, {"escalation.beta0": truth})
            assert score == pytest.approx(cal.implausibility(simulated[k], mc.n_runs, target["p"], sd))
            result = cal.calibrate(trial, data, protocol, engine, trial_mc, points=16)
            low, high = result.region.iloc[0][["accepted_low", "accepted_high"]]
            assert 0 < result.n_accepted < 16 and (high - low) < 0.5 * 4.6, result.region
            assert low - 4.6 / 16 <= truth <= high + 4.6 / 16, (truth, low, high)
    obs_sd = np.maximum(np.sqrt(observed * (1 - observed) / n_obs), 1e-3)
    scores = cal.implausibility(simulated, mc.n_runs, observed, obs_sd)
    for cutoff in (1.0, 2.0):
        stated = 2 * stats.norm.cdf(cutoff) - 1
        covered = int((scores <= cutoff).sum())
        assert stats.binomtest(covered, trials, stated).pvalue > 0.01, (cutoff, covered, stated)
    naive = np.abs(simulated - observed) / obs_sd  # the Monte Carlo variance left out
    assert stats.binomtest(int((naive <= 1.0).sum()), trials, 2 * stats.norm.cdf(1.0) - 1).pvalue < 0.01


def test_when_nothing_is_accepted_no_scenario_is_written_and_the_words_say_why(tmp_path, lieven):
    """P(war) of 0.99 ± 0.001 is out of reach with beta0 in [-4.6, -4]: every point is ruled out."""
    from analysis.calibrate_cli import format_calibration, write_outputs

    data, protocol, engine, mc = lieven
    targets = {**TARGETS, "targets": [{"quantity": "war", "value": 0.99, "tolerance": 0.001, "source": "test"}],
               "priors": {"escalation.beta0": [-4.6, -4.0]}}  # fmt: skip
    result = cal.calibrate(cal.read_targets(write(tmp_path, targets)), data, protocol, engine, mc, points=4)
    assert result.n_accepted == 0 and result.calibrated is None
    assert result.fit["check_p"].isna().all() and (result.fit["best_I"] > 3).all()
    assert "No point is accepted" in format_calibration(result)
    names = {p.name for p in write_outputs(result, tmp_path / "out", figures=True)}
    assert not any(n.startswith("calibrated_") for n in names) and "calibrate_pairs.png" in names


def test_the_outputs_are_written_and_the_scenario_file_reads_back(tmp_path, calibrated):
    from analysis.calibrate_cli import write_outputs
    from sim.scenario_file import load

    names = {p.name for p in write_outputs(calibrated, tmp_path, figures=True)}
    assert {"points.parquet", "points.csv", "fit.csv", "region.csv", "calibrate.json", "calibrate.md",
            "calibrated_lieven_2022.yaml", "calibrate_marginals.png", "calibrate_pairs.png",
            "calibrate_implausibility.png"} == names  # fmt: skip
    assert load(tmp_path / "calibrated_lieven_2022.yaml") == calibrated.calibrated
