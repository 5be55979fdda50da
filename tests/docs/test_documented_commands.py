"""Every command that README.md and docs/*.md show runs, and shows what the doc says it shows.

How commands are found, shortened and checked, and how a doc marks a block (skip with a
reason, a setup command, full size): :mod:`tests.docs.commands`. A new command in a doc is
picked up by the next ``make test``; a failure names the doc and the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs import commands as harness

BLOCKS = harness.all_blocks()
CASES = [(block, k) for block in BLOCKS for k in range(len(block.commands))]


def _shown_before() -> dict[tuple[int, int], str]:
    """Simulating commands shown word for word in an earlier block: run once, there, unless a
    later command of their own block may read what they wrote."""
    first: dict[str, str] = {}
    again = {}
    for block, k in CASES:
        command = block.commands[k]
        program = harness.program_and_args(command.text)[0] if not command.exempt else ""
        if block.before or command.expected or not (program == "sim" or program.startswith("negsim")):
            continue
        if program in harness.READS_ONLY:
            continue
        if command.text in first and first[command.text] != f"{block.doc}:{block.line}":
            again[(id(block), k)] = first[command.text]
        else:
            first.setdefault(command.text, f"{block.doc}:{block.line}")
    return again


AGAIN = _shown_before()


def _id(case) -> str:
    block, k = case
    command = block.commands[k]
    return f"{command.where} {command.text[:60]}"


class BlockRun:
    """A block's folder and the results of its commands so far (a later command of the block
    may read what an earlier one wrote, so they run in order, each once)."""

    def __init__(self, block: harness.Block, folder: Path):
        self.block, self.folder, self.results, self.failed = block, folder, {}, None
        harness.prepare(folder)
        for line in block.before:
            done = harness.run_setup(line, folder, block.full_size)
            if done.returncode != 0:
                self.failed = f"the block's `doc-test: before {line}` failed\n{done.describe()}"
                return

    def result(self, k: int):
        for j in range(len(self.results), k + 1):
            if self.failed is not None:
                pytest.fail(f"{self.block.commands[k].where}: not run: {self.failed}")
            command = self.block.commands[j]
            try:
                done = harness.run(command.text, self.folder, self.block.full_size)
            except ValueError as error:
                pytest.fail(f"{command.where}: {error}: {command.text}")
            self.results[j] = done
            if done.returncode != harness.expected_status(command):
                self.failed = f"{command.where} exited {done.returncode}"
        return self.results[k]


@pytest.fixture(scope="module")
def block_runs(tmp_path_factory):
    runs: dict[int, BlockRun] = {}

    def get(block: harness.Block) -> BlockRun:
        if id(block) not in runs:
            runs[id(block)] = BlockRun(block, tmp_path_factory.mktemp(block.doc.replace("/", "_") + f"_{block.line}"))
        return runs[id(block)]

    return get


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_documented_command(case, block_runs):
    block, k = case
    command = block.commands[k]
    if block.skip:
        pytest.skip(f"{block.doc}:{block.line} marked: {block.skip}")
    if command.exempt:
        pytest.skip(f"exempt: {command.exempt}")
    later = block.commands[k + 1 :]
    if (id(block), k) in AGAIN and all((id(block), k + 1 + j) in AGAIN or c.exempt for j, c in enumerate(later)):
        pytest.skip(f"the same command runs in {AGAIN[(id(block), k)]}")  # and nothing here reads its output
    done = block_runs(block).result(k)
    report = f"{command.where}: {command.text}\n{done.describe()}"
    assert done.returncode == harness.expected_status(command), report
    if command.expected:
        masked = any(harness.is_reduced(c, block) for c in block.commands) or any(
            harness.is_command(line) and harness.reduced(*harness.program_and_args(line)) != harness.program_and_args(line)[1]
            for line in block.before
        )
        missing = harness.missing_output(command.expected, done.stdout + done.stderr, masked)
        assert missing is None, (
            f"{command.where}: the doc shows {'(numbers masked: fewer runs) ' if masked else ''}"
            f"{missing!r}, which the output lacks\n{report}"
        )


# --- the harness itself -----------------------------------------------------------------------


def test_the_docs_show_commands_and_most_of_them_run():
    """Not vacuous: the docs hold dozens of commands and few are exempt or skipped."""
    total = len(CASES)
    not_run = [c for c in CASES if c[0].skip or c[0].commands[c[1]].exempt]
    assert total >= 60, total
    assert len(not_run) <= 15, [_id(c) for c in not_run]


def test_every_exemption_still_matches_a_doc_command():
    texts = [block.commands[k].text for block, k in CASES]
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
    assert harness.reduced("negsim", ["mc.n_runs=5000", "a=1"]) == ["a=1", f"mc.n_runs={harness.N_RUNS}"]
    assert harness.reduced("negsim-report", ["x"]) == ["x"]
