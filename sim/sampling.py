"""Common random numbers: every random input of every run, drawn up front in fixed blocks.

DESIGN.md, "Randomness and exactness": each random quantity has a stream named by its dotted
path. In block ``j`` (runs ``j*B ... j*B + B - 1``) that stream's uniforms come from
``Generator(PCG64(SeedSequence(seed, spawn_key=(j, crc32(name)))))``, one per run, and a prior
maps its uniform to a value by its inverse CDF. A chunk takes its runs' slice of the blocks it
covers, so run ``k``'s inputs depend only on (seed, k, config): never on the chunk size, the
worker count or the launcher; and changing one prior leaves every other stream unchanged, so
the points of a sweep are paired. The generators are numpy's, compiled (:mod:`sim.pcg64`, the
same bits), so that a chunk is seeded and drawn without holding the GIL.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass
from itertools import product

import numpy as np

from sim.core import bundles
from sim.core.enums import RUNG_NAMES
from sim.core.jit import kernel
from sim.parameters import ActorDraws, EscalationDraws, Parameter, owned_by
from sim.pcg64 import fill_uniforms, seed_streams, spawn_prefix, step
from sim.priors import Prior
from sim.protocols import Protocol
from sim.quantiles import CONSTANT, N_PARAMETERS, bind_ndtri, opened, quantile
from sim.scenario import Scenario

BLOCK_SIZE = 16_384
"""Runs per random-number block (``B``). A constant of the code: changing it changes results."""


def stream_uniforms(seed: int, name: str, start: int, stop: int) -> np.ndarray:
    """Uniforms in [0, 1) of stream ``name`` for runs ``start .. stop-1``."""
    out = np.empty(max(stop - start, 0))
    keys = np.array([_stream_key(name)], dtype=np.uint64)
    for block, lo, hi in _blocks(start, stop):
        fill_uniforms(_block_streams(seed, block, keys, lo)[0], out[lo - start : hi - start])
    return out


def _stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def _blocks(start: int, stop: int):
    """``(block, lo, hi)``: the runs ``lo .. hi-1`` of ``start .. stop-1`` that lie in each block."""
    for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1 if stop > start else 0):
        yield block, max(start, block * BLOCK_SIZE), min(stop, (block + 1) * BLOCK_SIZE)


def _block_streams(seed: int, block: int, keys: np.ndarray, first: int) -> np.ndarray:
    """The generators of block ``block`` of the streams with CRCs ``keys`` (:mod:`sim.pcg64`),
    moved on to run ``first``: one uniform per run is one step of PCG64, so ``advance``
    skips exactly the runs before ``first``."""
    return seed_streams(spawn_prefix(seed, block), keys, first - block * BLOCK_SIZE)


def open_uniforms(u: np.ndarray) -> np.ndarray:
    """Map [0, 1) into (0, 1), so that inverse CDFs stay finite: 0 moves up by half a grid
    step (2^-54); the largest uniform, 1 - 2^-53, stays where it is (adding 2^-54 to it
    would round to 1): :func:`sim.quantiles.opened`, an array at a time."""
    u = np.ascontiguousarray(u, dtype=np.float64)
    return fill_opened(u.reshape(-1), np.empty(u.size)).reshape(u.shape)


@kernel
def fill_opened(u, out):
    for j in range(u.shape[0]):
        out[j] = opened(u[j])
    return out


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
    floats: tuple[np.ndarray, ...] = ()  # the memory the sampler filled (:func:`draw`'s ``recycle``)

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


def draw(
    scenario: Scenario, protocol: Protocol, seed: int, start: int, stop: int, recycle: Draws | None = None
) -> Draws:
    """Sample every prior and every event uniform for runs ``start .. stop-1``.

    ``recycle``: an earlier chunk's draws of the same scenario and protocol that nothing
    reads any more; their memory is filled again where it fits (a Monte Carlo loop's chunks
    are tens of MiB each, and fresh pages cost more than the drawing itself:
    :class:`sim.montecarlo._SpareDraws`).

    Every array of the bundle is filled in place, run first and contiguous (one run's
    parameters lie together, which the compiled loop over runs reads fastest). Block by
    block: every stream's generator is seeded (compiled), the streams of the priors scipy
    inverts (beta) are drawn and inverted a row of a buffer each, and one compiled pass
    (:func:`fill_columns`) writes every column: a prior's inverse CDF (:mod:`sim.quantiles`)
    of its stream's uniforms, an event's uniforms as drawn, a scipy row, or a constant (a
    fixed prior, or the default of an entry without one).
    """
    n = stop - start
    plan = _plan(scenario, protocol)
    bind_ndtri()
    floats = _float_arrays(plan, n, recycle)
    buffer = np.empty((len(plan.scipy_rows), min(BLOCK_SIZE, max(n, 1))))
    for block, lo, hi in _blocks(start, stop):
        streams = _block_streams(seed, block, plan.keys, lo)
        for at, (stream, prior) in enumerate(plan.scipy_rows):
            row = fill_uniforms(streams[stream], buffer[at, : hi - lo])
            row[:] = prior.ppf(open_uniforms(row))
        fill_columns(streams, buffer, hi - lo, floats, lo - start, *plan.columns)
    arrays = [
        (np.ceil(values).astype(np.int64) if whole else values).reshape((n, *shape))
        for values, (shape, whole) in zip(floats, plan.layouts)
    ]
    parts, at = [], 0
    for kind in (ActorDraws, EscalationDraws, bundles.Events):  # the bundle's arrays, in order
        parts.append(kind(*arrays[at : at + len(kind._fields)]))
        at += len(kind._fields)
    parameters = {path: floats[target][:, column] for path, (target, column) in plan.parameters.items()}
    return Draws(start, bundles.Draws(*parts), parameters, floats)


def _float_arrays(plan: _Plan, n: int, recycle: Draws | None) -> tuple[np.ndarray, ...]:
    """The arrays :func:`fill_columns` writes: ``recycle``'s if they are as large, or new ones."""
    old, widths = (recycle.floats if recycle is not None else ()), plan.widths
    if len(old) == len(widths) and all(a.shape[0] >= n and a.shape[1] == w for a, w in zip(old, widths)):
        return tuple(a[:n] for a in old)  # the first n rows of a C-contiguous array: contiguous
    return tuple(np.empty((n, width)) for width in widths)


