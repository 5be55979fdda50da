"""The ``negsim-scenarios`` command: list the bundled scenarios and show one in words.

``negsim-scenarios list`` prints one line per bundled scenario (``scenarios/*.yaml``): its
name, number of actors and items, and its one-sentence description. ``negsim-scenarios show
NAME`` (or ``show path/to/file.yaml``) prints a scenario for a reader at a terminal: the items
and their levels with descriptions, the opening offer, each actor's prior mean value of every
level, the escalation ladder, and every prior of every actor with its rationale and source.
``negsim-scenarios schema`` prints a JSON Schema of the scenario format. ``negsim-scenarios
audit NAME`` (or ``audit --all``) prints the evidence ledger of a scenario: its priors by
evidence type, every source it cites with its date, and its violations (DESIGN.md, "Evidence";
the checks are listed in :mod:`sim.evidence`), and exits with status 2 on a violation;
``audit --all --record`` also rewrites the ledger of verified quotes from the source texts.

A file is checked exactly as ``negsim scenario_file=...`` checks it: the structured config of
:mod:`sim.config` (keys and types), then :func:`sim.scenario.scenario_from_dict` (meaning:
known items and levels, priors inside their allowed ranges), and its ``name`` must equal the
file name. Bad input ends with one line on stderr naming the file, the field and the bad
value, and exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import textwrap
from pathlib import Path


from sim import evidence, scenario_file
from sim.core.enums import RUNG_NAMES
from sim.errors import ConfigError, OneLineParser
from sim.priors import EVIDENCE, Prior
from sim.scenario import Actor, Scenario, check_size, scenario_from_dict

PROG = "negsim-scenarios"
SUFFIXES = (".yaml", ".yml")


def bundled_dir() -> Path:
    """The bundled scenarios directory, as the Hydra plugin finds it."""
    from hydra_plugins.negsim_scenarios import BUNDLED

    return BUNDLED


def bundled_files() -> dict[str, Path]:
    """Bundled scenario files by name, sorted by name."""
    directory = bundled_dir()
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))}


# --- loading and checking ------------------------------------------------------------------


class ScenarioFileError(Exception):
    """A scenario file that cannot be used; ``str()`` is the one-line message."""


def check_structure(data: dict) -> dict:
    """Keys and types, by the structured config that ``negsim`` composes scenarios with
    (:func:`sim.configure.check_scenario_structure`, imported when first needed)."""
    from sim.configure import check_scenario_structure

    return check_scenario_structure(data)


def load_file(path: Path) -> Scenario:
    """Read and validate a scenario file; every error names the file."""
    shown = str(path)
    try:
        data = scenario_file.load(path)
    except ConfigError as error:  # the file's own checks (sim.scenario_file) or a limit
        raise ScenarioFileError(f"{shown}: {error.reason}") from None
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{shown}: must hold a YAML mapping (a scenario), got {type(data).__name__}")
    try:
        if data.get("name") != path.stem:
            raise ConfigError(
                "scenario.name", data.get("name"), f"must equal the file name without .yaml ({path.stem!r})"
            )
        check_size(data)  # before the structured config reads it all
        return scenario_from_dict(check_structure(data))
    except ConfigError as error:
        raise ScenarioFileError(f"{shown}: {error}") from None


def resolve(target: str) -> Path:
    """A bundled scenario's name, or a path to a scenario file."""
    looks_like_path = target.endswith(SUFFIXES) or os.sep in target or "/" in target
    if looks_like_path or Path(target).is_file():
        return Path(target).expanduser()
    files = bundled_files()
    if target not in files:
        raise ScenarioFileError(
            f"unknown scenario {target!r}; the bundled scenarios are {', '.join(files)} "
            "(or give the path of a .yaml file)"
        )
    return files[target]


# --- words ---------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:g}"


def describe_prior(prior: Prior) -> str:
    """A prior in words: ``uniform on [0.05, 0.25] (mean 0.15)``."""
    p = prior.params
    if prior.dist == "fixed":
        return f"fixed at {_num(p['value'])}"
    if prior.dist == "uniform":
        text = f"uniform on [{_num(p['low'])}, {_num(p['high'])}]"
    elif prior.dist == "normal":
        text = f"normal, mean {_num(p['mean'])}, sd {_num(p['sd'])}"
    elif prior.dist == "uniform_integer":
        text = f"uniform on the whole numbers {_num(p['low'])}..{_num(p['high'])}"
    elif prior.dist == "truncnormal":
        text = f"normal (mean {_num(p['mean'])}, sd {_num(p['sd'])}) cut to [{_num(p['low'])}, {_num(p['high'])}]"
    else:
        text = f"beta (a {_num(p['a'])}, b {_num(p['b'])}) on [{_num(p['low'])}, {_num(p['high'])}]"
    return f"{text} (mean {prior.mean():.3g})"


