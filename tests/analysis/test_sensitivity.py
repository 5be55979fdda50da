"""Sensitivity analysis: shifted priors keep common random numbers, bounds stay legal, and a
hand-computed case for the tornado, Morris and Sobol.

Hand-computed case (the small scenario, ``ultimatum``): Russia's reservation r is uniform on
[-1/8, 1/8] and the opening offer is the status quo (Russia's utility 0); everyone else has
reservation -1 and only the US and Russia are asked, the Senate does not vote, Russia never
escalates. So a run ends in agreement iff r <= 0, otherwise in a stalemate. Shifted by -1/8
(the default low bound: minus the prior's half-width) r lies in (-1/4, 0): P(agreement) = 1;
shifted by +1/8, r lies in (0, 1/4): P(agreement) = 0. The allies' reservation, uniform on
[-1, -1/2], cannot matter (their yes is not needed): its effect is exactly 0 in every design
(common random numbers), and its shifts are cut to [0, 1/4] so that it stays in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import sensitivity
from analysis.sensitivity import (
    analyse,
    default_bounds,
    format_result,
    select_factors,
    shifted_scenario,
)
from sim.errors import ConfigError
from sim.montecarlo import MonteCarlo
from sim.protocols import Protocol
from sim.sampling import draw

ULTIMATUM = Protocol("ultimatum", 1)
N = 200
RUSSIA = "actors.russia.reservation"
ALLIES = "actors.nato_allies.reservation"


@pytest.fixture
def case(scenario_dict, uniform_prior, build_scenario):
    data = scenario_dict
    data["actors"]["russia"]["reservation"] = uniform_prior(-0.125, 0.125)
    data["actors"]["nato_allies"]["reservation"] = uniform_prior(-1.0, -0.5)
    return build_scenario(data), data


def test_shifted_prior_keeps_common_random_numbers(case):
    scenario, data = case
    before = draw(scenario, ULTIMATUM, 4, 0, 500).parameters
    after = draw(shifted_scenario(data, {RUSSIA: 0.05}), ULTIMATUM, 4, 0, 500).parameters
    assert np.allclose(after[RUSSIA], before[RUSSIA] + 0.05, rtol=0, atol=1e-15)
    for path in before:
        if path != RUSSIA:
            assert np.array_equal(before[path], after[path]), path


def test_default_bounds_stay_inside_the_allowed_range(case, bundled_scenario):
    scenario, _ = case
    factors = {f.path: f for f in select_factors(scenario, [], 1.0, 0.1)}
    assert set(factors) == {RUSSIA, ALLIES}  # the non-fixed priors
    assert (factors[RUSSIA].low, factors[RUSSIA].high) == (-0.125, 0.125)
    assert (factors[ALLIES].low, factors[ALLIES].high) == (0.0, 0.25)
    lieven = bundled_scenario("lieven_2022")
    spill = lieven.priors()["escalation.p_spillover"]  # uniform [0.01, 0.08]
    assert default_bounds(spill, "escalation.p_spillover", 1.0, 0.1) == pytest.approx(
        (-0.01, 0.035)
    )
    deadline = lieven.priors()["actors.russia.deadline"]
    lo, _ = default_bounds(deadline, "actors.russia.deadline", 10.0, 0.1)
    assert deadline.support()[0] + lo > 0  # a deadline stays positive
    assert [f.path for f in select_factors(lieven, ["actors.russia.values.*"], 1.0, 0.1)] == [
        p for p in lieven.priors() if p.startswith("actors.russia.values.")
    ]
    with pytest.raises(ConfigError, match="matches no prior"):
        select_factors(lieven, ["actors.russia.nope"], 1.0, 0.1)
    with pytest.raises(ConfigError, match="allowed range"):
        select_factors(lieven, ["escalation.p_spillover:-0.5:0.1"], 1.0, 0.1)


def _base_agreement(scenario) -> float:
    r = draw(scenario, ULTIMATUM, 0, 0, N).parameters[RUSSIA]
    return float(np.count_nonzero(r <= 0.0)) / N


def test_tornado_by_hand(case):
    scenario, data = case
    factors = select_factors(scenario, [RUSSIA, ALLIES], 1.0, 0.1)
    result = analyse(
        scenario, data, ULTIMATUM, "batch", MonteCarlo(n_runs=N, seed=0), factors, method="oat"
    )
    table = result.table.set_index("factor")
    assert result.base["agreement"] == _base_agreement(scenario)
    assert 0.3 < result.base["agreement"] < 0.7
    assert (table.loc[RUSSIA, "lo.agreement"], table.loc[RUSSIA, "hi.agreement"]) == (1.0, 0.0)
    assert table.loc[RUSSIA, "swing.agreement"] == -1.0
    assert table.loc[ALLIES, "swing.agreement"] == 0.0
    assert (
        table.loc[ALLIES, "lo.agreement"]
        == table.loc[ALLIES, "hi.agreement"]
        == result.base["agreement"]
    )
    assert (table["swing.war"] == 0).all() and result.base["war"] == 0.0
    assert result.table["factor"].tolist() == [RUSSIA, ALLIES]  # sorted by |swing|
    assert len(result.points) == 5


def test_morris_and_sobol_see_only_the_factor_that_matters(case):
    scenario, data = case
    factors = select_factors(scenario, [RUSSIA, ALLIES], 1.0, 0.1)
    mc = MonteCarlo(n_runs=N, seed=0)
    morris = analyse(
        scenario, data, ULTIMATUM, "batch", mc, factors, method="morris", trajectories=4
    ).table.set_index("factor")
    assert (
        morris.loc[ALLIES, "mu_star.agreement"] == 0.0
        and morris.loc[ALLIES, "sigma.agreement"] == 0.0
    )
    assert morris.loc[RUSSIA, "mu_star.agreement"] > 0.5  # P moves from 1 to 0 across the range
    assert morris.loc[RUSSIA, "mu.agreement"] < 0  # a higher reservation, fewer agreements
    sobol = analyse(scenario, data, ULTIMATUM, "batch", mc, factors, method="sobol", base_samples=8)
    table = sobol.table.set_index("factor")
    assert table.loc[ALLIES, "ST.agreement"] == 0.0 and table.loc[ALLIES, "S1.agreement"] == 0.0
    assert table.loc[RUSSIA, "ST.agreement"] > 0.5
    assert len(sobol.points) == 5 + 8 * (2 + 2)
    assert (table["ST.war"] == 0).all()  # no variation at all: indices 0, not NaN


def test_repeatable(case):
    scenario, data = case
    factors = select_factors(scenario, [], 1.0, 0.1)
    mc = MonteCarlo(n_runs=N, seed=3)
    one = analyse(scenario, data, ULTIMATUM, "batch", mc, factors, method="morris", trajectories=3)
    two = analyse(scenario, data, ULTIMATUM, "batch", mc, factors, method="morris", trajectories=3)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.points, two.points)


def test_write_outputs(case, tmp_path):
    scenario, data = case
    factors = select_factors(scenario, [], 1.0, 0.1)
    result = analyse(
        scenario,
        data,
        ULTIMATUM,
        "batch",
        MonteCarlo(n_runs=N, seed=0),
        factors,
        method="morris",
        trajectories=3,
    )
    names = {p.name for p in sensitivity.write_outputs(result, tmp_path, figures=True)}
    assert {
        "sensitivity.parquet",
        "sensitivity.csv",
        "points.parquet",
        "sensitivity.json",
        "sensitivity_tornado.png",
        "sensitivity_morris.png",
    } <= names
    assert "mu*" in sensitivity.format_result(result)


def test_command(tmp_path, script, scenario_dict, uniform_prior, write_small):
    scenario_dict["actors"]["russia"]["reservation"] = uniform_prior(-0.125, 0.125)
    path = write_small(scenario_dict)
    out = tmp_path / "run"
    done = script(
        "negsim-sensitivity",
        [
            f"scenario_file={path}",
            "protocol=ultimatum",
            "mc.n_runs=100",
            "method=oat",
            f"factors=[{RUSSIA}]",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    table = pd.read_csv(out / "sensitivity.csv")
    assert table["factor"].tolist() == [RUSSIA] and table["lo.agreement"].tolist() == [1.0]
    assert (out / "figures" / "sensitivity_tornado.png").is_file()


@pytest.mark.parametrize(
    "args, field",
    [
        (["method=anova"], "method"),
        (["factors=[actors.russia.nope]"], "factors"),
        (["trajectories=1"], "trajectories"),
        (["shift=0"], "shift"),
    ],
)
def test_bad_command_lines(args, field):
    from analysis._tool import check_tool_command_line, tool_schema
    from analysis.sensitivity import SensitivityConf, _validate

    with tool_schema(SensitivityConf), pytest.raises(ConfigError) as error:
        check_tool_command_line(args, _validate)
    assert error.value.field == field


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_one_factor_runs_the_one_at_a_time_sweep(method):
    """Morris and Sobol need two factors or more: one factor is its tornado (``oat``), with a note
    (end to end: tests/analysis/test_empty_results.py)."""
    one, two = [object()], [object(), object()]
    chosen, note = sensitivity.method_for(method, one)
    assert chosen == "oat" and "method=oat" in note
    assert sensitivity.method_for(method, two) == (method, None)
    assert sensitivity.method_for("oat", one) == ("oat", None)


def test_first_order_given_data_by_hand():
    rng = np.random.default_rng(0)
    n = 4000
    x = np.column_stack([rng.permutation(n) for _ in range(3)]).astype(float)
    y = (x[:, 0] < n / 2).astype(float)  # a step in x0 only, exactly between classes 9 and 10
    s1 = sensitivity.first_order_given_data(x, y, bins=20)
    assert s1[0] == 1.0  # E[Y | class of x0] is Y itself: no within-class variance
    assert abs(s1[1]) < 0.01 and abs(s1[2]) < 0.01  # about 0 (the adjustment removes (B-1)/n)
    assert sensitivity.first_order_given_data(x, np.ones(n)).tolist() == [0.0, 0.0, 0.0]
    # Y = step(x0) + step(x1): E[Y | class of x0] = step(x0) + mean(step(x1) in the class), so
    # SSB is n/4 up to the classes' chance imbalance in x1 and S1 is about 1/2 for each
    both = y + (x[:, 1] < n / 2)
    sst = float(((both - both.mean()) ** 2).sum())
    s1 = sensitivity.first_order_given_data(x, both, bins=20)
    classes = np.argsort(np.argsort(x[:, 0])) * 20 // n
    means = np.array([both[classes == c].mean() for c in range(20)])
    ssb = float((n / 20 * (means - both.mean()) ** 2).sum())
    assert s1[0] == pytest.approx((ssb - 19 * (sst - ssb) / (n - 20)) / sst, rel=1e-12)
    assert s1[:2] == pytest.approx([0.5, 0.5], abs=0.05)


def test_given_data_by_hand(case, tmp_path):
    """One Monte Carlo: runs whose Russian reservation is in the bottom tenth of its draws
    (all below 0) all agree, those in the top tenth (all above 0) never do."""
    scenario, data = case
    factors = select_factors(scenario, [], 1.0, 0.1, shifts=False)
    result = analyse(
        scenario,
        data,
        ULTIMATUM,
        "batch",
        MonteCarlo(n_runs=N, seed=0),
        factors,
        method="given_data",
        out_dir=tmp_path,
    )
    table = result.table.set_index("factor")
    assert result.base["agreement"] == _base_agreement(
        scenario
    )  # the same runs as the shift designs
    assert (table.loc[RUSSIA, "lo.agreement"], table.loc[RUSSIA, "hi.agreement"]) == (1.0, 0.0)
    assert table.loc[RUSSIA, "q10"] < 0 < table.loc[RUSSIA, "q90"]
    assert table.loc[RUSSIA, "S1.agreement"] > 0.8 and abs(table.loc[ALLIES, "S1.agreement"]) < 0.1
    assert (tmp_path / "outcomes.parquet").is_file() and (tmp_path / "summary.json").is_file()
    names = {p.name for p in sensitivity.write_outputs(result, tmp_path, figures=True)}
    assert {"sensitivity.csv", "sensitivity_tornado.png", "sensitivity_given_data.png"} <= names
    assert "points.parquet" not in names
    with pytest.raises(ConfigError, match="fixed prior"):
        select_factors(scenario, ["actors.us.reservation"], 1.0, 0.1, shifts=False)


def test_binary_pawn_equals_salib(case, tmp_path):
    """For a 0/1 output the KS distance of a slice is |p_slice - p|: the vectorised PAWN
    (used for the bootstrap) equals SALib's pawn.analyze."""
    from SALib.analyze import pawn

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (600, 2))
    y = (x[:, 0] + 0.5 * rng.normal(size=600) < 0).astype(float)
    part = sensitivity
    ours = part.binary_indices(
        part._rank_classes(x, 6), part._rank_classes(x, 12), part._slice_classes(x, 10), y, np.ones(600)
    )
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[-1, 1], [-1, 1]]}
    theirs = pawn.analyze(problem, x, y, S=10, seed=0)
    assert ours["pawn"] == pytest.approx(np.asarray(theirs["median"]), abs=1e-12)
    assert ours["pawn_max"] == pytest.approx(np.asarray(theirs["maximum"]), abs=1e-12)
    assert ours["delta"][0] > 0.2 and ours["delta"][1] < 0.1


