"""The ``negsim-scenarios`` command (``sim/scenarios_cli.py``) and the two-actor template.

Most cases call ``main(argv)`` in-process (fast); one runs the installed console script's
entry point as a command (:func:`tests.support.run_in_process`: ``sys.argv``, exit status,
stdout and stderr as a process would have them) to check the entry point, the single stderr
line and the absence of tracebacks. The
template (``docs/examples/two_actor_template.yaml``) is loaded, shown, checked against the JSON
Schema and run through ``negsim scenario_file=...``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import yaml

from sim import scenarios_cli
from sim.scenario import scenario_from_dict
from tests.support import run_in_process

REPO = Path(__file__).resolve().parents[2]
SCENARIO_DIR = REPO / "scenarios"
TEMPLATE = REPO / "docs" / "examples" / "two_actor_template.yaml"
BUNDLED = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = scenarios_cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def squash(text: str) -> str:
    """Whitespace-normalised text, so that wrapped lines compare with the strings they wrap."""
    return " ".join(text.split())


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("negsim-scenarios: error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- list -------------------------------------------------------------------------------------


def test_list_has_one_line_per_bundled_scenario(capsys):
    code, out, err = run_main(["list"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "ACTORS", "ITEMS", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == BUNDLED
    for line in lines[1:]:
        name, actors, items, description = line.split(None, 3)
        data = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        assert (int(actors), int(items)) == (len(data["actors"]), len(data["items"]))
        assert description == data["description"]


def test_list_cuts_descriptions_to_the_terminal_width():
    entries = [("lieven_2022", scenarios_cli.load_file(SCENARIO_DIR / "lieven_2022.yaml"), "")]
    text = scenarios_cli.format_list(entries, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.splitlines()[1].endswith("…")


# --- show -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_show_names_every_item_level_actor_prior_rationale_and_source(name, capsys):
    code, out, err = run_main(["show", name], capsys)
    assert code == 0, err
    scenario = scenarios_cli.load_file(SCENARIO_DIR / f"{name}.yaml")
    flat = squash(out)
    assert flat.startswith(f"{name}: {squash(scenario.title)}")
    for item, offered in zip(scenario.items, scenario.opening_offer):
        assert f"{item.name}: {squash(item.description)}" in flat
        for level, level_name in enumerate(item.levels):
            assert re.search(rf"[ >] {level} {re.escape(level_name)} ", out), (item.name, level_name)
        assert f"{item.name} = {item.levels[offered]}" in out
    for actor in scenario.actors:
        assert f"{actor.name}: {squash(actor.description)}" in flat
    for path, prior in scenario.priors().items():
        assert f"why: {squash(prior.rationale)}" in flat, path
        assert f"source: {squash(prior.source)}" in flat, path
    assert max(len(line) for line in out.splitlines()) <= 110 or "http" in out


def test_show_brief_leaves_out_rationale_and_source(capsys):
    code, out, _ = run_main(["show", "lieven_2022", "--brief"], capsys)
    assert code == 0
    assert "why:" not in out and "source:" not in out
    assert "reservation" in out and "uniform on [" in out


def test_show_marks_the_opening_offer_and_mean_values(capsys):
    code, out, _ = run_main(["show", "lieven_2022", "--brief"], capsys)
    assert code == 0
    # Russia's permanent-ban value is uniform on [0.75, 1]: mean 0.875 -> +0.88 in the table
    line = next(line for line in out.splitlines() if " 2 permanent_ban " in line)
    assert line.split()[-4:-2] == ["-0.70", "+0.88"]
    assert any(line.startswith("  > 1 moratorium_20y") for line in out.splitlines())


@pytest.mark.parametrize(
    "prior, words",
    [
        ({"dist": "fixed", "value": 0.5}, "fixed at 0.5"),
        ({"dist": "uniform", "low": 0.05, "high": 0.25}, "uniform on [0.05, 0.25] (mean 0.15)"),
        ({"dist": "normal", "mean": 1.0, "sd": 0.5}, "normal, mean 1, sd 0.5 (mean 1)"),
        ({"dist": "truncnormal", "mean": 0.0, "sd": 1.0, "low": -1.0, "high": 1.0}, "normal (mean 0, sd 1) cut to [-1, 1] (mean 0)"),
        ({"dist": "beta", "a": 2.0, "b": 2.0}, "beta (a 2, b 2) on [0, 1] (mean 0.5)"),
    ],
)
def test_describe_prior(prior, words):
    from sim.priors import parse_prior

    parsed = parse_prior({**prior, "rationale": "r", "source": "s", "evidence": "assumption"}, "x", (-math.inf, math.inf))
    assert scenarios_cli.describe_prior(parsed) == words


def test_show_a_file_of_your_own(tmp_path, capsys):
    data = yaml.safe_load((SCENARIO_DIR / "us_response_2022.yaml").read_text(encoding="utf-8"))
    data["name"] = "my_case"
    path = tmp_path / "my_case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, out, err = run_main(["show", str(path)], capsys)
    assert code == 0, err
    assert out.startswith("my_case: ")
    assert f"file: {path}" in squash(out)


# --- errors -----------------------------------------------------------------------------------


def _lieven() -> dict:
    return yaml.safe_load((SCENARIO_DIR / "lieven_2022.yaml").read_text(encoding="utf-8"))


def _bad_prior(data: dict) -> None:
    data["escalation"]["p_spillover"]["high"] = 1.5


def _typo(data: dict) -> None:
    data["actors"]["us"]["reservaton"] = data["actors"]["us"].pop("reservation")


def _bad_level(data: dict) -> None:
    data["opening_offer"]["donbas"] = "full_independence"


def _bad_type(data: dict) -> None:
    data["escalation"]["beta0"]["low"] = "minus three"


def _missing(data: dict) -> None:
    del data["actors"]["russia"]["deadline"]


@pytest.mark.parametrize(
    "mutate, field, value",
    [
        (_bad_prior, "scenario.escalation.p_spillover", "1.5"),
        (_typo, "scenario.actors.us.reservaton", "'reservaton'"),
        (_bad_level, "scenario.opening_offer.donbas", "'full_independence'"),
        (_bad_type, "scenario.escalation.beta0.low", "'minus three'"),
        (_missing, "scenario.actors.russia.deadline", "None"),
    ],
    ids=["prior-out-of-range", "unknown-key", "unknown-level", "wrong-type", "missing-field"],
)
def test_invalid_file_names_the_file_the_field_and_the_value(tmp_path, capsys, mutate, field, value):
    data = _lieven()
    data["name"] = "broken"
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, out, err = run_main(["show", str(path)], capsys)
    line = one_error_line(code, err)
    assert line.startswith(f"negsim-scenarios: error: {path}: {field}: "), line
    assert value in line, line
    assert out == ""


@pytest.mark.parametrize(
    "text, stem, message",
    [
        ("name: x\nitems: [a\n", "x", "not valid YAML at line 3"),
        ("- 1\n- 2\n", "x", "must hold a YAML mapping"),
        (None, "renamed", "scenario.name: must equal the file name without .yaml ('renamed') (got 'lieven_2022')"),
    ],
    ids=["yaml-syntax", "not-a-mapping", "name-differs-from-file"],
)
def test_unreadable_files(tmp_path, capsys, text, stem, message):
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text if text is not None else (SCENARIO_DIR / "lieven_2022.yaml").read_text(encoding="utf-8"))
    code, _, err = run_main(["show", str(path)], capsys)
    line = one_error_line(code, err)
    assert str(path) in line and message in line, line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", "no_such_scenario"], "unknown scenario 'no_such_scenario'; the bundled scenarios are "),
        (["show", "missing/file.yaml"], "missing/file.yaml: no such file"),
        ([], "the following arguments are required"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["show"], "the following arguments are required: scenario"),
    ],
)
def test_usage_errors(capsys, argv, message):
    code, _, err = run_main(argv, capsys)
    assert message in one_error_line(code, err)


def test_console_script(tmp_path):
    """The installed entry point: output on success; one stderr line, exit 2, no traceback on error."""
    ok = run_in_process("negsim-scenarios", ["list"], cwd=tmp_path)
    assert ok.returncode == 0, ok.describe()
    assert len(ok.stdout.splitlines()) == 1 + len(BUNDLED)
    bad = tmp_path / "broken.yaml"
    data = _lieven()
    data["name"] = "broken"
    _bad_prior(data)
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    failed = run_in_process("negsim-scenarios", ["show", str(bad)], cwd=tmp_path)
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert f"{bad}: scenario.escalation.p_spillover: support [0.01, 1.5]" in failed.stderr


# --- JSON Schema ------------------------------------------------------------------------------


def _validate(instance, schema: dict, root: dict, path: str = "$") -> list[str]:
    """A small JSON Schema validator for the keywords ``negsim-scenarios schema`` uses (no
    dependency on the ``jsonschema`` package); returns error messages."""
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return _validate(instance, node, root, path)
    errors: list[str] = []
    if "oneOf" in schema:
        matches = sum(not _validate(instance, sub, root, path) for sub in schema["oneOf"])
        if matches != 1:
            errors.append(f"{path}: matches {matches} of oneOf")
        return errors
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        checks = {
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
            "string": lambda v: isinstance(v, str),
            "boolean": lambda v: isinstance(v, bool),
            "null": lambda v: v is None,
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        }
        if not any(checks[k](instance) for k in kinds):
            return [f"{path}: not of type {kinds}"]
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and (isinstance(instance, bool) or instance not in schema["enum"]):
        errors.append(f"{path}: not one of {schema['enum']}")
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: not above {schema['exclusiveMinimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if schema.get("uniqueItems") and len(set(map(json.dumps, instance))) != len(instance):
            errors.append(f"{path}: items not unique")
        if "items" in schema:
            for i, item in enumerate(instance):
                errors += _validate(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, dict):
        if len(instance) < schema.get("minProperties", 0):
            errors.append(f"{path}: too few properties")
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: {key} is required")
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if "propertyNames" in schema:
                errors += _validate(key, schema["propertyNames"], root, f"{path}.{key} (name)")
            if key in properties:
                errors += _validate(value, properties[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unknown key {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _validate(value, schema["additionalProperties"], root, f"{path}.{key}")
    return errors


@pytest.fixture(scope="module")
def schema() -> dict:
    return scenarios_cli.json_schema()


def test_schema_command_prints_json(capsys, schema):
    code, out, err = run_main(["schema"], capsys)
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(schema))
    assert schema["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize("path", [*(SCENARIO_DIR / f"{n}.yaml" for n in BUNDLED), TEMPLATE], ids=[*BUNDLED, "template"])
def test_schema_accepts_every_valid_scenario(schema, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _validate(data, schema, schema) == []


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (_bad_prior, "$.escalation.p_spillover: matches 0 of oneOf"),
        (_typo, "$.actors.us: unknown key 'reservaton'"),
        (_bad_type, "$.escalation.beta0: matches 0 of oneOf"),
        (_missing, "$.actors.russia: deadline is required"),
        (lambda d: d["actors"]["us"].__setitem__("deadline", {**d["actors"]["us"]["deadline"], "dist": "normal", "mean": 8, "sd": 2}),
         "$.actors.us.deadline: matches 0 of oneOf"),
        (lambda d: d["actors"]["us"]["reservation"].__setitem__("rationale", " "), "$.actors.us.reservation: matches 0 of oneOf"),
        (lambda d: d["escalation"].__setitem__("start_rung", 3), "$.escalation.start_rung: not one of [0, 1, 2]"),
    ],
    ids=["prior-out-of-range", "unknown-key", "wrong-type", "missing-field", "normal-deadline", "blank-rationale", "start-rung"],
)
def test_schema_rejects_what_validation_rejects(schema, mutate, expected):
    data = _lieven()
    mutate(data)
    assert expected in _validate(data, schema, schema)
    with pytest.raises(ValueError):  # and negsim's own validation agrees
        scenario_from_dict(scenarios_cli.check_structure(data))


# --- audit: the evidence ledger ---------------------------------------------------------------

SOURCES_PRESENT = [
    Path(p) for p in (__import__("os").environ.get("NEGSIM_SOURCES"), REPO.parent / "shared" / "sources") if p
]


@pytest.fixture
def no_sources(tmp_path, monkeypatch) -> Path:
    """NEGSIM_SOURCES points to an empty folder: quotes are checked against the ledger."""
    empty = tmp_path / "no_sources"
    empty.mkdir()
    monkeypatch.setenv("NEGSIM_SOURCES", str(empty))
    return empty


def _us_response() -> dict:
    return yaml.safe_load((SCENARIO_DIR / "us_response_2022.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict, name: str = "bad_case") -> Path:
    data["name"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def violations(out: str) -> list[str]:
    """The lines under VIOLATIONS, unwrapped."""
    block = squash(out.split("VIOLATIONS (", 1)[1].split(")", 1)[1].split("\n\n", 1)[0])
    return [] if block.startswith("none") else [v.strip() for v in block.split("- ")[1:]]


@pytest.mark.parametrize("name", BUNDLED)
def test_audit_passes_on_every_bundled_scenario(name, capsys, no_sources):
    code, out, err = run_main(["audit", name], capsys)
    assert code == 0 and err == "", err
    assert out.startswith(f"{name} (as of ")
    for heading in ("PRIORS BY EVIDENCE", "SOURCES (", "VIOLATIONS (0)"):
        assert heading in out
    scenario = scenarios_cli.load_file(SCENARIO_DIR / f"{name}.yaml")
    assert f"PRIORS BY EVIDENCE ({len(scenario.priors())})" in out
    for path in scenario.priors():
        assert path in squash(out).replace(", ", " "), path


def test_audit_all_passes_and_lists_every_scenario(capsys, no_sources):
    code, out, err = run_main(["audit", "--all"], capsys)
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines() if line.endswith("back-test)")] == BUNDLED
    assert out.rstrip().endswith(f"audit: {len(BUNDLED)} scenarios, 0 violation(s)")


def test_the_back_test_cites_nothing_after_its_as_of(capsys, no_sources):
    code, out, _ = run_main(["audit", "us_response_2022"], capsys)
    assert code == 0
    assert "us_response_2022 (as of 2022-01-26, a back-test)" in out
    assert "[after as_of]" not in out and "lieven-what-the-us-should-offer-russia-2022.txt" not in out


def test_a_later_source_is_only_marked_outside_a_back_test(capsys, no_sources):
    code, out, _ = run_main(["audit", "russia_draft_treaties_2021"], capsys)
    assert code == 0
    assert "2022-01-26  blinken-written-response-jan-2022.txt" in out and "[after as_of]" in out
    assert "Sources after as_of are allowed: this scenario is not a back-test." in out


def test_without_the_source_texts_the_ledger_is_used(capsys, no_sources):
    """A clean clone has no shared/sources: each quote is checked against the recorded ledger."""
    code, out, _ = run_main(["audit", "us_response_2022"], capsys)
    assert code == 0
    flat = squash(out)
    assert f"checked against the ledger of verified quotes (verified_quotes.yaml), as the source texts are not at {no_sources}" in flat
    assert "checked verbatim in the source texts" not in flat


def _quote_prior(data: dict) -> dict:
    return data["escalation"]["beta_gap"]  # a quote prior citing the-week-ball-in-their-court-jan-2022.txt


def _late_source(data: dict) -> None:
    data["escalation"]["beta0"]["source"] = (
        "Anatol Lieven, 'What the US should offer Russia to stave off war in Ukraine', Responsible Statecraft, "
        "21 Feb 2022 (lieven-what-the-us-should-offer-russia-2022.txt, para. 5)"
    )
    data["escalation"]["beta0"]["quote"] = "A Russian invasion remains a real possibility unless a compromise with Russia can be found"


def _outcome_argument(data: dict) -> None:
    data["actors"]["russia"]["reservation"]["rationale"] += " Russia later invaded, which shows it."


def _not_verbatim(data: dict) -> None:
    _quote_prior(data)["quote"] = "Moscow dismissed the response as secondary issues"


def _missing_rationale(data: dict) -> None:
    data["actors"]["us"]["reservation"]["rationale"] = ""


def _missing_quote(data: dict) -> None:
    del _quote_prior(data)["quote"]


def _undated_source(data: dict) -> None:
    data["actors"]["us"]["deadline"]["source"] += "; Some Blog, 'A post', 2022"


def _unstated_assumption(data: dict) -> None:
    data["escalation"]["aftermath"]["rationale"] = "Six periods seem about right."


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (_late_source, "late-source: escalation.beta0: cites lieven-what-the-us-should-offer-russia-2022.txt"),
        (_outcome_argument, "outcome-argument: actors.russia.reservation: its rationale argues from the tested outcome ('later invaded')"),
        (_not_verbatim, "quote-not-found: escalation.beta_gap: 'Moscow dismissed the response as secondary issues' not in the ledger of verified quotes for blinken-written-response-jan-2022.txt, the-week-ball-in-their-court-jan-2022.txt, whose text is not at"),
        (_missing_rationale, "missing-rationale: actors.us.reservation: every prior needs a rationale"),
        (_missing_quote, "missing-quote: escalation.beta_gap: a quote prior needs a quote"),
        (_undated_source, "unknown-source: actors.us.deadline: cites \"Some Blog, 'A post', 2022\", which is not in sources.yaml (so it has no date)"),
        (_unstated_assumption, "assumption: escalation.aftermath: an assumption's rationale must say it is the modeller's judgement"),
    ],
    ids=["late-source", "outcome-argument", "quote-not-verbatim", "missing-rationale", "missing-quote", "undated-source", "unstated-assumption"],
)
def test_audit_fails_with_one_clear_line_per_violation(tmp_path, capsys, no_sources, mutate, expected):
    data = _us_response()
    mutate(data)
    path = _write(tmp_path, data)
    code, out, err = run_main(["audit", str(path)], capsys)
    line = one_error_line(code, err)
    assert line == "negsim-scenarios: error: audit: 1 violation(s) in bad_case (listed under VIOLATIONS above)"
    assert "VIOLATIONS (1)" in out
    assert violations(out)[0].startswith(expected), violations(out)


def test_a_later_source_is_allowed_outside_a_back_test(tmp_path, capsys, no_sources):
    data = _us_response()
    _late_source(data)
    data["backtest"] = False
    code, out, _ = run_main(["audit", str(_write(tmp_path, data))], capsys)
    assert code == 0, out
    assert "lieven-what-the-us-should-offer-russia-2022.txt (1 prior)  [after as_of]" in out


def test_an_invalid_file_is_a_violation_too(tmp_path, capsys, no_sources):
    data = _us_response()
    data["as_of"] = "26 January 2022"
    code, out, err = run_main(["audit", str(_write(tmp_path, data))], capsys)
    one_error_line(code, err)
    assert any(v.startswith("as_of: as_of: must be a date written YYYY-MM-DD") for v in violations(out)), out


def _fake_sources(directory: Path, ledger: Path) -> Path:
    """Source texts made of the ledger's phrases (stand-ins for shared/sources)."""
    directory.mkdir(exist_ok=True)
    for name, entry in yaml.safe_load(ledger.read_text(encoding="utf-8")).items():
        (directory / name).write_text("\n\n".join(entry["phrases"]) + "\n", encoding="utf-8")
    return directory


