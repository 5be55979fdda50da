"""negsim: a negotiation scenario simulator.

Mesa agents for the US, Russia, Ukraine and the NATO allies negotiate over an offer package;
Hydra-configured Monte Carlo runs estimate how often the package is accepted and how often
talks end in escalation. See ``README.md`` and ``docs/`` for the model.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("negsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

API = ("run", "sweep", "load", "catalog", "compose", "calibrate", "discover", "RunResult", "SweepResult", "Estimate")
"""The Python API (:mod:`sim.api`), re-exported here: ``import sim; sim.run(...)``. Loaded when
first used, so that ``import sim`` (and every command's start) stays cheap."""


def __getattr__(name: str):
    if name in API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API})