@pytest.mark.parametrize("method", ["delta", "pawn"])
def test_outcomes_of_an_existing_run(method, tmp_path, script, scenario_dict, uniform_prior, write_small):
    """negsim on a scenario where only Russia's reservation varies; then the given-data
    indices from its outcomes.parquet: the fixed priors are skipped and Russia's comes first."""
    scenario_dict["actors"]["russia"]["reservation"] = uniform_prior(-0.125, 0.125)
    path = write_small(scenario_dict)
    run = tmp_path / "run"
    done = script(
        "negsim",
        [f"scenario_file={path}", "protocol=ultimatum", "mc.n_runs=400", "figures=false", "quiet=true", f"hydra.run.dir={run}"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    out = tmp_path / "sens"
    done = script(
        "negsim-sensitivity",
        [f"method={method}", f"outcomes={run}", "resamples=20", f"hydra.run.dir={out}"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    table = pd.read_csv(out / "sensitivity.csv")
    assert table["factor"].tolist() == [RUSSIA]  # every other prior is fixed: skipped
    row = table.iloc[0]
    assert row[f"{method}_lo.agreement"] <= row[f"{method}.agreement"] <= row[f"{method}_hi.agreement"]
    assert row[f"{method}.agreement"] > 0.3  # P(agreement) is 1 below 0, 0 above
    assert (out / "figures" / f"sensitivity_{method}.png").is_file()
    assert "small" in done.stdout


def test_outcomes_ranks_the_prior_that_matters_first(case):
    scenario, _ = case  # Russia's reservation decides; the allies' does not matter
    import tempfile
    from pathlib import Path

    from sim.montecarlo import run_monte_carlo

    with tempfile.TemporaryDirectory() as folder:
        run_monte_carlo(scenario, ULTIMATUM, "batch", MonteCarlo(n_runs=2000, seed=0), Path(folder))
        frame, factors, found, seed = sensitivity.read_outcomes(folder)
        assert {f.path for f in factors} == {RUSSIA, ALLIES} and found.name == scenario.name
        for method in ("delta", "pawn"):
            result = sensitivity.from_outcomes(frame, factors, found, seed, method, resamples=30)
            table = result.table.set_index("factor")
            assert result.table["factor"].tolist() == [RUSSIA, ALLIES]
            assert table.loc[ALLIES, f"{method}_lo.agreement"] < 0.1 < table.loc[RUSSIA, f"{method}_lo.agreement"]
        assert table.loc[ALLIES, "delta.agreement"] < 2 * table.loc[ALLIES, "delta_null.agreement"]


def test_outcomes_bad_input(tmp_path):
    from analysis._tool import check_tool_command_line, tool_schema
    from analysis.sensitivity import SensitivityConf, _validate

    with tool_schema(SensitivityConf):
        with pytest.raises(ConfigError, match="no outcomes.parquet") as error:
            check_tool_command_line(["method=delta", f"outcomes={tmp_path}"], _validate)
        assert error.value.field == "outcomes"
        with pytest.raises(ConfigError) as error:
            check_tool_command_line(["method=morris", f"outcomes={tmp_path}"], _validate)
        assert error.value.field == "method"


def test_outcomes_missing_exits_2(tmp_path, script):
    done = script("negsim-sensitivity", ["method=delta", f"outcomes={tmp_path / 'nope'}"], cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.describe()
    assert "outcomes" in done.stderr and not (tmp_path / "outputs").exists()


def test_sobol_by_evidence_type(case, build_scenario):
    """DESIGN.md, "Evidence": grouped Sobol indices by evidence type. Russia's reservation (the
    only factor that moves P(agreement) under this ultimatum) is marked ``external``, the
    allies' ``assumption``: the external group carries the variance, the assumption group none."""
    _, data = case
    data["actors"]["russia"]["reservation"]["evidence"] = "external"
    scenario = build_scenario(data)
    factors = select_factors(scenario, [RUSSIA, ALLIES], 1.0, 0.1)
    result = analyse(
        scenario, data, ULTIMATUM, "batch", MonteCarlo(n_runs=N, seed=0), factors, method="sobol", base_samples=8
    )
    groups = result.by_evidence.set_index("evidence")
    assert list(groups.index) == ["external", "assumption"] and groups["factors"].tolist() == [1, 1]
    assert groups.loc["assumption", "ST.agreement"] == 0.0
    assert groups.loc["external", "ST.agreement"] > 0.5
    assert len(result.points) == 5 + 8 * (2 + 2) + 8 * (2 + 2)  # the grouped design adds N (G + 2) points
    assert "Share of variance by evidence type" in format_result(result)
    one_type = analyse(*case, ULTIMATUM, "batch", MonteCarlo(n_runs=N, seed=0), factors[:1], method="sobol", base_samples=8)
    assert one_type.by_evidence is None  # a single evidence type: nothing to split
