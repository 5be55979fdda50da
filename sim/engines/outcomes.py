"""The per-run outcome arrays every engine fills (one row per run)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.bundles import OutcomeArrays


@dataclass
class Outcomes:
    """Outcome of each run of a chunk; ``blocker`` is an actor index or -1 for none.

    ``accepted[k, a]`` says whether actor ``a`` accepted run ``k``'s final package at its
    aspiration in the last round evaluated (asked or not); ``aftermath[k]`` the aftermath
    periods played; ``red_lines_held[k, a, i]`` whether actor ``a``'s red line on item ``i``
    bound.
    """

    start: int
    status: np.ndarray
    rounds: np.ndarray
    highest_rung: np.ndarray
    package: np.ndarray
    utility: np.ndarray
    accepted: np.ndarray
    blocker: np.ndarray
    aftermath: np.ndarray
    red_lines_held: np.ndarray

    @classmethod
    def empty(cls, start: int, n: int, n_items: int, n_actors: int) -> "Outcomes":
        return cls(
            start=start,
            status=np.empty(n, dtype=np.int8),
            rounds=np.empty(n, dtype=np.int16),
            highest_rung=np.empty(n, dtype=np.int8),
            package=np.empty((n, n_items), dtype=np.int8),
            utility=np.empty((n, n_actors)),
            accepted=np.empty((n, n_actors), dtype=np.bool_),
            blocker=np.empty(n, dtype=np.int8),
            aftermath=np.empty(n, dtype=np.int16),
            red_lines_held=np.empty((n, n_actors, n_items), dtype=np.bool_),
        )

    @classmethod
    def concatenate(cls, parts: list["Outcomes"]) -> "Outcomes":
        """Consecutive chunks as one."""
        return cls(parts[0].start, *(np.concatenate(arrays) for arrays in zip(*(p.arrays for p in parts))))

    @property
    def arrays(self) -> OutcomeArrays:
        """The arrays as the compiled code fills them."""
        return OutcomeArrays(*(getattr(self, name) for name in OutcomeArrays._fields))

    @property
    def n(self) -> int:
        return self.status.shape[0]

    @property
    def runs(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.n, dtype=np.int64)
