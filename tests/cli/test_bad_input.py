"""Bad input on the real command line (``python -m sim ...``).

Each case must end the way ``sim/app.py`` promises: exit status 2, exactly one line on
stderr naming the field and the bad value, no traceback, and no results (the command line is
composed and validated before Hydra creates a run directory, so not even that exists).

Every case runs the command's entry point in this process (:func:`tests.support.run_in_process`);
one command-line case and one scenario-file case also run in a process of their own, as a
user's shell would start it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

N_RUNS = "mc.n_runs=200"
RESULT_FILES = ("summary.json", "outcomes.parquet", "*.partial")


@dataclass(frozen=True)
class Case:
    id: str
    field: str  # the dotted field that the error line must name
    values: tuple[str, ...] = ()  # the bad value(s), each a token of the line
    args: tuple[str, ...] = ()  # command-line arguments ({file} = the scenario file written)
    mutate: Callable[[dict], None] | None = None  # writes a changed lieven_2022.yaml to {file}
    text: str | None = None  # or writes this text to {file}
    stem: str = "my_case"  # the scenario file's name (and, unless mutated, its scenario name)
    also: tuple[str, ...] = ()  # more substrings the line must contain
    marks: tuple = field(default=())


def _set(path: str, value: object) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


def _prior(path: str, **params: object) -> Callable[[dict], None]:
    """Replace the prior at ``path`` by ``params`` (keeping its rationale and source; an assumption)."""

    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        old = node[last]
        node[last] = {**params, "rationale": old["rationale"], "source": old["source"], "evidence": "assumption"}

    return mutate


def _update(path: str, **params: object) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        node = data
        for key in path.split("."):
            node = node[key]
        node.update(params)

    return mutate


RUSSIA = "scenario.actors.russia"
SPILL = "scenario.escalation.p_spillover"
RUSSIA_R = "scenario.actors.russia.reservation"
EXPONENT = f"{RUSSIA}.concession_exponent"

CASES = [
    Case("unknown_scenario", "scenario", ("nope",), args=("scenario=nope",)),
    Case("unknown_override_key", "mc.nope", ("1",), args=("mc.nope=1",)),
    Case("probability_above_one_uniform", SPILL, ("1.5",), args=(f"{SPILL}.high=1.5",)),
    Case(
        "probability_above_one_fixed",
        SPILL,
        ("1.5",),
        args=(f"{SPILL}.dist=fixed", f"{SPILL}.value=1.5", f"{SPILL}.low=null", f"{SPILL}.high=null"),
    ),
    Case(  # switching the family without clearing the old parameters: those are named
        "prior_family_switched_with_leftover_parameters",
        SPILL,
        ("0.01",),
        args=(f"{SPILL}.dist=fixed", f"{SPILL}.value=1.5"),
        also=("fixed",),
    ),
    Case(
        "probability_below_zero",
        "scenario.escalation.p_deadline",
        ("-0.2",),
        args=("scenario.escalation.p_deadline.low=-0.2",),
    ),
    # a prior's short forms (docs/scenario-format.md): a number fixes it, [low,high] is uniform
    Case("prior_short_form_word", RUSSIA_R, ("abc",), args=(f"{RUSSIA_R}=abc",), also=("[low,high]",)),
    Case("prior_short_form_one_bound", RUSSIA_R, ("[0.1]",), args=(f"{RUSSIA_R}=[0.1]",)),
    Case("prior_short_form_out_of_range", RUSSIA_R, ("1.5",), args=(f"{RUSSIA_R}=1.5",)),
    Case("prior_short_form_reversed", RUSSIA_R, ("0.3", "0.1"), args=(f"{RUSSIA_R}=[0.3,0.1]",)),
    Case("prior_short_form_interval_sweep", RUSSIA_R, ("interval(0,1)",), args=("-m", f"{RUSSIA_R}=interval(0,1)")),
    Case("n_runs_zero", "mc.n_runs", ("0",), args=("mc.n_runs=0",)),
    Case("n_runs_negative", "mc.n_runs", ("-5",), args=("mc.n_runs=-5",)),
    Case("n_runs_wrong_type", "mc.n_runs", ("abc",), args=("mc.n_runs=abc",)),
    Case(
        "prior_parameter_wrong_type",
        f"{RUSSIA}.reservation.low",
        ("abc",),
        args=(f"{RUSSIA}.reservation.low=abc",),
    ),
    Case(
        "normal_prior_on_bounded_field_command_line",
        EXPONENT,
        ("normal",),
        args=(
            f"{EXPONENT}.dist=normal",
            f"{EXPONENT}.mean=0.7",
            f"{EXPONENT}.sd=0.2",
            f"{EXPONENT}.low=null",
            f"{EXPONENT}.high=null",
        ),
    ),
    Case("sweep_second_value_bad", "mc.n_runs", ("-1",), args=("-m", "mc.n_runs=100,-1")),
    Case(
        "scenario_file_missing",
        "scenario_file",
        (),
        args=("scenario_file={tmp}/no_such_file.yaml",),
        also=("no_such_file.yaml",),
    ),
    Case(
        "scenario_file_not_yaml",
        "scenario_file",
        (),
        args=("scenario_file={file}",),
        text="name: broken\nitems: [unclosed\n  nato_membership: : levels\n",
        also=("YAML", "my_case.yaml"),
    ),
    Case(
        "opening_offer_unknown_item",
        "scenario.opening_offer.nuclear_weapons",
        ("nuclear_weapons",),
        args=("scenario_file={file}",),
        mutate=_set("opening_offer.nuclear_weapons", "none"),
    ),
    Case(
        "opening_offer_unknown_level",
        "scenario.opening_offer.donbas",
        ("independence",),
        args=("scenario_file={file}",),
        mutate=_set("opening_offer.donbas", "independence"),
    ),
    Case(
        "values_unknown_level",
        f"{RUSSIA}.values.donbas.independence",
        ("independence",),
        args=("scenario_file={file}",),
        mutate=lambda data: data["actors"]["russia"]["values"]["donbas"].__setitem__(
            "independence", data["actors"]["russia"]["values"]["donbas"]["minsk_ii_autonomy"]
        ),
    ),
    Case(
        "actor_without_reservation",
        f"{RUSSIA}.reservation",
        (),
        args=("scenario_file={file}",),
        mutate=_delete("actors.russia.reservation"),
        also=("required",),
    ),
    Case(
        "actor_field_typo",
        f"{RUSSIA}.reservaton",
        ("reservaton",),
        args=("scenario_file={file}",),
        mutate=lambda data: data["actors"]["russia"].__setitem__("reservaton", data["actors"]["russia"]["reservation"]),
    ),
    Case(
        "uniform_low_above_high",
        f"{RUSSIA}.reservation",
        ("0.1", "0.3"),
        args=("scenario_file={file}",),
        mutate=_update("actors.russia.reservation", low=0.3, high=0.1),
    ),
    Case(
        "truncnormal_sd_zero",
        f"{RUSSIA}.reservation.sd",
        ("0.0",),
        args=("scenario_file={file}",),
        mutate=_prior("actors.russia.reservation", dist="truncnormal", mean=0.1, sd=0.0, low=-0.2, high=0.4),
    ),
    Case(
        "truncnormal_sd_negative",
        f"{RUSSIA}.reservation.sd",
        ("-0.5",),
        args=("scenario_file={file}",),
        mutate=_prior("actors.russia.reservation", dist="truncnormal", mean=0.1, sd=-0.5, low=-0.2, high=0.4),
    ),
    Case(
        "normal_prior_on_bounded_field_file",
        EXPONENT,
        ("normal",),
        args=("scenario_file={file}",),
        mutate=_prior("actors.russia.concession_exponent", dist="normal", mean=0.7, sd=0.2),
    ),
    Case(
        "scenario_name_differs_from_file_name",
        "scenario.name",
        ("other_name",),
        args=("scenario_file={file}",),
        mutate=_set("name", "other_name"),
    ),
    Case(
        "sweep_bad_combination",
        "protocol.max_rounds",
        ("12",),
        args=("-m", "protocol=single_text,ultimatum", "protocol.max_rounds=1,12"),
    ),
]


def _has_token(line: str, token: str) -> bool:
    """``token`` in ``line``, not as part of a longer name or number ('1' is not in '0.1')."""
    return re.search(rf"(?<!\w)(?<!\d\.){re.escape(token)}(?!\w|\.\d)", line) is not None


def _check_bad_input(case: Case, tmp_path: Path, negsim, scenario_data, write_scenario, process: bool) -> None:
    scenario_path = tmp_path / "scenarios" / f"{case.stem}.yaml"
    if case.mutate is not None:
        data = scenario_data("lieven_2022")
        data["name"] = case.stem
        case.mutate(data)
        scenario_path = write_scenario(data, case.stem)
    elif case.text is not None:
        scenario_path.parent.mkdir(parents=True, exist_ok=True)
        scenario_path.write_text(case.text, encoding="utf-8")
    args = [arg.format(file=scenario_path, tmp=tmp_path) for arg in case.args]
    if not any(arg.startswith("mc.n_runs=") for arg in args):
        args.append(N_RUNS)
    args += [f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'multirun'}"]

    result = negsim(args, cwd=tmp_path, process=process)
    report = result.describe()

    assert result.returncode == 2, report
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"stderr must be exactly one non-empty line\n{report}"
    line = lines[0]
    assert case.field in line, f"the error line does not name {case.field!r}\n{report}"
    for value in case.values:
        assert _has_token(line, value), f"the error line does not show the bad value {value!r}\n{report}"
    for text in case.also:
        assert text in line, f"the error line does not contain {text!r}\n{report}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, report
    results = [p for pattern in RESULT_FILES for p in tmp_path.rglob(pattern)]
    assert not results, f"results written despite the error: {results}\n{report}"
    assert not (tmp_path / "run").exists(), f"a run directory was created\n{report}"
    assert not (tmp_path / "multirun").exists(), f"a sweep directory was created\n{report}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_bad_input_fails_with_one_line_and_no_results(
    case: Case, tmp_path: Path, negsim, scenario_data, write_scenario
):
    _check_bad_input(case, tmp_path, negsim, scenario_data, write_scenario, process=False)


IN_A_PROCESS = ("probability_above_one_uniform", "actor_field_typo")  # a command-line case, a file case
assert set(IN_A_PROCESS) <= {c.id for c in CASES}


@pytest.mark.parametrize("case", [c for c in CASES if c.id in IN_A_PROCESS], ids=lambda c: c.id)
def test_bad_input_in_a_process_of_its_own(case: Case, tmp_path: Path, negsim, scenario_data, write_scenario):
    """End to end: ``python -m sim`` started as a process, as from a shell (its stderr is the
    process's, with whatever an interpreter's start-up and imports print)."""
    _check_bad_input(case, tmp_path, negsim, scenario_data, write_scenario, process=True)


CHOICES = [  # (id, override, field, the choices listed, the suggestion)
    ("protocol_typo", "protocol=singel_text", "protocol", "alternating, single_text, ultimatum", "did you mean 'single_text'?"),
    ("engine_typo", "engine=bach", "engine", "batch, mesa", "did you mean 'batch'?"),
    ("scenario_typo", "scenario=lieven", "scenario", "lieven_2022", "did you mean 'lieven_2022'?"),
    ("mc_group_unknown", "mc=huge", "mc", "default", None),
]


@pytest.mark.parametrize("override, field, choices, suggestion", [pytest.param(*c[1:], id=c[0]) for c in CHOICES])
def test_a_typo_in_a_group_lists_the_choices(tmp_path, negsim, override, field, choices, suggestion):
    result = negsim([override, N_RUNS, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.describe()
    assert lines[0].startswith(f"negsim: error: {field}: ") and f"the choices are {choices}" in lines[0] or choices in lines[0], lines
    assert suggestion is None or suggestion in lines[0], lines


@pytest.mark.parametrize("override, key", [("mc.n_runs=abc", "mc.n_runs"), ("mc.seed=x", "mc.seed")])
def test_no_repeated_key_prefix(tmp_path, negsim, override, key):
    result = negsim([override, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    line = result.stderr.strip()
    assert result.returncode == 2 and line.count(key) == 1, result.describe()
