"""A prior in one override (docs/scenario-format.md, "Short forms on the command line"):
``KEY=0.2`` fixes the prior at 0.2 and ``KEY=[0.1,0.3]`` makes it uniform on [0.1, 0.3], the
same config (and config hash) as the long form that names every field. Bad values are in the
bad-input table (tests/cli/test_bad_input.py, ``prior_short_form_*``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.configure import expand_prior_values

KEY = "scenario.actors.russia.reservation"
COLUMN = KEY  # the outcome column is the prior's config path
LONG_FIXED = [f"{KEY}.dist=fixed", f"{KEY}.value=0.2", f"{KEY}.low=null", f"{KEY}.high=null"]


def _run(negsim, tmp_path, name: str, args: list[str]):
    out = tmp_path / name
    result = negsim([*args, "mc.n_runs=300", "figures=false", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    return result, json.loads((out / "summary.json").read_text()), pd.read_parquet(out / "outcomes.parquet")


def test_a_number_fixes_the_prior_as_the_four_overrides_do(tmp_path, negsim):
    short, summary, outcomes = _run(negsim, tmp_path, "short", [f"{KEY}=0.2"])
    _, long_summary, long_outcomes = _run(negsim, tmp_path, "long", LONG_FIXED)
    _, default_summary, default_outcomes = _run(negsim, tmp_path, "default", [])
    assert (outcomes[COLUMN] == 0.2).all()
    assert summary["config"]["scenario"]["actors"]["russia"]["reservation"]["dist"] == "fixed"
    assert summary["config_hash"] == long_summary["config_hash"] != default_summary["config_hash"]
    pd.testing.assert_frame_equal(outcomes, long_outcomes)
    assert default_outcomes[COLUMN].nunique() > 1  # the check above is not vacuous: it was a range


def test_a_pair_is_a_uniform_prior(tmp_path, negsim):
    _, summary, outcomes = _run(negsim, tmp_path, "uniform", [f"{KEY}=[0.1,0.3]"])
    prior = summary["config"]["scenario"]["actors"]["russia"]["reservation"]
    assert (prior["dist"], prior["low"], prior["high"], prior["value"]) == ("uniform", 0.1, 0.3, None)
    values = outcomes[COLUMN]
    assert values.between(0.1, 0.3).all() and values.nunique() > 100


def test_a_sweep_of_short_forms(tmp_path, negsim):
    args = ["-m", f"{KEY}=0.1,[0.0,0.3]", "mc.n_runs=200", "figures=false", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    result = negsim(args, cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    fixed = pd.read_parquet(tmp_path / "sweep" / "0" / "outcomes.parquet")[COLUMN]
    uniform = pd.read_parquet(tmp_path / "sweep" / "1" / "outcomes.parquet")[COLUMN]
    assert (fixed == 0.1).all() and uniform.between(0.0, 0.3).all() and uniform.nunique() > 100


@pytest.mark.parametrize(
    "arg",
    [
        f"{KEY}.low=0.1",  # a prior's own field
        f"{KEY}={{dist:fixed,value:0.1}}",  # a mapping
        "scenario.opening_offer.donbas=status_quo",  # not a prior
        "mc.n_runs=5",
    ],
)
def test_other_overrides_pass_as_written(arg):
    assert expand_prior_values(["-m", arg]) == ["-m", arg]


def test_the_value_after_a_flag_is_not_an_override():
    assert expand_prior_values(["--cfg", "job", f"{KEY}=0.2"])[:2] == ["--cfg", "job"]
