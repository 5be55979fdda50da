"""The commands the documentation shows, found and run as a reader would run them (the tests
are in ``tests/docs/test_documented_commands.py``; this module is what they share).

**What counts as a command.** The fenced blocks of ``README.md`` and ``docs/*.md`` tagged
``bash``, ``sh``, ``shell`` or ``console``, and untagged blocks that hold ``$ `` lines. In a
block with ``$ `` lines (a transcript), each ``$ `` line is a command and the lines after it,
up to the next ``$ ``, are the output the doc shows. In a block without them, each line (a
trailing ``\\`` continues it) whose first word is a negsim command, ``python``, ``make`` or
``.venv/bin/...`` is a command; other lines (``cp``, ``sbatch``, ``cd``) are shown to the
reader and not run. A ``#`` comment is stripped as the shell would.

**How it is run.** Each block runs in a fresh folder of its own (the repository's ``docs``,
``tests``, ``scenarios`` and ``conf`` linked into it, so that repository paths resolve), its
commands in order, so a later command can read what an earlier one wrote. negsim's commands
run in this process (:func:`tests.support.run_in_process`); ``make run [ARGS=...]`` is the
``negsim`` it runs (the Makefile's recipe is checked to say so); ``.venv/bin/python`` is this
interpreter. Every command that simulates (a negsim command other than :data:`READS_ONLY`)
gets ``mc.n_runs=`` :data:`N_RUNS` and ``figures=false`` unless its block is marked full
size. A simulating command shown again in a later block, word for word, runs once (the
launcher sweeps appear in the README and in docs/scale-out.md).

**What is checked.** The exit status: 0, or 2 where the doc shows an ``error:`` line after
the command. Where the doc shows output, every shown line must appear in the command's
output, in order (lines with ``…`` or ``[...]`` elide and are skipped; ``Outputs:`` lines name a
folder of the writer's machine and are matched up to the colon). Run at the size the doc shows
(errors, commands that read files, full-size blocks), each line must match exactly (runs of
spaces aside); with fewer runs, the numbers cannot match, so each line must match with every
number masked (its labels, order and layout).

**Marking a block** (an HTML comment on the lines just above its fence; invisible on GitHub):

- ``<!-- doc-test: skip REASON -->``: not run (a reason is required; keep these few);
- ``<!-- doc-test: before COMMAND -->``: run COMMAND first, in the block's folder (a negsim
  command, rewritten as above, or a shell line run by ``bash``; ``$REPO`` is the checkout), to
  make what the block reads, e.g. a run directory the doc names;
- ``<!-- doc-test: full-size -->``: keep the block's own ``mc.n_runs``, so that its output is
  compared number for number (only where that is cheap).

A command that cannot run here for a reason of its own (a cluster, a server, this suite) is
listed with that reason in :data:`EXEMPT`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
N_RUNS = 200  # runs per Monte Carlo of a reduced command
SHELL = {"bash", "sh", "shell", "console"}
READS_ONLY = {"negsim-report", "negsim-runs", "negsim-scenarios", "negsim-discover", "negsim-dashboard"}
LINKED = ("docs", "tests", "scenarios", "conf", "README.md")  # what a documented command may name
MARKER = re.compile(r"^<!--\s*doc-test:\s*(skip|before|full-size)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?")
ELIDED = ("…", "[...]")

EXEMPT = {  # a pattern found in the command -> why it is not run here
    "make test": "it is this test suite",
    "-m pytest": "runs part of this test suite",
    "python -m build": "tests/test_package.py builds the sdist and wheel and installs the wheel in a fresh venv",
    "python -m venv": "tests/test_package.py installs the wheel in a fresh venv and runs negsim from outside the checkout",
    "negsim-dashboard": "a server that runs until stopped; tests/teaching drives it in headless Chromium",
    "hydra/launcher=slurm_example hydra.launcher.partition=cpu": "needs a SLURM cluster; tests/scaleout runs the "
    "same submitit code path with submitit_local and checks the SLURM launcher's config and pre-launch errors",
    "hydra.searchpath=[file:///home/me": "names a user's own folders; tests/test_package.py runs the same with "
    "folders of its own",
    "tests/validation/make_table.py": "reruns the validation at full size (minutes); tests/validation checks "
    "the same quantities against their closed forms",
    "-m sim.teaching.exercises": "rewrites docs/figures/teaching/ in the checkout (20,000 runs each); "
    "tests/teaching/test_exercises.py runs it on a few runs",
}


@dataclass
class Command:
    """One command as a doc shows it."""

    doc: str  # path relative to the repository
    line: int  # 1-based line of the command in the doc
    text: str  # as written, continuation lines joined, the comment stripped
    expected: list[str] = field(default_factory=list)  # the output the doc shows after it

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def exempt(self) -> str | None:
        return next((why for pattern, why in EXEMPT.items() if pattern in self.text), None)


@dataclass
class Block:
    """A fenced block's commands, run in order in one folder."""

    doc: str
    line: int
    commands: list[Command]
    before: list[str] = field(default_factory=list)
    skip: str | None = None
    full_size: bool = False


