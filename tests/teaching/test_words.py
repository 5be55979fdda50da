"""Refusals in words (:mod:`sim.teaching.words`): sentences checked against numbers worked
out by hand, and, over replayed runs, against the numbers the round recorded (the wording
only describes what the round decided)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim import api
from sim.core.enums import RoundOutcome
from sim.teaching.transcript import Replay
from sim.teaching.words import (
    GLOSSARY,
    anticipation_words,
    crossed_red_lines,
    escalation_words,
    item_costs,
    number,
    ratification_words,
    refusal_words,
    round_reasons,
)

# a two-item scenario, by hand: Russia's terms s_i * v_i(l) of its utility, and a red line
ITEMS = [
    SimpleNamespace(name="nato_membership", levels=("open_door", "moratorium_20y", "permanent_ban")),
    SimpleNamespace(name="donbas", levels=("status_quo", "minsk_ii_autonomy")),
]
SCENARIO = SimpleNamespace(
    items=ITEMS,
    actor_names=["russia"],
    actors=[SimpleNamespace(red_lines={"nato_membership": ("open_door",)}, ratifier=SimpleNamespace(name="Verkhovna Rada"))],
    escalation=SimpleNamespace(actor="russia"),
)
CONTRIBUTIONS = np.array([[0.0, 0.12, 0.30], [0.0, 0.08, 0.0]])  # padding level of donbas: 0


def record(text, utility, aspiration, crossing=False, held=(True, False)):
    return SimpleNamespace(
        text=np.array(text), utilities=np.array([utility]), aspirations=np.array([aspiration]),
        crossing=np.array([crossing]), held=np.array([held]), contributions=CONTRIBUTIONS[None],
    )  # fmt: skip


def test_item_costs_by_hand():
    # text (moratorium, status quo): NATO costs 0.30 - 0.12 = 0.18 (best: ban), Donbas 0.08 - 0 (best: Minsk II)
    costs = item_costs(SCENARIO, CONTRIBUTIONS, np.array([1, 0]))
    assert [(i, best) for i, _, best in costs] == [(0, 2), (1, 1)]
    assert np.allclose([cost for _, cost, _ in costs], [0.18, 0.08])
    assert item_costs(SCENARIO, CONTRIBUTIONS, np.array([2, 1])) == []  # both at their best


def test_a_refusal_names_the_shortfall_and_the_items_that_cost_most():
    # utility 0.12 + 0 = 0.12 against an aspiration of 0.25: short by 0.13
    words = refusal_words(SCENARIO, record([1, 0], 0.12, 0.25), 0)
    assert words == (
        "Russia refuses: the text gives 0.120 against an aspiration of 0.250 (short by 0.130); what costs it most is "
        "NATO membership at 20-year moratorium (−0.180 against its best level, permanent ban) and "
        "Donbas at status quo (−0.080 against its best level, Minsk II autonomy (UN-conditioned))."
    )


def test_a_held_red_line_is_named_and_a_red_line_that_does_not_hold_is_not():
    # the open door: utility 0 + 0.08 = 0.08 reaches the aspiration 0.05, but the red line holds
    words = refusal_words(SCENARIO, record([0, 1], 0.08, 0.05, crossing=True), 0)
    assert words == "Russia refuses: Russia's red line on NATO membership holds and the text crosses it (open door)."
    assert crossed_red_lines(SCENARIO, 0, np.array([0, 1]), np.array([True, False])) == [0]
    assert crossed_red_lines(SCENARIO, 0, np.array([0, 1]), np.array([False, False])) == []
    assert crossed_red_lines(SCENARIO, 0, np.array([1, 1]), np.array([True, False])) == []


def test_ratification_anticipation_and_escalation_by_hand():
    assert ratification_words(SCENARIO, 0, 0.10, -0.15, 0.0, False) == (
        "The Verkhovna Rada rejects the agreed text: the text's utility plus the ratifier's bias, "
        "0.100 + (−0.150) = −0.050, is below Russia's reservation 0.000."
    )
    assert anticipation_words(SCENARIO, 0b1) == (
        "The mediator anticipates that the Verkhovna Rada would reject this text, and counts it as a refusal."
    )
    assert escalation_words("russia", 0.31, 0.44, 1, 1, 2) == (
        "Escalation draw 0.310 < P(climb) 0.440: Russia climbs; it reaches limited incursion (rung 2)."
    )
    assert escalation_words("russia", 0.50, 0.44, 0, 1, 1) == "Escalation draw 0.500 ≥ P(climb) 0.440: Russia does not climb."
    assert escalation_words("russia", 0.50, 0.44, 1, 1, 2) == (
        "Escalation draw 0.500 ≥ P(climb) 0.440: Russia does not climb; but its deadline draw adds a rung; "
        "it reaches limited incursion (rung 2)."
    )


def test_the_glossary_defines_the_terms_the_page_uses():
    assert set(GLOSSARY) == {
        "utility", "aspiration", "reservation (BATNA)", "red line", "ratification", "escalation ladder", "mediator",
    }  # fmt: skip
    assert all(len(text) < 400 for text in GLOSSARY.values())


@pytest.fixture(scope="module")
def replays():
    """Runs of lieven_2022 under the mediator: refusals by utility and by red line, the
    mediator's anticipated ratification failures, climbs and a failed ratification."""
    scenario, protocol = api.build(api.compose("lieven_2022", "single_text"))[:2]
    return [Replay(scenario, protocol, 0, run).play() for run in range(40)]


