"""P(war) means one thing in every command (DESIGN.md, "Statuses"): the share of runs whose
highest rung is at least full-scale invasion (3), whatever their status, computed by one
function, :func:`sim.summary.p_war`. Each command's P(war) is compared with that function
on the same runs' outcomes (``outcomes.parquet``'s ``highest_rung``).

The case (the small scenario of tests/conftest.py, ``protocol.max_rounds=4``): Russia's
reservation is 1, above every utility, so it refuses every text until the full-scale
invasion's shift (-1) brings it to 0; it climbs with probability sigma(0) = 1/2 each round,
and a first full-scale invasion becomes a NATO-Russia clash with probability 1/4. With
``continue_after_invasion`` the talks go on at rung 3 and Russia then accepts: many runs end
as an *agreement* at rung 3 (war, by the highest rung) and some as the status ``war`` (rung 3
reached in the last round); without it, every run that reaches rung 3 ends as ``war``. The
two settings share their random numbers, so P(war) is the same in both while the status
``war`` is not.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.conditions import parse_conditions
from analysis.optimize import offer_columns, outcome_columns, parse_objective, search_offers
from analysis.report import format_summary
from analysis.sensitivity import evaluate_point, from_outcomes, read_outcomes
from analysis.sweep import plot_heatmaps, report
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.summary import P_WAR_CAPTION, is_war, p_war

N = 300
KEEP = Protocol(max_rounds=4, continue_after_invasion=True)
STOP = Protocol(max_rounds=4, continue_after_invasion=False)


@pytest.fixture
def war_data(scenario_dict, fixed_prior, uniform_prior):
    data = scenario_dict
    data["actors"]["russia"]["reservation"] = fixed_prior(1.0)
    data["actors"]["nato_allies"]["reservation"] = uniform_prior(-1.0, -0.5)  # varies, matters not
    esc = data["escalation"]
    esc["beta0"] = fixed_prior(0.0)
    esc["p_spillover"] = fixed_prior(0.25)
    esc["shifts"] = {"full_scale_invasion": {"russia": fixed_prior(-1.0)}}
    return data


@pytest.fixture
def war_scenario(war_data, build_scenario):
    return build_scenario(war_data)


def _run(scenario, protocol, folder: Path, n=N, seed=1):
    summary = run_monte_carlo(scenario, protocol, "batch", MonteCarlo(n_runs=n, seed=seed), folder)
    return summary, pd.read_parquet(folder / "outcomes.parquet")


def test_status_and_highest_rung_disagree(war_scenario, tmp_path):
    keep, runs = _run(war_scenario, KEEP, tmp_path / "keep")
    stop, stopped = _run(war_scenario, STOP, tmp_path / "stop")
    status = runs["status"].astype(str)
    after_invasion = (status == "agreement") & (runs["highest_rung"] == 3)
    assert after_invasion.sum() > N // 5  # agreements after a full-scale invasion
    assert keep["p_war"] == p_war(runs["highest_rung"])  # the one function, on the outcomes
    assert keep["p_war"]["count"] == int(is_war(runs["highest_rung"]).sum())
    assert json.loads((tmp_path / "keep" / "summary.json").read_text())["p_war"]["count"] == keep["p_war"]["count"]
    by_status = keep["status"]["war"]["count"] + keep["status"]["nato_russia_war"]["count"]
    assert keep["p_war"]["count"] == by_status + int(after_invasion.sum())  # ... not the statuses'
    # the same random numbers without continue_after_invasion: the same P(war), all of it by status
    assert stop["p_war"] == keep["p_war"] == p_war(stopped["highest_rung"])
    assert stop["status"]["war"]["count"] + stop["status"]["nato_russia_war"]["count"] == stop["p_war"]["count"]
    assert keep["status"]["war"]["count"] < stop["status"]["war"]["count"]


def test_terminal_summary(war_scenario, tmp_path):
    summary, runs = _run(war_scenario, KEEP, tmp_path)
    text = format_summary({**summary, "version": "test"})
    war = p_war(runs["highest_rung"])
    lines = text.splitlines()
    p_line = next(line for line in lines if line.strip().startswith("P(war)"))
    assert f"{war['p']:.1%}" in p_line and "highest rung ≥ full-scale invasion" in p_line
    status_line = next(line for line in lines if line.strip().startswith("status war"))
    assert f"{summary['status']['war']['p']:.1%}" in status_line
    assert summary["status"]["war"]["p"] != war["p"]
    assert not any(line.strip().startswith("war ") for line in lines)  # the status is never bare "war"


def test_report_table_heatmaps_and_markdown(war_data, write_small, script, tmp_path):
    path = write_small(war_data)
    out = tmp_path / "multirun"
    done = script(
        "sim",
        [
            "-m", f"scenario_file={path}", "protocol.max_rounds=4", f"mc.n_runs={N}",
            "mc.seed=1,2", "protocol.continue_after_invasion=false,true",
            "figures=false", "quiet=true", f"hydra.sweep.dir={out}",
        ],
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.describe()
    result = report(out)
    table = result["table"]
    assert len(table) == 4 and (table["state"] == "ok").all()
    for _, row in table.iterrows():
        runs = pd.read_parquet(out / row["run_dir"] / "outcomes.parquet")
        war = p_war(runs["highest_rung"])
        assert (row["p_war"], row["p_war_lo"], row["p_war_hi"]) == (war["p"], war["lo"], war["hi"])
    keep = table[table["protocol.continue_after_invasion"].astype(str).str.lower() == "true"]
    assert (keep["p_war"] > keep["p.war"] + keep["p.nato_russia_war"]).all()
    assert (out / "figures" / "sweep_heatmap_war.png").is_file()
    # the heatmap shows P(war), captioned, not the status war
    fig = plot_heatmaps(table, result["x"], result["y"], [], "war")
    grid = np.asarray(fig.axes[0].images[0].get_array())
    expected = table.pivot_table(index=result["y"], columns=result["x"], values="p_war", aggfunc="mean").to_numpy()
    assert np.array_equal(grid, expected)
    assert P_WAR_CAPTION in fig._suptitle.get_text()
    assert any(ax.get_ylabel() == P_WAR_CAPTION for ax in fig.axes)  # the colour bar
    text = (out / "report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| run"))
    assert "| P(war) |" in header and "| status war |" in header and "P(war)" not in header.replace("| P(war) |", "")
    assert P_WAR_CAPTION in text


def test_optimize(war_scenario):
    mc = MonteCarlo(n_runs=N, seed=1)
    objective = parse_objective("p_war", "auto", war_scenario, KEEP)
    assert objective.name == "p_war" and not objective.maximise and objective.label == P_WAR_CAPTION
    assert parse_objective("p.war", "auto", war_scenario, KEEP).label == "share of status war"
    search = search_offers(
        war_scenario, KEEP, "batch", mc, objective,
        parse_conditions(["package<=2"], offer_columns(war_scenario), "where"),
    )  # fmt: skip
    table = search.table.set_index("package")
    import dataclasses
    import tempfile

    for number in (0, 1, 2):
        variant = dataclasses.replace(war_scenario, opening_offer=tuple(int(x) for x in war_scenario.packages[number]))
        with tempfile.TemporaryDirectory() as folder:
            summary, runs = _run(variant, KEEP, Path(folder))
        war = p_war(runs["highest_rung"])
        assert summary["p_war"] == war
        assert (table.loc[number, "p_war"], table.loc[number, "p_war_lo"], table.loc[number, "p_war_hi"]) == (
            war["p"], war["lo"], war["hi"],
        )  # fmt: skip
        assert table.loc[number, "p.war"] == summary["status"]["war"]["p"] < war["p"]
        assert table.loc[number, "objective"] == war["p"]
    assert "p_war" in outcome_columns(war_scenario) and "p.any_war" not in outcome_columns(war_scenario)
    with pytest.raises(Exception):
        parse_objective("p.any_war", "auto", war_scenario, KEEP)


def test_sensitivity(war_data, war_scenario, tmp_path):
    mc = MonteCarlo(n_runs=N, seed=1)
    point = evaluate_point(war_data, KEEP, "batch", mc, {})
    summary, runs = _run(war_scenario, KEEP, tmp_path)
    war = p_war(runs["highest_rung"])
    assert point["war"] == war["p"] and point["n_war"] == war["count"]
    frame, factors, found, seed = read_outcomes(tmp_path)
    result = from_outcomes(frame, factors, found, seed, "given_data", resamples=0)
    assert result.base["war"] == war["p"]
    assert "swing.war" in result.table.columns and "swing.any_war" not in result.table.columns
