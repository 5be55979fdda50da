"""The run catalog (``negsim-runs``, ``sim.catalog``): a 52-point sweep and a few broken or
foreign folders, catalogued in DuckDB; the question "which runs of us_response_2022 used the
ultimatum, and what was P(war)?" answered in under a second; incremental updates; SQL,
export, outcomes read in place; the command's one-line errors."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import api, rundir
from sim.montecarlo import config_hash, run_monte_carlo
from sim.runs_cli import main
from sim.run_catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "scenario='us_response_2022' AND protocol='ultimatum'"
SEEDS = list(range(13))
BROKEN = {"half": "incomplete", "foreign": "failed", "not_negsim": "failed", "garbage": "failed"}


def write_sweep(folder: Path) -> None:
    """``negsim -m scenario=lieven_2022,us_response_2022 protocol=single_text,ultimatum
    mc.seed=0,...,12 mc.n_runs=20`` as ``sim.sweep(..., save_to=folder)`` writes it (52 points,
    ``folder/<job>/``), by the functions it uses (:func:`sim.rundir.write_hydra_files`,
    :func:`sim.montecarlo.run_monte_carlo`), composing once per scenario and protocol rather
    than once per point (composing takes about 0.4 s): a point's config is the composed one with
    its ``mc.seed``, which is what composing ``mc.seed=N`` gives (checked for one point)."""
    job = 0
    for scenario in ("lieven_2022", "us_response_2022"):
        for protocol in ("single_text", "ultimatum"):
            built = api.build(api.compose(scenario, protocol, n_runs=20))
            for seed in SEEDS:
                overrides = [f"scenario={scenario}", f"protocol={protocol}", f"mc.seed={seed}", "mc.n_runs=20"]
                container = copy.deepcopy(built[4])
                container["mc"]["seed"] = seed
                if job == 27:
                    assert config_hash(container) == config_hash(api.build(api.compose(overrides=overrides))[4])
                mc = dataclasses.replace(built[3], seed=seed)
                rundir.write_hydra_files(folder / str(job), overrides, container)
                run_monte_carlo(built[0], built[1], built[2], mc, folder / str(job), container)
                job += 1


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """``multirun/s1``: 2 scenarios x 2 protocols x 13 seeds (52 points of 20 runs,
    :func:`write_sweep`); ``outputs/``: a half-written run, another program's Hydra folder, a
    ``summary.json`` that is not negsim's and one that is not JSON."""
    base = tmp_path_factory.mktemp("catalog")
    write_sweep(base / "multirun" / "s1")
    swept = sim.load(base / "multirun" / "s1")  # negsim-report's reading of it
    assert len(swept.runs) == 52
    outputs = base / "outputs"
    (outputs / "half" / ".hydra").mkdir(parents=True)
    rundir.mark_incomplete(outputs / "half")
    (outputs / "foreign" / ".hydra").mkdir(parents=True)
    (outputs / "foreign" / ".hydra" / "config.yaml").write_text("model: resnet\n", encoding="utf-8")
    (outputs / "not_negsim").mkdir()
    (outputs / "not_negsim" / "summary.json").write_text(json.dumps({"accuracy": 0.9}), encoding="utf-8")
    (outputs / "garbage").mkdir()
    (outputs / "garbage" / "summary.json").write_text("{not json", encoding="utf-8")
    (outputs / "notes").mkdir()  # not a run directory at all: not a row
    (outputs / "notes" / "todo.txt").write_text("read Putnam\n", encoding="utf-8")
    return {"base": base, "sweep": swept}


def test_the_question_over_a_50_point_sweep_is_answered_in_under_a_second(runs, tmp_path):
    db = tmp_path / "runs.duckdb"
    with sim.catalog(runs["base"], db=db) as catalog:
        first = catalog.update()
    assert (first.read, first.unchanged) == (52 + len(BROKEN), 0)
    began = time.perf_counter()
    with Catalog(db=db) as catalog:  # a later session: the folders are remembered, nothing is read again
        answer = catalog.list(where=QUESTION, columns=["path", "seed", "p_war", "p_war_lo", "p_war_hi"])
        again = catalog.update()
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert (again.read, again.unchanged) == (0, 52 + len(BROKEN))
    assert sorted(answer["seed"]) == SEEDS
    for row in answer.itertuples():
        assert row.path == str(runs["base"] / "multirun" / "s1" / str(39 + row.seed))  # jobs 39..51
        summary = json.loads((Path(row.path) / "summary.json").read_text(encoding="utf-8"))
        assert (summary["scenario"], summary["protocol"], summary["seed"]) == ("us_response_2022", "ultimatum", row.seed)
        assert (row.p_war, row.p_war_lo, row.p_war_hi) == (summary["p_war"]["p"], summary["p_war"]["lo"], summary["p_war"]["hi"])
    table = runs["sweep"].table  # the same numbers as negsim-report's table
    expected = table[(table["scenario"] == "us_response_2022") & (table["protocol"] == "ultimatum")]
    assert sorted(expected["p_war"]) == sorted(answer["p_war"])


