"""The bounds on what one command may be asked to do, checked before anything is allocated.

A scenario file or a command line must not be able to exhaust the machine: each bound below
is checked where the input is read (the file's size before it is parsed; levels, actors and
the number of packages before any table is built; ``mc.n_jobs`` before a worker starts), and
a breach is one line naming the field, the number and the bound (:class:`sim.errors.ConfigError`).

Three bounds can be raised for a machine that has the memory, by an environment variable (they
change what may run, never a result, so they are not part of the config or its hash):

- ``NEGSIM_MAX_SCENARIO_BYTES`` (default 1,000,000): a scenario file's size; the bundled ones
  are under 70 kB.
- ``NEGSIM_MAX_PACKAGES`` (default 1,048,576 = 2**20): the number of packages (the product
  of the items' level counts). The engines keep a few tables with a row or column per package
  (utilities, whose yes each needs, ratifier votes, the summary's count by package), some
  hundreds of bytes per package: about 0.5 GB at the default.
- ``NEGSIM_MAX_SWEEP_POINTS`` (default 10,000): the points of one sweep (``-m``), each composed
  and checked before the first runs (``mc.seed=range(0,100000000)`` would check for days).

Two are fixed, because the outcome table stores level and actor numbers as 8-bit codes:
at most :data:`MAX_LEVELS` levels per item and :data:`MAX_ACTORS` actors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.errors import ConfigError

MAX_LEVELS = 100
MAX_ACTORS = 100


@dataclass(frozen=True)
class Limit:
    """A bound with a default that an environment variable may change."""

    variable: str
    default: int
    what: str

    def value(self) -> int:
        text = os.environ.get(self.variable, "").strip()
        if not text:
            return self.default
        if not text.isdigit() or int(text) < 1:
            raise ConfigError(self.variable, text, "must be a whole number >= 1 (an environment variable)")
        return int(text)

    def check(self, field: str, count: int) -> None:
        bound = self.value()
        if count > bound:
            raise ConfigError(
                field, count, f"{self.what}: at most {bound:,} (raise the bound with {self.variable}=N if this machine has the memory)"
            )


SCENARIO_BYTES = Limit("NEGSIM_MAX_SCENARIO_BYTES", 1_000_000, "too large a scenario file (bytes)")
PACKAGES = Limit("NEGSIM_MAX_PACKAGES", 2**20, "too many packages (the product of the items' level counts)")
SWEEP_POINTS = Limit(
    "NEGSIM_MAX_SWEEP_POINTS", 10_000, "too many sweep points (each is composed and checked before the first one runs)"
)


def check_levels(field: str, count: int) -> None:
    if count > MAX_LEVELS:
        raise ConfigError(field, count, f"too many levels: an item may have at most {MAX_LEVELS}")


def check_actors(field: str, count: int) -> None:
    if count > MAX_ACTORS:
        raise ConfigError(field, count, f"too many actors: a scenario may have at most {MAX_ACTORS}")


def check_packages(field: str, level_counts: list[int]) -> None:
    """The product of ``level_counts``, in Python integers (no overflow, no table)."""
    count = 1
    for levels in level_counts:
        count *= levels
    PACKAGES.check(field, count)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def fit_jobs(n_jobs: int) -> tuple[int, str]:
    """``mc.n_jobs`` fitted to the cores available where the job runs, and a warning if it
    was lowered. Fitted, not refused: a sweep is checked on the machine that submits it (a
    cluster's login node), which may have fewer cores than the one that runs it; the result
    does not depend on ``mc.n_jobs`` (it is not part of the config hash)."""
    cores = available_cores()
    if n_jobs <= cores:
        return n_jobs, ""
    return cores, f"mc.n_jobs={n_jobs}: only {cores} cores are available here; using {cores} workers"
