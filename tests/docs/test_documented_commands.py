"""Every command that README.md shows runs, and shows what the README says it shows.

How commands are found, shortened and checked, and how a doc marks a block (skip with a
reason, a setup command, full size): :mod:`tests.docs.commands`. docs/*.md are run by
``test_documented_commands_docs.py`` (a module of its own, so that the other pytest worker
runs them). A new command in a doc is picked up by the next ``make test``; a failure names the
doc and the line.
"""

from __future__ import annotations

import pytest

from tests.docs import commands as harness
from tests.docs.commands import block_runs  # noqa: F401 (the fixture)


@pytest.mark.parametrize("case", harness.cases("README.md"))
def test_documented_command(case, block_runs):  # noqa: F811
    harness.check(case, block_runs)


# --- the harness itself -----------------------------------------------------------------------


def test_the_docs_show_commands_and_most_of_them_run():
    """Not vacuous: the docs hold dozens of commands and few are exempt or skipped."""
    total = len(harness.CASES)
    not_run = [c for c in harness.CASES if c[0].skip or c[0].commands[c[1]].exempt]
    assert total >= 60, total
    assert len(not_run) <= 15, [harness._id(c) for c in not_run]


def test_every_exemption_still_matches_a_doc_command():
    texts = [block.commands[k].text for block, k in harness.CASES]
    stale = [pattern for pattern in harness.EXEMPT if not any(pattern in text for text in texts)]
    assert not stale, f"exemptions no doc command needs any more: {stale}"


def test_the_output_check_can_fail():
    shown = ["P(war)                   33.6%   [ 32.9%,  34.2%]   highest rung", "Outputs: /somewhere"]
    assert harness.missing_output(shown, "  P(war)  33.6%   [ 32.9%,  34.2%]   highest rung\nOutputs: /x", False) is None
    assert harness.missing_output(shown, "P(war) 30.0% [ 29.0%, 31.0%] highest rung\nOutputs: /x", False) == " ".join(
        shown[0].split()
    )
    assert harness.missing_output(shown, "P(war) 30.0% [ 29.0%, 31.0%] highest rung\nOutputs: /x", True) is None
    assert harness.missing_output(shown, "P(agreement) 30.0% [ 29.0%, 31.0%] highest rung", True) is not None
    assert harness.missing_output(["b", "a"], "a\nb", False) == "a"  # in order


def test_commands_are_found_in_every_kind_of_block(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "<!-- doc-test: skip needs a cluster -->\n```bash\nnegsim -m a=1,2 \\\n  b=3   # comment\n```\n\n"
        "```\n$ negsim x=1\nnegsim: error: x: bad (got 1)\n```\n\n```\nnegsim: error: not a command\n```\n\n"
        "<!-- doc-test: before negsim hydra.run.dir=out -->\n<!-- doc-test: full-size -->\n"
        "```sh\ncp a b\nnegsim-report out\n```\n",
        encoding="utf-8",
    )
    harness_repo, harness.REPO = harness.REPO, tmp_path
    try:
        blocks = harness.parse(doc)
    finally:
        harness.REPO = harness_repo
    assert [(b.line, [c.text for c in b.commands]) for b in blocks] == [
        (2, ["negsim -m a=1,2 b=3"]),
        (7, ["negsim x=1"]),
        (18, ["negsim-report out"]),
    ]
    assert blocks[0].skip == "needs a cluster" and blocks[1].commands[0].expected == ["negsim: error: x: bad (got 1)"]
    assert harness.expected_status(blocks[1].commands[0]) == 2
    assert blocks[2].before == ["negsim hydra.run.dir=out"] and blocks[2].full_size
    assert harness.reduced("negsim", ["mc.n_runs=5000", "a=1"]) == ["a=1", f"mc.n_runs={harness.N_RUNS}", "figures=false"]
    assert harness.reduced("negsim-report", ["x"]) == ["x"]
