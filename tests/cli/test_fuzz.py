"""Fuzz ``negsim`` with generated scenario files and override lists (hypothesis).

Each example is a mutation of the bundled ``lieven_2022`` (keys dropped, keys added, values
replaced by other types, out-of-range or huge numbers, odd and non-ASCII strings, numbers
scaled by 0.5-1.5, which often still run) and a short
list of overrides (valid ones and broken ones), run in this process
(:func:`tests.support.run_in_process`) with a few runs. The property (docs/reliability.md):

- it either runs (exit 0) and leaves a complete folder (:func:`sim.rundir.inspect`), or ends
  with exit status 2 and exactly one line on stderr; never another status, never a traceback;
- it never takes longer than :data:`BOUND` seconds (a hang is cut off and fails the example);
- it never leaves a run folder without ``INCOMPLETE`` that ``inspect`` does not call complete.

Derandomized and bounded: :data:`EXAMPLES` generated examples and a few explicit ones, under
30 s on two cores (``NEGSIM_FUZZ_EXAMPLES=300`` for a longer hunt by hand). Three explicit
examples run, so the property is always checked on runs as well as on refusals; the
generated ones were seen to differ when other test files ran first in the same process
(hypothesis' generation is not only a function of its seed), so no check counts on them.
"""

from __future__ import annotations

import copy
import math
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from sim import rundir
from tests.support import SCENARIO_DIR, dump_scenario, run_in_process

EXAMPLES = int(os.environ.get("NEGSIM_FUZZ_EXAMPLES", "15"))  # more for a longer hunt, by hand
BOUND = 20.0  # seconds: one example, start to end
N_RUNS = 40
STEM = "fuzz_case"
TEXT_KEYS = ("rationale", "source", "quote", "description", "title", "evidence", "name")


class Hang(BaseException):
    """An example ran past :data:`BOUND` (a BaseException: ``run_in_process`` lets it through)."""


def _base() -> dict:
    with open(SCENARIO_DIR / "lieven_2022.yaml", encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["name"] = STEM
    return data


BASE = _base()


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the plain data (into lists too, by index)."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out += _paths(child, (*prefix, key))
    return out


# the structure and the numbers, not the prose (a changed rationale changes nothing)
PATHS = [p for p in _paths(BASE) if not (isinstance(p[-1], str) and p[-1] in TEXT_KEYS)]


def _lookup(node: object, path: tuple) -> object:
    for key in path:
        node = node[key]
    return node


MAPPINGS = [p for p in [(), *PATHS] if isinstance(_lookup(BASE, p), dict)]

WEIRD_STRINGS = ["", " ", "???", "nan", "inf", "-inf", "1e999", "null", "~", "yes", "0x10", "[1, 2]", "{a: 1}",
                 "Ωmega", "dönbas", "名前", "\u202etxet", "a.b", "a/b", "x" * 300, "0.5", "-0", "uniform", "fixed"]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 2, 100, 101, 255, 256, 2**31, 2**63, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, 0.5, 1.5, -1.5]),
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.sampled_from(WEIRD_STRINGS),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(WEIRD_STRINGS)), max_size=4),
    st.dictionaries(st.sampled_from(["dist", "low", "high", "value", "mean", "sd", "x", "é"]), NUMBERS, max_size=3),
)
KEYS = st.one_of(st.sampled_from(["dist", "low", "high", "value", "extra", "levels", "shifts", "ratifier", "é", "a.b", "1"]), st.text(min_size=1, max_size=8))

NUMERIC = [p for p in PATHS if isinstance(_lookup(BASE, p), (int, float)) and not isinstance(_lookup(BASE, p), bool)]
MUTATIONS = st.one_of(
    st.tuples(st.just("nudge"), st.sampled_from(NUMERIC), st.floats(0.5, 1.5)),  # often still in range: runs
    st.tuples(st.just("drop"), st.sampled_from(PATHS)),
    st.tuples(st.just("set"), st.sampled_from(PATHS), VALUES),
    st.tuples(st.just("add"), st.sampled_from(MAPPINGS), KEYS, VALUES),
)

VALID_OVERRIDES = [
    "mc.seed=7", "protocol=ultimatum", "protocol=alternating", "mc.chunk_size=13", "protocol.max_rounds=3",
    "engine=mesa", "mc.save_outcomes=false", "scenario.escalation.p_spillover.high=0.5",
]  # fmt: skip
OVERRIDE_KEYS = [
    "mc.seed", "mc.chunk_size", "protocol.max_rounds", "protocol", "engine", "engine.name", "figures", "mc.nope",
    "protocol.west_speaker", "scenario.escalation.beta0.low", "scenario.actors.russia.deadline.high",
    "scenario.items.donbas.levels", "scenario.opening_offer.donbas", "+scenario.extra", "~scenario.escalation",
]  # fmt: skip
OVERRIDE_VALUES = st.one_of(
    NUMBERS.map(str),
    st.sampled_from(["", "abc", "null", "[]", "[1,2]", "{a:1}", "${nope}", "${mc.seed}", "'quoted'", "a,b", "Ωmega",
                     "true", "1e999", "nan", "range(0,3)"]),  # fmt: skip
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8),
)
OVERRIDES = st.lists(
    st.one_of(st.sampled_from(VALID_OVERRIDES), st.builds(lambda k, v: f"{k}={v}", st.sampled_from(OVERRIDE_KEYS), OVERRIDE_VALUES)),
    max_size=3,
)