def test_a_row_has_every_override_each_status_with_its_interval_and_the_lock(runs):
    with sim.catalog(runs["base"]) as catalog:
        row = catalog.list(where="scenario='lieven_2022' AND protocol='single_text' AND seed=3").iloc[0]
    point = sim.load(row["path"])
    assert row["overrides"] == {"scenario": "lieven_2022", "protocol": "single_text", "mc.seed": "3", "mc.n_runs": "20"}
    assert row["overrides_text"] == " ".join(point.overrides)
    for status, estimate in point.summary["status"].items():
        assert (row["status"][status], row["status_lo"][status], row["status_hi"][status]) == (estimate["p"], estimate["lo"], estimate["hi"])
    assert (row["p_agreement"], row["p_war"]) == (point.p_agreement.p, point.p_war.p)
    assert row["acceptance"] == {actor: est["p"] for actor, est in point.summary["acceptance"].items()}
    assert row["lock_sha256"] == hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()
    assert (row["state"], row["n_runs"], row["engine"], row["version"]) == ("ok", 20, "batch", sim.__version__)
    assert row["sweep_dir"] == str(runs["base"] / "multirun" / "s1")
    assert row["outcomes_path"] == str(Path(row["path"]) / "outcomes.parquet")


def test_broken_and_foreign_folders_are_rows_not_errors(runs):
    with sim.catalog(runs["base"]) as catalog:
        rows = catalog.list(where="path LIKE '%/outputs/%'").set_index("path")
    states = {Path(path).name: state for path, state in rows["state"].items()}
    assert states == BROKEN
    problems = {Path(path).name: problem for path, problem in rows["problem"].items()}
    assert "marked INCOMPLETE" in problems["half"]
    assert "no summary.json" in problems["foreign"]
    assert "not a negsim summary" in problems["not_negsim"]
    assert "not valid JSON" in problems["garbage"]
    assert rows["p_war"].isna().all() and rows["outcomes_path"].isna().all()


def test_updates_read_only_what_is_new_or_changed(runs, tmp_path):
    base = tmp_path / "runs"
    shutil.copytree(runs["base"] / "multirun" / "s1", base / "s1")
    with sim.catalog(base) as catalog:
        assert catalog.update().read == 52
        assert len(catalog.list()) == 52
        sim.run(n_runs=20, seed=5, save_to=base / "new")
        done = catalog.update()
        assert (done.read, done.dropped, done.unchanged) == (1, 0, 52)
        rundir.mark_incomplete(base / "s1" / "7")  # e.g. rerun and interrupted
        shutil.rmtree(base / "s1" / "8")
        done = catalog.update()
        assert (done.read, done.dropped, done.unchanged) == (1, 1, 51)
        states = catalog.sql("SELECT state, count(*) AS n FROM runs GROUP BY state ORDER BY state")
    assert states.to_dict("list") == {"state": ["incomplete", "ok"], "n": [1, 51]}


def test_sql_export_and_outcomes_in_place(runs, tmp_path):
    with sim.catalog(runs["base"]) as catalog:
        groups = catalog.sql("SELECT scenario, protocol, count(*) AS points FROM runs WHERE state = 'ok' GROUP BY ALL ORDER BY ALL")
        assert groups["points"].tolist() == [13, 13, 13, 13]
        listed = catalog.list(where=QUESTION)
        for name in ("answer.csv", "answer.parquet"):
            catalog.export(tmp_path / name, where=QUESTION)
        assert pd.read_parquet(tmp_path / "answer.parquet")["p_war"].tolist() == listed["p_war"].tolist()
        assert pd.read_csv(tmp_path / "answer.csv")["path"].tolist() == listed["path"].tolist()
        outcomes = catalog.outcomes(where=f"{QUESTION} AND seed = 4")
        with pytest.raises(sim.api.ConfigError, match="end in .csv or .parquet"):
            catalog.export(tmp_path / "answer.xlsx")
        with pytest.raises(sim.api.ConfigError, match="no complete run"):
            catalog.outcomes(where="scenario='nowhere'")
    (path,) = listed.loc[listed["seed"] == 4, "path"]
    expected = pd.read_parquet(Path(path) / "outcomes.parquet")  # DuckDB reads the categories as strings
    pd.testing.assert_frame_equal(outcomes.drop(columns="run_dir").astype(object), expected.astype(object))
    assert set(outcomes["run_dir"]) == {path}


def test_the_command(runs, tmp_path, capsys):
    db = str(tmp_path / "c.duckdb")
    main(["--db", db, "--root", str(runs["base"]), "index"])
    assert capsys.readouterr().out.startswith(f"{52 + len(BROKEN)} run directories (52 complete)")
    main(["--db", db, "list", "--where", QUESTION, "--columns", "seed,p_war", "--csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "seed,p_war" and len(lines) == 1 + len(SEEDS)
    main(["--db", db, "sql", "SELECT count(*) AS n FROM runs WHERE state <> 'ok'"])
    assert capsys.readouterr().out.split() == ["n", str(len(BROKEN))]
    main(["--db", db, "export", str(tmp_path / "all.csv")])
    assert len(pd.read_csv(tmp_path / "all.csv")) == 52 + len(BROKEN)


@pytest.mark.parametrize(
    "args, message",
    [
        (["list", "--where", "scenario = = 'x'"], "negsim-runs: error: sql: Parser Error"),
        (["list", "--columns", "no_such_column"], "no_such_column"),
        (["sql", "SELECT * FROM nowhere"], "nowhere"),
        (["--root", "/no/such/folder", "index"], "negsim-runs: error: root: no such directory"),
    ],
    ids=["bad_where", "bad_column", "bad_table", "missing_root"],
)
def test_bad_input_is_one_line_and_exit_2(runs, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main(["--db", str(tmp_path / "c.duckdb"), "--root", str(runs["base"] / "outputs"), *args])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and err.count("\n") == 1, err


def test_no_folder_to_catalog(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["index"])
    assert stop.value.code == 2 and "give --root DIR" in capsys.readouterr().err
