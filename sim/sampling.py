"""Common random numbers: every random input of every run, drawn up front in fixed blocks.

DESIGN.md, "Randomness and exactness": each random quantity has a stream named by its dotted
path. In block ``j`` (runs ``j*B ... j*B + B - 1``) that stream's uniforms come from
``Generator(PCG64(SeedSequence(seed, spawn_key=(j, crc32(name)))))``, one per run, and a prior
maps its uniform to a value by its inverse CDF. A chunk takes its runs' slice of the blocks it
covers, so run ``k``'s inputs depend only on (seed, k, config): never on the chunk size, the
worker count or the launcher; and changing one prior leaves every other stream unchanged, so
the points of a sweep are paired.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from itertools import product

import numpy as np

from sim.core import bundles
from sim.core.enums import RUNG_NAMES
from sim.parameters import ActorDraws, EscalationDraws, Parameter, owned_by
from sim.protocols import Protocol
from sim.scenario import Scenario

BLOCK_SIZE = 16_384
"""Runs per random-number block (``B``). A constant of the code: changing it changes results."""


def stream_uniforms(seed: int, name: str, start: int, stop: int) -> np.ndarray:
    """Uniforms in [0, 1) of stream ``name`` for runs ``start .. stop-1``."""
    if stop <= start:
        return np.empty(0)
    key = zlib.crc32(name.encode("utf-8"))
    first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
    parts = []
    for block in range(first, last + 1):
        generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, key))))
        uniforms = generator.random(BLOCK_SIZE)
        lo = max(start - block * BLOCK_SIZE, 0)
        hi = min(stop - block * BLOCK_SIZE, BLOCK_SIZE)
        parts.append(uniforms[lo:hi])
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


LARGEST_UNIFORM = 1.0 - 2.0**-53


def open_uniforms(u: np.ndarray) -> np.ndarray:
    """Map [0, 1) into (0, 1), so that inverse CDFs stay finite: 0 moves up by half a grid
    step (2^-54); the largest uniform, 1 - 2^-53, stays where it is (adding 2^-54 to it
    would round to 1)."""
    out = u + 2.0**-54
    return np.minimum(out, LARGEST_UNIFORM, out=out)


EVENT_STREAMS = ("round.{t}", "deadline", "spill", "actors.{actor}.red_lines.{item}", "aftermath.{period}")
"""The random events' streams (the climb draw of round ``t``, the deadline and spill-over
draws, the Bernoulli uniform of each red line, the climb draw of aftermath period ``period``);
the parameters' streams are their paths (:mod:`sim.parameters`)."""


@dataclass
class Draws:
    """All of a chunk's random inputs: ``bundle`` is what the compiled code reads (the
    parameter arrays of :mod:`sim.parameters` and the event uniforms, run first);
    ``parameters`` the same draws by path, for the outcome table."""

    start: int
    bundle: bundles.Draws
    parameters: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return self.bundle.events.u_deadline.shape[0]

    @property
    def actors(self) -> ActorDraws:
        return self.bundle.actors

    @property
    def escalation(self) -> EscalationDraws:
        return self.bundle.escalation

    @property
    def events(self) -> bundles.Events:
        return self.bundle.events

    def run(self, k: int) -> "Draws":
        """The draws of the chunk's ``k``-th run, as a one-run chunk (for the Mesa engine)."""
        bundle = bundles.Draws(*(type(part)(*(a[k : k + 1] for a in part)) for part in self.bundle))
        return Draws(self.start + k, bundle, {})


