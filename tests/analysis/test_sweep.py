"""Sweep and run reports (``negsim-report``) on a small real sweep.

The result set is made once per module by the real command (``python -m sim -m ...``): three
swept keys, 2 x 2 x 2 = 8 jobs of 150 runs. Subsets (one or two swept keys), failed and
incomplete runs and a missing job are made by copying or damaging those run directories,
never by writing summaries by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import sweep as sweep_module
from analysis.sweep import ReportError, main, report
from sim.core.enums import STATUS_NAMES

SWEEP = [
    "-m",
    "mc.n_runs=150",
    "mc.seed=1,2",
    "protocol=single_text,ultimatum",
    "scenario.escalation.beta_gap.low=1.5,2.5",
    "figures=false",
    "quiet=true",
]
SWEPT = ["mc.seed", "protocol", "scenario.escalation.beta_gap.low"]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory, script) -> Path:
    root = tmp_path_factory.mktemp("sweep")
    out = root / "multirun"
    done = script("sim", [*SWEEP, f"hydra.sweep.dir={out}"], cwd=root)
    assert done.returncode == 0, done.describe()
    assert len([p for p in out.iterdir() if (p / "summary.json").is_file()]) == 8, done.describe()
    return out


def _copy(sweep_dir: Path, target: Path, jobs: list[int], multirun: bool = False) -> Path:
    target.mkdir(parents=True)
    for job in jobs:
        shutil.copytree(sweep_dir / str(job), target / str(job))
    if multirun:
        shutil.copy(sweep_dir / "multirun.yaml", target / "multirun.yaml")
    return target


def _overrides(run: Path) -> dict[str, str]:
    lines = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
    return dict(line.split("=", 1) for line in lines)


def test_three_swept_keys_table(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "all", list(range(8)), multirun=True)
    result = report(root)
    table = pd.read_parquet(root / "sweep.parquet")
    assert len(table) == 8
    assert result["sweep"].swept == SWEPT
    for key in ("mc.n_runs", *SWEPT):
        assert key in table.columns  # named exactly as the override
    assert (
        table["mc.seed"].dtype.kind == "i"
        and table["scenario.escalation.beta_gap.low"].dtype.kind == "f"
    )
    assert sorted(table["protocol"].unique()) == ["single_text", "ultimatum"]
    for status in STATUS_NAMES:
        for prefix in ("p", "lo", "hi"):
            assert f"{prefix}.{status}" in table.columns
    for actor in ("us", "russia", "ukraine", "nato_allies"):
        assert {f"p_accept.{actor}", f"lo_accept.{actor}", f"hi_accept.{actor}"} <= set(
            table.columns
        )
    assert (table["state"] == "ok").all() and (table["n_runs"] == 150).all()
    # every row holds its own run's summary and overrides
    for _, row in table.iterrows():
        run = root / row["run_dir"]
        summary = json.loads((run / "summary.json").read_text())
        overrides = _overrides(run)
        assert str(row["protocol"]) == overrides["protocol"]
        assert row["mc.seed"] == int(overrides["mc.seed"])
        for status in STATUS_NAMES:
            est = summary["status"][status]
            assert (row[f"p.{status}"], row[f"lo.{status}"], row[f"hi.{status}"]) == (
                est["p"],
                est["lo"],
                est["hi"],
            )
        assert row["p_accept.russia"] == summary["acceptance"]["russia"]["p"]
    csv = pd.read_csv(root / "sweep.csv")
    assert list(csv.columns) == list(table.columns) and len(csv) == 8


def test_three_swept_keys_small_multiples_and_note(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "all", list(range(8)))
    result = report(root)
    assert (result["x"], result["y"], result["facets"]) == (
        "mc.seed",
        "protocol",
        ["scenario.escalation.beta_gap.low"],
    )
    assert (
        result["notes"]
        and "--x" in result["notes"][0]
        and "scenario.escalation.beta_gap.low" in result["notes"][0]
    )
    figures = sorted(p.name for p in (root / "figures").glob("sweep_*.png"))
    assert figures == ["sweep_heatmap_agreement.png", "sweep_heatmap_war.png", "sweep_p_war.png"]
    text = (root / "report.md").read_text()
    assert "figures/sweep_heatmap_agreement.png" in text and "--x KEY --y KEY" in text
    # choosing the axes: the third key on x alone -> lines, faceted by the other two
    result = report(root, x="scenario.escalation.beta_gap.low")
    assert result["facets"] == ["mc.seed", "protocol"]
    assert sorted(p.name for p in (root / "figures").glob("sweep_*.png")) == [
        "sweep_acceptance.png",
        "sweep_p_war.png",
        "sweep_status.png",
    ]
    with pytest.raises(ReportError, match="not a swept parameter"):
        report(root, x="mc.n_runs")


def test_one_swept_key_lines(sweep_dir, tmp_path):
    # jobs 0 and 1 differ in beta_gap.low only (the basic sweeper varies the last key fastest)
    root = _copy(sweep_dir, tmp_path / "one", [0, 1])
    result = report(root)
    assert result["sweep"].swept == ["scenario.escalation.beta_gap.low"]
    assert (result["x"], result["y"]) == ("scenario.escalation.beta_gap.low", None)
    assert (root / "figures" / "sweep_status.png").is_file()
    assert not result["notes"]
    table = pd.read_parquet(root / "sweep.parquet")
    assert table["scenario.escalation.beta_gap.low"].tolist() == [1.5, 2.5]


def test_two_swept_keys_heatmaps(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "two", [0, 1, 2, 3])  # seed 1: protocol x beta_gap.low
    result = report(root)
    assert (result["x"], result["y"], result["facets"]) == (
        "protocol",
        "scenario.escalation.beta_gap.low",
        [],
    )
    for status in ("agreement", "war"):
        assert (root / "figures" / f"sweep_heatmap_{status}.png").is_file()


def test_failed_incomplete_and_missing_runs_are_listed(sweep_dir, tmp_path):
    root = _copy(
        sweep_dir, tmp_path / "damaged", [0, 1, 2, 3, 4, 5, 6], multirun=True
    )  # job 7 never ran
    (root / "2" / "summary.json").unlink()  # failed
    (root / "5" / "outcomes.parquet.partial").write_bytes(b"")  # killed while writing
    result = report(root)
    sweep = result["sweep"]
    states = {run.path.name: run.state for run in sweep.runs}
    assert states["2"] == "failed" and states["5"] == "incomplete"
    assert sum(state == "ok" for state in states.values()) == 5
    assert sweep.expected_jobs == 8 and sweep.missing_jobs == [7]
    table = pd.read_parquet(root / "sweep.parquet")
    assert len(table) == 7  # listed, not dropped
    failed = table[table["run_dir"] == "2"].iloc[0]
    assert (
        failed["state"] == "failed"
        and "summary.json" in failed["problem"]
        and pd.isna(failed["p.agreement"])
    )
    text = (root / "report.md").read_text()
    assert (
        "`2` (failed)" in text and "`5` (incomplete)" in text and "outcomes.parquet.partial" in text
    )
    assert "job 7" in text


def test_single_run_directory(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "single", [3]) / "3"
    result = report(root)
    table = pd.read_parquet(root / "sweep.parquet")
    assert len(table) == 1 and result["sweep"].swept == []
    assert table["run_dir"].tolist() == ["."] and table["protocol"].tolist() == ["ultimatum"]
    assert (root / "report.md").is_file()


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "nope")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("negsim-report: error:") and "nope" in err[0]
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        main([str(tmp_path / "empty")])
    assert "no Hydra run directory" in capsys.readouterr().err


def test_console_script(sweep_dir, tmp_path, script):
    root = _copy(sweep_dir, tmp_path / "cli", [0, 1, 2, 3])
    done = script("negsim-report", [str(root)], cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    assert "Traceback" not in done.stderr
    assert (root / "report.md").is_file() and (root / "sweep.csv").is_file()
    bad = script("negsim-report", [str(root), "--x", "nope"], cwd=tmp_path)
    assert (
        bad.returncode == 2
        and len(bad.stderr.strip().splitlines()) == 1
        and "Traceback" not in bad.stderr
    )


def test_typed_override_values():
    assert sweep_module._typed(["1", "2"]) == [1, 2]
    assert sweep_module._typed(["1", "2.5"]) == [1, 2.5]
    assert sweep_module._typed(["1", "abc"]) == ["1", "abc"]
    assert sweep_module.override_key("+foo.bar=3") == ("foo.bar", "3")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGED = [  # (id, damage to a run directory, text of the error line)
    ("summary_a_json_list", lambda run: (run / "summary.json").write_text("[1, 2]"), "JSON list"),
    ("summary_truncated", lambda run: _truncate(run / "summary.json"), "not valid JSON"),
    ("summary_not_utf8", lambda run: (run / "summary.json").write_bytes(b"\xff\xfe{"), "cannot be read"),
    ("outcomes_corrupt", lambda run: (run / "outcomes.parquet").write_bytes(b"PAR1 not parquet"), "outcomes.parquet cannot be read"),
    ("outcomes_truncated", lambda run: _truncate(run / "outcomes.parquet"), "outcomes.parquet cannot be read"),
    ("outcomes_missing", lambda run: (run / "outcomes.parquet").unlink(), "no outcomes.parquet"),
    (
        "row_count_differs",
        lambda run: (run / "summary.json").write_text(
            json.dumps({**json.loads((run / "summary.json").read_text()), "n_runs": 151})
        ),
        "has 150 rows but summary.json says n_runs=151",
    ),
    ("marked_incomplete", lambda run: (run / "INCOMPLETE").write_text(""), "INCOMPLETE"),
]


@pytest.mark.parametrize("damage, text", [pytest.param(d, t, id=i) for i, d, t in DAMAGED])
def test_damaged_results_are_one_line_exit_2(sweep_dir, tmp_path, capsys, damage, text):
    """A damaged single run: no report, one line naming the run directory and the cause."""
    run = _copy(sweep_dir, tmp_path / "damaged", [0]) / "0"
    damage(run)
    with pytest.raises(SystemExit) as exit_info:
        main([str(run), "--no-figures"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2
    assert len(err) == 1 and str(run) in err[0] and text in err[0], err
    assert not (run / "report.md").exists()


def test_a_damaged_point_of_a_sweep_is_listed_as_failed(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "some", [0, 1])
    (root / "1" / "outcomes.parquet").write_bytes(b"garbage")
    result = report(root, figures=False)
    states = {run.path.name: (run.state, run.problem) for run in result["sweep"].runs}
    assert states["0"] == ("ok", "")
    assert states["1"][0] == "failed" and "outcomes.parquet cannot be read" in states["1"][1]


# --- publication figures (issue #17) ---------------------------------------------------------


def test_table_has_raw_counts(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "counts", [0, 1])
    report(root)
    table = pd.read_csv(root / "sweep.csv", dtype={"run_dir": str})
    for _, row in table.iterrows():
        summary = json.loads((root / row["run_dir"] / "summary.json").read_text())
        assert row["n_war"] == summary["p_war"]["count"]
        assert [row[f"n.{s}"] for s in STATUS_NAMES] == [summary["status"][s]["count"] for s in STATUS_NAMES]
        assert sum(row[f"n.{s}"] for s in STATUS_NAMES) == row["n_runs"] == 150


def test_paper_figure_a_line_per_value_with_bands_and_integer_ticks(sweep_dir, tmp_path):
    from matplotlib.collections import PolyCollection
    from matplotlib.container import ErrorbarContainer

    from sim.summary import estimate

    # single_text only: mc.seed (an integer key) x beta_gap.low
    root = _copy(sweep_dir, tmp_path / "paper", [0, 1, 4, 5])
    result = report(root, x="mc.seed", y="scenario.escalation.beta_gap.low")
    assert (root / "figures" / "sweep_p_war.png").is_file()
    table = result["table"]
    fig = sweep_module.plot_metric(table, "p_war", "mc.seed", "scenario.escalation.beta_gap.low")
    ax = fig.axes[0]
    lines = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(lines) == 2 and all(c.has_yerr for c in lines)  # one per beta_gap.low, with error bars
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # and a band each
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]  # no 1.5 between the seeds
    assert ax.get_xlabel() == "Seed"
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Escalation weight of the gap β_gap (lower bound)"
    assert [t.get_text() for t in legend.get_texts()] == ["1.5", "2.5"]
    title = fig._suptitle.get_text()
    assert "P(war): highest rung" in title and "single_text protocol" in title
    assert "150 runs per point" in title and "several seeds" in title
    assert "P(war)" in ax.get_ylabel()
    # the plotted points are the Wilson estimates of the counts (sim.summary.estimate)
    for container, gap in zip(lines, (1.5, 2.5)):
        rows = table[table["scenario.escalation.beta_gap.low"] == gap].sort_values("mc.seed")
        _, y = container.lines[0].get_data()
        assert np.allclose(y, [estimate(int(n), 150)["p"] for n in rows["n_war"]])
        assert np.allclose(y, rows["p_war"])
    # another metric, and a non-integer key on x: its own values as ticks
    fig = sweep_module.plot_metric(table, "p.agreement", "scenario.escalation.beta_gap.low", "mc.seed")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1.5", "2.5"]
    assert "P(agreement)" in fig.axes[0].get_ylabel()


def test_heatmap_colours_fit_the_data_and_cells_are_annotated(sweep_dir, tmp_path):
    root = _copy(sweep_dir, tmp_path / "heat", [0, 1, 2, 3])  # protocol x beta_gap.low
    table = report(root)["table"]
    fig = sweep_module.plot_heatmaps(table, "protocol", "scenario.escalation.beta_gap.low", [], "agreement")
    ax = fig.axes[0]
    low, high = ax.images[0].get_clim()
    assert (low, high) == (table["p.agreement"].min(), table["p.agreement"].max())  # not 0..1
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4
    for _, row in table.iterrows():
        assert f"{row['p.agreement']:.1%}\n[{row['lo.agreement']:.1%}, {row['hi.agreement']:.1%}]" in texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["single text", "ultimatum"]
    assert ax.get_xlabel() == "Protocol"
    assert "150 runs per point" in fig._suptitle.get_text()


def test_bad_metric_is_one_line_exit_2(sweep_dir, tmp_path, capsys):
    root = _copy(sweep_dir, tmp_path / "bad", [0, 1])
    with pytest.raises(SystemExit) as stop:
        main([str(root), "--metric", "p.peace"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--metric p.peace" in err and "p_war" in err
    assert not (root / "sweep.csv").exists()
