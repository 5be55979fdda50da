"""The seat's game (:class:`sim.teaching.seat.SeatGame`), its words and the class store.

The game is checked against the agents-only run of the same world (a student who always does
what the agent did ends where the agents ended), the end screen's placement against the
reference Monte Carlo's own numbers, bad input is refused with one clear message, and the
store keeps every row when several writers (a classroom's tabs) finish at once.
"""

from __future__ import annotations

import threading

import pytest

from sim import api
from sim.errors import ConfigError
from sim.teaching.seat import (
    Choice,
    SeatGame,
    debrief_markdown,
    differences_markdown,
    placement_words,
    reference_summary,
    round_markdown,
)
from sim.teaching.seat_store import SeatStore

REFERENCE_RUNS = 2_000  # the page uses 20,000; the numbers are the summary's either way


@pytest.fixture(scope="module")
def alternating():
    scenario, protocol, *_ = api.build(api.compose("lieven_2022", "alternating"))
    return scenario, protocol


def play_as_the_agent(game: SeatGame) -> None:
    """Each round, the agent's own vote and offer, read off the agents-only run of the world
    (which the seat follows as long as it decides alike)."""
    reference = game.agents_world()
    traced = type(reference)(game.scenario, game.protocol, game.draws, trace=True).run()
    while not game.finished:
        record = traced.history[game.t - 1]
        offer = None
        if game.proposes():
            amendment = record.result.amendment
            offer = game._levels(record.next_text if amendment.offer >= 0 else record.text)
        game.play(bool(record.accepted[game.seat]), offer)


def test_the_agents_choices_end_where_the_agents_ended(alternating):
    scenario, protocol = alternating
    us = scenario.actor_names.index("us")
    for world in range(6):
        game = SeatGame(scenario, protocol, 0, world, "us")
        play_as_the_agent(game)
        agents = game.agents_world()
        assert (game.model.status, game.model.rounds, game.model.rung) == (agents.status, agents.rounds, agents.rung)
        assert not any(choice.differs for choice in game.choices)
        assert all(choice.agent_accepted == choice.accepted for choice in game.choices)
        assert game.model.rules.west_speaker == us


def test_the_placement_reads_the_reference_summary(alternating):
    scenario, protocol = alternating
    game = SeatGame(scenario, protocol, 0, 3, "russia")
    first = round_markdown(game)
    assert "Round 1 of 12: you are Russia" in first and "your turn to propose" in first
    while not game.finished:
        game.play(False, game.view()["text"] if game.proposes() else None)
    reference = reference_summary(scenario, protocol, 0, REFERENCE_RUNS)
    row = game.result(reference, "s", "Bo")
    estimate = reference["status"][row["status"]]
    assert (row["agents_p"], row["agents_lo"], row["agents_hi"], row["agents_n"]) == (
        estimate["p"], estimate["lo"], estimate["hi"], REFERENCE_RUNS,
    )  # fmt: skip
    words = placement_words(row)
    assert f"over {REFERENCE_RUNS:,} worlds" in words and f"in round {row['rounds']}" in words
    assert f"{100 * estimate['p']:.0f}%" in words
    table = differences_markdown(scenario, game.choices)
    assert sum(line.startswith("| ") for line in table.splitlines()) == len(game.choices) + 1  # header, rows


def test_bad_input_is_refused(alternating):
    scenario, protocol = alternating
    for world in (-1, 1.5, True, None):
        with pytest.raises(ConfigError, match="world"):
            SeatGame(scenario, protocol, 0, world, "us")
    with pytest.raises(ConfigError, match="not an actor"):
        SeatGame(scenario, protocol, 0, 0, "china")
    game = SeatGame(scenario, protocol, 0, 0, "russia")  # Russia proposes in odd rounds
    assert game.proposes()
    with pytest.raises(ConfigError, match="your turn to propose"):
        game.play(False)
    with pytest.raises(ConfigError, match="is not a level"):
        game.play(False, ["ban"] * len(scenario.items))
    with pytest.raises(ConfigError, match="one level for each"):
        game.play(False, ["open_door"])
    with pytest.raises(ConfigError, match="accept"):
        game.play("yes", game.view()["text"])
    assert game.t == 1 and not game.choices  # nothing was played
    game.play(False, game.view()["text"])
    assert not game.proposes()
    with pytest.raises(ConfigError, match="does not propose"):
        game.play(True, game.view()["text"])


def row(student: str, status: str = "agreement") -> dict:
    choice = Choice(1, ["a"], True, True, False).__dict__
    return {
        "session": "monday", "student": student, "scenario": "lieven_2022", "protocol": "alternating", "seed": 0,
        "world": 3, "actor": "us", "status": status, "rounds": 1, "highest_rung": 1, "package": ["a"],
        "choices": [choice], "agents_status": "war", "agents_rounds": 4, "agents_n": 20_000, "agents_p": 0.5,
        "agents_lo": 0.49, "agents_hi": 0.51,
    }  # fmt: skip


def test_the_store_keeps_every_row_of_concurrent_writers(tmp_path):
    path = tmp_path / "outputs" / "classroom" / "seats.sqlite"
    writers, each = 8, 25

    def write(w: int) -> None:
        store = SeatStore(path)  # every tab has its own
        for i in range(each):
            store.add(row(f"student {w}-{i}"))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = SeatStore(path).results()
    assert len(rows) == writers * each
    assert len({r["id"] for r in rows}) == len({r["student"] for r in rows}) == writers * each
    assert rows[0]["choices"] == [Choice(1, ["a"], True, True, False).__dict__]
    assert SeatStore(path).results("tuesday") == []


def test_the_store_refuses_incomplete_or_long_rows(tmp_path):
    store = SeatStore(tmp_path / "seats.sqlite")
    incomplete = row("x")
    del incomplete["status"]
    with pytest.raises(ValueError, match="status"):
        store.add(incomplete)
    with pytest.raises(ValueError, match="student"):
        store.add(row("x" * 81))
    assert store.results() == []


def test_the_debrief_groups_the_class_against_the_agents(tmp_path):
    store = SeatStore(tmp_path / "seats.sqlite")
    store.add(row("Ann"))
    store.add(row("Bo", "war"))
    text = debrief_markdown(store.results("monday"))
    assert "Students: agreement in 1 of 2 worlds; the agents in the same worlds: 0 of 2." in text
    assert "| Ann | monday | 3 | agreement, round 1 | war, round 4 | agreement 50% [49, 51] of 20,000 | 1 of 1 |" in text
    assert debrief_markdown([]) == "No seat has been played yet."
