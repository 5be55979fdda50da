"""An empty answer says why (issue #17): the explorer's empty ZOPA names the highest
threshold that has one, the offer search with no feasible package names the best value each
bound reaches, and a one-factor sensitivity analysis runs the one-at-a-time sweep and says so.
Each explanation is checked by acting on it: at the named threshold the ZOPA is not empty, and
a bound at the named value is met."""

from __future__ import annotations

import json
import re

from tests.support import run_in_process

N = "mc.n_runs=300"


def _run(name, args, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    result = run_in_process(name, [*args, N, "figures=false", f"hydra.run.dir={tmp_path / 'out'}"], tmp_path)
    assert result.returncode == 0, result.describe()
    return result.stdout


def test_an_empty_zopa_names_the_highest_threshold_with_one(tmp_path):
    out = _run("negsim-explore", ["scenario=allies_split", "threshold=0.6"], tmp_path)
    found = re.search(r": 0 packages; .* the highest threshold with a ZOPA is ([0-9.]+) \(#(\d+)\)", out)
    assert found, out
    again = _run("negsim-explore", ["scenario=allies_split", f"threshold={found.group(1)}"], tmp_path / "again")
    assert re.search(r"\(each needed actor accepts with p >= [0-9.]+\): [1-9]\d* packages", again), again


def test_an_infeasible_search_names_the_best_value_of_each_bound(tmp_path):
    out = _run("negsim-optimize", ["objective=eu.west", 'subject_to=["p_war<=0.01"]'], tmp_path)
    found = re.search(r"No allowed package satisfies the constraints: p_war<=0.01: the lowest p_war of any allowed "
                      r"opening is ([0-9.]+) \(#(\d+)\); 0 of 108 meet it alone", out)  # fmt: skip
    assert found, out
    again = _run("negsim-optimize", ["objective=eu.west", f"subject_to=[p_war:le:{found.group(1)}]"], tmp_path / "again")
    assert "Best: #" in again and "No allowed package" not in again, again


def test_one_factor_runs_the_one_at_a_time_sweep_and_says_so(tmp_path):
    out = _run("negsim-sensitivity", ["factors=[actors.russia.reservation:-0.3:0.1]"], tmp_path)
    assert "| oat | 1 factors |" in out and "Note: Morris needs two or more factors" in out, out
    saved = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    assert saved["method"] == "oat" and "one-at-a-time" in saved["settings"]["note"]
