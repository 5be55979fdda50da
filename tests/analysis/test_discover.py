"""Scenario discovery (``negsim-discover``, :mod:`analysis.discover`): PRIM recovers a planted
box and leaves the other dimensions alone, CART splits on the same priors, the box is chosen
by the documented rule, the words say the numbers of the tables, and bad input is refused
with one line and exit status 2 before anything is written."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis import discover as disc
from sim.summary import estimate, is_war


def planted(n: int = 4000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Five uniform priors; the outcome happens with probability 0.9 inside
    ``x1 > 0.7 and x2 < 0.3`` (9% of the runs) and 0.03 outside."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 5)), columns=[f"scenario.x{i}" for i in range(1, 6)])
    inside = (x["scenario.x1"] > 0.7) & (x["scenario.x2"] < 0.3)
    y = rng.uniform(size=n) < np.where(inside, 0.9, 0.03)
    return x, y


@pytest.fixture(scope="module")
def found():
    x, y = planted()
    x["scenario.fixed"] = 0.5  # a fixed prior: no dimension
    return disc.discover_table(x, y, "planted", rng=np.random.default_rng(0))


def test_prim_recovers_the_planted_box(found):
    limits = {r.parameter: r for r in found.restrictions}
    assert set(limits) == {"scenario.x1", "scenario.x2"}, found.restrictions  # x3..x5 left alone
    assert limits["scenario.x1"].low == pytest.approx(0.7, abs=0.04)
    assert not limits["scenario.x1"].restricts_high
    assert limits["scenario.x2"].high == pytest.approx(0.3, abs=0.04)
    assert not limits["scenario.x2"].restricts_low
    assert all(r.qp <= disc.ALPHA for r in found.restrictions)
    assert found.dimensions == [f"scenario.x{i}" for i in range(1, 6)]  # the fixed column dropped
    # not vacuous: the held-out density is near the planted 0.9 (the box is found on other
    # runs, a little wider), far above the overall rate (0.11); the box holds about
    # 0.081 / (0.081 + 0.91 * 0.03) = 75% of the outcome's runs
    assert found.box_check["p"] > 0.75 and found.box_check["lo"] > 0.7 and found.overall["p"] < 0.15
    assert found.coverage_check > 0.65


def test_cart_splits_on_the_same_priors(found):
    named = {re.search(r"x\d", c).group() for c in found.leaf.conditions}
    assert named == {"x1", "x2"}, found.leaf.conditions
    first = found.tree_text.splitlines()[0]  # the root's split
    assert re.search(r"\|--- x[12] ", first), found.tree_text
    assert found.leaf.check["p"] > 0.8


def test_an_unrestricted_side_is_open():
    """A held-out draw beyond the fitted runs' highest is inside ``x ≥ low``, as the words say."""
    r = disc.Restriction("scenario.x1", 0.7, 0.99, 0.01, 0.99, 1e-9, float("nan"))
    assert r.restricts_low and not r.restricts_high and r.words() == "x1 ≥ 0.7"
    x = pd.DataFrame({"scenario.x1": [0.5, 0.7, 0.995, 2.0]})
    assert r.contains(x).tolist() == [False, True, True, True]


def test_held_out_estimates_are_those_of_the_held_out_runs():
    x, y = planted(n=2000, seed=3)
    result = disc.discover_table(x, y, "planted", rng=np.random.default_rng(7))
    fit, check = disc.split_runs(len(y), 0.5, np.random.default_rng(7))
    assert result.n_fit == len(fit) == 1000 and result.n_check == len(check) == 1000
    inside = disc.in_box(result.restrictions, x.iloc[check])
    assert result.box_check == estimate(int(y[check][inside].sum()), int(inside.sum()))
    assert result.coverage_check == pytest.approx(y[check][inside].sum() / y[check].sum())
    assert bool(result.trajectory.loc[result.chosen, "chosen"]) and result.trajectory["chosen"].sum() == 1
    # fitted numbers are the fitted runs'
    inside_fit = disc.in_box(result.restrictions, x.iloc[fit])
    assert result.box_fit == estimate(int(y[fit][inside_fit].sum()), int(inside_fit.sum()))
    assert result.fitted["mass"] == pytest.approx(inside_fit.mean())


