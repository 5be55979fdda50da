"""Pure numerical core: utility, aspiration, acceptance, the round, escalation, ratification.

Every function here is compiled with numba's ``njit`` and is equally callable from plain
Python, so the Mesa engine (one round per step) and the batch engine (one compiled loop over
all runs of a chunk) execute *the same machine code* for every decision. That is what makes
the two engines' outcomes identical run for run, down to the last bit of every ``pow`` and
``exp``. Nothing here imports Mesa, Hydra, pandas or matplotlib.

Compiled code is cached on disk in a folder named by a hash of this package's source: numba
invalidates a cached function only when its own file changes, so after an edit of a function
another file inlines (``decisions.aspiration`` in ``round.simulate``) a cache beside the
source would serve the old machine code. ``NUMBA_CACHE_DIR`` set by the user wins.
"""

import hashlib
import os
from pathlib import Path


def _cache_dir() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(base / "negsim" / f"numba-{digest.hexdigest()[:16]}")


if not os.environ.get("NUMBA_CACHE_DIR"):
    import numba

    numba.config.CACHE_DIR = _cache_dir()
