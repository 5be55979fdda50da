"""DESIGN.md, "Who must say yes": a held red line makes its actor refuse any text with one of
its levels, whatever the text's utility. With ``hold = 1`` no agreement ever crosses it; with
``hold = 0`` every run is the run without the red line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.api import build, compose
from sim.engines import get_engine
from sim.sampling import draw

N = 4000
FIELDS = ("status", "rounds", "highest_rung", "package", "utility", "accepted", "blocker", "aftermath")
# us_response_2022 without its red lines (a copy, written once), and with only the open door, as
# the 26 Jan 2022 responses upheld it: the US refuses any moratorium or ban.
OPEN_DOOR = "+scenario.actors.us.red_lines={{nato_membership: {{levels: [moratorium_20y, permanent_ban], hold: {{dist: fixed, value: {hold}, rationale: test, source: test, evidence: assumption}}}}}}"
FREE: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def scenario_without_red_lines(tmp_path_factory):
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "scenarios" / "us_response_2022.yaml").read_text(encoding="utf-8"))
    for actor in data["actors"].values():
        actor.pop("red_lines", None)
    data["name"] = "us_response_without_red_lines"
    path = tmp_path_factory.mktemp("free") / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    FREE[:] = [path]
    yield path
    FREE.clear()


def outcomes(protocol: str, overrides=(), n: int = N, engine: str = "batch"):
    free = FREE[0]
    overrides = [f"hydra.searchpath=[negsim-scenarios://{free}]", *overrides]
    scenario, rules, *_ = build(compose(free.stem, protocol=protocol, overrides=overrides))
    return scenario, get_engine(engine)(scenario, rules, draw(scenario, rules, 3, 0, n))


@pytest.mark.parametrize("protocol", ["single_text", "ultimatum", "alternating"])
def test_a_held_red_line_is_never_crossed_by_an_agreement(protocol):
    _, free = outcomes(protocol)
    scenario, held = outcomes(protocol, [OPEN_DOOR.format(hold=1)])
    i = scenario.item_names.index("nato_membership")
    assert held.red_lines_held[:, 0, i].all()
    agreed = held.status == 0
    assert not (agreed & (held.package[:, i] != 0)).any()
    if protocol != "ultimatum":  # the mediator or proposers would otherwise move off the open door
        assert ((free.status == 0) & (free.package[:, i] != 0)).any(), "not vacuous"


@pytest.mark.parametrize("protocol", ["single_text", "alternating"])
def test_a_red_line_that_never_holds_changes_nothing(protocol):
    _, free = outcomes(protocol)
    _, never = outcomes(protocol, [OPEN_DOOR.format(hold=0)])
    for name in FIELDS:
        assert np.array_equal(getattr(free, name), getattr(never, name)), name
    assert not never.red_lines_held.any()


def test_hold_is_a_probability_per_run():
    scenario, half = outcomes("single_text", [OPEN_DOOR.format(hold=0.25)])
    i = scenario.item_names.index("nato_membership")
    share = half.red_lines_held[:, 0, i].mean()
    assert abs(share - 0.25) < 3 * np.sqrt(0.25 * 0.75 / N)


def test_both_engines_agree_with_red_lines():
    _, batch = outcomes("single_text", [OPEN_DOOR.format(hold=0.5)], n=400)
    _, mesa = outcomes("single_text", [OPEN_DOOR.format(hold=0.5)], n=400, engine="mesa")
    for name in (*FIELDS, "red_lines_held"):
        assert np.array_equal(getattr(batch, name), getattr(mesa, name)), name
