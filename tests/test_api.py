"""The Python API (:mod:`sim.api`, re-exported from :mod:`sim`): the same config and numbers as
the commands, results in memory or on disk, sweeps as ``negsim-report``'s table, loading, and
bad input as one-line :class:`ConfigError`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import sim  # noqa: E402
from analysis.sweep import read_sweep, sweep_table  # noqa: E402
from sim import api, rundir  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from tests.support import run_in_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N = 300
OVERRIDES = ["scenario.escalation.beta_gap.low=1", "figures=false", "quiet=true"]  # figures and quiet are in the config hash


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> sim.RunResult:
    """``sim.run`` written to a run directory."""
    out = tmp_path_factory.mktemp("api") / "run"
    return sim.run("us_response_2022", "ultimatum", n_runs=N, seed=2, overrides=OVERRIDES, save_to=out)


def test_import_sim_is_cheap_and_re_exports_the_api():
    code = "import sys, sim; print(sorted(m for m in ('pandas', 'numba', 'scipy', 'hydra', 'pyarrow', 'matplotlib') if m in sys.modules)); print(sim.run is __import__('sim.api').api.run)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
    assert {"run", "sweep", "load", "RunResult"} <= set(dir(sim))
    with pytest.raises(AttributeError):
        sim.no_such_thing  # noqa: B018


def test_a_run_is_the_command_with_the_same_overrides(saved, tmp_path):
    """``sim.run(...)`` and ``negsim scenario=... protocol=... mc.n_runs=... mc.seed=... <overrides>``
    compose the same config and give the same summary and outcomes."""
    args = ["scenario=us_response_2022", "protocol=ultimatum", f"mc.n_runs={N}", "mc.seed=2", *OVERRIDES, "hydra.run.dir=cli"]
    done = run_in_process("negsim", args, tmp_path)
    assert done.returncode == 0, done.stderr
    command = json.loads((tmp_path / "cli" / "summary.json").read_text(encoding="utf-8"))
    assert saved.summary == command
    assert saved.summary["config"]["scenario"]["escalation"]["beta_gap"]["low"] == 1
    pd.testing.assert_frame_equal(saved.outcomes, pd.read_parquet(tmp_path / "cli" / "outcomes.parquet"))
    assert saved.overrides == ["scenario=us_response_2022", "protocol=ultimatum", f"mc.n_runs={N}", "mc.seed=2", *OVERRIDES]


def test_a_run_in_memory_writes_nothing_and_equals_the_saved_one(saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    memory = sim.run("us_response_2022", "ultimatum", n_runs=N, seed=2, overrides=OVERRIDES)
    assert list(tmp_path.iterdir()) == []
    assert memory.path is None and memory.summary == saved.summary
    pd.testing.assert_frame_equal(memory.outcomes, saved.outcomes)
    assert len(memory.outcomes) == N and memory.outcomes["run"].tolist() == list(range(N))


def test_the_numbers_are_the_summarys(saved):
    summary = saved.summary
    assert saved.p_war == sim.Estimate(**summary["p_war"])
    assert float(saved.p_war) == summary["p_war"]["p"] > 0
    assert str(saved.p_war) == f"{summary['p_war']['p']:.1%} [{summary['p_war']['lo']:.1%}, {summary['p_war']['hi']:.1%}]"
    assert saved.p_agreement == saved.p("agreement") == sim.Estimate(**summary["status"]["agreement"])
    assert saved.status.loc["war", "count"] == summary["status"]["war"]["count"]
    assert saved.status["count"].sum() == N
    assert list(saved.acceptance.index) == list(summary["acceptance"])
    war_rows = (saved.outcomes["highest_rung"] >= 3).sum()
    assert war_rows == saved.p_war.count  # P(war) from the outcomes table itself
    assert (saved.scenario, saved.protocol, saved.engine, saved.seed, saved.n_runs) == ("us_response_2022", "ultimatum", "batch", 2, N)
    with pytest.raises(ValueError, match="the statuses are"):
        saved.p("peace")
    assert "P(war)" in saved.report() and str(saved.path) in saved.report()


def test_plots_are_the_commands_figures(saved):
    fig = saved.plot()
    assert f"{saved.p_war.p:.1%}" in fig.axes[0].get_title()
    import matplotlib.pyplot as plt

    own, ax = plt.subplots()
    assert saved.plot("acceptance", ax=ax) is own
    with pytest.raises(ValueError, match="the figures are status, rungs, rounds, acceptance"):
        saved.plot("pie")


def test_no_outcomes_when_not_kept():
    result = sim.run(n_runs=50, overrides=["mc.save_outcomes=false"])
    with pytest.raises(ValueError, match="mc.save_outcomes=false"):
        result.outcomes
    assert result.n_runs == 50


def test_a_sweep_is_negsim_reports_table_and_resumes(tmp_path):
    grid = {"protocol": ["single_text", "ultimatum"], "scenario.escalation.beta_gap.low": [1, 3]}
    memory = sim.sweep(grid, n_runs=200)
    saved = sim.sweep(["protocol=single_text,ultimatum", "scenario.escalation.beta_gap.low=1,3"], n_runs=200, save_to=tmp_path / "s")
    assert memory.swept == saved.swept == ["protocol", "scenario.escalation.beta_gap.low"]
    report = sweep_table(read_sweep(tmp_path / "s"))
    pd.testing.assert_frame_equal(saved.table, report)  # negsim-report's own reading of the folder
    assert saved.table["run_dir"].tolist() == ["0", "1", "2", "3"]
    pd.testing.assert_frame_equal(memory.table.drop(columns="run_dir"), report.drop(columns="run_dir"))
    assert memory.table["protocol"].tolist() == ["single_text", "single_text", "ultimatum", "ultimatum"]
    assert memory.table["scenario.escalation.beta_gap.low"].tolist() == [1, 3, 1, 3]
    assert memory.runs[2].p_war.p == memory.table.loc[2, "p_war"]
    assert saved.runs[1].outcomes["run"].tolist() == list(range(200))
    with pytest.raises(ValueError, match="keep theirs only on disk"):
        memory.runs[0].outcomes
    stamps = [(tmp_path / "s" / str(job) / "summary.json").stat().st_mtime_ns for job in range(4)]
    again = sim.sweep(grid, n_runs=200, save_to=tmp_path / "s")  # complete points are loaded, not run
    assert [(tmp_path / "s" / str(job) / "summary.json").stat().st_mtime_ns for job in range(4)] == stamps
    pd.testing.assert_frame_equal(again.table, saved.table)
    assert memory.plot("war").axes and memory.plot("agreement", x="scenario.escalation.beta_gap.low", y="protocol").axes
    with pytest.raises(ValueError, match="a heatmap shows"):
        memory.plot("rounds")
    paper = memory.plot("p_war", x="scenario.escalation.beta_gap.low", y="protocol")  # negsim-report's paper figure
    assert [t.get_text() for t in paper.axes[0].get_legend().get_texts()] == ["single text", "ultimatum"]
    with pytest.raises(ValueError, match="measure p.peace"):
        memory.plot("p.peace")


def test_load_reads_a_run_and_a_sweep(saved, tmp_path):
    again = sim.load(saved.path)
    assert again.summary == saved.summary and again.overrides == saved.overrides
    pd.testing.assert_frame_equal(again.outcomes, saved.outcomes)
    points = sim.sweep({"mc.seed": [0, 1]}, n_runs=100, save_to=tmp_path / "seeds")
    (tmp_path / "seeds" / "1" / rundir.MARKER).write_text("interrupted")
    loaded = sim.load(tmp_path / "seeds")
    assert loaded.table["state"].tolist() == ["ok", "incomplete"] and len(loaded.runs) == 1
    assert loaded.runs[0].summary == points.runs[0].summary
    with pytest.raises(ConfigError, match="marked INCOMPLETE"):
        sim.load(tmp_path / "seeds" / "1")
    with pytest.raises(ConfigError, match="no such directory"):
        sim.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no Hydra run directory"):
        sim.load(tmp_path / "empty")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sim.run(n_runs="many"), "mc.n_runs: "),
        (lambda: sim.run(protocol="ultimatun"), "did you mean 'ultimatum'"),
        (lambda: sim.run(overrides="mc.seed=1"), "must be a list of overrides"),
        (lambda: sim.sweep("mc.seed=1,2"), "must be a list of sweep overrides"),
        (lambda: sim.sweep({"mc.seed": []}), "non-empty list"),
        (lambda: sim.run(overrides=["scenario.escalation.p_spillover.high=1.5"]), "leaves the allowed range"),
    ],
    ids=["type", "group", "overrides_string", "grid_string", "empty_values", "bad_prior"],
)
def test_bad_input_is_one_line(call, message):
    with pytest.raises(ConfigError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


def test_a_run_into_another_configs_folder_is_refused(saved):
    with pytest.raises(rundir.RunDirError, match="another configuration"):
        api.run(n_runs=N, seed=9, save_to=saved.path)
    assert sim.load(saved.path).seed == 2


def test_a_scenario_file_is_expanded_as_the_command_does(tmp_path):
    text = (ROOT / "scenarios" / "us_response_2022.yaml").read_text(encoding="utf-8")
    (tmp_path / "my_case.yaml").write_text(text.replace("\nname: us_response_2022\n", "\nname: my_case\n"), encoding="utf-8")
    result = sim.run(n_runs=50, overrides=[f"scenario_file={tmp_path / 'my_case.yaml'}"])
    assert result.scenario == "my_case"
    assert result.summary["status"] == sim.run("us_response_2022", n_runs=50).summary["status"]
    with pytest.raises(ConfigError, match="scenario.name"):
        (tmp_path / "other.yaml").write_text(text, encoding="utf-8")
        sim.run(n_runs=50, overrides=[f"scenario_file={tmp_path / 'other.yaml'}"])


def test_a_sweep_checks_every_point_before_running_any(tmp_path):
    with pytest.raises(ConfigError, match="scenario.escalation.p_spillover"):
        sim.sweep({"scenario.escalation.p_spillover.high": [0.5, 1.5]}, n_runs=20, save_to=tmp_path / "s")
    assert not (tmp_path / "s" / "0").exists()  # the good first point did not run


def test_calibrate_is_the_command(tmp_path):
    """``sim.calibrate(targets, ...)`` and ``negsim-calibrate targets=... ...`` give the same
    design points, implausibilities and calibrated scenario."""
    targets = ROOT / "docs" / "examples" / "targets_lieven_2022.yaml"
    result = sim.calibrate(targets, n_runs=500, seed=1, points=16, save_to=tmp_path / "api", figures=False)
    assert result.settings["scenario"] == "lieven_2022" and len(result.points) == 16
    args = [f"targets={targets}", "mc.n_runs=500", "mc.seed=1", "points=16", "figures=false", "quiet=true", "hydra.run.dir=cli"]
    done = run_in_process("negsim-calibrate", args, tmp_path)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(result.points, pd.read_parquet(tmp_path / "cli" / "points.parquet"))
    assert (tmp_path / "api" / "points.parquet").read_bytes() == (tmp_path / "cli" / "points.parquet").read_bytes()
    assert (tmp_path / "api" / "calibrated_lieven_2022.yaml").read_text() == (tmp_path / "cli" / "calibrated_lieven_2022.yaml").read_text()


def test_discover_is_the_command(saved, tmp_path):
    found = sim.discover(saved.path, "war", save_to=tmp_path / "api", figures=False)
    done = run_in_process("negsim-discover", [str(saved.path), "--out", str(tmp_path / "cli"), "--no-figures", "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "api" / "discover.json").read_text() == (tmp_path / "cli" / "discover.json").read_text()
    assert found.outcome == "war"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sim.calibrate("no/such/targets.yaml"), "targets: no such file"),
        (lambda: sim.discover("no/such/run"), "run_dir: no/such/run: no such run directory"),
    ],
    ids=["calibrate", "discover"],
)
def test_bad_input_to_calibrate_and_discover_is_one_line(call, message):
    with pytest.raises(ConfigError, match=message) as error:
        call()
    assert "\n" not in str(error.value)
