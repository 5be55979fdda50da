"""Pure numerical core: utility, aspiration, acceptance, amendment, escalation, ratification.

Every function here is compiled with numba's ``njit`` and is equally callable from plain
Python, so the Mesa engine (one call per agent decision) and the batch engine (one compiled
loop over all runs of a chunk) execute *the same machine code* for every decision. That is
what makes the two engines' outcomes identical run for run, down to the last bit of every
``pow`` and ``exp``. Nothing here imports Mesa, Hydra, pandas or matplotlib.
"""
