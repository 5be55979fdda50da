"""Names in words, for transcripts and the dashboard.

Scenario files name items, levels and actors in snake_case. Teaching output shows them as
words: the bundled scenarios' names have hand-written labels below. Any other name (a
scenario of your own) falls back to its snake_case name with spaces.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import RUNG_NAMES

ITEM_WORDS = {
    "nato_membership": "NATO membership",
    "force_posture": "Force posture",
    "intermediate_missiles": "Intermediate missiles",
    "donbas": "Donbas",
    "un_process": "UN process",
    "sanctions_relief": "Sanctions relief",
}

LEVEL_WORDS = {
    "open_door": "open door",
    "moratorium_20y": "20-year moratorium",
    "permanent_ban": "permanent ban",
    "status_quo": "status quo",
    "adapted_cfe": "Adapted CFE",
    "rollback_1997": "rollback to 1997",
    "none": "none",
    "inf_return": "return to the INF treaty",
    "minsk_ii_autonomy": "Minsk II autonomy (UN-conditioned)",
    "unconditional_autonomy": "unconditional autonomy",
    "un_territorial_process": "UN territorial process",
    "targeted_easing": "targeted easing",
    "broad_lifting": "broad lifting",
}

ACTOR_WORDS = {
    "us": "US",
    "russia": "Russia",
    "ukraine": "Ukraine",
    "nato_allies": "NATO allies",
    "us_hawks": "US hawks",
    "western_europe": "Western Europe",
    "eastern_flank": "Eastern flank",
    "turkey": "Turkey",
}

RUNG_WORDS = {
    "diplomacy": "diplomacy",
    "coercive_buildup": "coercive build-up",
    "limited_incursion": "limited incursion",
    "full_scale_invasion": "full-scale invasion",
    "nato_russia_clash": "direct NATO-Russia clash",
}

STATUS_WORDS = {
    "agreement": "agreement",
    "ratification_failed": "ratification failed",
    "nato_russia_war": "NATO-Russia war",
    "war": "war",
    "limited_escalation": "limited escalation",
    "stalemate": "stalemate",
}


def _plain(name: str) -> str:
    return name.replace("_", " ")


def item_words(name: str) -> str:
    return ITEM_WORDS.get(name, _plain(name).capitalize())


def level_words(name: str) -> str:
    return LEVEL_WORDS.get(name, _plain(name))


def actor_words(name: str) -> str:
    return ACTOR_WORDS.get(name, _plain(name).title())


def possessive(name: str) -> str:
    """``US's``, ``NATO allies'``: an actor's name in words, possessive."""
    words = actor_words(name)
    return words + ("'" if words.endswith("s") else "'s")


def rung_words(rung: int) -> str:
    """``2`` -> ``limited incursion (rung 2)``."""
    name = RUNG_NAMES[int(rung)]
    return f"{RUNG_WORDS.get(name, _plain(name))} (rung {int(rung)})"


def status_words(name: str) -> str:
    return STATUS_WORDS.get(name, _plain(name))


def package_words(scenario, package: np.ndarray, separator: str = " · ") -> str:
    """``NATO membership: 20-year moratorium · Force posture: Adapted CFE · ...``"""
    return separator.join(
        f"{item_words(item.name)}: {level_words(item.levels[int(level)])}"
        for item, level in zip(scenario.items, package)
    )


def signed(x: float, digits: int = 3) -> str:
    """A number with its sign and a real minus sign: ``+0.120``, ``−0.045``."""
    text = f"{x:+.{digits}f}"
    return text.replace("-", "−")


def number(x: float, digits: int = 3) -> str:
    """A number with a real minus sign: ``0.120``, ``−0.045``."""
    return f"{x:.{digits}f}".replace("-", "−")


def factor(x: float, digits: int = 3) -> str:
    """A number as a factor in a product: negatives in parentheses, ``2×(−0.076)``."""
    text = number(x, digits)
    return f"({text})" if x < 0 else text


