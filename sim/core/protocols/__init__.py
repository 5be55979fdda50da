"""Negotiation protocols, one module each (DESIGN.md, "Protocols").

A protocol module defines

- ``NAME``: the name in ``protocol.name`` and in ``conf/protocol/<NAME>.yaml``;
- ``ONE_ROUND``: whether the protocol is a single round in which every aspiration is the
  reservation (``max_rounds = 1`` and every deadline 1, as in the ultimatum);
- ``SPEAKER``: whether it uses ``protocol.west_speaker``;
- ``ANTICIPATES``: whether its ``amend`` honours ``protocol.anticipate_ratification``;
- ``amend(t, k, draws, rules, state) -> Amendment``: step 4 of round ``t`` of run ``k``, a
  compiled function that writes the next text into ``state.text``;
- ``<Name>Tag = namedtuple("<Name>Tag", "code")`` and ``TAG = register(<Name>Tag, amend)``:
  the value the compiled round is handed to name the protocol. The class name must be unique
  among protocols (numba tells named tuples apart by name and fields) and equal to the module
  attribute that holds it (numba's disk cache pickles it by reference).

Everything else in a round is the same for every protocol (:mod:`sim.core.round`). A new
protocol is a new module here plus its ``conf/protocol/<NAME>.yaml``; :func:`modules` finds it.

Why a tag and not the function itself: the round calls :func:`amend` with the protocol's tag,
and numba picks the protocol's step 4 by the tag's type when it compiles the round, so each
protocol gets its own compiled round, cached on disk like every other compiled function (a
compiled function passed as an argument is never found in numba's cache again).
"""

import importlib
import pkgutil
from functools import cache

from numba.extending import overload

from sim.core.bundles import Amendment
from sim.core.jit import is_named_tuple, kernel


def amend(protocol, t, k, draws, rules, state):
    """Step 4 of the protocol whose tag is ``protocol``; compiled code only (see :func:`register`)."""
    raise NotImplementedError("amend is resolved by numba from the protocol's tag")


_TAG_NAMES: dict = {}


def register(tag_class, implementation):
    """Make ``amend(tag, ...)`` call ``implementation`` in compiled code when ``tag`` is a
    ``tag_class``; returns the tag to hand to the round."""
    if _TAG_NAMES.setdefault(tag_class.__name__, tag_class) is not tag_class:
        raise ValueError(f"protocol tag class name {tag_class.__name__!r} is taken: numba would confuse the two")

    @overload(amend)
    def _amend(protocol, t, k, draws, rules, state):
        if is_named_tuple(protocol, tag_class):
            return lambda protocol, t, k, draws, rules, state: implementation(t, k, draws, rules, state)
        return None

    return tag_class(0)


@kernel
def no_amendment():
    """Step 4 that leaves the text as it is."""
    return Amendment(False, -1, 0, -1, -1, 0, 0, 0.0, 0, 0.0, 0, 0, 0, 0)


@cache
def modules() -> dict:
    """Every protocol module of this package, by ``NAME``, in file-name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = module
    return found