def test_without_held_out_runs_the_words_say_so():
    x, y = planted(n=1000)
    result = disc.discover_table(x, y, "planted", rng=np.random.default_rng(0), holdout=0)
    assert result.n_check == 0 and result.box_check == result.box_fit
    assert "the fitted runs; none held out, so optimistic" in result.sentence()
    assert "held out" not in disc.format_discovery(result).split("PRIM:")[1].split("CART")[0]


def trajectory(rows):
    frame = pd.DataFrame(rows, columns=["step", "coverage", "density", "mass"])
    frame["youden"] = frame["coverage"] - frame["mass"]
    return frame


def test_choose_box_by_hand():
    t = trajectory(
        [
            (0, 1.00, 0.30, 1.00),
            (1, 0.95, 0.40, 0.70),  # J = 0.25
            (2, 0.85, 0.50, 0.50),  # J = 0.35: the default (the earlier of two)
            (3, 0.70, 0.60, 0.35),  # J = 0.35
            (4, 0.50, 0.80, 0.20),  # J = 0.30, the first with density >= 0.8
            (5, 0.30, 0.90, 0.10),
        ]
    )
    assert disc.choose_box(t)[0] == 2
    assert disc.choose_box(t, min_density=0.8)[0] == 4
    assert disc.choose_box(t, min_density=0.95)[0] is None
    assert disc.choose_box(t, step=3) == (3, "step 3, chosen by the user")
    assert disc.choose_box(t.iloc[:1])[0] is None  # step 0 restricts nothing: it is no box
    with pytest.raises(disc.DiscoverError, match="steps 0 to 5"):
        disc.choose_box(t, step=6)


def test_restrictions_the_runs_do_not_support_are_dropped():
    """With 500 fitted runs PRIM cuts a sliver off x3 early (step 6) and keeps it: the step of
    largest J restricts x1, x2 and x3; pruning drops x3, whose quasi-p-value is far above
    0.05, and keeps the planted two. A named step is taken as it is."""
    x, y = planted(n=1000)
    result = disc.discover_table(x, y, "planted", rng=np.random.default_rng(0))
    chosen = result.trajectory.loc[result.chosen]
    assert chosen["dimensions"] == "x1;x2;x3" and chosen["max_qp"] > 0.5  # what PRIM's step holds
    assert result.dropped == ["x3"] and "x3 dropped" in result.rule
    assert [r.name for r in result.restrictions] == ["x1", "x2"]
    assert all(r.qp <= disc.ALPHA for r in result.restrictions)
    assert result.fitted["mass"] > chosen["mass"]  # the box without the x3 limit is larger
    named = disc.discover_table(x, y, "planted", rng=np.random.default_rng(0), box=result.chosen)
    assert [r.name for r in named.restrictions] == ["x1", "x2", "x3"] and named.dropped == []


def test_outcomes_come_from_their_one_home():
    frame = pd.DataFrame(
        {"status": ["agreement", "war", "stalemate", "agreement"], "highest_rung": [3, 3, 2, 0]}
    )
    assert disc.outcome_of(frame, "war").tolist() == is_war(frame["highest_rung"]).tolist() == [True, True, False, False]
    assert disc.outcome_of(frame, "status.war").tolist() == [False, True, False, False]
    assert disc.outcome_of(frame, "agreement").tolist() == [True, False, False, True]
    assert disc.outcome_label("war") == "P(war)" and disc.outcome_label("status.war") == "P(status war)"
    with pytest.raises(disc.DiscoverError, match="unknown outcome 'peace'"):
        disc.outcome_of(frame, "peace")


# --- the command on a real run -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    from tests.support import run_in_process

    folder = tmp_path_factory.mktemp("discover")
    run = folder / "run"
    done = run_in_process(
        "negsim", ["mc.n_runs=3000", "figures=false", "quiet=true", f"hydra.run.dir={run}"], cwd=folder
    )
    assert done.returncode == 0, done.describe()
    return run


