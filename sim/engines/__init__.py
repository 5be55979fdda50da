"""Engines: ``(scenario, protocol, draws) -> Outcomes``, with identical results run for run.

- ``mesa``: the reference model, one :class:`sim.abm.model.NegotiationModel` per run.
- ``batch``: one compiled loop over all runs of a chunk, calling the same core functions.
"""

from sim.engines.outcomes import Outcomes


def get_engine(name: str):
    """The ``run_chunk`` function of the named engine."""
    if name == "mesa":
        from sim.engines.mesa_engine import run_chunk
    elif name == "batch":
        from sim.engines.batch import run_chunk
    else:
        from sim.errors import ConfigError

        raise ConfigError("engine.name", name, "unknown engine; use 'batch' or 'mesa'")
    return run_chunk


def plays_on_threads(name: str) -> bool:
    """Whether a chunk of the named engine can be split over threads: the batch engine's
    compiled loop releases the GIL (:mod:`sim.core.jit`); the Mesa engine's Python does not."""
    return name == "batch"


__all__ = ["Outcomes", "get_engine", "plays_on_threads"]