# --- why a text was refused (read from a played round's record; nothing is decided here) ----
GLOSSARY = {
    "utility": (
        "How much an actor likes a text, on a scale from −1 to 1 with 0 at the status quo: the sum, over "
        "the items, of the item's salience (its weight, the weights summing to 1) times the actor's value "
        "of the text's level on it."
    ),
    "aspiration": (
        "The least utility an actor will say yes to in a given round. It starts at its reservation plus an "
        "opening surplus and falls to the reservation by the actor's deadline: late for a Boulware actor "
        "(exponent e < 1), early for a Conceder (e > 1). An actor says yes iff the text's utility reaches it."
    ),
    "reservation (BATNA)": (
        "The utility of no agreement, the best alternative to a negotiated agreement. Climbing the "
        "escalation ladder shifts it (sanctions lower Russia's, war lowers everyone's)."
    ),
    "red line": (
        "A level of an item an actor refuses whatever the utility (e.g. the open door for Russia). It binds "
        "in a run with probability hold; a held red line makes the actor refuse every text that crosses it."
    ),
    "ratification": (
        "The domestic vote after an agreement (Putnam's two-level game): a ratifier such as the US Senate "
        "or the Verkhovna Rada votes when the text moves one of its items and approves iff utility plus its "
        "bias reaches the reservation. One refusal sinks the agreement."
    ),
    "escalation ladder": (
        "Rungs 0 diplomacy, 1 coercive build-up, 2 limited incursion, 3 full-scale invasion, 4 direct "
        "NATO-Russia clash. After each round without agreement Russia climbs one rung iff a uniform draw is "
        "below P(climb), which grows with its dissatisfaction (aspiration − utility) and with time."
    ),
    "mediator": (
        "Under the single-text protocol, the third party that amends the text by one level of one item each "
        "round, choosing the amendment that fewest must-say-yes actors refuse (then the smallest total "
        "shortfall); it can also count a ratifier it expects to refuse the text."
    ),
}
"""Short definitions for the dashboard's glossary (from DESIGN.md's "Domain")."""


def item_costs(scenario, contributions: np.ndarray, text: np.ndarray) -> list[tuple[int, float, int]]:
    """What each item of ``text`` costs one actor: ``(item, cost, best level)``, largest first,
    with ``cost`` = its contribution ``s_i·v_i`` at its best level minus at the text's level
    (items already at their best level left out). ``contributions`` is the actor's
    ``(items, levels)`` table as recorded by the round (:class:`sim.abm.model.RoundRecord`),
    so the costs are terms of the utility the round compared with the aspiration."""
    costs = []
    for i, item in enumerate(scenario.items):
        row = contributions[i, : len(item.levels)]
        best = int(np.argmax(row))
        cost = float(row[best] - row[int(text[i])])
        if cost > 0:
            costs.append((i, cost, best))
    return sorted(costs, key=lambda c: -c[1])


def crossed_red_lines(scenario, a: int, text: np.ndarray, held: np.ndarray) -> list[int]:
    """The items on which ``text`` sits at a level of actor ``a``'s red lines that hold in this
    run (``held``, as recorded): the names behind the round's ``crossing`` flag."""
    actor = scenario.actors[a]
    return [
        i
        for i, item in enumerate(scenario.items)
        if held[i] and item.levels[int(text[i])] in actor.red_lines.get(item.name, ())
    ]


def shortfall_words(scenario, a: int, utility: float, aspiration: float, contributions, text, top: int = 2) -> str:
    """``the text gives 0.410 against an aspiration of 0.460 (short by 0.050); what costs it
    most is Donbas at status quo (−0.080 against its best level, unconditional autonomy)``."""
    words = (
        f"the text gives {number(utility)} against an aspiration of {number(aspiration)} "
        f"(short by {number(aspiration - utility)})"
    )
    costs = item_costs(scenario, contributions, text)[:top]
    if not costs:
        return words + "; no item could be better for it: its aspiration is above its best package"
    named = []
    for i, cost, best in costs:
        item = scenario.items[i]
        named.append(
            f"{item_words(item.name)} at {level_words(item.levels[int(text[i])])} "
            f"({signed(-cost)} against its best level, {level_words(item.levels[best])})"
        )
    return words + "; what costs it most is " + " and ".join(named)