class Writer:
    """Collects lines, wrapped to the terminal's width with hanging indents."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def para(self, text: str, indent: int = 0, first: str = "") -> None:
        """``first`` (e.g. ``"why: "``) starts the paragraph; later lines align after it."""
        pad = " " * indent
        if not text and not first:
            return
        wrapped = textwrap.wrap(
            text,
            width=max(self.width, indent + len(first) + 20),
            initial_indent=pad + first,
            subsequent_indent=pad + " " * len(first),
            break_long_words=False,
            break_on_hyphens=False,
        )
        self.lines.extend(wrapped or [pad + first.rstrip()])

    def prior(self, label: str, prior: Prior, indent: int, brief: bool, label_width: int = 0, note: str = "") -> None:
        head = f"{label:<{label_width}}  " if label_width else f"{label}: "
        self.para(note + describe_prior(prior), indent, head)
        if not brief:
            self.para(prior.rationale, indent + 4, "why: ")
            self.para(prior.source, indent + 4, "source: ")
            evidence = prior.evidence + (f": {prior.quote!r}" if prior.quote else "")
            evidence += f" (targets: {prior.targets})" if prior.targets else ""
            self.para(evidence, indent + 4, "evidence: ")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _actor_rules(actor: Actor) -> str:
    if actor.must_accept_every_text:
        who = "Must accept every text"
    elif actor.veto_items:
        who = "Must accept a text that moves " + " or ".join(actor.veto_items) + " off level 0"
    else:
        who = "Never asked (no veto items): its acceptance is only reported"
    return who


def format_scenario(scenario: Scenario, source: Path | None = None, brief: bool = False, width: int = 100) -> str:
    """The whole scenario in words (``negsim-scenarios show``)."""
    out = Writer(width)
    title = f"{scenario.name}: {scenario.title}" if scenario.title != scenario.name else scenario.name
    out.para(title)
    out.line("=" * min(len(title), width))
    out.para(scenario.description)
    if source is not None:
        out.para(str(source), first="file: ")
    if scenario.as_of is not None:
        out.line(f"as of {scenario.as_of.isoformat()}" + (" (a back-test)" if scenario.backtest else ""))
    n_packages = len(scenario.packages)
    out.line(
        f"{len(scenario.actors)} actors ({', '.join(scenario.actor_names)}), {len(scenario.items)} items, "
        f"{n_packages} packages"
    )

    # items, levels, opening offer and every actor's prior mean value of each level
    out.line()
    out.line("ITEMS AND LEVELS (level 0 is the status quo, worth 0 to everyone; > marks the opening offer)")
    names, priors = scenario.actor_names, scenario.priors()
    cols = [max(6, len(n)) + 2 for n in names]
    level_width = max(len(level) for item in scenario.items for level in item.levels) + 6
    for i, item in enumerate(scenario.items):
        out.line()
        out.para(item.description, 2, f"{item.name}: ")
        out.line(" " * 4 + f"{'mean value to:':<{level_width}}" + "".join(f"{n:>{c}}" for n, c in zip(names, cols)))
        for level, level_name in enumerate(item.levels):
            mark = ">" if scenario.opening_offer[i] == level else " "
            means = []
            for actor, c in zip(scenario.actors, cols):
                prior = priors.get(f"actors.{actor.name}.values.{item.name}.{level_name}")
                means.append(f"{0.0 if prior is None else prior.mean():>+{c}.2f}")
            out.line(f"  {mark} {f'{level} {level_name}':<{level_width}}" + "".join(means))
    out.line()
    out.line("OPENING OFFER")
    for item, level in zip(scenario.items, scenario.opening_offer):
        out.line(f"  {item.name} = {item.levels[level]}" + ("  (status quo)" if level == 0 else ""))

    # escalation
    esc = scenario.escalation
    out.line()
    out.line("ESCALATION")
    out.para(
        f"Ladder: {', '.join(f'{k}={name}' for k, name in enumerate(RUNG_NAMES))}. Runs start at rung "
        f"{esc.start_rung} ({RUNG_NAMES[esc.start_rung]}). After a refused text {esc.actor} climbs one rung "
        f"with probability sigmoid(beta0 + beta_gap*gap + beta_time*min(1, t/T)), gap = its aspiration minus "
        f"its utility of the text; in its deadline round it may climb one more (p_deadline). Reaching "
        f"{RUNG_NAMES[3]} ends the talks (unless protocol.continue_after_invasion), spilling into "
        f"{RUNG_NAMES[4]} with probability p_spillover.",
        2,
    )
    ladder = {p.removeprefix("escalation."): prior for p, prior in priors.items() if p.startswith("escalation.")}
    shifts = {name: prior for name, prior in ladder.items() if name.startswith("shifts.")}
    label_width = max(len(n) for n in ladder if n not in shifts)
    for name, prior in ladder.items():
        if name not in shifts:
            out.prior(name, prior, 2, brief, label_width)
    if shifts:
        out.para("Reservation shifts when a rung above the start is first reached:", 2)
        for name, prior in shifts.items():
            out.prior(", ".join(name.split(".")[1:]), prior, 4, brief)
    else:
        out.para("No reservation shifts.", 2)

    # actors
    out.line()
    out.line("ACTORS (in order; utility = sum of salience x value over items; accepts iff utility >= aspiration)")
    for actor in scenario.actors:
        out.line()
        out.para(actor.description, 2, f"{actor.name}: ")
        out.para(f"{_actor_rules(actor)}.", 4)
        if actor.ratifier is not None:
            items = ", ".join(actor.ratifier.items) or "no items (never votes)"
            out.para(f"Ratifier: {actor.ratifier.name}, votes on a text that moves {items}; approves iff utility + bias >= reservation.", 4)
        else:
            out.para("No ratifier.", 4)
        own = {p.removeprefix(f"actors.{actor.name}."): prior for p, prior in priors.items() if p.startswith(f"actors.{actor.name}.")}
        out.para("Fallback and concession tactic (aspiration r + h*(1 - (t/T)^(1/e)) before the deadline T, r after):", 4)
        for name in ("reservation", "opening_surplus", "deadline", "concession_exponent"):
            out.prior(name, own[name], 6, brief, 19)
        if actor.ratifier is not None:
            out.prior("ratifier bias", own["ratifier.bias"], 6, brief, 19)
        for item_name, levels in actor.red_lines.items():
            out.prior(f"red line, {item_name} (refuses {', '.join(levels)}): hold", own[f"red_lines.{item_name}.hold"], 6, brief)
        salience = {name.split(".", 1)[1]: prior for name, prior in own.items() if name.startswith("salience.")}
        total = sum(prior.mean() for prior in salience.values())
        out.para("Salience weights (normalised to sum 1 in each run; share = mean weight / sum of means):", 4)
        width = max(len(name) for name in salience)
        for item_name, prior in salience.items():
            share = f"share ~{prior.mean() / total:.0%}: " if total > 0 else ""
            out.prior(item_name, prior, 6, brief, width, share)
        out.para("Values (level 0 is worth 0):", 4)
        values = {" = ".join(name.split(".")[1:]): prior for name, prior in own.items() if name.startswith("values.")}
        width = max(len(label) for label in values)
        for label, prior in values.items():
            out.prior(label, prior, 6, brief, width)
    return out.text()


def format_list(scenarios: list[tuple[str, Scenario | None, str]], width: int | None) -> str:
    """One line per scenario: name, actors, items, description (cut to ``width`` if given)."""
    name_width = max([4, *(len(name) for name, _, _ in scenarios)])
    lines = [f"{'NAME':<{name_width}}  ACTORS  ITEMS  DESCRIPTION"]
    for name, scenario, error in scenarios:
        if scenario is None:
            line = f"{name:<{name_width}}  {'-':>6}  {'-':>5}  INVALID: {error}"
        else:
            line = (
                f"{name:<{name_width}}  {len(scenario.actors):>6}  {len(scenario.items):>5}  "
                f"{scenario.description or scenario.title}"
            )
        if width is not None and len(line) > width:
            line = line[: width - 1] + "…"
        lines.append(line)
    return "\n".join(lines) + "\n"


# --- the evidence ledger (audit) -----------------------------------------------------------


def format_audit(audit, checker, width: int = 100) -> str:
    """One scenario's evidence ledger (``negsim-scenarios audit``): priors by evidence type,
    the sources it cites with their dates, notes and violations."""
    out = Writer(width)
    when = f"as of {audit.as_of.isoformat()}" if audit.as_of else "no valid as_of"
    title = f"{audit.name} ({when}, {'a back-test' if audit.backtest else 'not a back-test'})"
    out.para(title)
    out.line("=" * min(len(title), width))
    out.para(str(audit.file), first="file: ")
    files = audit.quote_files()
    read = [name for name, how in files.items() if how == "source"]
    kept = [name for name, how in files.items() if how == "ledger"]
    if read:
        out.para(f"checked verbatim in the source texts at {checker.directory}: {', '.join(read)}", first="quotes: ")
    if kept:
        out.para(
            f"checked against the ledger of verified quotes ({evidence.ledger_path().name}), as the source "
            f"texts are not at {checker.directory} (set NEGSIM_SOURCES to read them): {', '.join(kept)}",
            first="quotes: ",
        )
    groups = audit.by_evidence()
    out.line()
    out.line(f"PRIORS BY EVIDENCE ({len(audit.priors)})")
    label = max(len(kind) for kind in groups) + 6
    for kind, paths in groups.items():
        out.para(", ".join(paths), 2, f"{f'{kind} ({len(paths)})':<{label}}  ")
    out.line()
    cited = audit.sources()
    out.line(f"SOURCES ({len(cited)}, by date)")
    for source, paths in cited.values():
        late = audit.as_of is not None and source.date > audit.as_of
        flag = "  [after as_of]" if late else ""
        out.line(f"  {source.date.isoformat()}  {source.key} ({len(paths)} prior{'s' if len(paths) != 1 else ''}){flag}")
        out.para(source.citation, 14)
    if audit.as_of is not None and not audit.backtest and any(s.date > audit.as_of for s, _ in cited.values()):
        out.para("Sources after as_of are allowed: this scenario is not a back-test.", 2)
    if audit.notes:
        out.line()
        out.line(f"NOTES ({len(audit.notes)})")
        for note in audit.notes:
            out.para(str(note), 2, "- ")
    out.line()
    out.line(f"VIOLATIONS ({len(audit.violations)})")
    for finding in audit.violations:
        out.para(str(finding), 2, "- ")
    if not audit.violations:
        out.line("  none")
    return out.text()


def run_audit(target: str | None, every: bool, record: bool, width: int, extra_sources: str | None = None) -> int:
    """``negsim-scenarios audit``: print the ledgers; the number of violations. ``extra_sources``:
    a table of the user's own sources (the format of ``scenarios/evidence/sources.yaml``),
    added to the bundled one."""
    if record and not every:
        _fail("--record rewrites the ledger of verified quotes from every bundled scenario: use it with --all")
    if every == (target is not None):
        _fail("give a scenario (a bundled name or a .yaml file) or --all")
    paths = list(bundled_files().values()) if every else [resolve(target)]
    for path in paths:
        if not path.is_file():
            raise ScenarioFileError(f"{path}: no such file")
    table = evidence.load_sources()
    if extra_sources:
        table |= evidence.load_sources(Path(extra_sources).expanduser())
    checker = evidence.QuoteChecker(evidence.sources_dir(), evidence.load_ledger())
    audits = [evidence.audit_file(path, table, checker) for path in paths]
    for i, audit in enumerate(audits):
        sys.stdout.write(("\n" if i else "") + format_audit(audit, checker, width))
    for name in sorted(checker.read):
        recorded = checker.ledger.get(name, {}).get("sha256")
        if recorded and recorded != checker.digests[name]:
            sys.stdout.write(
                f"\nnote: {name} at {checker.directory} differs from the copy the ledger was recorded from "
                "(SHA-256); run negsim-scenarios audit --all --record\n"
            )
    if record:
        needed = {s.file for a in audits for p in a.priors if p.evidence == "quote" for s in p.sources if s.file}
        missing = sorted(name for name in needed if checker.text(name) is None)
        if missing:
            _fail(f"cannot record the ledger: {', '.join(missing)} not found at {checker.directory} (set NEGSIM_SOURCES)")
        verified = {name: (checker.digests[name], phrases) for name, phrases in checker.found.items()}
        written = evidence.write_ledger(verified)
        count = sum(len(phrases) for _, phrases in verified.values())
        sys.stdout.write(f"\nrecorded {count} verified quotes from {len(verified)} source files in {written}\n")
    total = sum(len(a.violations) for a in audits)
    if len(audits) > 1:
        sys.stdout.write(f"\naudit: {len(audits)} scenarios, {total} violation(s)\n")
    if total:
        failed = [a.name for a in audits if a.violations]
        _fail(f"audit: {total} violation(s) in {', '.join(failed)} (listed under VIOLATIONS above)")
    return total


# --- JSON Schema ---------------------------------------------------------------------------


def _prior_schema(allowed, families: tuple[str, ...] | None = None) -> dict:
    """The JSON Schema of a prior on a field whose values must lie in ``allowed`` (a
    :class:`sim.parameters.Range`), of the given families (all if None)."""
    low, high, open_low = allowed.low, allowed.high, allowed.open_low

    def bounded(extra: dict | None = None) -> dict:
        number: dict = {"type": "number"}
        if math.isfinite(low):
            number["exclusiveMinimum" if open_low else "minimum"] = low
        if math.isfinite(high):
            number["maximum"] = high
        number.update(extra or {})
        return number

    text = {"type": "string", "minLength": 1, "pattern": r"\S"}
    common = {"rationale": text, "source": text, "evidence": {"enum": list(EVIDENCE)}, "quote": text, "targets": text}

    def family(dist: str, params: dict, required: list[str]) -> dict:
        return {
            "type": "object",
            "properties": {"dist": {"const": dist}, **params, **common},
            "required": ["dist", *required, "rationale", "source", "evidence"],
            "additionalProperties": False,
            # a quote prior carries its quote, a calibrated one its targets
            "allOf": [
                {"if": {"properties": {"evidence": {"const": "quote"}}}, "then": {"required": ["quote"]}},
                {"if": {"properties": {"evidence": {"const": "calibrated"}}}, "then": {"required": ["targets"]}},
            ],
        }

    positive = {"type": "number", "exclusiveMinimum": 0}
    options = [
        family("fixed", {"value": bounded()}, ["value"]),
        family("uniform", {"low": bounded(), "high": bounded()}, ["low", "high"]),
        family("truncnormal", {"mean": {"type": "number"}, "sd": positive, "low": bounded(), "high": bounded()},
               ["mean", "sd", "low", "high"]),
    ]
    # beta: low and high default to 0 and 1; they must be given where those defaults leave the range
    beta_required = ["a", "b"]
    if not (low <= 0 and not (open_low and low >= 0)):
        beta_required.append("low")
    if not high >= 1:
        beta_required.append("high")
    options.append(family("beta", {"a": positive, "b": positive, "low": bounded(), "high": bounded()}, beta_required))
    if not (math.isfinite(low) or math.isfinite(high)):
        options.append(family("normal", {"mean": {"type": "number"}, "sd": positive}, ["mean", "sd"]))
    whole = {"type": "integer", **({"minimum": low} if math.isfinite(low) else {})}
    options.append(family("uniform_integer", {"low": whole, "high": whole}, ["low", "high"]))
    return {"oneOf": [o for o in options if families is None or o["properties"]["dist"]["const"] in families]}


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) of a scenario file, generated from the validation rules
    and the parameter table (:mod:`sim.parameters`).

    It checks structure, types, prior families and each prior's allowed range. What a JSON
    Schema cannot say (that items, levels and actors named in one place exist in another,
    low < high, the name equals the file name) is left to ``negsim-scenarios show FILE``.
    """
    from sim.parameters import PARAMETERS

    name_list = {"type": "array", "items": {"type": "string"}}
    described = {"type": "string"}
    actor = _object(
        {"description": described, "must_accept_every_text": {"type": "boolean"}, "veto_items": name_list},
        ratifier=_object({"name": described, "items": name_list}, required=["bias"], nullable=True),
        red_lines=_dict_of(_object({"levels": {**name_list, "minItems": 1}}, required=["levels"])),
    )
    escalation = _object({"start_rung": {"enum": [0, 1, 2]}, "actor": {"type": "string"}})
    for parameter in PARAMETERS:
        owner = actor if parameter.owner == "actors" else escalation
        _insert(owner, parameter.key, _prior_schema(parameter.allowed, parameter.families))
        if parameter.required:
            owner["required"].append(parameter.key[0])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "negsim scenario",
        "description": "A negsim scenario file (docs/scenario-format.md). Generated by `negsim-scenarios schema`.",
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "must equal the file name without .yaml"},
            "title": described,
            "description": described,
            "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "the date the opening is set"},
            "backtest": {"type": "boolean", "description": "its outcome is on record and it is tested against it"},
            "items": _dict_of(
                _object(
                    {
                        "levels": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
                        "description": described,
                    },
                    required=["levels"],
                ),
                minProperties=1,
            ),
            "opening_offer": {"type": "object", "additionalProperties": {"type": "string"}},
            "escalation": escalation,
            "actors": _dict_of({"$ref": "#/$defs/actor"}, minProperties=1),
        },
        "required": ["name", "as_of", "items", "opening_offer", "escalation", "actors"],
        "additionalProperties": False,
        "$defs": {"actor": actor},
    }


