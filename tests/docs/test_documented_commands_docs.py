"""Every command that docs/*.md show runs, and shows what the doc says it shows (README.md's:
``test_documented_commands.py``, which also tests the harness; how it works:
:mod:`tests.docs.commands`)."""

from __future__ import annotations

import pytest

from tests.docs import commands as harness
from tests.docs.commands import block_runs  # noqa: F401 (the fixture)


@pytest.mark.parametrize("case", harness.cases(*(str(p.relative_to(harness.REPO)) for p in harness.DOCS[1:])))
def test_documented_command(case, block_runs):  # noqa: F811
    harness.check(case, block_runs)
