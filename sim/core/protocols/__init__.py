"""Negotiation protocols, one module each (DESIGN.md, "Protocols").

A protocol module defines

- ``NAME``: the name in ``protocol.name`` and in ``conf/protocol/<NAME>.yaml``;
- ``ONE_ROUND``: whether the protocol is a single round in which every aspiration is the
  reservation (``max_rounds = 1`` and every deadline 1, as in the ultimatum);
- ``SPEAKER``: whether it uses ``protocol.west_speaker``;
- ``ANTICIPATES``: whether its ``amend`` honours ``protocol.anticipate_ratification``;
- ``amend(t, k, draws, rules, state) -> Amendment``: step 4 of round ``t`` of run ``k``, a
  compiled function that writes the next text into ``state.text``.

Everything else in a round is the same for every protocol (:mod:`sim.core.round`). A new
protocol is a new module here plus its ``conf/protocol/<NAME>.yaml``; :func:`modules` finds it.
"""

import importlib
import pkgutil
from functools import cache


@cache
def modules() -> dict:
    """Every protocol module of this package, by ``NAME``, in file-name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = module
    return found
