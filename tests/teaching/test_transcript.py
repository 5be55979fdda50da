"""``negsim-transcript``: run K replayed with the Mesa model is run K of the Monte Carlo.

The reference is the real ``negsim`` command (batch engine, its entry point run in this
process): its ``outcomes.parquet`` row
``run == K`` must have the transcript's status, rounds, highest rung, blocker and final
package. The narration recomputes each round's amendment or offer with the core functions and
raises if it disagrees with the model, so replaying many runs checks the narration too.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.configure import build
from sim.engines import get_engine
from sim.sampling import draw
from sim.teaching.transcript import Replay, replay_from_config

N = 400
SEED = 11
STATUS_LINE = re.compile(r"\*\*Status:\*\* `([a-z_]+)`")


@pytest.fixture(scope="module")
def outcomes(run_script, tmp_path_factory) -> pd.DataFrame:
    """``negsim mc.n_runs=400 mc.seed=11``'s outcomes table."""
    root = tmp_path_factory.mktemp("negsim")
    done = run_script(
        "negsim",
        [
            f"mc.n_runs={N}",
            f"mc.seed={SEED}",
            "figures=false",
            "quiet=true",
            f"hydra.run.dir={root / 'run'}",
        ],
        root,
    )
    assert done.returncode == 0, done.describe()
    table = pq.read_table(root / "run" / "outcomes.parquet").to_pandas()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(object)
    return table.set_index("run")


def runs_to_check(outcomes: pd.DataFrame) -> list[int]:
    """The first run of every status present, and the first and last runs."""
    firsts = outcomes.reset_index().groupby("status", sort=True)["run"].min().tolist()
    return sorted({0, N - 1, *firsts})


def assert_same_run(replay: Replay, row: pd.Series, items: list[str]) -> None:
    model = replay.model
    assert replay.status == row["status"]
    assert model.rounds == row["rounds"]
    assert model.rung == row["highest_rung"]
    blocker = None if model.blocker < 0 else replay.actors[model.blocker]
    assert blocker == (None if pd.isna(row["blocker"]) else row["blocker"])
    final = [replay.scenario.items[i].levels[level] for i, level in enumerate(model.text)]
    assert final == [row[item] for item in items]


def test_replayed_run_is_the_monte_carlo_row(outcomes, compose_transcript):
    runs = runs_to_check(outcomes)
    assert len(set(outcomes.loc[runs, "status"])) >= 4, "the sample should cover several statuses"
    for k in runs:
        replay = replay_from_config(compose_transcript([f"mc.seed={SEED}", f"run={k}"]))
        assert_same_run(replay, outcomes.loc[k], list(replay.scenario.item_names))
        (status,) = STATUS_LINE.findall(replay.markdown())
        assert status == outcomes.loc[k, "status"]
        frame = replay.rounds_frame()
        assert len(frame) == outcomes.loc[k, "rounds"]
        assert frame["round"].tolist() == list(range(1, len(frame) + 1))


