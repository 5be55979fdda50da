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
    assert figures == ["sweep_heatmap_agreement.png", "sweep_heatmap_war.png"]
    text = (root / "report.md").read_text()
    assert "figures/sweep_heatmap_agreement.png" in text and "--x KEY --y KEY" in text
    # choosing the axes: the third key on x alone -> lines, faceted by the other two
    result = report(root, x="scenario.escalation.beta_gap.low")
    assert result["facets"] == ["mc.seed", "protocol"]
    assert sorted(p.name for p in (root / "figures").glob("sweep_*.png")) == [
        "sweep_acceptance.png",
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
