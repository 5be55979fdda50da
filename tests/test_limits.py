"""The bounds of :mod:`sim.limits`, checked before anything is allocated: each breach is one
line naming the field, the number and the bound; the bounds that can be raised are raised by
their environment variable."""

from __future__ import annotations

import time

import pytest

from sim import limits
from sim.errors import ConfigError
from sim.scenario import check_size, scenario_from_dict
from tests.support import run_in_process


def _items(*level_counts: int) -> dict:
    return {f"i{n}": {"levels": [f"l{k}" for k in range(count)]} for n, count in enumerate(level_counts)}


CASES = [  # (id, data, field, texts), each refused by check_size
    ("many_levels", {"items": _items(3, 50_000)}, "scenario.items.i1.levels", ("too many levels", "at most 100", "50000")),
    ("forty_items", {"items": _items(*[2] * 40)}, "scenario.items", ("too many packages", "1,048,576", "NEGSIM_MAX_PACKAGES", str(2**40))),
    ("just_over", {"items": _items(*[2] * 21)}, "scenario.items", ("too many packages", str(2**21))),
    ("many_actors", {"actors": {f"a{k}": {} for k in range(101)}}, "scenario.actors", ("too many actors", "at most 100")),
]


@pytest.mark.parametrize("data, field, texts", [pytest.param(d, f, t, id=i) for i, d, f, t in CASES])
def test_check_size_refuses(data, field, texts):
    with pytest.raises(ConfigError) as error:
        check_size(data)
    assert error.value.field == field
    for text in texts:
        assert text in str(error.value), str(error.value)


def test_at_the_bound_is_accepted():
    check_size({"items": _items(*[2] * 20), "actors": {f"a{k}": {} for k in range(100)}})  # 2**20 packages


def test_scenario_from_dict_checks_first(scenario_dict):
    """Before it reads an item or a prior (the 50,000 levels would each need priors)."""
    scenario_dict["items"]["alpha"]["levels"] = [f"a{k}" for k in range(50_000)]
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="too many levels"):
        scenario_from_dict(scenario_dict)
    assert time.perf_counter() - started < 1.0


def test_the_package_bound_can_be_raised_and_checked(monkeypatch):
    monkeypatch.setenv("NEGSIM_MAX_PACKAGES", str(2**21))
    check_size({"items": _items(*[2] * 21)})
    monkeypatch.setenv("NEGSIM_MAX_PACKAGES", "lots")
    with pytest.raises(ConfigError, match="NEGSIM_MAX_PACKAGES: must be a whole number"):
        check_size({"items": _items(2)})


@pytest.mark.parametrize("requested, used, warned", [(1, 1, False), (2, 2, False), (3, 2, True), (999, 2, True)])
def test_fit_jobs(monkeypatch, requested, used, warned):
    monkeypatch.setattr(limits, "available_cores", lambda: 2)
    n_jobs, warning = limits.fit_jobs(requested)
    assert n_jobs == used and bool(warning) == warned
    assert not warned or f"mc.n_jobs={requested}: only 2 cores" in warning


def test_negsim_runs_with_more_jobs_than_cores_on_the_cores_it_has(tmp_path, monkeypatch):
    """The issue's mc.n_jobs=999: no worker beyond the cores, a warning, the same results."""
    monkeypatch.setattr(limits, "available_cores", lambda: 1)
    out = tmp_path / "run"
    result = run_in_process("sim", ["mc.n_jobs=999", "mc.n_runs=300", "figures=false", "quiet=true", f"hydra.run.dir={out}"], tmp_path)
    assert result.returncode == 0, result.describe()
    assert "mc.n_jobs=999: only 1 cores are available here; using 1 workers" in result.stdout + result.stderr
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize(
    "args, field",
    [
        (["+scenario.items.big.levels=[" + ",".join(f"l{k}" for k in range(101)) + "]"], "scenario.items.big.levels"),
    ],
    ids=["levels_from_the_command_line"],
)
def test_negsim_refuses_with_one_line(tmp_path, args, field):
    result = run_in_process("sim", [*args, "mc.n_runs=100", f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1 and field in lines[0], result.describe()
    assert not (tmp_path / "run").exists()
