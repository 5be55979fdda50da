"""What each number of a scenario rests on: the evidence ledger and its audit.

DESIGN.md, "Evidence: what each number rests on". Every prior states its ``evidence``:
``quote`` (its ``quote`` is found verbatim in a document of ``shared/sources`` that its
``source`` names), ``external`` (a public source cited in full), ``assumption`` (the modeller's
judgement, in a range wide enough to say so) or ``calibrated`` (fitted to the ``targets`` it
records). A scenario states ``as_of``, the date its opening is set, and whether it is a
``backtest``.

Every source a bundled scenario cites has a date in the sources table
(``scenarios/evidence/sources.yaml``): a key (the file name, for a document of
``shared/sources``), its full citation, date and address, and the strings by which a prior's
``source`` names it. A prior's ``source`` is a list of citations separated by ``;`` (outside
parentheses); each must name a source of the table, or be the modeller's judgement
(a citation that starts with "Modeller's judgement").

The audit (:func:`audit_file`) reads a scenario file as plain data, so that it reports every
violation at once, and reports:

- a source dated after ``as_of`` in a back-test (outside a back-test, only a note);
- a ``quote`` not found verbatim (whitespace aside) in the document it names. The documents are
  read from ``NEGSIM_SOURCES`` (default ``<repo>/../shared/sources``); they are not part of the
  repository, so where they are absent each quote is checked against the ledger of verified
  quotes (``scenarios/evidence/verified_quotes.yaml``: per document its SHA-256 and the phrases
  found in it), which ``negsim-scenarios audit --all --record`` writes where they are present;
- in a back-test, a rationale (or a calibration's targets) that argues from the outcome being
  tested: one of :data:`OUTCOME_PHRASES`;
- a citation that is not in the sources table (so it has no date);
- a missing rationale or source, a missing or unknown evidence type, a quote prior without a
  quote (or whose source names no document of ``shared/sources``), a calibrated prior without
  targets, an assumption whose rationale does not say it is the modeller's judgement, an
  external prior that cites no source outside ``shared/sources``;
- anything else the validation of the file rejects (:func:`sim.scenario.scenario_from_dict`).
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sim.errors import ConfigError
from sim.priors import EVIDENCE
from sim.scenario import parse_as_of

#: Phrases that argue from the outcome of the winter 2021-22 back-test (Russia rejected the
#: written responses and invaded on 24 February 2022). A back-test's rationale may not contain
#: any of them (case-insensitive). Short and explicit on purpose: it catches the usual ways of
#: writing the outcome into a prior; a reviewer still reads every rationale.
OUTCOME_PHRASES = (
    "later invaded",
    "invaded on 24 february",
    "invasion of 24 february",
    "24 february 2022",
    "24 feb 2022",
    "rejected the",
    "rejected a no-concession",
    "went to war",
)
JUDGEMENT = "modeller's judgement"  # how an assumption's rationale, and a citation of no document, start


class EvidenceError(Exception):
    """The sources table or the ledger of verified quotes cannot be used; ``str()`` is one line."""


def evidence_dir() -> Path:
    """``scenarios/evidence``: the sources table and the ledger of verified quotes."""
    from hydra_plugins.negsim_scenarios import BUNDLED

    return BUNDLED / "evidence"


def sources_table_path() -> Path:
    return evidence_dir() / "sources.yaml"


def ledger_path() -> Path:
    return evidence_dir() / "verified_quotes.yaml"


def sources_dir() -> Path:
    """Where the source texts are: ``$NEGSIM_SOURCES``, default ``<repo>/../shared/sources``."""
    from hydra_plugins.negsim_scenarios import BUNDLED

    configured = os.environ.get("NEGSIM_SOURCES")
    return Path(configured).expanduser() if configured else BUNDLED.parent.parent / "shared" / "sources"


# --- the sources table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One entry of the sources table."""

    key: str
    citation: str
    date: datetime.date
    url: str = ""
    file: str = ""  # the file name in shared/sources, for a document kept there
    cited_as: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The strings by which a citation names this source."""
        return tuple(n for n in (self.key, self.file, self.citation, *self.cited_as) if n)


def _read_mapping(path: Path, what: str) -> dict:
    """A YAML file that must hold one mapping (``what`` says of what, for the error)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise EvidenceError(f"{path}: cannot be read ({error.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: must map {what}")
    return data


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """The sources table: key -> :class:`Source`; every entry needs a citation and a date."""
    path = path or sources_table_path()
    data = _read_mapping(path, "each source's key to its citation and date")
    table = {}
    for key, entry in data.items():
        where = f"{path}: {key}"
        if not isinstance(entry, dict):
            raise EvidenceError(f"{where}: must be a mapping with citation and date")
        citation = str(entry.get("citation") or "").strip()
        if not citation:
            raise EvidenceError(f"{where}: needs a citation (author, title, outlet, date)")
        try:
            date = parse_as_of(entry.get("date"), "date")
        except ConfigError:
            raise EvidenceError(f"{where}: needs a date written YYYY-MM-DD (got {entry.get('date')!r})") from None
        cited_as = entry.get("cited_as") or []
        if isinstance(cited_as, str) or not all(isinstance(c, str) and c.strip() for c in cited_as):
            raise EvidenceError(f"{where}: cited_as must be a list of strings")
        table[str(key)] = Source(
            str(key), citation, date, str(entry.get("url") or ""), str(entry.get("file") or ""), tuple(cited_as)
        )
    return table