def _logical_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines with their ``\\`` continuations joined, each with the number of its first line."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in lines:
        if pending is not None:
            number, text = pending[0], pending[1] + " " + text.strip()
        if text.rstrip().endswith("\\"):
            pending = (number, text.rstrip()[:-1].rstrip())
            continue
        pending = None
        out.append((number, text))
    if pending is not None:
        out.append(pending)
    return out


def _strip_comment(text: str) -> str:
    """The command without its ``# comment`` (shell rules: not inside quotes)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=False)
    lexer.whitespace_split, lexer.commenters = True, "#"
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: the command fails later, naming its line
        return text.strip()
    return shlex.join(tokens)


def is_command(text: str) -> bool:
    first = text.split(maxsplit=1)[0] if text.split() else ""
    return bool(re.match(r"^(negsim[\w-]*|make|python3?|\.venv/bin/\S+)$", first))


def parse(path: Path) -> list[Block]:
    """The blocks of one doc that hold commands (marked ones included)."""
    doc = str(path.relative_to(REPO))
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, markers, i = [], [], 0
    while i < len(lines):
        marker = MARKER.match(lines[i].strip())
        if marker:
            markers.append((marker.group(1), marker.group(2), i + 1))
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if not fence:
            if lines[i].strip():
                markers = []  # a marker belongs to the fence right below it
            i += 1
            continue
        lang, start = fence.group(2), i + 1
        body: list[tuple[int, str]] = []
        i += 1
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        transcript = any(text.startswith("$ ") for _, text in body)
        if lang not in SHELL and not (lang == "" and transcript):
            markers = []
            continue
        block = Block(doc, start, _commands(doc, body, transcript))
        for kind, argument, number in markers:
            if kind == "skip":
                if not argument:
                    raise ValueError(f"{doc}:{number}: doc-test: skip needs a reason")
                block.skip = argument
            elif kind == "before":
                block.before.append(argument)
            else:
                block.full_size = True
        markers = []
        if block.commands:
            blocks.append(block)
    return blocks


def _commands(doc: str, body: list[tuple[int, str]], transcript: bool) -> list[Command]:
    commands: list[Command] = []
    for number, text in _logical_lines(body):
        if transcript:
            if text.startswith("$ "):
                commands.append(Command(doc, number, _strip_comment(text[2:])))
            elif commands:
                commands[-1].expected.append(text)
        elif is_command(text.strip()):
            commands.append(Command(doc, number, _strip_comment(text.strip())))
    return commands


def all_blocks() -> list[Block]:
    return [block for path in DOCS for block in parse(path)]


# --- running ----------------------------------------------------------------------------------


def reduced(program: str, args: list[str]) -> list[str]:
    """``args`` with ``mc.n_runs`` at :data:`N_RUNS` (replaced, or added) and ``figures=false``
    (a third of a small run's time; the figures have tests of their own)."""
    if program in READS_ONLY or any(arg in ("--help", "-h", "--cfg", "-c") for arg in args):
        return args
    kept = [arg for arg in args if not arg.startswith(("mc.n_runs=", "figures="))]
    return [*kept, f"mc.n_runs={N_RUNS}", "figures=false"]


def make_run_recipe() -> str:
    """The command ``make run`` runs (the line of the Makefile's ``run`` recipe)."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", text, re.MULTILINE)
    assert recipe is not None, "Makefile: no run target"
    return recipe.group(1).strip()


def program_and_args(text: str) -> tuple[str, list[str]]:
    """What to run for a documented command: a console script's name (``"sim"`` for
    ``python -m sim``) or ``"python"``, and its arguments."""
    words = shlex.split(text)
    if any(word in ("&&", "||", "|", ";", ">", "&") for word in words):
        raise ValueError("a compound shell line: split it, or mark its block with a reason")
    first = words[0]
    if first == "make":
        if len(words) < 2 or words[1] != "run":
            raise ValueError(f"make target {' '.join(words[1:])!r}: only `make run` is run here (add an exemption)")
        assert make_run_recipe() == "$(BIN)/negsim $(ARGS)", "the harness runs `make run` as `negsim ARGS`"
        extra = [w.split("=", 1)[1] for w in words[2:] if w.startswith("ARGS=")]
        return "negsim", shlex.split(extra[0]) if extra else []
    if first.startswith(".venv/bin/"):
        first = first.removeprefix(".venv/bin/")
    if first in ("python", "python3"):
        if words[1:3] == ["-m", "sim"]:
            return "sim", words[3:]
        return "python", words[1:]
    return first, words[1:]


def prepare(folder: Path) -> None:
    """A block's folder: the repository folders a command may name, linked."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = folder / name
        if not link.exists():
            link.symlink_to(REPO / name, target_is_directory=(REPO / name).is_dir())


