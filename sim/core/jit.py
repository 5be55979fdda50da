"""How the round is compiled: ``@kernel`` is ``njit`` with the options the hot loop needs.

- ``cache=True``: compiled once per machine, kept on disk (:mod:`sim.core`).
- ``_nrt=False``: no reference counting. Every array of a bundle handed to a compiled
  function is otherwise incremented and decremented with an atomic instruction at each call;
  with a few dozen arrays per bundle, that was 61% of the batch engine's time (measured with
  ``perf`` on ``lieven_2022``, 7 Dec 2026). The round never allocates, so it needs no
  reference counting; the price is that it cannot write ``a[:] = b`` (``decisions.copy``) or
  call a function that allocates (``decisions.fill_contributions``, not ``item_contributions``).
- ``nogil=True``: a chunk's runs can be played on several threads at once
  (:mod:`sim.engines.batch`).

Functions the round calls are compiled with the caller's options and cached under one key,
so the whole core uses these options: a function that allocates is Python that calls a
kernel to fill what it allocated (``decisions.utility_tables``).

``@kernel(forceinline=True)`` asks LLVM to inline a function into each caller. It is used
for :func:`sim.core.round.play_round`: numba passes every array of a bundle as separate
arguments, a few hundred per call, and the batch loop calls the round about seven times a
run; inlined, the kernel ran 25% faster (lieven_2022, single_text, 2.65 -> 1.98 us/run of
CPU, 7 Dec 2026). Inlining the protocols' steps or the decisions as well gained nothing.
"""

from numba import njit, types


def kernel(function=None, **options):
    """``@kernel`` or ``@kernel(forceinline=True)``: ``njit`` with the options above."""
    decorate = njit(cache=True, nogil=True, _nrt=False, **options)
    return decorate if function is None else decorate(function)


def is_named_tuple(numba_type, cls) -> bool:
    """Whether ``numba_type`` is numba's type of a ``cls`` instance: how an ``overload``
    picks a protocol's step or a seat's decisions by the type of the value it is handed."""
    return isinstance(numba_type, types.BaseNamedTuple) and numba_type.instance_class is cls
