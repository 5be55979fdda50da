"""End-to-end runs of the real command (``negsim`` / ``python -m sim``) with small Monte Carlos.

The reference run (``base``) is the installed ``negsim`` console script in a process of its
own, figures and terminal summary on; every other run calls the command's entry point in this
process (:func:`tests.support.run_in_process`), which saves an interpreter start, the imports
and loading the compiled code (about 2-3 s) per run. ``base_module`` (``python -m sim``, in
this process) must equal ``base`` byte for byte: the in-process runs are the real command's.
Each run is a module-scoped fixture, made once and checked by several tests.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

import sim
from sim.core.enums import RUNG_NAMES, STATUS_NAMES
from sim.engines.outcomes import Outcomes
from sim.outputs import outcomes_table
from sim.scenario import scenario_from_dict

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
N = 1000
SEED = 7
BASE = [f"mc.n_runs={N}", f"mc.seed={SEED}"]
FAST = ["figures=false", "quiet=true"]
N_CHUNKED = 20_000  # crosses the 16384-run block of the random streams
SUMMARY_KEYS = {
    "n_runs", "seed", "scenario", "engine", "protocol", "config_hash", "version",
    "status", "acceptance", "top_packages", "rounds",
}  # fmt: skip
FIGURES = 4


class Run:
    """One finished run of the command and its output directory."""

    def __init__(self, result, out: Path) -> None:
        self.result, self.out = result, out
        assert result.returncode == 0, result.describe()
        assert "Traceback" not in result.stderr + result.stdout, result.describe()

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))

    @property
    def parquet(self) -> Path:
        return self.out / "outcomes.parquet"

    def table(self):
        return pq.read_table(self.parquet)


def _run(negsim, tmp_path_factory, name: str, args: list[str], entry: str = "module", process: bool = False) -> Run:
    root = tmp_path_factory.mktemp(name)
    out = root / "run"
    return Run(negsim([*args, f"hydra.run.dir={out}"], cwd=root, entry=entry, process=process), out)


def _lieven() -> dict:
    with open(SCENARIO_DIR / "lieven_2022.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def base(negsim, tmp_path_factory) -> Run:
    """The ``negsim`` console script in a process of its own, defaults but n and seed, figures
    and terminal summary on."""
    return _run(negsim, tmp_path_factory, "base", BASE, entry="script", process=True)


@pytest.fixture(scope="module")
def base_module(negsim, tmp_path_factory) -> Run:
    """The same command line through ``python -m sim``, in this process."""
    return _run(negsim, tmp_path_factory, "base_module", BASE, entry="module")


@pytest.fixture(scope="module")
def lieven() -> dict:
    return _lieven()


# --- one run, many properties -----------------------------------------------------------------


def test_summary_json(base, lieven):
    summary = base.summary
    assert SUMMARY_KEYS <= set(summary), sorted(SUMMARY_KEYS - set(summary))
    assert (summary["n_runs"], summary["seed"]) == (N, SEED)
    assert (summary["scenario"], summary["engine"], summary["protocol"]) == ("lieven_2022", "batch", "single_text")
    assert re.fullmatch(r"[0-9a-f]{16}", summary["config_hash"]), summary["config_hash"]
    assert summary["version"] == sim.__version__

    assert list(summary["status"]) == list(STATUS_NAMES) and len(STATUS_NAMES) == 6
    for name, estimate in summary["status"].items():
        assert {"p", "lo", "hi"} <= set(estimate), name
        assert 0.0 <= estimate["lo"] <= estimate["p"] <= estimate["hi"] <= 1.0, (name, estimate)
        assert estimate["p"] == pytest.approx(estimate["count"] / N), name
    assert sum(e["count"] for e in summary["status"].values()) == N

    assert list(summary["acceptance"]) == list(lieven["actors"])
    for name, estimate in summary["acceptance"].items():
        assert 0.0 <= estimate["lo"] <= estimate["p"] <= estimate["hi"] <= 1.0, (name, estimate)

    assert 0 < len(summary["top_packages"]) <= 10
    for entry in summary["top_packages"]:
        assert list(entry["package"]) == list(lieven["items"])
        for item, level in entry["package"].items():
            assert level in lieven["items"][item]["levels"], (item, level)

    rounds = summary["rounds"]
    assert sum(rounds["histogram"].values()) == N
    assert 1 <= rounds["mean"] <= 12
    assert rounds["mean"] == pytest.approx(sum(int(r) * c for r, c in rounds["histogram"].items()) / N)
    assert "lieven_2022" in base.result.stdout  # the terminal summary (quiet=false)


def test_outcomes_parquet(base, lieven):
    table = base.table()
    actors, items = list(lieven["actors"]), list(lieven["items"])
    expected_head = (
        ["run", "status", "rounds", "highest_rung", *items]
        + [f"utility.{a}" for a in actors]
        + [f"accepted.{a}" for a in actors]
        + ["blocker", "aftermath"]
        + [
            f"red_line_held.{a}.{i}"
            for a in actors
            for i in items
            if i in (lieven["actors"][a].get("red_lines") or {})
        ]
    )
    assert table.column_names[: len(expected_head)] == expected_head
    priors = scenario_from_dict(lieven).priors()
    parameters = table.column_names[len(expected_head) :]
    assert sorted(parameters) == sorted(f"scenario.{path}" for path in priors)
    assert "scenario.actors.russia.reservation" in parameters

    assert table.num_rows == N
    assert table.column("run").to_pylist() == list(range(N))
    assert set(table.column("status").to_pylist()) <= set(STATUS_NAMES)
    assert set(table.column("highest_rung").to_pylist()) <= set(range(len(RUNG_NAMES)))
    for item in items:
        assert set(table.column(item).to_pylist()) <= set(lieven["items"][item]["levels"]), item
    assert set(table.column("blocker").drop_null().to_pylist()) <= set(actors)
    k_max = lieven["escalation"]["aftermath"]["high"]
    played = table.column("aftermath").to_numpy()
    assert set(played.tolist()) <= set(range(k_max + 1)) and played.max() > 0
    agreed = table.column("status").to_numpy(zero_copy_only=False) == "agreement"
    assert (played[agreed] == 0).all()  # an agreement plays no aftermath
    low, high = lieven["actors"]["russia"]["reservation"]["low"], lieven["actors"]["russia"]["reservation"]["high"]
    reservation = table.column("scenario.actors.russia.reservation").to_pylist()
    assert all(low <= r <= high for r in reservation) and len(set(reservation)) > N // 2

    metadata = pq.read_schema(base.parquet).metadata
    assert metadata[b"negsim.seed"] == str(SEED).encode()
    assert metadata[b"negsim.version"] == sim.__version__.encode()
    assert metadata[b"negsim.config_hash"] == base.summary["config_hash"].encode()


def test_outcomes_table_has_a_column_per_declared_red_line(small_scenario, scenario_dict):
    """After ``aftermath``, one ``red_line_held.<actor>.<item>`` column per declared red line
    (in actor, then item order), whether it bound in each run; then the parameters."""
    scenario_dict["actors"]["ukraine"]["red_lines"] = {"gamma": {"levels": ["g1"]}}
    scenario_dict["actors"]["us"]["red_lines"] = {"gamma": {"levels": ["g1"]}, "alpha": {"levels": ["a2"]}}
    scenario = scenario_from_dict(scenario_dict)
    out = Outcomes.empty(10, 2, 3, 4)
    for name in ("status", "rounds", "highest_rung", "package", "blocker", "aftermath"):
        getattr(out, name)[:] = 0
    out.utility[:], out.accepted[:], out.red_lines_held[:] = 0.0, True, False
    out.aftermath[:] = [0, 3]
    out.red_lines_held[1, 0, 0] = out.red_lines_held[0, 2, 2] = True
    table = outcomes_table(scenario, out, {"escalation.beta0": np.zeros(2)})
    names = table.column_names
    assert names[names.index("blocker") :] == [
        "blocker", "aftermath", "red_line_held.us.alpha", "red_line_held.us.gamma",
        "red_line_held.ukraine.gamma", "scenario.escalation.beta0",
    ]  # fmt: skip
    assert table.column("run").to_pylist() == [10, 11]
    assert table.column("aftermath").to_pylist() == [0, 3]
    assert table.column("red_line_held.us.alpha").to_pylist() == [False, True]
    assert table.column("red_line_held.us.gamma").to_pylist() == [False, False]
    assert table.column("red_line_held.ukraine.gamma").to_pylist() == [True, False]
    plain = outcomes_table(small_scenario, out, {})
    assert plain.column_names[-2:] == ["blocker", "aftermath"]


def test_outcomes_agree_with_summary(base, lieven):
    summary, table = base.summary, base.table()
    status = Counter(table.column("status").to_pylist())
    assert {name: status.get(name, 0) for name in STATUS_NAMES} == {n: e["count"] for n, e in summary["status"].items()}
    for actor, estimate in summary["acceptance"].items():
        assert sum(table.column(f"accepted.{actor}").to_pylist()) == estimate["count"], actor
    rounds = Counter(table.column("rounds").to_pylist())
    assert {r: rounds.get(int(r), 0) for r in summary["rounds"]["histogram"]} == summary["rounds"]["histogram"]
    rungs = Counter(RUNG_NAMES[r] for r in table.column("highest_rung").to_pylist())
    expected_rungs = {n: e["count"] for n, e in summary["highest_rung"].items()}
    assert {name: rungs.get(name, 0) for name in RUNG_NAMES} == expected_rungs

    items = list(lieven["items"])
    packages = Counter(zip(*(table.column(item).to_pylist() for item in items)))
    top = summary["top_packages"]
    counts = [entry["count"] for entry in top]
    assert counts == sorted(counts, reverse=True)
    for entry in top:
        assert packages[tuple(entry["package"][item] for item in items)] == entry["count"], entry["package"]
    listed = {tuple(entry["package"][item] for item in items) for entry in top}
    assert all(count <= counts[-1] for package, count in packages.items() if package not in listed)


def test_figures_and_hydra_config(base):
    figures = sorted((base.out / "figures").glob("*.png"))
    assert len(figures) == FIGURES, figures
    for figure in figures:
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
    config = yaml.safe_load((base.out / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    assert config["scenario"]["name"] == "lieven_2022"
    assert (config["mc"]["n_runs"], config["mc"]["seed"]) == (N, SEED)
    assert not list(base.out.rglob("*.partial"))


def test_python_m_sim_is_negsim_and_a_seed_reproduces_byte_for_byte(base, base_module):
    assert base_module.parquet.read_bytes() == base.parquet.read_bytes()
    assert (base_module.out / "summary.json").read_bytes() == (base.out / "summary.json").read_bytes()
    config = Path(".hydra") / "config.yaml"
    assert (base_module.out / config).read_bytes() == (base.out / config).read_bytes()
    stdout = [run.result.stdout.replace(str(run.out), "OUT") for run in (base_module, base)]
    assert stdout[0] == stdout[1]


def test_a_plain_run_composed_once_writes_what_hydra_main_writes(negsim, tmp_path_factory, base_module, monkeypatch):
    """A plain run (no flag, no sweep) is composed once and run with Hydra's ``run_job``
    (:func:`sim.app.run_composed`); anything else goes through Hydra's own ``main``, which
    composes again (here forced for a plain run). Both write the same results and ``.hydra/``."""
    from sim import app

    monkeypatch.setattr(app, "compose_single_run", lambda args: None)
    root = tmp_path_factory.mktemp("hydra_main")
    out = root / "run"
    by_hydra = Run(negsim([*BASE, f"hydra.run.dir={out}"], cwd=root), out)
    assert by_hydra.parquet.read_bytes() == base_module.parquet.read_bytes()
    assert (by_hydra.out / "summary.json").read_bytes() == (base_module.out / "summary.json").read_bytes()
    for name in ("config.yaml", "overrides.yaml", "hydra.yaml"):
        texts = [(run.out / ".hydra" / name).read_text().replace(str(run.out.parent), "ROOT") for run in (by_hydra, base_module)]
        assert texts[0] == texts[1], name


# --- variants of the command line --------------------------------------------------------------


@pytest.fixture(scope="module")
def chunked(negsim, tmp_path_factory) -> dict[str, Run]:
    args = [f"mc.n_runs={N_CHUNKED}", "mc.seed=3", *FAST]
    variants = {
        "one_chunk": ["mc.chunk_size=100000"],
        "chunks_of_1000": ["mc.chunk_size=1000"],
        "two_jobs": ["mc.chunk_size=7000", "mc.n_jobs=2"],
        "one_thread": ["mc.n_threads=1"],
        "three_threads": ["mc.chunk_size=20000", "mc.n_threads=3"],  # pieces of 6,667 runs
    }
    return {name: _run(negsim, tmp_path_factory, name, [*args, *extra]) for name, extra in variants.items()}


@pytest.mark.slow
def test_chunk_size_jobs_and_threads_do_not_change_results(chunked):
    reference = chunked["one_chunk"]
    assert pq.ParquetFile(reference.parquet).metadata.num_row_groups == 1
    assert pq.ParquetFile(chunked["chunks_of_1000"].parquet).metadata.num_row_groups == N_CHUNKED // 1000
    assert pq.ParquetFile(chunked["two_jobs"].parquet).metadata.num_row_groups == 3
    table = reference.table()
    assert table.num_rows == N_CHUNKED
    summary = {k: v for k, v in reference.summary.items() if k != "config"}
    for name in ("chunks_of_1000", "two_jobs", "one_thread", "three_threads"):
        other = chunked[name]
        assert other.table().equals(table), f"{name}: outcomes differ from one chunk"
        other_summary = other.summary
        for key in ("status", "acceptance", "blocker", "highest_rung", "rounds", "top_packages"):
            assert other_summary[key] == summary[key], (name, key)
        assert other_summary["config_hash"] == summary["config_hash"], name  # ignores chunking


def _without_chunking(summary: dict) -> dict:
    summary = json.loads(json.dumps(summary))
    for key in ("chunk_size", "n_jobs", "n_threads"):
        summary["config"]["mc"].pop(key)
    return summary


@pytest.mark.slow
def test_chunk_size_jobs_and_threads_do_not_change_summary_json(chunked):
    reference = _without_chunking(chunked["one_chunk"].summary)
    for name in ("chunks_of_1000", "two_jobs", "one_thread", "three_threads"):
        assert _without_chunking(chunked[name].summary) == reference, name


@pytest.mark.slow
def test_mesa_engine_gives_the_batch_engine_outcomes(negsim, tmp_path_factory, base):
    mesa = _run(negsim, tmp_path_factory, "mesa", [*BASE, "engine=mesa", *FAST])
    assert mesa.summary["engine"] == "mesa"
    assert mesa.table().equals(base.table())
    assert mesa.summary["status"] == base.summary["status"]
    assert mesa.summary["acceptance"] == base.summary["acceptance"]


def test_cfg_job_prints_the_config_and_runs_nothing(negsim, tmp_path):
    result = negsim(["--cfg", "job", "mc.n_runs=123", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    assert re.search(r"^scenario:$", result.stdout, re.MULTILINE), result.describe()
    config = yaml.safe_load(result.stdout)
    assert {"scenario", "protocol", "engine", "mc"} <= set(config)
    assert config["scenario"]["name"] == "lieven_2022"
    assert config["mc"]["n_runs"] == 123
    assert not (tmp_path / "run").exists()
    assert not list(tmp_path.rglob("summary.json")) and not list(tmp_path.rglob("outcomes.parquet"))


@pytest.mark.slow
def test_multirun_over_seeds(negsim, tmp_path):
    sweep = tmp_path / "multirun"
    result = negsim(["-m", "mc.seed=1,2", "mc.n_runs=300", *FAST, f"hydra.sweep.dir={sweep}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    summaries = sorted(sweep.glob("*/summary.json"))
    assert len(summaries) == 2, result.describe()
    by_seed = {json.loads(p.read_text())["seed"]: p.parent for p in summaries}
    assert sorted(by_seed) == [1, 2]
    assert not pq.read_table(by_seed[1] / "outcomes.parquet").equals(pq.read_table(by_seed[2] / "outcomes.parquet"))
    assert not (tmp_path / "outputs").exists()  # nothing in the default run directory


def test_user_scenario_file_runs(negsim, tmp_path_factory, base):
    data = _lieven()
    data["name"] = "my_case"
    path = (tmp_path_factory.mktemp("user_file") / "my_case.yaml").resolve()
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    run = _run(negsim, tmp_path_factory, "my_case", [*BASE, f"scenario_file={path}", *FAST])
    summary = run.summary
    assert summary["scenario"] == "my_case"
    assert summary["config"]["scenario_file"] == str(path)
    assert pq.read_schema(run.parquet).metadata[b"negsim.scenario"] == b"my_case"
    # the same priors under another name: the same draws and outcomes as the bundled scenario
    assert run.table().equals(base.table())


def test_ultimatum_protocol_runs(negsim, tmp_path_factory, lieven):
    run = _run(negsim, tmp_path_factory, "ultimatum", [*BASE, "protocol=ultimatum", *FAST])
    summary, table = run.summary, run.table()
    assert summary["protocol"] == "ultimatum"
    assert summary["rounds"]["histogram"] == {"1": N}
    assert set(table.column("rounds").to_pylist()) == {1}
    assert sum(e["count"] for e in summary["status"].values()) == N
    for actor in lieven["actors"]:  # take it or leave it: every deadline is round 1
        assert set(table.column(f"scenario.actors.{actor}.deadline").to_pylist()) == {1.0}, actor


def test_without_saving_outcomes(negsim, tmp_path_factory, base):
    run = _run(negsim, tmp_path_factory, "no_outcomes", [*BASE, "mc.save_outcomes=false", *FAST])
    assert (run.out / "summary.json").exists()
    assert not run.parquet.exists()
    assert not list(run.out.rglob("*.parquet*"))
    assert not (run.out / "figures").exists()  # figures=false
    assert run.summary["status"] == base.summary["status"]
    assert run.summary["acceptance"] == base.summary["acceptance"]
    assert run.summary["top_packages"] == base.summary["top_packages"]


def test_a_scenario_without_some_shifts_runs_with_one_warning(negsim, tmp_path):
    """Shifts are optional: a scenario that leaves some out runs, and the job's log says which."""
    data = _lieven()
    data["name"] = "few_shifts"
    del data["escalation"]["shifts"]["full_scale_invasion"]["ukraine"]
    path = tmp_path / "few_shifts.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    run_dir = tmp_path / "run"
    result = negsim([f"scenario_file={path}", "mc.n_runs=200", *FAST, f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    expected = "scenario.escalation.shifts: no shift for ukraine at full_scale_invasion"
    warned = [line for line in (result.stdout + result.stderr).splitlines() if expected in line]
    assert len(warned) == 1 and "WARNING" in warned[0], result.describe()
    assert expected in (run_dir / "negsim.log").read_text(encoding="utf-8")