@dataclass(frozen=True)
class _Plan:
    """Where each stream's values go: ``streams`` (names) and ``keys`` (their CRCs, a
    ``uint64`` array) by stream number; ``scipy_rows`` the stream of each buffer row, whose
    prior scipy inverts; ``layouts`` the output arrays (shape after the run axis and whether
    whole) in bundle order; ``columns`` the compiled fill's arrays, one entry per column
    (output array, column, stream or buffer row, how and the prior's numbers:
    :func:`fill_columns`); ``parameters`` each prior path's (output array, column)."""

    streams: tuple[str, ...]
    keys: np.ndarray
    scipy_rows: tuple[tuple[int, Prior], ...]
    layouts: tuple[tuple[tuple[int, ...], bool], ...]
    columns: tuple[np.ndarray, ...]
    parameters: dict[str, tuple[int, int]]

    @property
    def widths(self) -> tuple[int, ...]:
        """Columns per run of each output array."""
        return tuple(math.prod(shape) for shape, _ in self.layouts)


@functools.lru_cache(maxsize=16)
def _plan(scenario: Scenario, protocol: Protocol) -> _Plan:
    """Lay out one chunk's draws (depends on the scenario and protocol only: worked out once,
    since it takes milliseconds and a chunk on threads is drawn in pieces)."""
    priors = scenario.priors()
    forced = [f"actors.{actor}.deadline" for actor in scenario.actor_names] if protocol.forces_deadline_one else []
    streams: list[str] = []
    scipy_rows: list[tuple[int, Prior]] = []
    entries: list[tuple[int, int, int, int, np.ndarray]] = []
    none = np.zeros(N_PARAMETERS)
    layouts, parameters = [], {}

    def stream(name: str) -> int:
        streams.append(name)
        return len(streams) - 1

    def add(target: int, column: int, path: str | None, constant: float) -> None:
        prior = priors.get(path) if path is not None else None
        if path in forced or prior is None:
            entries.append((target, column, -1, CONSTANT, np.full(N_PARAMETERS, 1.0 if path in forced else constant)))
        elif prior.is_fixed:
            entries.append((target, column, -1, *prior.quantile_parameters()))
        elif prior.dist == "beta":
            scipy_rows.append((stream(path), prior))
            entries.append((target, column, len(scipy_rows) - 1, INVERTED, none))
        else:
            entries.append((target, column, stream(path), *prior.quantile_parameters()))
        if path is not None and (prior is not None or path in forced):
            parameters[path] = (target, column)

    sizes = {
        "actor": len(scenario.actors),
        "item": len(scenario.items),
        "level": max(len(item.levels) for item in scenario.items),
        "rung": len(RUNG_NAMES),
    }
    for parameter in (*owned_by("actors"), *owned_by("escalation")):
        target, shape = len(layouts), tuple(sizes[axis] for axis in parameter.shape.value)
        layouts.append((shape, parameter.whole))
        placed = {}
        for path, index in instances(parameter, scenario):
            placed[np.ravel_multi_index(index, shape) if shape else 0] = path
        for column in range(math.prod(shape)):
            add(target, column, placed.get(column), parameter.default)

    def events(names: list[str | None], shape: tuple[int, ...]) -> None:
        target = len(layouts)
        layouts.append((shape, False))  # math.prod(shape) == len(names)
        for column, name in enumerate(names):
            if name is None:
                entries.append((target, column, -1, CONSTANT, np.ones(N_PARAMETERS)))  # 1: never < hold
            else:
                entries.append((target, column, stream(name), AS_DRAWN, none))

    periods = aftermath_bound(scenario)
    events([EVENT_STREAMS[0].format(t=t) for t in range(1, protocol.max_rounds + 1)], (protocol.max_rounds,))
    events([EVENT_STREAMS[1]], ())
    events([EVENT_STREAMS[2]], ())
    events(
        [
            EVENT_STREAMS[3].format(actor=actor.name, item=item) if item in actor.red_lines else None
            for actor in scenario.actors
            for item in scenario.item_names
        ],
        (len(scenario.actors), len(scenario.items)),
    )
    events([EVENT_STREAMS[4].format(period=period) for period in range(1, periods + 1)], (periods,))
    unplaced = [path for path in priors if path not in parameters]
    assert not unplaced, f"priors without a place in the parameter arrays: {unplaced}"
    ordered = {path: parameters[path] for path in priors}
    ordered.update((path, parameters[path]) for path in forced if path not in priors)  # forced, without a prior
    # entries come array by array, as fill_columns needs them
    target, column, row, how, numbers = zip(*entries)
    columns = (*(np.array(values, dtype=np.int64) for values in (target, column, row, how)), np.array(numbers))
    keys = np.array([_stream_key(s) for s in streams], dtype=np.uint64)
    return _Plan(tuple(streams), keys, tuple(scipy_rows), tuple(layouts), columns, ordered)


