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