def _object(properties: dict, required: list | None = None, nullable: bool = False, **children) -> dict:
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": {**properties, **children},
        "required": list(required or []),
        "additionalProperties": False,
    }


def _dict_of(values: dict, **extra) -> dict:
    return {"type": "object", "additionalProperties": values, **extra}


def _insert(node: dict, keys: tuple[str, ...], leaf: dict) -> None:
    """Put a parameter's prior schema at its key path: a name is a property, a placeholder a
    mapping of names (``{rung}`` limited to the rungs above 0)."""
    key, rest = keys[0], keys[1:]
    if key.startswith("{"):
        if not rest:
            node["additionalProperties"] = leaf
            return
        child = node.setdefault("additionalProperties", {"type": "object"})
        if key == "{rung}":
            node["propertyNames"] = {"enum": list(RUNG_NAMES[1:])}
    else:
        if not rest:
            node["properties"][key] = leaf
            return
        child = node["properties"].setdefault(key, {"type": "object"})
    _insert(child, rest, leaf)


# --- command line --------------------------------------------------------------------------


def _fail(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


def _width() -> int:
    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 110))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description="List negsim's bundled scenarios, show one (or a scenario file of your own) in words, "
        "or audit its evidence.",
        epilog="Examples: negsim-scenarios list | negsim-scenarios show lieven_2022 | "
        "negsim-scenarios show path/to/my_case.yaml | negsim-scenarios schema > scenario.schema.json | "
        "negsim-scenarios audit us_response_2022 | negsim-scenarios audit --all",
    )
    commands = parser.add_subparsers(dest="command", metavar="{list,show,schema,audit}", parser_class=OneLineParser)
    commands.required = True
    commands.add_parser("list", help="one line per bundled scenario: name, actors, items, description")
    show = commands.add_parser("show", help="a scenario in words: items, levels, offer, escalation, every prior")
    show.add_argument("scenario", help="a bundled scenario's name, or the path of a scenario .yaml file")
    show.add_argument("--brief", action="store_true", help="leave out each prior's rationale and source")
    commands.add_parser("schema", help="print a JSON Schema of the scenario file format")
    audit = commands.add_parser(
        "audit",
        help="the evidence ledger: priors by evidence type, sources with dates, violations (exit 2 on one)",
        description="Print a scenario's evidence ledger and exit with status 2 on a violation: a source dated "
        "after as_of in a back-test, a quote not found verbatim in its source, a back-test rationale that argues "
        "from the outcome, a citation with no date, a missing rationale or quote. Source texts are read from "
        "NEGSIM_SOURCES (default <repo>/../shared/sources), else quotes are checked against "
        "scenarios/evidence/verified_quotes.yaml.",
    )
    audit.add_argument("scenario", nargs="?", help="a bundled scenario's name, or the path of a scenario .yaml file")
    audit.add_argument("--all", action="store_true", help="audit every bundled scenario")
    audit.add_argument(
        "--sources", metavar="TABLE",
        help="a table of your own sources and their dates (the format of scenarios/evidence/sources.yaml)",
    )  # fmt: skip
    audit.add_argument(
        "--record", action="store_true",
        help="with --all: rewrite the ledger of verified quotes from the source texts (which must be present)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    """Console entry point (``negsim-scenarios``)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            entries = []
            failed = []
            for name, path in bundled_files().items():
                try:
                    entries.append((name, load_file(path), ""))
                except ScenarioFileError as error:
                    entries.append((name, None, str(error)))
                    failed.append(str(error))
            sys.stdout.write(format_list(entries, _width() if sys.stdout.isatty() else None))
            if failed:
                _fail(f"{len(failed)} bundled scenario(s) invalid; first: {failed[0]}")
        elif args.command == "show":
            path = resolve(args.scenario)
            scenario = load_file(path)
            sys.stdout.write(format_scenario(scenario, path, brief=args.brief, width=_width()))
        elif args.command == "audit":
            run_audit(args.scenario, args.all, args.record, _width(), args.sources)
        else:
            sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
    except (ScenarioFileError, evidence.EvidenceError) as error:
        _fail(str(error))
    except BrokenPipeError:  # e.g. `negsim-scenarios show x | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