AS_DRAWN, INVERTED = -1, -2
"""How a column is filled besides a prior's inverse CDF: its stream's uniforms as drawn (an
event), or its buffer row, where scipy put a beta prior's draws."""


TILE = 64
"""Runs per tile of :func:`fill_columns`: a tile of one array (a few dozen KiB) stays in cache
while its columns are written one after another."""


@kernel
def fill_columns(streams, buffer, m, outs, offset, target, column, row, how, numbers):
    """Rows ``offset .. offset+m-1`` of every output array, from the next ``m`` uniforms of
    each stream (``streams``: their generators, :mod:`sim.pcg64`, which move on). Column
    ``j`` is column ``column[j]`` of ``outs[target[j]]``: the
    :func:`sim.quantiles.quantile` of stream ``row[j]``'s uniforms for the prior ``how[j]``,
    ``numbers[j]`` (a constant reads no stream), the uniforms as drawn (:data:`AS_DRAWN`),
    or buffer row ``row[j]`` (:data:`INVERTED`).

    Columns come grouped by output array; each array is written a tile of runs at a time,
    column by column, each column in a loop of its own, which keeps its stream's state in
    registers and out of which the compiler takes the choice of family (``quantile`` is
    inlined). Measured on lieven_2022: 0.51 -> 0.31 us/run against a loop over runs that
    chose the family for every entry (with numpy drawing into a buffer first)."""
    first = 0
    while first < target.shape[0]:
        last = first
        while last < target.shape[0] and target[last] == target[first]:
            last += 1
        out = outs[target[first]]
        for lo in range(0, m, TILE):
            hi = min(lo + TILE, m)
            for j in range(first, last):
                col, kind = column[j], how[j]
                if kind == CONSTANT:
                    for k in range(lo, hi):
                        out[offset + k, col] = numbers[j, 0]
                elif kind == INVERTED:
                    for k in range(lo, hi):
                        out[offset + k, col] = buffer[row[j], k]
                else:
                    state = streams[row[j]]
                    s_hi, s_lo, inc_hi, inc_lo = state[0], state[1], state[2], state[3]
                    if kind == AS_DRAWN:
                        for k in range(lo, hi):
                            out[offset + k, col], s_hi, s_lo = step(s_hi, s_lo, inc_hi, inc_lo)
                    else:
                        for k in range(lo, hi):
                            u, s_hi, s_lo = step(s_hi, s_lo, inc_hi, inc_lo)
                            out[offset + k, col] = quantile(kind, numbers[j], opened(u))
                    state[0], state[1] = s_hi, s_lo
        first = last


def aftermath_bound(scenario: Scenario) -> int:
    """``K_max``: the most aftermath periods a run can play (the prior's upper bound; 0 if
    the scenario has no aftermath)."""
    prior = scenario.priors().get("escalation.aftermath")
    return 0 if prior is None else math.ceil(prior.support()[1])  # draws are rounded up too


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