def test_quotes_are_read_from_the_source_texts_where_present(tmp_path, capsys, monkeypatch):
    from sim import evidence

    sources = _fake_sources(tmp_path / "sources", evidence.ledger_path())
    monkeypatch.setenv("NEGSIM_SOURCES", str(sources))
    code, out, err = run_main(["audit", "us_response_2022"], capsys)
    assert code == 0, err
    assert f"checked verbatim in the source texts at {sources}" in squash(out)
    data = _us_response()
    _not_verbatim(data)
    code, out, err = run_main(["audit", str(_write(tmp_path, data))], capsys)
    one_error_line(code, err)
    assert violations(out) == [
        "quote-not-found: escalation.beta_gap: 'Moscow dismissed the response as secondary issues' not found "
        "verbatim in blinken-written-response-jan-2022.txt, the-week-ball-in-their-court-jan-2022.txt "
        f"(read from {sources})"
    ]


def test_record_writes_the_ledger_from_the_source_texts(tmp_path, capsys, monkeypatch):
    from sim import evidence

    bundled = yaml.safe_load(evidence.ledger_path().read_text(encoding="utf-8"))
    sources = _fake_sources(tmp_path / "sources", evidence.ledger_path())
    written = tmp_path / "verified_quotes.yaml"
    monkeypatch.setattr(evidence, "ledger_path", lambda: written)
    monkeypatch.setenv("NEGSIM_SOURCES", str(sources))
    code, out, err = run_main(["audit", "--all", "--record"], capsys)
    assert code == 0, err
    assert f"recorded {sum(len(e['phrases']) for e in bundled.values())} verified quotes" in out
    recorded = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert {name: sorted(e["phrases"]) for name, e in recorded.items()} == {
        name: sorted(e["phrases"]) for name, e in bundled.items()
    }
    for name, entry in recorded.items():
        assert entry["sha256"] == __import__("hashlib").sha256((sources / name).read_bytes()).hexdigest()
    # the recorded ledger is then what a clone without the sources checks against
    monkeypatch.setenv("NEGSIM_SOURCES", str(tmp_path / "absent"))
    code, out, err = run_main(["audit", "--all"], capsys)
    assert code == 0, err


