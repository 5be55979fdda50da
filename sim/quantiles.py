"""Inverse CDFs of the prior families, in compiled code: the one place a uniform becomes a value.

:meth:`sim.priors.Prior.ppf` (an array at a time) and the sampler (:mod:`sim.sampling`, one
compiled pass over a chunk) both call :func:`quantile`, so a prior's draws are the same bits
whichever asks. A prior describes itself to it as a code (:data:`UNIFORM` and the rest) and
eight numbers (:meth:`sim.priors.Prior.quantile_parameters`). The normal families use scipy's
``ndtri`` (cephes), the very C function behind ``scipy.special.ndtri``; the beta family stays
with ``scipy.special.betaincinv`` (no bundled scenario uses it).
"""

import numpy as np
from numba import types

from sim.core.jit import kernel

CONSTANT, UNIFORM, UNIFORM_INTEGER, NORMAL, TRUNCATED_NORMAL = range(5)
"""How :func:`quantile` maps ``x`` in (0, 1), by the numbers ``p`` of the prior:
``p[0]``; ``low + x * (high - low)``; ``min(low + floor(x * (high - low + 1)), high)``;
``mean + sd * ndtri(x)``; the truncated normal (:func:`truncated_normal`)."""

N_PARAMETERS = 8

LARGEST_UNIFORM = 1.0 - 2.0**-53

_ndtri = types.ExternalFunction("negsim_ndtri", types.float64(types.float64))
"""scipy's ``ndtri``, bound by name (:func:`bind_ndtri`) so that the kernels stay cacheable
(a ctypes pointer would make numba compile them anew in every process)."""

_bound = False


def bind_ndtri() -> None:
    """Tell LLVM where scipy's ``ndtri`` is; needed once per process before a kernel that
    calls :func:`quantile` first runs (importing scipy.special here, not at start-up)."""
    global _bound
    if not _bound:
        from llvmlite import binding
        from numba.extending import get_cython_function_address

        binding.add_symbol("negsim_ndtri", get_cython_function_address("scipy.special.cython_special", "ndtri"))
        _bound = True


@kernel
def opened(u):
    """A uniform of [0, 1) moved into (0, 1), so that an inverse CDF stays finite: 0 moves up
    by half a grid step (2^-54); the largest uniform, 1 - 2^-53, stays where it is (adding
    2^-54 would round it to 1)."""
    return min(u + 2.0**-54, LARGEST_UNIFORM)


@kernel
def truncated_normal(x, p):
    """N(mean, sd) truncated to [low, high] at ``x``. ``p``: mean, sd, low, high,
    ``Phi(a)``, ``Phi(b) - Phi(a)``, ``Phi(-b)``, ``Phi(-a) - Phi(-b)`` with ``a``, ``b`` the
    standardised bounds. A quantile below the median is inverted through the CDF, one above
    it through the survival function, so that neither tail loses digits."""
    below = p[4] + x * p[5]
    if below <= 0.5:
        z = _ndtri(below)
    else:
        z = -_ndtri(p[6] + (1.0 - x) * p[7])  # 1 - x is exact near 1
    return min(max(p[0] + p[1] * z, p[2]), p[3])


@kernel(forceinline=True)
def quantile(how, p, x):
    """The value at ``x`` in (0, 1) of the prior described by ``how`` and ``p``. Inlined
    (``forceinline``), so that in a loop over one prior's uniforms the compiler chooses the
    family once, outside the loop."""
    if how == CONSTANT:
        return p[0]
    if how == UNIFORM:
        return p[0] + x * p[1]
    if how == UNIFORM_INTEGER:
        return min(p[0] + np.floor(x * p[1]), p[2])
    if how == NORMAL:
        return p[0] + p[1] * _ndtri(x)
    return truncated_normal(x, p)


@kernel
def fill_quantiles(how, p, x, out):
    """``out[j] = quantile(how, p, x[j])`` (``x`` already in (0, 1))."""
    for j in range(x.shape[0]):
        out[j] = quantile(how, p, x[j])
    return out