def _mutate(data: dict, mutations: list) -> dict:
    data = copy.deepcopy(data)
    for mutation in mutations:
        kind, path = mutation[0], mutation[1]
        try:
            parent = _lookup(data, path[:-1]) if path else None
            if kind == "drop":
                del parent[path[-1]]
            elif kind == "nudge":
                parent[path[-1]] = parent[path[-1]] * mutation[2]
            elif kind == "set":
                parent[path[-1]] = mutation[2]
            else:
                _lookup(data, path)[mutation[2]] = mutation[3]
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed or replaced the place
            continue
    return data


def _on_alarm(signum, frame):
    raise Hang(f"ran past {BOUND} s")


@pytest.mark.slow
def test_fuzz_scenario_files_and_overrides(tmp_path: Path):
    seen: Counter = Counter()
    refusals: list[str] = []
    counter = iter(range(10**6))

    def run(args: list[str], folder: Path):
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, BOUND)
        try:
            return run_in_process("negsim", args, cwd=folder)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def check(data: object, overrides: list[str]) -> str:
        folder = tmp_path / f"example_{next(counter)}"
        path = dump_scenario(data, folder / f"{STEM}.yaml")
        run_dir = folder / "run"
        args = [f"scenario_file={path}", *overrides, f"mc.n_runs={N_RUNS}", "figures=false", "quiet=true"]
        args += [f"hydra.run.dir={run_dir}", f"hydra.sweep.dir={folder / 'multirun'}"]
        result = run(args, folder)
        report = result.describe()
        assert "Traceback" not in result.stderr + result.stdout, report
        assert result.returncode in (0, 2), report
        if result.returncode == 2:
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("negsim: error: "), report
        else:
            summary, problem = rundir.inspect(run_dir)
            assert summary is not None, f"exit 0 but the run folder is not complete: {problem}\n{report}"
            assert summary["n_runs"] == N_RUNS, report
        for candidate in (run_dir, *(folder / "multirun").glob("*")):
            if candidate.is_dir() and not (candidate / rundir.MARKER).exists():
                summary, problem = rundir.inspect(candidate)
                assert summary is not None, f"{candidate} has no {rundir.MARKER} marker but is not complete: {problem}\n{report}"
        refusals.append(result.stderr.strip()[:160])
        return "ran" if result.returncode == 0 else "refused"

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,  # the bound is the alarm above: hypothesis' deadline only measures
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],  # not "explain": it traces every line, far past BOUND
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(mutations=st.lists(MUTATIONS, min_size=0, max_size=2), overrides=OVERRIDES)
    @example(mutations=[], overrides=[])  # these three run: the property is checked on both kinds
    @example(mutations=[("nudge", ("escalation", "p_spillover", "high"), 0.75)], overrides=["protocol=ultimatum"])
    @example(mutations=[("drop", ("escalation", "shifts", "limited_incursion", "us"))], overrides=["mc.seed=7"])
    @example(mutations=[("add", (), "\r", None)], overrides=[])  # found: a key "\r" made the line two
    @example(mutations=[("set", ("escalation", "shifts", "nato_russia_clash", "us", "dist"), [])], overrides=[])  # found: a traceback
    @example(mutations=[("set", ("escalation", "shifts", "nato_russia_clash", "russia", "low"), 10**400)], overrides=[])  # found: a traceback
    def fuzz(mutations, overrides):
        seen[check(_mutate(BASE, mutations), overrides)] += 1

    fuzz()
    assert seen["ran"] >= 3 and seen["refused"] >= 2, f"the examples were not mixed: {dict(seen)}; {refusals}"


def test_the_mutations_change_the_data():
    """The generator is not vacuous: a drop removes, a set replaces, an add inserts."""
    path = ("escalation", "p_spillover", "high")
    assert "high" not in _mutate(BASE, [("drop", path)])["escalation"]["p_spillover"]
    assert _mutate(BASE, [("set", path, "abc")])["escalation"]["p_spillover"]["high"] == "abc"
    assert _mutate(BASE, [("nudge", path, 0.5)])["escalation"]["p_spillover"]["high"] == BASE["escalation"]["p_spillover"]["high"] / 2
    assert _mutate(BASE, [("add", ("escalation",), "extra", 1)])["escalation"]["extra"] == 1
    assert _mutate(BASE, [("drop", ("escalation",)), ("set", path, 1)]) == {k: v for k, v in BASE.items() if k != "escalation"}
    assert math.isclose(BASE["escalation"]["p_spillover"]["high"], _base()["escalation"]["p_spillover"]["high"])
