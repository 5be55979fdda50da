"""Offer search: equal to ``negsim`` with each package as the opening offer, payoffs by hand,
paired comparisons, conditions, and the command.

Hand-computed setting (the small scenario of tests/conftest.py, ``ultimatum`` protocol):
Russia's reservation is 1/16, so it refuses only the status quo #0 (utility 0) and accepts
every other package (utility >= 1/8); everyone else has reservation -1 and accepts all, and
the Senate's bias 0 passes everything. Escalation: beta0 = +1000 (Russia always climbs),
p_deadline = 1 with the ultimatum's deadline 1 (one more rung), p_spillover = 0: a refused
#0 goes 1 -> 2 -> 3, ``war``. Shifts: limited incursion us -1/8, russia -1/8; full-scale
invasion us -1/4 (and coercive build-up us -1/2, never applied: it is the starting rung).
So #0's outcome utilities are us -1 - 1/8 - 1/4 = -11/8 and russia
1/16 - 1/8 = -1/16; every other package is agreed and pays its utility (us: #4 -1/16 best).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis._stats import paired_binary
from analysis.conditions import parse_condition, parse_conditions
from analysis.optimize import (
    holm,
    offer_columns,
    outcome_columns,
    parse_objective,
    search_offers,
)
from sim.errors import ConfigError
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol

ULTIMATUM = Protocol("ultimatum", 1)


@pytest.fixture
def war_or_deal(scenario_dict, fixed_prior, build_scenario):
    data = scenario_dict
    data["actors"]["russia"]["reservation"] = fixed_prior(0.0625)
    esc = data["escalation"]
    esc["beta0"] = fixed_prior(1000.0)
    esc["p_deadline"] = fixed_prior(1.0)
    esc["shifts"] = {
        "coercive_buildup": {"us": fixed_prior(-0.5)},  # the starting rung: never applied
        "limited_incursion": {"us": fixed_prior(-0.125), "russia": fixed_prior(-0.125)},
        "full_scale_invasion": {"us": fixed_prior(-0.25)},
    }
    return build_scenario(data)


def _search(scenario, protocol, objective, where=(), subject_to=(), n=40, **kwargs):
    return search_offers(
        scenario,
        protocol,
        "batch",
        MonteCarlo(n_runs=n, seed=2),
        parse_objective(objective, "auto", scenario, protocol),
        parse_conditions(list(where), offer_columns(scenario), "where"),
        parse_conditions(list(subject_to), outcome_columns(scenario), "subject_to"),
        **kwargs,
    )


def test_outcome_utilities_by_hand(war_or_deal):
    search = _search(war_or_deal, ULTIMATUM, "eu.us")
    table = search.table.set_index("package")
    assert table.loc[0, "p.war"] == 1.0 and table.loc[0, "p_war"] == 1.0
    assert table.loc[0, "eu.us"] == -11 / 8 and table.loc[0, "eu.russia"] == -1 / 16
    assert (table.drop(index=0)["p.agreement"] == 1.0).all()
    assert table.loc[4, "eu.us"] == -1 / 16 and table.loc[11, "eu.russia"] == 5 / 8
    assert search.best == 4
    assert table.loc[4, "rank"] == 1 and table.loc[0, "rank"] == 12
    # fixed priors: every run gives the same difference, so each one is significant
    assert table.loc[4, "tied_with_best"] and table["tied_with_best"].sum() == 1
    assert (
        table.loc[2, "diff"] == -1 / 8 + 1 / 16
        and table.loc[2, "diff_lo"] == table.loc[2, "diff_hi"]
    )
    assert search.table["package"].iloc[0] == 4  # ranked


def test_minimise_war_ties_go_to_the_lowest_package(war_or_deal):
    search = _search(war_or_deal, ULTIMATUM, "p_war", n=30)
    table = search.table.set_index("package")
    assert search.objective.maximise is False and search.best == 1
    assert table.loc[0, "diff"] == 1.0 and table.loc[0, "p_value"] == pytest.approx(2 * 0.5**30)
    assert not table.loc[0, "tied_with_best"]
    assert table.drop(index=0)["tied_with_best"].all()  # identical outcomes on every run


def test_where_and_subject_to(war_or_deal):
    search = _search(war_or_deal, ULTIMATUM, "p_agreement", where=["gamma:eq:g0", "alpha!=a2"])
    table = search.table.set_index("package")
    assert sorted(table.index[table["allowed"]]) == [0, 2, 4, 6]
    assert (table.loc[~table["allowed"], "n_runs"] == 0).all() and table.loc[
        ~table["allowed"], "p.agreement"
    ].isna().all()
    assert search.best == 2
    none = _search(
        war_or_deal, ULTIMATUM, "p_agreement", subject_to=["p_war>=0.5", "p_agreement>=0.5"]
    )
    assert none.best is None and not none.table["feasible"].any()
    only_war = _search(war_or_deal, ULTIMATUM, "eu.west", subject_to=["p_war:ge:50%"])
    assert only_war.best == 0 and only_war.objective.target == "us"


def test_each_offer_equals_negsim_with_that_opening_offer(bundled_scenario):
    """Same seed, same draws: the search's counts for package p are run_monte_carlo's with p as
    the opening offer, exactly (common random numbers across packages)."""
    scenario = bundled_scenario("lieven_2022")
    protocol = Protocol()
    n = 600
    search = _search(scenario, protocol, "p_agreement", where=["package<=3"], n=n)
    table = search.table.set_index("package")
    assert sorted(table.index[table["allowed"]]) == [0, 1, 2, 3]
    for number in (0, 3):
        variant = dataclasses.replace(
            scenario, opening_offer=tuple(int(x) for x in scenario.packages[number])
        )
        summary = run_monte_carlo(variant, protocol, "batch", MonteCarlo(n_runs=n, seed=2))
        for status, est in summary["status"].items():
            assert round(table.loc[number, f"p.{status}"] * n) == est["count"], (number, status)
    # results do not depend on chunking
    chunked = search_offers(
        scenario,
        protocol,
        "batch",
        MonteCarlo(n_runs=n, seed=2, chunk_size=250),
        search.objective,
        parse_conditions(["package<=3"], offer_columns(scenario), "where"),
    )
    pd.testing.assert_frame_equal(chunked.table, search.table)


def test_paired_binary_by_hand():
    # 10 runs: B wins 3, A wins 1 -> diff 0.2; per-run differences (+1 x3, -1 x1, 0 x6)
    out = paired_binary(np.array([3]), np.array([1]), 10)
    assert out["diff"][0] == pytest.approx(0.2)
    var = (4 / 10 - 0.04) / 9
    assert out["hi"][0] - out["diff"][0] == pytest.approx(1.959963985 * var**0.5)
    assert out["p_value"][0] == pytest.approx(0.625)  # two-sided binomial, 3 of 4 discordant
    assert paired_binary(np.array([0]), np.array([0]), 10)["p_value"][0] == 1.0


def test_holm_by_hand():
    assert holm(np.array([0.01, 0.04, 0.03])).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm(np.array([0.5, 0.9])).tolist() == pytest.approx([1.0, 1.0])


def test_conditions(small_scenario):
    columns = offer_columns(small_scenario)
    frame = pd.DataFrame(
        {"surplus.us": [0.1, -0.1], "zopa": [True, False], "alpha": pd.Categorical(["a0", "a2"])}
    )
    assert parse_condition("surplus.us>=0", columns, "where").evaluate(frame).tolist() == [
        True,
        False,
    ]
    assert parse_condition("surplus.us:lt:0", columns, "where").evaluate(frame).tolist() == [
        False,
        True,
    ]
    assert parse_condition("zopa", columns, "where").evaluate(frame).tolist() == [True, False]
    assert parse_condition("not zopa", columns, "where").evaluate(frame).tolist() == [False, True]
    assert parse_condition("alpha==a2", columns, "where").evaluate(frame).tolist() == [False, True]
    assert parse_condition(
        "p_war<=10%", outcome_columns(small_scenario), "subject_to"
    ).value == pytest.approx(0.1)
    for bad, words in (
        ("nope>=1", "unknown column"),
        ("alpha<=a1", "item"),
        ("alpha==a9", "unknown level"),
        ("surplus.us>=x", "neither"),
    ):
        with pytest.raises(ConfigError, match=words):
            parse_condition(bad, columns, "where")


def test_objective_names(small_scenario):
    p = Protocol()
    assert parse_objective("p_war", "auto", small_scenario, p).name == "p_war"
    assert parse_objective("p.stalemate", "auto", small_scenario, p).maximise is False
    assert parse_objective("p.agreement", "min", small_scenario, p).maximise is False
    assert parse_objective("eu.west", "auto", small_scenario, p).name == "eu.us"
    for bad in ("p.nope", "eu.nobody", "utility"):
        with pytest.raises(ConfigError):
            parse_objective(bad, "auto", small_scenario, p)


def test_command(tmp_path, script, scenario_dict, write_small, fixed_prior):
    data = scenario_dict
    data["actors"]["russia"]["reservation"] = fixed_prior(0.0625)
    path = write_small(data)
    out = tmp_path / "run"
    done = script(
        "negsim-optimize",
        [
            f"scenario_file={path}",
            "protocol=ultimatum",
            "mc.n_runs=50",
            "objective=eu.west",
            'where=["gamma==g0"]',
            'subject_to=["p_war<=0.1"]',
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    assert "Best: #4" in done.stdout
    table = pd.read_csv(out / "offers.csv")
    assert table["allowed"].sum() == 6 and table["package"].iloc[0] == 4
    assert (out / "figures" / "offers_ranking.png").is_file() and (out / "optimize.json").is_file()
    bad = script(
        "negsim-optimize",
        [f"scenario_file={path}", 'subject_to=["p_war<=x"]', f"hydra.run.dir={tmp_path / 'bad'}"],
        cwd=tmp_path,
    )
    lines = bad.stderr.strip().splitlines()
    assert (
        bad.returncode == 2
        and len(lines) == 1
        and "subject_to" in lines[0]
        and "Traceback" not in bad.stderr
    ), bad.describe()
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    "args, field",
    [
        (["objective=p.nope"], "objective"),
        (["objective=eu.nobody"], "objective"),
        (['subject_to=["p_war<=x"]'], "subject_to"),
        (["where=[p_war:le:0.1]"], "where"),  # an outcome, not a property of the offer
        (["alpha=2"], "alpha"),
        (["sense=up"], "sense"),
        (["-m", "objective=p_war,p.nope"], "objective"),  # every sweep value is checked
    ],
)
def test_bad_command_lines(args, field):
    from analysis._tool import check_tool_command_line, tool_schema
    from analysis.optimize import OptimizeConf, _validate

    with tool_schema(OptimizeConf), pytest.raises(ConfigError) as error:
        check_tool_command_line(args, _validate)
    assert error.value.field == field
