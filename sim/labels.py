"""Human labels for figures and captions: items, levels, packages, parameters, statuses, metrics.

Scenario files and configs name things in snake_case and dotted paths; a figure for a paper
needs words ("Russia's deadline in rounds", "moratorium · adapted CFE · INF · Minsk II · —").
The words for items, levels, actors, rungs and statuses are those of
:mod:`sim.teaching.words` (one table, shared with the transcripts and the dashboard); this
module adds what figures need on top: short level names for package labels, labels of
parameter and config paths derived from :data:`sim.parameters.PARAMETERS`, and the labels of
the metrics, with P(war) always the highest rung (:data:`sim.summary.P_WAR_CAPTION`).
A name without a label (a scenario of your own) falls back to its words with spaces.
"""

from __future__ import annotations

from sim.parameters import parameter_of
from sim.priors import PARAMETERS as PRIOR_FIELDS
from sim.teaching.words import RUNG_WORDS, actor_words, item_words, level_words, possessive, status_words

STATUS_WAR = "status war"
"""The status ``war``'s label: never read as P(war), which counts the highest rung."""
P_WAR = "P(war)"
"""P(war)'s short label; its definition is :data:`sim.summary.P_WAR_CAPTION`."""

LEVEL_SHORT = {
    "moratorium_20y": "moratorium",
    "permanent_ban": "ban",
    "adapted_cfe": "adapted CFE",
    "rollback_1997": "1997 rollback",
    "inf_return": "INF",
    "minsk_ii_autonomy": "Minsk II",
    "unconditional_autonomy": "autonomy",
    "un_territorial_process": "UN process",
    "targeted_easing": "sanctions eased",
    "broad_lifting": "sanctions lifted",
}
"""Short names of levels, for package labels; level 0 (the status quo) is shown as "—"."""
STATUS_QUO = "—"

PARAMETER_WORDS = {
    "values": "value of {item}: {level}",
    "salience": "salience of {item}",
    "reservation": "reservation",
    "opening_surplus": "opening surplus",
    "deadline": "deadline in rounds",
    "concession_exponent": "concession exponent",
    "ratifier_bias": "ratifier bias",
    "red_lines_hold": "P(red line on {item} holds)",
    "beta0": "escalation intercept β0",
    "beta_gap": "escalation weight of the gap β_gap",
    "beta_time": "escalation weight of time β_time",
    "p_deadline": "P(extra rung at the deadline)",
    "p_spillover": "P(invasion becomes a NATO–Russia clash)",
    "shifts": "{actor} reservation shift at {rung}",
    "aftermath": "aftermath periods K",
}
"""How a parameter (:attr:`sim.parameters.Parameter.name`) reads; ``{item}`` etc. are filled
with the words of the concrete path's names."""

CONFIG_WORDS = {
    "protocol": "protocol",
    "engine": "engine",
    "scenario": "scenario",
    "mc.n_runs": "runs per point",
    "mc.seed": "seed",
    "protocol.max_rounds": "maximum rounds",
}
FIELD_WORDS = {"dist": "prior family", "low": "lower bound", "high": "upper bound"}
"""A prior's fields in words: ``value`` (a fixed prior) needs none; ``mean``, ``sd``, ``a``,
``b`` keep their names."""


def status_label(name: str) -> str:
    """``nato_russia_war`` -> "NATO-Russia war"; the status ``war`` -> "status war"."""
    return STATUS_WAR if name == "war" else status_words(name)


def rung_label(name: str) -> str:
    return RUNG_WORDS.get(name, name.replace("_", " "))


def level_short(name: str) -> str:
    return LEVEL_SHORT.get(name, level_words(name))


def package_label(scenario, package) -> str:
    """One level per item, short, in item order, the status quo as "—":
    ``moratorium · adapted CFE · INF · Minsk II · —``."""
    return " · ".join(
        STATUS_QUO if int(level) == 0 else level_short(item.levels[int(level)])
        for item, level in zip(scenario.items, package)
    )


def package_key(scenario) -> str:
    """How to read :func:`package_label`: the items in order, and what "—" means."""
    return " · ".join(item_words(item.name) for item in scenario.items) + f"  ({STATUS_QUO} = status quo)"


def _parameter_label(path: str) -> str | None:
    """``actors.russia.reservation`` -> "Russia's reservation"; None if not a parameter."""
    try:
        parameter = parameter_of(path)
    except KeyError:
        return None
    names = dict(zip(parameter.path.split("."), path.split(".")))
    actor, owner = actor_words(names.get("{actor}", "")), possessive(names.get("{actor}", ""))
    words = {
        "item": item_words(names.get("{item}", "")),
        "level": level_words(names.get("{level}", "")),
        "actor": owner if parameter.name == "shifts" else actor,
        "rung": rung_label(names.get("{rung}", "")),
    }
    text = PARAMETER_WORDS.get(parameter.name, parameter.name.replace("_", " ")).format(**words)
    if "{actor}" in parameter.path and parameter.name != "shifts":
        text = f"{owner} {text}"
    return text[0].upper() + text[1:]


def key_label(key: str) -> str:
    """A config or override key in words: ``scenario.actors.russia.deadline.value`` ->
    "Russia's deadline in rounds", ``scenario.escalation.beta_gap.low`` -> "Escalation weight
    of the gap β_gap (lower bound)", ``scenario.opening_offer.donbas`` -> "Opening offer:
    Donbas"; an unknown key is returned as it is."""
    if key in CONFIG_WORDS:
        return CONFIG_WORDS[key].capitalize()
    path = key.removeprefix("scenario.")
    if path.startswith("opening_offer."):
        return f"Opening offer: {item_words(path.partition('.')[2])}"
    label = _parameter_label(path)
    if label is not None:
        return label
    head, _, field = path.rpartition(".")
    fields = {name for names in PRIOR_FIELDS.values() for name in names} | {"dist"}
    if field in fields and (label := _parameter_label(head)) is not None:
        return label if field == "value" else f"{label} ({FIELD_WORDS.get(field, field)})"
    return key


PROTOCOL_WORDS = {"single_text": "single text", "alternating": "alternating offers", "ultimatum": "ultimatum"}


def value_label(key: str, value) -> str:
    """A swept value in words: a level of the opening offer or a protocol by its name,
    anything else as it is."""
    if key.removeprefix("scenario.").startswith("opening_offer.") and isinstance(value, str):
        return level_words(value)
    if key == "protocol":
        return PROTOCOL_WORDS.get(str(value), str(value).replace("_", " "))
    return str(value)


def metric_label(metric: str) -> str:
    """``p_war`` -> "P(war)", ``p_agreement``/``p.agreement`` -> "P(agreement)",
    ``p.war`` -> "P(status war)", ``p.<status>`` -> "P(<status in words>)"."""
    if metric == "p_war":
        return P_WAR
    status = metric.removeprefix("p_").removeprefix("p.")
    return f"P({status_label(status)})"