def split_citations(text: str) -> list[str]:
    """A ``source`` field's citations: split at ``;`` outside parentheses and brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char == ";" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def is_judgement(citation: str) -> bool:
    return citation.replace("’", "'").lower().startswith(JUDGEMENT)


def cited_sources(citation: str, table: dict[str, Source]) -> list[Source]:
    """The sources of the table that one citation names."""
    return [source for source in table.values() if any(name in citation for name in source.names())]


# --- the ledger of verified quotes ---------------------------------------------------------


def load_ledger(path: Path | None = None) -> dict[str, dict]:
    """file name -> {"sha256": ..., "phrases": set of phrases}; empty if there is no ledger."""
    path = path or ledger_path()
    if not path.is_file():
        return {}
    data = _read_mapping(path, "each source file to its sha256 and phrases")
    return {
        str(name): {"sha256": str((entry or {}).get("sha256") or ""), "phrases": set((entry or {}).get("phrases") or [])}
        for name, entry in data.items()
    }


def write_ledger(verified: dict[str, tuple[str, set[str]]], path: Path | None = None) -> Path:
    """Write the ledger: file name -> (sha256, phrases verified in it)."""
    path = path or ledger_path()
    lines = [
        "# Quotes of the bundled scenarios, each found verbatim (whitespace aside) in its source file,",
        "# with the SHA-256 of the file it was found in. Written by `negsim-scenarios audit --all",
        "# --record` where the source texts are present (NEGSIM_SOURCES, default ../shared/sources);",
        "# where they are absent, the audit checks each quote against this list. Do not edit by hand.",
    ]
    data = {name: {"sha256": sha, "phrases": sorted(phrases)} for name, (sha, phrases) in sorted(verified.items())}
    text = "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def squash(text: str) -> str:
    """Whitespace runs as one space (a quote may wrap where the document does not)."""
    return " ".join(text.split())


class QuoteChecker:
    """Finds quotes in the source texts where they are present, else in the ledger; remembers
    what it read (for ``--record``) and how it checked (for the report)."""

    def __init__(self, directory: Path, ledger: dict[str, dict]) -> None:
        self.directory = directory
        self.ledger = ledger
        self.texts: dict[str, str | None] = {}
        self.digests: dict[str, str] = {}
        self.found: dict[str, set[str]] = {}  # file -> phrases found in the text itself
        self.read: set[str] = set()
        self.from_ledger: set[str] = set()

    def text(self, name: str) -> str | None:
        if name not in self.texts:
            path = self.directory / name
            if path.is_file():
                raw = path.read_bytes()
                self.digests[name] = hashlib.sha256(raw).hexdigest()
                self.texts[name] = squash(raw.decode("utf-8"))
            else:
                self.texts[name] = None
        return self.texts[name]

    def check(self, quote: str, files: list[str]) -> tuple[str | None, str]:
        """(the file the quote was verified in or None, how: "source" or "ledger" or a reason)."""
        phrase = squash(quote)
        absent = []
        for name in files:
            text = self.text(name)
            if text is not None:
                self.read.add(name)
                if phrase in text:
                    self.found.setdefault(name, set()).add(quote)
                    return name, "source"
            else:
                absent.append(name)
                if quote in self.ledger.get(name, {}).get("phrases", ()):
                    self.from_ledger.add(name)
                    return name, "ledger"
        present = [name for name in files if name not in absent]
        reasons = []
        if present:
            reasons.append(f"not found verbatim in {', '.join(present)} (read from {self.directory})")
        if absent:
            reasons.append(
                f"not in the ledger of verified quotes for {', '.join(absent)}, whose text is not at "
                f"{self.directory} (set NEGSIM_SOURCES)"
            )
        return None, "; ".join(reasons)


# --- the audit -----------------------------------------------------------------------------


@dataclass
class PriorRecord:
    path: str
    evidence: str
    quote: str
    sources: list[Source]


@dataclass
class Finding:
    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.message}" if self.path else f"{self.kind}: {self.message}"


@dataclass
class Audit:
    """The ledger of one scenario file."""

    file: Path
    name: str
    as_of: datetime.date | None
    backtest: bool
    priors: list[PriorRecord] = field(default_factory=list)
    violations: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    quotes: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # path, quote, file, how

    def quote_files(self) -> dict[str, str]:
        """file -> how its quotes were checked: "source" (its text was read) or "ledger"."""
        out: dict[str, str] = {}
        for _, _, found, how in self.quotes:
            if found is not None:
                out[found] = "source" if how == "source" or out.get(found) == "source" else how
        return dict(sorted(out.items()))

    def by_evidence(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {kind: [] for kind in EVIDENCE}
        for prior in self.priors:
            out.setdefault(prior.evidence or "(none)", []).append(prior.path)
        return out

    def sources(self) -> dict[str, tuple[Source, list[str]]]:
        """key -> (source, the paths of the priors citing it), by date."""
        out: dict[str, tuple[Source, list[str]]] = {}
        for prior in self.priors:
            for source in prior.sources:
                out.setdefault(source.key, (source, []))[1].append(prior.path)
        return dict(sorted(out.items(), key=lambda kv: (kv[1][0].date, kv[0])))


def prior_nodes(data: dict) -> dict[str, dict]:
    """Every prior of a scenario's plain data (a mapping with ``dist``), by dotted path."""
    found: dict[str, dict] = {}

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            if "dist" in node:
                found[path] = node
                return
            for key, child in node.items():
                walk(child, f"{path}.{key}")

    for top in ("escalation", "actors"):
        if isinstance(data.get(top), dict):
            walk(data[top], top)
    return found


