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
