"""The package explorer: hand-computed values on the small fixed-prior scenario, bit-for-bit
agreement with the core and with the ``ultimatum`` Monte Carlo, and the command.

The small scenario (tests/conftest.py) with reservations us -1/4, russia 0, ukraine -1/4,
allies -1; the allies value beta's b1 at 1/2 (contribution 1/8) and the US Senate (on beta)
has bias -1/8. Packages are numbered 4a + 2b + g for levels (a, b, g). Expected utilities
(exact: fixed dyadic priors):

    #   (a,b,g)   us        russia   ukraine  allies
    0   (0,0,0)    0         0         0       0
    1   (0,0,1)   -1/4       1/4      -1/2     0
    2   (0,1,0)   -1/8       1/8       0       1/8
    3   (0,1,1)   -3/8       3/8      -1/2     1/8
    4   (1,0,0)   -1/16      1/8       0       0
    5   (1,0,1)   -5/16      3/8      -1/2     0
    6   (1,1,0)   -3/16      1/4       0       1/8
    7   (1,1,1)   -7/16      1/2      -1/2     1/8
    8   (2,0,0)   -1/4       1/4       0       0
    9   (2,0,1)   -1/2       1/2      -1/2     0
    10  (2,1,0)   -3/8       3/8       0       1/8
    11  (2,1,1)   -5/8       5/8      -1/2     1/8

US accepts (U >= -1/4): 0 1 2 4 6 8; Russia and the allies accept all; Ukraine accepts g = 0.
Needed: US and Russia always, Ukraine when g = 1, the allies when b = 1. So every needed actor
accepts 0 2 4 6 8 (p_joint = 1, and the zone of possible agreement); the Senate votes when
b = 1 and approves iff U_us - 1/8 >= -1/4: #2 passes, #6 fails, so p_ratified = 1 for 0 2 4 8.
Bargaining solutions (DESIGN.md, "Bargaining solutions (explorer)"; every draw is the same,
so the solutions at the mean and in every draw agree). Disagreement point d = (-1/4, 0, -1/4,
-1). Individually rational (every actor U_a >= d_a, no red lines): 0 2 4 6 8. Pareto among
them: 0 2 4 6 (8 is dominated by 6: us -3/16 > -1/4, russia 1/4 = 1/4, allies 1/8 > 0).
Surpluses U - d of 0, 2, 4, 6: (1/4, 0, 1/4, 1), (1/8, 1/8, 1/4, 9/8), (3/16, 1/8, 1/4, 1),
(1/16, 1/4, 1/4, 9/8).
- Nash, products: 0, 9/2048, 3/512 = 12/2048, 9/2048 -> #4.
- Utilitarian, sums of U: 0, 1/8, 1/16, 3/16 -> #6.
- Egalitarian, smallest surplus: 0, 1/8, 1/8, 1/16 -> tie of 2 and 4 -> #2 (lowest number).
- Kalai-Smorodinsky: I = best IR utility = (0, 1/4, 0, 1/8), I - d = (1/4, 1/4, 1/4, 9/8);
  ratios 0: (1, 0, 1, 8/9), 2: (1/2, 1/2, 1, 1), 4: (3/4, 1/2, 1, 8/9), 6: (1/4, 1, 1, 1);
  smallest 0, 1/2, 1/2, 1/4 -> tie of 2 and 4 -> #2 (no leximin: ties to the lowest number).
More cases (an irrational unrestricted utilitarian package, an empty IR set, I_a = r_a, a red
line, two different draws): tests/analysis/test_bargaining.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis import explorer
from analysis.explorer import explore, pareto_set
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol


@pytest.fixture
def explored(scenario_dict, fixed_prior, build_scenario):
    data = scenario_dict
    for actor, r in (("us", -0.25), ("russia", 0.0), ("ukraine", -0.25), ("nato_allies", -1.0)):
        data["actors"][actor]["reservation"] = fixed_prior(r)
    data["actors"]["nato_allies"]["values"]["beta"]["b1"] = fixed_prior(0.5)
    data["actors"]["us"]["ratifier"]["bias"] = fixed_prior(-0.125)
    return explore(build_scenario(data), Protocol(), seed=3, n_runs=64)


EU = {
    "us": [
        0,
        -1 / 4,
        -1 / 8,
        -3 / 8,
        -1 / 16,
        -5 / 16,
        -3 / 16,
        -7 / 16,
        -1 / 4,
        -1 / 2,
        -3 / 8,
        -5 / 8,
    ],
    "russia": [0, 1 / 4, 1 / 8, 3 / 8, 1 / 8, 3 / 8, 1 / 4, 1 / 2, 1 / 4, 1 / 2, 3 / 8, 5 / 8],
    "ukraine": [0, -1 / 2, 0, -1 / 2] * 3,
    "nato_allies": [0, 0, 1 / 8, 1 / 8] * 3,
}


def _set(frame, column) -> set[int]:
    return set(frame.index[frame[column].astype(bool)])


def test_expected_utilities_are_exact(explored):
    frame = explored.packages
    assert len(frame) == 12
    for actor, values in EU.items():
        assert frame[f"eu.{actor}"].tolist() == values, actor
        # fixed priors: no spread, so the interval of the mean is the point
        assert (frame[f"eu_lo.{actor}"] == frame[f"eu.{actor}"]).all()
        assert (frame[f"u_sd.{actor}"] == 0).all()
    assert frame["eu.us"].dtype == np.float64
    assert explored.disagreement == {
        "us": -0.25,
        "russia": 0.0,
        "ukraine": -0.25,
        "nato_allies": -1.0,
    }
    assert frame["surplus.ukraine"].tolist() == [0.25, -0.25] * 6


def test_items_are_level_names_in_package_order(explored):
    frame = explored.packages
    assert frame["package"].tolist() == list(range(12))
    assert frame["alpha"].astype(str).tolist()[:5] == ["a0", "a0", "a0", "a0", "a1"]
    assert frame["beta"].astype(str).tolist()[:4] == ["b0", "b0", "b1", "b1"]
    assert frame["gamma"].astype(str).tolist()[:2] == ["g0", "g1"]
    assert frame["opening_offer"].tolist() == [True] + [False] * 11


def test_acceptance_joint_ratified_and_zopa(explored):
    frame = explored.packages
    assert _set(frame, "p_accept.us") == {0, 1, 2, 4, 6, 8}
    assert frame["p_accept.russia"].eq(1).all() and frame["p_accept.nato_allies"].eq(1).all()
    assert _set(frame, "p_accept.ukraine") == {0, 2, 4, 6, 8, 10}
    assert _set(frame, "asked.ukraine") == {1, 3, 5, 7, 9, 11}
    assert _set(frame, "asked.nato_allies") == {2, 3, 6, 7, 10, 11}
    assert set(frame["p_joint"].unique()) == {0.0, 1.0}
    assert _set(frame, "p_joint") == {0, 2, 4, 6, 8}
    assert _set(frame, "p_ratified") == {0, 2, 4, 8}
    assert _set(frame, "zopa") == {0, 2, 4, 6, 8}


def test_pareto_and_named_solutions(explored):
    frame = explored.packages
    assert _set(frame, "ir") == {0, 2, 4, 6, 8}
    assert _set(frame, "pareto") == {0, 2, 4, 6}
    assert explored.solutions == {"nash": 4, "kalai_smorodinsky": 2, "egalitarian": 2, "utilitarian": 6}
    assert frame.loc[2, "solution"] == "kalai_smorodinsky,egalitarian"
    assert frame.loc[4, "solution"] == "nash"
    assert frame.loc[6, "solution"] == "utilitarian"
    assert (frame.drop(index=[2, 4, 6])["solution"] == "").all()
    # fixed priors: every draw is the mean, so each solution is the same package in all 64 draws
    for name, number in explored.solutions.items():
        shares = frame[f"p_solution.{name}"]
        assert shares[number] == 1.0 and shares.sum() == 1.0, name
        assert frame.loc[number, f"p_solution_hi.{name}"] == 1.0
    assert frame["p_ir"].tolist() == [float(p in {0, 2, 4, 6, 8}) for p in range(12)]
    assert frame["p_pareto"].tolist() == [float(p in {0, 2, 4, 6}) for p in range(12)]
    assert explored.ir_empty["count"] == 0 and explored.ir_empty["p"] == 0.0
    assert explored.ideal == {"us": 0.0, "russia": 0.25, "ukraine": 0.0, "nato_allies": 0.125}
    assert explored.red_lines == []


def test_item_effects_are_paired_differences_of_p_ratified(explored):
    frame = explored.packages
    p = frame["p_ratified"].to_numpy()
    # gamma up from #0 loses agreement for sure; alpha up from #4 to #8 keeps it
    assert frame.loc[0, "dp_up.gamma"] == -1.0
    assert frame.loc[4, "dp_up.alpha"] == 0.0
    assert np.isnan(frame.loc[8, "dp_up.alpha"])  # a2 is alpha's top level
    strides = {"alpha": 4, "beta": 2, "gamma": 1}
    for item, stride in strides.items():
        column = frame[f"dp_up.{item}"].to_numpy()
        defined = ~np.isnan(column)
        assert np.array_equal(column[defined], p[np.flatnonzero(defined) + stride] - p[defined])
    effects = explored.effects
    row = effects[(effects["item"] == "beta") & (effects["package"] == 4)].iloc[0]
    assert (row["from"], row["to"], row["to_package"], row["dp"]) == ("b0", "b1", 6, -1.0)
    assert row["lo"] == row["hi"] == -1.0  # every run moves the same way: no spread


def test_pareto_set_by_hand():
    points = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.4, 0.4], [1.0, 0.0]])
    assert pareto_set(points).tolist() == [True, True, True, False, True]  # equal rows are kept


@pytest.fixture(scope="module")
def lieven_exploration(bundled_scenario):
    scenario = bundled_scenario("lieven_2022")
    return scenario, explore(scenario, Protocol(), seed=5, n_runs=1500)


def test_p_ratified_is_the_ultimatum_agreement_run_for_run(lieven_exploration):
    """A package's P(agreed and ratified) is P(agreement) of the ultimatum protocol with that
    package as the opening offer, on the same seed: equal counts, not just close."""
    scenario, exploration = lieven_exploration
    frame = exploration.packages
    ultimatum = Protocol("ultimatum", 1)
    for number in (0, 20, 56, 57, 106):
        variant = dataclasses.replace(
            scenario, opening_offer=tuple(int(x) for x in scenario.packages[number])
        )
        summary = run_monte_carlo(variant, ultimatum, "batch", MonteCarlo(n_runs=1500, seed=5))
        assert summary["status"]["agreement"]["count"] == round(
            frame.loc[number, "p_ratified"] * 1500
        ), number
        assert summary["status"]["agreement"]["count"] + summary["status"]["ratification_failed"][
            "count"
        ] == round(frame.loc[number, "p_joint"] * 1500), number


def test_flagship_has_108_packages_and_sane_sets(lieven_exploration):
    _, exploration = lieven_exploration
    frame = exploration.packages
    assert len(frame) == 108
    assert (
        frame["opening_offer"].sum() == 1 and frame.loc[57, "opening_offer"]
    )  # Lieven's five points
    assert (
        (frame["p_ratified"] <= frame["p_joint"]) & (frame["p_joint"] <= frame["p_accept.us"])
    ).all()
    assert (
        (frame["eu_lo.russia"] <= frame["eu.russia"])
        & (frame["eu.russia"] <= frame["eu_hi.russia"])
    ).all()
    # With the open door held as a red line, no package is individually rational at the mean
    # (every open-door package leaves Russia's E[U] below E[r]); per draw, some are.
    assert not frame["ir"].any() and not frame["pareto"].any()
    assert 0.0 < exploration.ir_empty["p"] < 1.0
    for name in ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"):
        assert exploration.solutions[name] is None
        # per draw: the shares of the packages and of the draws without an IR package add up to 1
        total = frame[f"p_solution.{name}"].sum() + exploration.ir_empty["p"]
        assert total == pytest.approx(1.0, abs=1e-12)
        best = frame[f"p_solution.{name}"].idxmax()
        assert frame.loc[best, "p_pareto"] > 0 and frame.loc[best, "p_ir"] > 0  # solutions are IR and efficient
    assert (frame["pareto"] <= frame["ir"]).all() and (frame["p_pareto"] <= frame["p_ir"]).all()


def test_results_do_not_depend_on_the_block_size(
    monkeypatch, small_scenario, scenario_dict, uniform_prior, build_scenario
):
    data = scenario_dict
    data["actors"]["russia"]["reservation"] = uniform_prior(-0.25, 0.5)
    data["actors"]["us"]["values"]["alpha"]["a1"] = uniform_prior(-0.5, 0.0)
    scenario = build_scenario(data)
    whole = explore(scenario, Protocol(), seed=1, n_runs=3000)
    monkeypatch.setattr(explorer, "BLOCK", 700)
    for threads in (1, 3):  # and on any number of threads (mc.threads from a command)
        pieces = explore(scenario, Protocol(), seed=1, n_runs=3000, threads=threads)
        assert whole.packages.equals(pieces.packages)
        assert whole.effects.equals(pieces.effects)
    # and the draws did vary: Russia accepts the status quo in some runs only
    assert 0 < whole.packages.loc[0, "p_accept.russia"] < 1


def test_write_outputs(explored, tmp_path):
    import pandas as pd

    paths = explorer.write_outputs(
        explored, tmp_path, [("russia", "ukraine"), ("russia", "us")], figures=True
    )
    names = {p.name for p in paths}
    assert {"packages.parquet", "packages.csv", "item_effects.parquet", "explorer.json"} <= names
    assert {
        "packages_heatmap.png",
        "frontier_russia_ukraine.png",
        "frontier_russia_us.png",
    } <= names
    back = pd.read_parquet(tmp_path / "packages.parquet")
    assert back["eu.us"].tolist() == EU["us"]
    assert list(tmp_path.rglob("*.partial")) == []
    text = explorer.format_exploration(explored)
    assert "nash" in text and "#4" in text and "egalitarian" in text
    import json

    meta = json.loads((tmp_path / "explorer.json").read_text())
    assert meta["solutions"]["kalai_smorodinsky"]["package"] == 2
    assert meta["solution_shares"]["nash"] == [
        {"package": 4, "p": 1.0, "lo": meta["solution_shares"]["nash"][0]["lo"], "hi": 1.0, "count": 64}
    ]
    assert meta["individually_rational"] == [0, 2, 4, 6, 8] and meta["pareto"] == [0, 2, 4, 6]
    assert meta["ir_empty"]["count"] == 0 and meta["red_lines_at_mean"] == []


def test_command(tmp_path, script, scenario_dict, write_small):
    path = write_small(scenario_dict)
    out = tmp_path / "run"
    done = script(
        "negsim-explore",
        [
            f"scenario_file={path}",
            "mc.n_runs=20",
            "threshold=0.9",
            "planes=[russia:us]",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    assert "12 packages" in done.stdout and "Traceback" not in done.stderr
    import pandas as pd

    table = pd.read_csv(out / "packages.csv")
    assert len(table) == 12 and {
        "eu.us",
        "p_accept.russia",
        "p_joint",
        "p_ratified",
        "pareto",
        "zopa",
        "solution",
    } <= set(table.columns)
    assert (out / "figures" / "frontier_russia_us.png").is_file() and not (
        out / "figures" / "frontier_russia_ukraine.png"
    ).exists()
    assert (out / ".hydra" / "config.yaml").is_file()
    bad = script(
        "negsim-explore",
        [f"scenario_file={path}", "threshold=1.5", f"hydra.run.dir={tmp_path / 'bad'}"],
        cwd=tmp_path,
    )
    lines = bad.stderr.strip().splitlines()
    assert (
        bad.returncode == 2
        and len(lines) == 1
        and lines[0].startswith("negsim-explore: error: threshold")
    ), bad.describe()
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    "args, field",
    [
        (["threshold=-0.1"], "threshold"),
        (["planes=[russia]"], "planes"),
        (["planes=[russia:nobody]"], "planes"),
        (["threshold=abc"], "threshold"),
    ],
)
def test_bad_command_lines(args, field):
    from analysis._tool import check_tool_command_line, tool_schema
    from analysis.explorer import ExploreConf, _validate
    from sim.errors import ConfigError

    with tool_schema(ExploreConf), pytest.raises(ConfigError) as error:
        check_tool_command_line(args, _validate)
    assert error.value.field == field


def test_default_run_directory_keeps_hydra_argument_order():
    from analysis._tool import with_run_dir

    args = with_run_dir(["-m", "scenario=a,b", "threshold=0.6"], "explore")
    assert args[:3] == ["-m", "scenario=a,b", "threshold=0.6"]
    assert args[3].startswith("hydra.run.dir=outputs/") and args[3].endswith(
        "_explore_${scenario.name}"
    )
    assert with_run_dir(["hydra.run.dir=x"], "explore") == ["hydra.run.dir=x"]