def test_record_needs_the_source_texts(capsys, no_sources):
    code, _, err = run_main(["audit", "--all", "--record"], capsys)
    assert "cannot record the ledger" in one_error_line(code, err)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["audit"], "give a scenario (a bundled name or a .yaml file) or --all"),
        (["audit", "lieven_2022", "--all"], "give a scenario (a bundled name or a .yaml file) or --all"),
        (["audit", "lieven_2022", "--record"], "--record rewrites the ledger of verified quotes from every bundled scenario"),
        (["audit", "no_such_scenario"], "unknown scenario 'no_such_scenario'"),
    ],
)
def test_audit_usage_errors(capsys, no_sources, argv, message):
    code, _, err = run_main(argv, capsys)
    assert message in one_error_line(code, err)


@pytest.mark.skipif(not any(p.is_dir() for p in SOURCES_PRESENT), reason="the source texts (shared/sources) are not here")
def test_the_ledger_is_current_with_the_source_texts(capsys, monkeypatch):
    """Where the source texts are present, every quote is found in them and already recorded."""
    monkeypatch.setenv("NEGSIM_SOURCES", str(next(p for p in SOURCES_PRESENT if p.is_dir())))
    code, out, err = run_main(["audit", "--all"], capsys)
    assert code == 0, err
    assert "not-recorded" not in out and "differs from the copy the ledger was recorded from" not in out
    assert "checked against the ledger" not in out


# --- the two-actor template -------------------------------------------------------------------


def test_template_loads_and_shows(capsys):
    scenario = scenarios_cli.load_file(TEMPLATE)
    assert scenario.name == TEMPLATE.stem == "two_actor_template"
    assert len(scenario.actors) == 2 and len(scenario.items) == 2
    code, out, err = run_main(["show", str(TEMPLATE)], capsys)
    assert code == 0, err
    assert "2 actors (us, ussr), 2 items, 6 packages" in out


def test_template_runs_through_negsim(negsim, tmp_path):
    """The documented check: ``negsim scenario_file=... mc.n_runs=1000`` runs and writes a summary."""
    out = tmp_path / "run"
    result = negsim([f"scenario_file={TEMPLATE}", "mc.n_runs=1000", "figures=false", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["scenario"], summary["n_runs"]) == ("two_actor_template", 1000)
    assert set(summary["acceptance"]) == {"us", "ussr"}
    assert sum(est["count"] for est in summary["status"].values()) == 1000
    assert "scenario two_actor_template" in result.stdout