@pytest.mark.slow
def test_command_writes_transcript_table_and_figure(outcomes, run_script, tmp_path):
    """The console script, on a run that ended in war (if the sample has one)."""
    wars = outcomes.index[outcomes["status"] == "war"]
    k = int(wars[0]) if len(wars) else 1
    out = tmp_path / "out"
    done = run_script(
        "negsim-transcript",
        ["scenario=lieven_2022", f"mc.seed={SEED}", f"run={k}", f"hydra.run.dir={out}"],
        tmp_path,
        process=True,  # end to end: the installed script, as a student runs it
    )
    assert done.returncode == 0, done.describe()
    assert "Round 1" in done.stdout and "Traceback" not in done.stderr, done.describe()
    text = (out / "transcript.md").read_text(encoding="utf-8")
    assert STATUS_LINE.findall(text) == [outcomes.loc[k, "status"]]
    assert text.count("\n## Round ") == outcomes.loc[k, "rounds"]
    for phrase in ("On the table", "aspiration", "Escalation draw", "How it ended"):
        assert phrase in text
    rounds = pd.read_csv(out / "rounds.csv")
    assert len(rounds) == outcomes.loc[k, "rounds"]
    for column in (
        "round",
        "nato_membership",
        "utility.russia",
        "aspiration.russia",
        "accepted.us",
        "p_climb",
        "u_climb",
        "rung_after",
    ):
        assert column in rounds.columns
    assert (out / "figures" / "utilities.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / ".hydra" / "config.yaml").exists()


@pytest.mark.parametrize("protocol_name", ["single_text", "ultimatum", "alternating"])
def test_narration_agrees_with_both_engines(protocol_name, compose_transcript):
    """100 runs per protocol: the replay's outcome equals the batch engine's, and narrating
    every round (which rechecks each amendment or offer) raises nothing."""
    scenario, protocol, _engine, mc, _container = build(
        compose_transcript([f"protocol={protocol_name}", "mc.seed=5"])
    )
    n = 100
    batch = get_engine("batch")(scenario, protocol, draw(scenario, protocol, mc.seed, 0, n))
    statuses = set()
    for k in range(n):
        replay = Replay(scenario, protocol, mc.seed, k).play()
        text = replay.markdown()
        assert replay.model.status == batch.status[k]
        assert replay.model.rounds == batch.rounds[k]
        assert np.array_equal(replay.model.text, batch.package[k])
        assert text.count("\n## Round ") == batch.rounds[k]
        statuses.add(replay.status)
    assert len(statuses) >= 3


def test_accepts_negsim_overrides(compose_transcript):
    cfg = compose_transcript(
        [
            "experiment=ball_in_their_court",
            "run=3",
            "scenario.actors.russia.reservation.low=0.3",
            "scenario.actors.russia.reservation.high=0.35",
        ]
    )
    replay = replay_from_config(cfg)
    assert (replay.scenario.name, replay.protocol.name, replay.run) == (
        "us_response_2022",
        "ultimatum",
        3,
    )
    russia = replay.actors.index("russia")
    assert 0.3 <= replay.draws.actors.reservation[0, russia] <= 0.35
    # the status quo is worth 0 to everyone, below Russia's BATNA: Russia refuses
    assert not replay.records[0].accepted[russia]
    assert "One round only" in replay.markdown() or replay.status in ("war", "nato_russia_war")


def test_bad_run_is_refused_in_one_line(run_script, tmp_path):
    out = tmp_path / "out"
    done = run_script("negsim-transcript", ["run=-1", f"hydra.run.dir={out}"], tmp_path)
    assert done.returncode == 2, done.describe()
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "negsim-transcript: error: run: must be a whole number >= 0 (the run's number in the Monte Carlo) (got -1)"
    ], done.describe()
    assert not out.exists()


def test_run_must_be_an_integer(compose_transcript):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        compose_transcript(["run=abc"])


def test_negsim_schema_is_left_unchanged(compose_transcript):
    """The transcript's schema (negsim's plus ``run``) is registered only while composing."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import ConfigCompositionException

    from sim.configure import CONF_DIR

    assert compose_transcript(["run=2"]).run == 2
    with (
        initialize_config_dir(version_base="1.3", config_dir=CONF_DIR, job_name="test_negsim"),
        pytest.raises(ConfigCompositionException),
    ):
        compose(config_name="config", overrides=["run=2"])


def test_narrates_red_lines_the_aftermath_and_anticipated_ratification(tmp_path):
    """The 0.2 model's new steps, in words, and the same run as the Monte Carlo's row: held red
    lines in the header, one section per aftermath period (as many as the outcome's
    ``aftermath`` column), and the mediator counting a ratifier's refusal."""
    import pyarrow.parquet as pq

    from sim.api import build, compose, run
    from sim.teaching.transcript import Replay

    scenario, protocol, *_ = build(compose("us_response_2022", protocol="ultimatum"))
    run("us_response_2022", protocol="ultimatum", n_runs=10, seed=0, save_to=tmp_path)
    periods = pq.read_table(tmp_path / "outcomes.parquet").column("aftermath").to_pylist()
    k = next(i for i, p in enumerate(periods) if p >= 2)
    text = Replay(scenario, protocol, 0, k).play().markdown()
    assert "US's red line on NATO membership" in text and "**it holds**" in text
    assert text.count("## Aftermath, period") == periods[k]
    assert f"**Aftermath periods:** {periods[k]}" in text
    scenario, protocol, *_ = build(compose("hawks_and_doves"))
    assert "counted for its ratifier, which would refuse the text" in Replay(scenario, protocol, 0, 0).play().markdown()


@pytest.mark.parametrize("run, refused", [(100, True), (250, True), (99, False)], ids=["first_past_the_end", "far_past", "last"])
def test_a_run_past_mc_n_runs_is_refused(run_script, tmp_path, run, refused):
    """Runs are numbered 0 .. mc.n_runs - 1; a number past them is named, not narrated."""
    done = run_script("negsim-transcript", [f"run={run}", "mc.n_runs=100", "quiet=true", f"hydra.run.dir={tmp_path / 'out'}"], tmp_path)
    if not refused:
        assert done.returncode == 0, done.describe()
        return
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.describe()
    assert lines[0].startswith("negsim-transcript: error: run: ") and "mc.n_runs=100" in lines[0] and f"got {run}" in lines[0]