def draw(scenario: Scenario, protocol: Protocol, seed: int, start: int, stop: int) -> Draws:
    """Sample every prior and every event uniform for runs ``start .. stop-1``."""
    n = stop - start
    parameters = {
        path: prior.ppf(open_uniforms(stream_uniforms(seed, path, start, stop)))
        if not prior.is_fixed
        else prior.ppf(np.empty(n))
        for path, prior in scenario.priors().items()
    }
    if protocol.forces_deadline_one:
        for actor in scenario.actor_names:
            parameters[f"actors.{actor}.deadline"] = np.ones(n)
    actors = ActorDraws(*(_array(p, scenario, parameters, n) for p in owned_by("actors")))
    escalation = EscalationDraws(*(_array(p, scenario, parameters, n) for p in owned_by("escalation")))
    u_round = np.empty((protocol.max_rounds, n))
    for t in range(1, protocol.max_rounds + 1):
        u_round[t - 1] = stream_uniforms(seed, EVENT_STREAMS[0].format(t=t), start, stop)
    u_red_line = np.ones((len(scenario.actors), len(scenario.items), n))  # 1: never < hold
    for a, actor in enumerate(scenario.actors):
        for i, item in enumerate(scenario.item_names):
            if item in actor.red_lines:
                u_red_line[a, i] = stream_uniforms(seed, EVENT_STREAMS[3].format(actor=actor.name, item=item), start, stop)
    periods = aftermath_bound(scenario)
    u_after = np.empty((periods, n))
    for period in range(1, periods + 1):
        u_after[period - 1] = stream_uniforms(seed, EVENT_STREAMS[4].format(period=period), start, stop)
    events = bundles.Events(
        _run_first(u_round),
        stream_uniforms(seed, EVENT_STREAMS[1], start, stop),
        stream_uniforms(seed, EVENT_STREAMS[2], start, stop),
        _run_first(u_red_line),
        _run_first(u_after),
    )
    return Draws(start, bundles.Draws(actors, escalation, events), parameters)


def aftermath_bound(scenario: Scenario) -> int:
    """``K_max``: the most aftermath periods a run can play (the prior's upper bound; 0 if
    the scenario has no aftermath)."""
    prior = scenario.priors().get("escalation.aftermath")
    return 0 if prior is None else math.ceil(prior.support()[1])  # draws are rounded up too


def _array(parameter: Parameter, scenario: Scenario, parameters: dict[str, np.ndarray], n: int) -> np.ndarray:
    """One parameter's draws as an array with the run first, by its shape's axes; entries
    without a prior (level 0, padding, absent optional priors) hold the parameter's default.

    Filled run last (one contiguous write per path), so that a loop over runs reads each
    parameter as a sequential stream.
    """
    sizes = {
        "actor": len(scenario.actors),
        "item": len(scenario.items),
        "level": max(len(item.levels) for item in scenario.items),
        "rung": len(RUNG_NAMES),
    }
    shape = tuple(sizes[axis] for axis in parameter.shape.value)
    array = np.empty((*shape, n))
    drawn = np.zeros(shape, dtype=bool)
    for path, index in instances(parameter, scenario):
        if path in parameters:
            array[index] = parameters[path]
            drawn[index] = True
    array[~drawn] = parameter.default  # each entry written once: a chunk's arrays are large
    if parameter.whole:
        array = np.ceil(array).astype(np.int64)
    return _run_first(array)


def instances(parameter: Parameter, scenario: Scenario):
    """Each concrete path of ``parameter`` in ``scenario``, with its index in the array."""
    choices = {
        "actor": list(enumerate(scenario.actor_names)),
        "item": list(enumerate(scenario.items)),
        "rung": list(enumerate(RUNG_NAMES))[1:],  # rung 0 is never first reached: no shift
    }
    axes = [axis for axis in parameter.shape.value if axis != "level"]
    for combination in product(*(choices[axis] for axis in axes)):
        names = {axis: getattr(value, "name", value) for axis, (_, value) in zip(axes, combination)}
        index = tuple(i for i, _ in combination)
        if "level" not in parameter.shape.value:
            yield parameter.path.format(**names), index
            continue
        levels = dict(zip(axes, combination))["item"][1].levels
        for level in range(1, len(levels)):
            yield parameter.path.format(**names, level=levels[level]), (*index, level)


def _run_first(array: np.ndarray) -> np.ndarray:
    """A view of a run-last array with the run as its first axis."""
    return np.moveaxis(array, -1, 0)
