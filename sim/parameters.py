"""Every sampled parameter of the model, declared once.

A :class:`Parameter` says where a prior lives in a scenario (its dotted path, which is also
the name of its random stream and, prefixed with ``scenario.``, its column in
``outcomes.parquet``), its shape (one per actor, per item, per level, per rung, or one per
run), the range its values must lie in, and the name under which the compiled code reads it.
The scenario parser, the structured config, the sampler, the outcome table, the sensitivity
factors, ``negsim-scenarios schema`` and the parameter list in ``docs/scenario-format.md``
are all derived from :data:`PARAMETERS`.

Adding a parameter (docs/architecture.md, "Add a parameter"): one row here, its prior in the
scenario files, and the decision in ``sim/core`` that reads ``draws.<owner>.<name>``.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from enum import Enum


class Shape(Enum):
    """How many values a parameter has in one run; the axes of its array after the run axis."""

    SCALAR = ()  # escalation.beta0
    ACTOR = ("actor",)  # actors.russia.reservation
    ACTOR_ITEM = ("actor", "item")  # actors.russia.salience.donbas
    ACTOR_LEVEL = ("actor", "item", "level")  # actors.russia.values.donbas.minsk_ii_autonomy
    RUNG_ACTOR = ("rung", "actor")  # escalation.shifts.full_scale_invasion.russia


@dataclass(frozen=True)
class Range:
    """The closed interval ``[low, high]`` a parameter's values lie in (open at ``low`` if
    ``open_low``). A prior whose support leaves it is rejected (DESIGN.md, "Randomness and
    exactness")."""

    low: float
    high: float
    open_low: bool = False

    def contains(self, low: float, high: float) -> bool:
        above = low > self.low if self.open_low else low >= self.low
        return above and high <= self.high

    def __str__(self) -> str:
        return f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}]"


UNIT = Range(-1.0, 1.0)
NON_NEGATIVE = Range(0.0, math.inf)
POSITIVE = Range(0.0, math.inf, open_low=True)
PROBABILITY = Range(0.0, 1.0)
REAL = Range(-math.inf, math.inf)