def test_command_writes_its_outputs_and_its_words_match_the_numbers(real_run, tmp_path, script):
    out = tmp_path / "war"
    done = script("negsim-discover", [str(real_run), "--outcome", "war", "--out", str(out)], cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    for name in ("trajectory.csv", "box.csv", "tree.txt", "discover.json", "discover.md",
                 "figures/discover_tradeoff.png", "figures/discover_box.png"):
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.partial"))
    result = json.loads((out / "discover.json").read_text())
    summary = json.loads((real_run / "summary.json").read_text())
    frame = pd.read_parquet(real_run / "outcomes.parquet")
    war = is_war(frame["highest_rung"].to_numpy())
    assert result["overall"]["count"] == int(war.sum()) == summary["p_war"]["count"]
    assert result["chosen_step"] is not None
    # the box's held-out estimate, recomputed from the table, the box and the split
    box = pd.read_csv(out / "box.csv")
    _, check = disc.split_runs(len(frame), 0.5, np.random.default_rng(summary["seed"]))
    held = frame.iloc[check]
    inside = np.ones(len(held), dtype=bool)
    for row in box.itertuples():  # an empty limit is an open side
        values = held[row.parameter].to_numpy()
        inside &= (values >= np.nan_to_num(row.low, nan=-np.inf)) & (values <= np.nan_to_num(row.high, nan=np.inf))
    est = estimate(int(war[check][inside].sum()), int(inside.sum()))
    assert result["box"]["check"] == est
    # ... and the sentence on the terminal says those numbers
    sentence = result["sentence"]
    assert sentence in done.stdout
    expected = f"P(war) is {est['p']:.2f} [{est['lo']:.2f}, {est['hi']:.2f}]"
    assert sentence.startswith(expected), sentence
    assert f"against {summary['p_war']['p']:.2f} overall" in sentence
    coverage = war[check][inside].sum() / war[check].sum()
    assert f"holds {coverage:.0%} of the runs with war" in sentence
    for row in box.itertuples():
        assert row.name in sentence
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory.loc[trajectory["chosen"], "step"].item() == result["chosen_step"]
    assert {"coverage", "density", "mass", "restricted", "dimensions", "max_qp"} <= set(trajectory.columns)


def damaged(run, tmp_path, name, change):
    """A copy of ``run`` whose outcomes table ``change(frame)`` rewrote (same row count, so
    the directory still reads as complete)."""
    copy = tmp_path / name
    shutil.copytree(run, copy)
    table = pq.read_table(copy / "outcomes.parquet")
    frame = table.to_pandas()
    change(frame)
    frame.to_parquet(copy / "outcomes.parquet", index=False)
    return copy


def _no_variation(frame):
    for column in frame.columns:
        if column.startswith("scenario."):
            frame[column] = 0.0


def _peace(frame):
    frame["highest_rung"] = 0
    frame["status"] = "agreement"


@pytest.mark.parametrize(
    "case, args, message",
    [
        ("missing", ["--outcome", "war"], "no such run directory"),
        ("incomplete", ["--outcome", "war"], "not a complete negsim run: marked INCOMPLETE"),
        ("ok", ["--outcome", "peace"], "unknown outcome 'peace'"),
        ("fixed", ["--outcome", "war"], "no sampled prior varies"),
        ("peace", ["--outcome", "war"], "happens in 0 of 3000 runs"),
        ("peace", ["--outcome", "agreement"], "happens in 3000 of 3000 runs"),
        ("ok", ["--box", "999"], "the peeling trajectory has steps 0 to"),
        ("ok", ["--holdout", "1.5"], "holdout 1.5"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case, args, message, real_run, tmp_path, script):
    if case == "missing":
        run = tmp_path / "nope"
    elif case == "incomplete":
        run = tmp_path / "incomplete"
        shutil.copytree(real_run, run)
        (run / "INCOMPLETE").write_text("")
    elif case == "fixed":
        run = damaged(real_run, tmp_path, "fixed", _no_variation)
    elif case == "peace":
        run = damaged(real_run, tmp_path, "peace", _peace)
    else:
        run = real_run
    out = tmp_path / "out"
    done = script("negsim-discover", [str(run), *args, "--out", str(out)], cwd=tmp_path)
    assert done.returncode == 2, done.describe()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("negsim-discover: error: ") and message in lines[0], done.stderr
    assert not out.exists() and done.stdout == ""