def test_the_recorded_terms_add_up_to_the_recorded_utilities(replays):
    """The costs are terms of the very utility the round compared: summed in item order, an
    actor's recorded contributions at the text's levels give its recorded utility exactly."""
    checked = 0
    for replay in replays:
        for r in replay.records:
            for a in range(len(r.utilities)):
                total = 0.0
                for i, level in enumerate(r.text):
                    total += r.contributions[a, i, level]
                assert total == r.utilities[a]
                checked += 1
    assert checked > 500


def test_every_reason_agrees_with_what_the_round_recorded(replays):
    """Each refusing actor's sentence names a red line iff the round recorded a crossing (and
    the named items are those the flag stands for), and a shortfall iff utility < aspiration,
    with the recorded numbers; a ratifier's rejection and the mediator's anticipation are the
    recorded ones, and they hold on the recorded numbers; the escalation draw is the recorded
    one. Several kinds of reason must occur, or the check says nothing."""
    seen = set()
    for replay in replays:
        biases = replay.draws.actors.ratifier_bias[0]
        scenario = replay.scenario
        for r in replay.records:
            reasons = round_reasons(scenario, r, biases)
            refusing = [a for a in range(len(r.accepted)) if r.asked[a] and not r.accepted[a]]
            for a, words in zip(refusing, reasons):
                assert words.startswith(f"{refusal_words(scenario, r, a).split(':')[0]}:")
                crossed = crossed_red_lines(scenario, a, r.text, r.held[a])
                assert bool(crossed) == bool(r.crossing[a])
                assert ("red line" in words) == bool(r.crossing[a])
                short = r.utilities[a] < r.aspirations[a]
                assert (f"short by {number(r.aspirations[a] - r.utilities[a])}" in words) == short
                assert short or r.crossing[a]  # a refusal has a reason
                seen.add("red line" if r.crossing[a] else "shortfall")
            rest = reasons[len(refusing):]
            if r.ratification_refusal >= 0:
                a = r.ratification_refusal
                assert r.utilities[a] + biases[a] < r.reservations_before[a] or r.crossing[a]
                assert rest.pop(0).startswith(f"The {scenario.actors[a].ratifier.name} rejects")
                seen.add("ratification")
            mask = r.result.amendment.anticipated_before if r.outcome == RoundOutcome.CONTINUE else 0
            if mask:
                for a in range(len(r.utilities)):
                    if mask >> a & 1:  # its ratifier would vote and refuse, at the reservations after step 3
                        assert r.utilities[a] + biases[a] < r.reservations_after[a] or r.crossing[a]
                        assert scenario.actors[a].ratifier.name in rest[0]
                assert rest.pop(0).startswith("The mediator anticipates")
                seen.add("anticipated")
            if np.isnan(r.result.p_climb):
                assert rest == []
            else:
                (draw,) = rest
                p, u = r.result.p_climb, r.result.u_climb
                assert f"Escalation draw {u:.3f} {'<' if u < p else '≥'} P(climb) {p:.3f}" in draw
                seen.add("climb" if u < p else "no climb")
    assert seen >= {"red line", "shortfall", "anticipated", "ratification", "climb", "no climb"}, seen


def test_the_transcript_gives_the_same_reasons(replays):
    """One home for the wording: the transcript's round names each refusing actor's reason
    with :func:`refusal_words`; the dashboard asks for the round without them (it shows
    them in a box of its own)."""
    replay = replays[1]
    record = replay.records[0]
    refusing = [a for a in range(len(record.accepted)) if record.asked[a] and not record.accepted[a]]
    assert refusing
    text, bare = replay.round_markdown(0), replay.round_markdown(0, reasons=False)
    for a in refusing:
        words = refusal_words(replay.scenario, record, a)
        assert f"- {words}" in text and words not in bare
