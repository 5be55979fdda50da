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

import zlib
from dataclasses import dataclass

import numpy as np

from sim.core.enums import RUNG_NAMES
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
    return np.minimum(u + 2.0**-54, LARGEST_UNIFORM)


@dataclass
class Draws:
    """All of a chunk's random inputs, arrays with the run as first axis.

    ``values`` is (runs, actors, items, max levels) with 0 at level 0 and in padding;
    ``shifts`` is (runs, rungs, actors); ``u_round`` is (runs, max_rounds).
    """

    start: int
    values: np.ndarray
    weights: np.ndarray
    reservation: np.ndarray
    surplus: np.ndarray
    deadline: np.ndarray
    exponent: np.ndarray
    bias: np.ndarray
    shifts: np.ndarray
    beta0: np.ndarray
    beta_gap: np.ndarray
    beta_time: np.ndarray
    p_deadline: np.ndarray
    p_spillover: np.ndarray
    u_round: np.ndarray
    u_deadline: np.ndarray
    u_spill: np.ndarray
    parameters: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return self.u_deadline.shape[0]

    def run(self, k: int) -> "Draws":
        """The draws of the chunk's ``k``-th run, as a one-run chunk (for the Mesa engine)."""
        fields = {
            name: getattr(self, name)[k : k + 1]
            for name in self.__dataclass_fields__
            if name not in ("start", "parameters")
        }
        return Draws(start=self.start + k, parameters={}, **fields)


def draw(scenario: Scenario, protocol: Protocol, seed: int, start: int, stop: int) -> Draws:
    """Sample every prior and every per-round uniform for runs ``start .. stop-1``."""
    n = stop - start
    priors = scenario.priors()
    parameters = {
        path: prior.ppf(open_uniforms(stream_uniforms(seed, path, start, stop)))
        if not prior.is_fixed
        else prior.ppf(np.empty(n))
        for path, prior in priors.items()
    }
    if protocol.forces_deadline_one:
        for actor in scenario.actor_names:
            parameters[f"actors.{actor}.deadline"] = np.ones(n)
    actors, items = scenario.actor_names, scenario.items
    n_actors, n_items = len(actors), len(items)
    max_levels = max(len(item.levels) for item in items)
    # Arrays are indexed run first but stored run last (``_run_first``): filling a
    # parameter is then one contiguous write, and a loop over runs reads each parameter
    # as a sequential stream.
    values = np.zeros((n_actors, n_items, max_levels, n))
    weights = np.empty((n_actors, n_items, n))
    per_actor = {name: np.empty((n_actors, n)) for name in ("reservation", "opening_surplus", "concession_exponent")}
    deadline = np.empty((n_actors, n), dtype=np.int64)
    bias = np.zeros((n_actors, n))
    for a, actor in enumerate(actors):
        base = f"actors.{actor}"
        for i, item in enumerate(items):
            weights[a, i] = parameters[f"{base}.salience.{item.name}"]
            for level in range(1, len(item.levels)):
                values[a, i, level] = parameters[f"{base}.values.{item.name}.{item.levels[level]}"]
        for name, array in per_actor.items():
            array[a] = parameters[f"{base}.{name}"]
        np.ceil(parameters[f"{base}.deadline"], out=deadline[a], casting="unsafe")
        if f"{base}.ratifier.bias" in parameters:
            bias[a] = parameters[f"{base}.ratifier.bias"]
    shifts = np.zeros((len(RUNG_NAMES), n_actors, n))
    for rung, actor in scenario.escalation.shifts:
        shifts[rung, actors.index(actor)] = parameters[f"escalation.shifts.{RUNG_NAMES[rung]}.{actor}"]
    u_round = np.empty((protocol.max_rounds, n))
    for t in range(1, protocol.max_rounds + 1):
        u_round[t - 1] = stream_uniforms(seed, f"round.{t}", start, stop)
    return Draws(
        start=start,
        values=_run_first(values),
        weights=_run_first(weights),
        reservation=_run_first(per_actor["reservation"]),
        surplus=_run_first(per_actor["opening_surplus"]),
        deadline=_run_first(deadline),
        exponent=_run_first(per_actor["concession_exponent"]),
        bias=_run_first(bias),
        shifts=_run_first(shifts),
        **{name: parameters[f"escalation.{name}"] for name in ("beta0", "beta_gap", "beta_time", "p_deadline", "p_spillover")},
        u_round=_run_first(u_round),
        u_deadline=stream_uniforms(seed, "deadline", start, stop),
        u_spill=stream_uniforms(seed, "spill", start, stop),
        parameters=parameters,
    )


def _run_first(array: np.ndarray) -> np.ndarray:
    """A view of a run-last array with the run as its first axis."""
    return np.moveaxis(array, -1, 0)