def red_line_words(scenario, a: int, items: list[int], text) -> str:
    """``Russia's red line on NATO membership holds and the text crosses it (open door)``."""
    return " and ".join(
        f"{possessive(scenario.actor_names[a])} red line on {item_words(scenario.items[i].name)} holds "
        f"and the text crosses it ({level_words(scenario.items[i].levels[int(text[i])])})"
        for i in items
    )


def refusal_words(scenario, record, a: int) -> str:
    """Why actor ``a`` refused the text of ``record`` (a :class:`RoundRecord`): the held red
    lines it crosses, and, if its utility is below its aspiration, the shortfall and the
    items that cost it most."""
    name = actor_words(scenario.actor_names[a])
    reasons = []
    if record.crossing[a]:
        reasons.append(red_line_words(scenario, a, crossed_red_lines(scenario, a, record.text, record.held[a]), record.text))
    if record.utilities[a] < record.aspirations[a]:
        reasons.append(
            shortfall_words(scenario, a, record.utilities[a], record.aspirations[a], record.contributions[a], record.text)
        )
    return f"{name} refuses: " + "; and ".join(reasons) + "."


def ratification_words(scenario, a: int, utility: float, bias: float, reservation: float, crosses: bool) -> str:
    """Why actor ``a``'s ratifier rejected an agreed text: ``U + b < r`` and/or a held red line."""
    ratifier = scenario.actors[a].ratifier.name
    reasons = []
    if utility + bias < reservation:
        reasons.append(
            f"the text's utility plus the ratifier's bias, {number(utility)} + ({number(bias)}) = "
            f"{number(utility + bias)}, is below {possessive(scenario.actor_names[a])} reservation {number(reservation)}"
        )
    if crosses:
        reasons.append("the text crosses a held red line")
    return f"The {ratifier} rejects the agreed text: " + " and ".join(reasons) + "."


def anticipation_words(scenario, mask: int) -> str:
    """``The mediator anticipates that the Verkhovna Rada would reject this text`` (the
    amendment's ``anticipated_before`` bit mask)."""
    names = [scenario.actors[a].ratifier.name for a in range(len(scenario.actors)) if mask >> a & 1]
    return (
        "The mediator anticipates that the " + " and the ".join(names)
        + " would reject this text, and counts it as a refusal."
    )


def escalation_words(actor: str, u_climb: float, p_climb: float, steps: int, rung_before: int, rung_after: int) -> str:
    """``escalation draw 0.310 < P(climb) 0.440: Russia climbs to limited incursion (rung 2)``."""
    name = actor_words(actor)
    climbed = u_climb < p_climb
    words = f"Escalation draw {u_climb:.3f} {'<' if climbed else '≥'} P(climb) {p_climb:.3f}: "
    words += f"{name} climbs" if climbed else f"{name} does not climb"
    if steps > int(climbed):
        words += (", and " if climbed else "; but ") + "its deadline draw adds a rung"
    if rung_after != rung_before:
        words += f"; it reaches {rung_words(rung_after)}"
    elif climbed:
        words += f"; it stays at {rung_words(rung_after)} (the ladder stops there)"
    return words + "."


def round_reasons(scenario, record, biases: np.ndarray) -> list[str]:
    """Every refusal of one played round in words: each must-say-yes actor that refused and
    why, a ratifier's rejection, the mediator's anticipated ratification failures and the
    escalation draw. ``biases`` are the run's ratifier biases; every number is one the
    round recorded."""
    from sim.core.enums import RoundOutcome

    lines = [refusal_words(scenario, record, a) for a in range(len(record.accepted)) if record.asked[a] and not record.accepted[a]]
    a = record.ratification_refusal
    if a >= 0:
        lines.append(
            ratification_words(scenario, a, record.utilities[a], biases[a], record.reservations_before[a], record.crossing[a])
        )
    amendment = record.result.amendment
    if record.outcome == RoundOutcome.CONTINUE and amendment.anticipated_before:
        lines.append(anticipation_words(scenario, int(amendment.anticipated_before)))
    if not np.isnan(record.result.p_climb):
        r = record.result
        lines.append(
            escalation_words(scenario.escalation.actor, r.u_climb, r.p_climb, int(r.steps), record.rung_before, record.rung_after)
        )
    return lines