def run(text: str, folder: Path, full_size: bool):
    """Run one command line in ``folder``; a :class:`tests.support.Completed`."""
    from tests.support import Completed, environment, run_in_process

    program, args = program_and_args(text)
    if not full_size:
        if program.startswith("negsim") or program == "sim":
            args = reduced(program, args)
    if program == "python":
        done = subprocess.run(
            [sys.executable, *args], cwd=folder, env=environment(REPO=str(REPO)), capture_output=True,
            text=True, timeout=600, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        return Completed([program, *args], done.returncode, done.stdout, done.stderr)
    return run_in_process(program, args, folder)


def run_setup(text: str, folder: Path, full_size: bool):
    """A block's ``before`` line: a negsim command (as :func:`run`) or a shell line."""
    from tests.support import Completed, environment

    if is_command(text) and not any(op in text for op in ("&&", "|", ";")):
        return run(text, folder, full_size)
    done = subprocess.run(
        ["bash", "-c", text], cwd=folder, env=environment(REPO=str(REPO)), capture_output=True,
        text=True, timeout=600, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return Completed(["bash", "-c", text], done.returncode, done.stdout, done.stderr)


# --- checking the output ----------------------------------------------------------------------


def _normal(line: str, masked: bool) -> str:
    line = " ".join(line.split())
    if line.startswith("Outputs:"):
        return "Outputs:"
    return NUMBER.sub("#", line) if masked else line


def missing_output(expected: list[str], output: str, masked: bool) -> str | None:
    """The first line the doc shows that the output lacks (in order), or None."""
    wanted = [_normal(line, masked) for line in expected if line.strip() and not any(e in line for e in ELIDED)]
    got = iter(_normal(line, masked) for line in output.splitlines())
    for line in wanted:
        if not any(line == candidate for candidate in got):
            return line
    return None


def expected_status(command: Command) -> int:
    """2 where the doc shows the command's one-line error, else 0."""
    return 2 if any(": error: " in line for line in command.expected) else 0


def is_reduced(command: Command, block: Block) -> bool:
    """Whether the command ran with fewer runs than the doc's (its numbers then differ)."""
    if block.full_size:
        return False
    program, args = program_and_args(command.text)
    simulates = program == "sim" or (program.startswith("negsim") and program not in READS_ONLY)
    return simulates and expected_status(command) == 0 and reduced(program, args) != args


def environment_note() -> str:
    return f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)"


# --- the test, shared by the modules that run the docs (two, so that both pytest workers run some) ---


BLOCKS = all_blocks()
CASES = [(block, k) for block in BLOCKS for k in range(len(block.commands))]


def _shown_before() -> dict[tuple[int, int], str]:
    """Simulating commands shown word for word in an earlier block: run once, there, unless a
    later command of their own block may read what they wrote."""
    first: dict[str, str] = {}
    again = {}
    for block, k in CASES:
        command = block.commands[k]
        try:
            program = program_and_args(command.text)[0] if not command.exempt else ""
        except ValueError:  # not runnable as written: its test says why
            continue
        if block.before or command.expected or not (program == "sim" or program.startswith("negsim")):
            continue
        if program in READS_ONLY:
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

    def __init__(self, block: Block, folder: Path):
        self.block, self.folder, self.results, self.failed = block, folder, {}, None
        prepare(folder)
        for line in block.before:
            done = run_setup(line, folder, block.full_size)
            if done.returncode != 0:
                self.failed = f"the block's `doc-test: before {line}` failed\n{done.describe()}"
                return

    def result(self, k: int):
        for j in range(len(self.results), k + 1):
            if self.failed is not None:
                pytest.fail(f"{self.block.commands[k].where}: not run: {self.failed}")
            command = self.block.commands[j]
            try:
                done = run(command.text, self.folder, self.block.full_size)
            except ValueError as error:
                pytest.fail(f"{command.where}: {error}: {command.text}")
            self.results[j] = done
            if done.returncode != expected_status(command):
                self.failed = f"{command.where} exited {done.returncode}"
        return self.results[k]


@pytest.fixture(scope="module")
def block_runs(tmp_path_factory):
    runs: dict[int, BlockRun] = {}

    def get(block: Block) -> BlockRun:
        if id(block) not in runs:
            runs[id(block)] = BlockRun(block, tmp_path_factory.mktemp(block.doc.replace("/", "_") + f"_{block.line}"))
        return runs[id(block)]

    return get


def cases(*docs: str) -> list:
    """The commands of ``docs`` (paths relative to the repository), as test parameters."""
    return [pytest.param(case, id=_id(case)) for case in CASES if case[0].doc in docs]


def check(case, block_runs) -> None:
    """Run one documented command (and, once, the commands before it in its block); check it."""
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
    assert done.returncode == expected_status(command), report
    if command.expected:
        masked = any(is_reduced(c, block) for c in block.commands) or any(
            is_command(line) and reduced(*program_and_args(line)) != program_and_args(line)[1]
            for line in block.before
        )
        missing = missing_output(command.expected, done.stdout + done.stderr, masked)
        assert missing is None, (
            f"{command.where}: the doc shows {'(numbers masked: fewer runs) ' if masked else ''}"
            f"{missing!r}, which the output lacks\n{report}"
        )