def audit_file(path: Path, table: dict[str, Source], checker: QuoteChecker) -> Audit:
    """Audit one scenario file (see the module docstring)."""
    from sim.configure import check_scenario_structure  # noqa: PLC0415 (OmegaConf, when first needed)
    from sim.scenario import scenario_from_dict  # noqa: PLC0415

    from sim.scenario_file import load  # noqa: PLC0415

    try:
        data = load(path)  # plain data only (no anchors, no ${...}), size-bounded
    except ConfigError as error:
        audit = Audit(path, path.stem, None, False)
        audit.violations.append(Finding("invalid", "", f"{path} cannot be read as a scenario file ({error.reason})"))
        return audit
    if not isinstance(data, dict):
        audit = Audit(path, path.stem, None, False)
        audit.violations.append(Finding("invalid", "", f"{path} must hold a YAML mapping (a scenario)"))
        return audit
    backtest = data.get("backtest") is True
    audit = Audit(path, str(data.get("name") or path.stem), None, backtest)
    try:
        audit.as_of = parse_as_of(data.get("as_of"), "as_of")
    except ConfigError as error:
        audit.violations.append(Finding("as_of", "as_of", f"{error.reason} (got {error.value!r})"))
    flagged: set[str] = set()

    def violation(kind: str, where: str, message: str) -> None:
        audit.violations.append(Finding(kind, where, message))
        flagged.add(where)

    for where, node in prior_nodes(data).items():
        evidence = node.get("evidence")
        rationale = str(node.get("rationale") or "").strip()
        source_text = str(node.get("source") or "").strip()
        quote = str(node.get("quote") or "").strip()
        targets = str(node.get("targets") or "").strip()
        if not rationale:
            violation("missing-rationale", where, "every prior needs a rationale")
        if not source_text:
            violation("missing-source", where, "every prior needs a source")
        if evidence not in EVIDENCE:
            violation("evidence", where, f"evidence must be one of {list(EVIDENCE)} (got {evidence!r})")
        sources: list[Source] = []
        for citation in split_citations(source_text):
            if is_judgement(citation):
                continue
            named = cited_sources(citation, table)
            if not named:
                violation("unknown-source", where, f"cites {citation!r}, which is not in {sources_table_path().name} (so it has no date)")
            sources += [s for s in named if s not in sources]
        audit.priors.append(PriorRecord(where, str(evidence or ""), quote, sources))
        if audit.as_of is not None and backtest:
            for source in sources:
                if source.date > audit.as_of:
                    violation(
                        "late-source", where,
                        f"cites {source.key} ({source.citation}), dated {source.date}, after as_of {audit.as_of} "
                        "(a back-test may use only what was known on as_of)",
                    )  # fmt: skip
        if backtest:
            for text, label in ((rationale, "rationale"), (targets, "targets")):
                hits = [phrase for phrase in OUTCOME_PHRASES if phrase in text.lower()]
                if hits:
                    violation("outcome-argument", where, f"its {label} argues from the tested outcome ({hits[0]!r})")
        files = [s.file for s in sources if s.file]
        if evidence == "quote":
            if not quote:
                violation("missing-quote", where, "a quote prior needs a quote")
            elif not files:
                violation("quote-source", where, "a quote prior's source must name a document of shared/sources")
            else:
                found, how = checker.check(quote, files)
                audit.quotes.append((where, quote, found, how))
                if found is None:
                    violation("quote-not-found", where, f"{quote!r} {how}")
                elif how == "source" and quote not in checker.ledger.get(found, {}).get("phrases", ()):
                    audit.notes.append(Finding(
                        "not-recorded", where,
                        f"{quote!r} is in {found} but not yet in the ledger of verified quotes "
                        "(run negsim-scenarios audit --all --record)",
                    ))  # fmt: skip
        if evidence == "calibrated" and not targets:
            violation("missing-targets", where, "a calibrated prior records the targets it was fitted to")
        if evidence == "assumption" and JUDGEMENT not in rationale.replace("’", "'").lower():
            violation("assumption", where, "an assumption's rationale must say it is the modeller's judgement")
        if evidence == "external" and sources and all(s.file for s in sources):
            violation("external", where, "an external prior must cite a source outside shared/sources (else quote it)")
    try:
        if data.get("name") != path.stem:
            raise ConfigError("scenario.name", data.get("name"), f"must equal the file name without .yaml ({path.stem!r})")
        scenario_from_dict(check_scenario_structure(data))
    except ConfigError as error:
        field_path = error.field.removeprefix("scenario.")
        if not any(field_path == p or field_path.startswith(p + ".") for p in flagged):
            audit.violations.append(Finding("invalid", field_path, f"{error.reason} (got {error.value!r})"))
    return audit