@dataclass(frozen=True)
class Parameter:
    """One sampled parameter.

    ``path`` is a template: ``{actor}``, ``{item}``, ``{level}`` and ``{rung}`` stand for
    names from the scenario. ``required``: every actor (or the escalation block) must give a
    prior; otherwise an absent prior means ``default`` in every run. ``whole``: the compiled
    code reads a whole number, the prior's draw rounded up (a deadline of 2.3 is round 3).
    ``families``: the prior families it accepts, where only some make sense (a number of
    periods comes from an integer family).
    """

    path: str
    shape: Shape
    allowed: Range
    doc: str
    required: bool = True
    default: float = 0.0
    whole: bool = False
    families: tuple[str, ...] | None = None  # the prior families allowed (None: any)

    @property
    def owner(self) -> str:
        """``actors`` or ``escalation``: the bundle of draws the compiled code reads it from."""
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The name the compiled code uses: the path without its owner and placeholders,
        dots as underscores (``actors.{actor}.ratifier.bias`` -> ``ratifier_bias``)."""
        parts = [p for p in self.path.split(".")[1:] if not p.startswith("{")]
        return "_".join(parts)

    @property
    def key(self) -> tuple[str, ...]:
        """The YAML keys below the owner's node (``("ratifier", "bias")``); placeholders
        included, e.g. ``("values", "{item}", "{level}")``."""
        parts = self.path.split(".")[1:]
        return tuple(parts[1:]) if self.owner == "actors" else tuple(parts)

    def column(self, path: str) -> str:
        """The outcome table's column for one concrete path of this parameter."""
        return column(path)


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "actors.{actor}.values.{item}.{level}", Shape.ACTOR_LEVEL, UNIT,
        "value v of an item's level (level 0, the status quo, is worth 0)",
    ),
    Parameter(
        "actors.{actor}.salience.{item}", Shape.ACTOR_ITEM, NON_NEGATIVE,
        "salience weight w of an item; normalised per actor and run, s_i = w_i / sum w",
    ),
    Parameter(
        "actors.{actor}.reservation", Shape.ACTOR, UNIT,
        "reservation r: the value of no agreement (BATNA) at the starting rung",
    ),
    Parameter(
        "actors.{actor}.opening_surplus", Shape.ACTOR, NON_NEGATIVE,
        "opening surplus h: how far above r the actor's aspiration starts",
    ),
    Parameter(
        "actors.{actor}.deadline", Shape.ACTOR, POSITIVE,
        "deadline T (rounds; a draw is rounded up): aspiration reaches r in round T",
        whole=True,
    ),
    Parameter(
        "actors.{actor}.concession_exponent", Shape.ACTOR, POSITIVE,
        "concession exponent e: e < 1 Boulware (concedes late), e > 1 Conceder",
    ),
    Parameter(
        "actors.{actor}.ratifier.bias", Shape.ACTOR, REAL,
        "ratifier bias b: the ratifier approves iff U + b >= r (0 without a ratifier)",
        required=False,
    ),
    Parameter(
        "actors.{actor}.red_lines.{item}.hold", Shape.ACTOR_ITEM, PROBABILITY,
        "probability that the actor's red line on an item binds in a run (1 if not given; "
        "0, never, for an item without a red line)",
        required=False,
    ),
    Parameter(
        "escalation.beta0", Shape.SCALAR, REAL,
        "intercept of P(climb) = sigma(beta0 + beta_gap * gap + beta_time * min(1, t/T))",
    ),
    Parameter("escalation.beta_gap", Shape.SCALAR, REAL, "weight of the escalating actor's gap in P(climb)"),
    Parameter("escalation.beta_time", Shape.SCALAR, REAL, "weight of time pressure min(1, t/T) in P(climb)"),
    Parameter(
        "escalation.p_deadline", Shape.SCALAR, PROBABILITY,
        "probability of one more rung in the escalating actor's deadline round",
    ),
    Parameter(
        "escalation.p_spillover", Shape.SCALAR, PROBABILITY,
        "probability that a full-scale invasion becomes a NATO-Russia clash",
    ),
    Parameter(
        "escalation.shifts.{rung}.{actor}", Shape.RUNG_ACTOR, REAL,
        "shift of an actor's reservation when a rung is first reached (0 if not given)",
        required=False,
    ),
    Parameter(
        "escalation.aftermath", Shape.SCALAR, NON_NEGATIVE,
        "K: periods the crisis goes on after talks that ended with neither agreement nor war "
        "(integer family: fixed or uniform_integer; 0 if not given)",
        required=False, whole=True, families=("fixed", "uniform_integer"),
    ),
)

BY_PATH = {p.path: p for p in PARAMETERS}


def column(path: str) -> str:
    """The outcome table's column of a prior's concrete path (``scenario.<path>``, the key it
    has in the composed config)."""
    return f"scenario.{path}"


def parameter_of(path: str) -> Parameter:
    """The parameter a concrete path belongs to (``actors.russia.reservation`` ->
    ``actors.{actor}.reservation``); KeyError if none."""
    parts = path.split(".")
    for parameter in PARAMETERS:
        template = parameter.path.split(".")
        if len(template) == len(parts) and all(t.startswith("{") or t == p for t, p in zip(template, parts)):
            return parameter
    raise KeyError(path)


def owned_by(owner: str) -> tuple[Parameter, ...]:
    return tuple(p for p in PARAMETERS if p.owner == owner)


ActorDraws = collections.namedtuple("ActorDraws", [p.name for p in owned_by("actors")])
ActorDraws.__doc__ = """Per-run actor parameters, arrays with the run as first axis (numba-passable).
Fields follow :data:`PARAMETERS`; shapes ``(runs, actors[, items[, levels]])``."""

EscalationDraws = collections.namedtuple("EscalationDraws", [p.name for p in owned_by("escalation")])
EscalationDraws.__doc__ = """Per-run escalation parameters: ``(runs,)`` scalars and ``shifts``
``(runs, rungs, actors)``. Fields follow :data:`PARAMETERS`."""


def markdown_table() -> str:
    """The parameter list of ``docs/scenario-format.md`` (a test keeps the two equal)."""
    lines = [
        "| path (stream name; outcome column `scenario.<path>`) | per | allowed | required | meaning |",
        "|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        per = " × ".join(p.shape.value) or "run"
        required = "yes" if p.required else f"no (default {p.default:g})"
        lines.append(f"| `{p.path}` | {per} | {p.allowed} | {required} | {p.doc} |")
    return "\n".join(lines)
