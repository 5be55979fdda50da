"""docs/architecture.md's "add a protocol" recipe, carried out: the module shown there is
installed beside the bundled protocols (in a child process, so this process's protocol list
stays as it is) and run in both engines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
RECIPE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")

CHECK = textwrap.dedent(
    """
    import sys
    import numpy as np
    import sim.core.protocols as protocols
    protocols.__path__.append(sys.argv[1])
    from sim.engines import get_engine
    from sim.protocols import Protocol, ProtocolName
    from sim.sampling import draw
    from tests.engines.golden import REPO
    from sim.scenario import scenario_from_dict
    import yaml

    assert "standing_offer" in list(ProtocolName), list(ProtocolName)
    scenario = scenario_from_dict(yaml.safe_load((REPO / "scenarios" / "lieven_2022.yaml").read_text()))
    protocol = Protocol("standing_offer", 12)
    draws = draw(scenario, protocol, 0, 0, 400)
    batch = get_engine("batch")(scenario, protocol, draws)
    mesa = get_engine("mesa")(scenario, protocol, draws)
    for name in ("status", "rounds", "highest_rung", "package", "utility", "accepted", "blocker"):
        assert np.array_equal(getattr(batch, name), getattr(mesa, name)), name
    assert (batch.package == np.array(scenario.opening_offer)).all()
    assert len(set(batch.status.tolist())) > 1  # not vacuous: runs end in different ways
    print("ok", np.bincount(batch.status, minlength=6).tolist())
    """
)


def recipe_module() -> str:
    blocks = re.findall(r"```python\n(.*?)```", RECIPE, flags=re.S)
    return next(block for block in blocks if 'NAME = "standing_offer"' in block)


def test_the_recipe_protocol_runs_in_both_engines(tmp_path):
    (tmp_path / "standing_offer.py").write_text(recipe_module(), encoding="utf-8")
    # Its own numba cache: the compiled round's cache index would otherwise name a protocol
    # module that other processes cannot import.
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


def test_the_recipe_config_matches_the_module():
    assert "name: standing_offer" in RECIPE
