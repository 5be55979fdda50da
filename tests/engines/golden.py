"""Digests of every bundled scenario's outcome table under every protocol (the "outcomes are
unchanged" guard of a refactor).

``python -m tests.engines.golden`` rewrites ``tests/data/outcome_digests.json``. Do that only
for a deliberate change of the model, and say in the commit which outcomes changed and why.
A digest covers every column of ``outcomes.parquet`` (name, type and values, in order); the
file's metadata (version, config text) is left out so that a new config key alone does not
count as a change of outcomes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
DIGESTS = REPO / "tests" / "data" / "outcome_digests.json"
DIGESTS_0_1 = REPO / "tests" / "data" / "outcome_digests_0_1.json"  # negsim 0.1, never regenerated
SCENARIOS_0_1 = REPO / "tests" / "data" / "scenarios_0_1"  # its scenario files
NEW_COLUMNS = ("aftermath", "red_line_held")  # outcome columns 0.1 did not have
N_RUNS = 3_000
SEED = 0
PROTOCOLS = {
    "single_text": {"name": "single_text", "max_rounds": 12},
    "ultimatum": {"name": "ultimatum", "max_rounds": 1},
    "alternating": {"name": "alternating", "max_rounds": 12},
    "single_text_continue": {"name": "single_text", "max_rounds": 12, "continue_after_invasion": True},
}


def table_digest(path: Path, exclude: tuple[str, ...] = ()) -> str:
    """SHA-256 over each column's name, Arrow type and values (categoricals as their labels),
    leaving out the columns named in ``exclude`` (prefixes)."""
    table = pq.read_table(path)
    digest = hashlib.sha256()
    for name in table.column_names:
        if name.startswith(exclude):
            continue
        column = table.column(name).combine_chunks()
        digest.update(name.encode() + b"\0" + str(column.type).encode() + b"\0")
        if hasattr(column, "dictionary"):
            labels = column.dictionary.to_pylist()
            indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
            valid = column.is_valid().to_numpy(zero_copy_only=False)
            text = "\n".join(labels[i] if ok else "<null>" for i, ok in zip(indices, valid))
            digest.update(text.encode())
        else:
            digest.update(np.ascontiguousarray(column.to_numpy(zero_copy_only=False)).tobytes())
    return digest.hexdigest()


def cases() -> list[tuple[str, str]]:
    names = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
    return [(scenario, protocol) for scenario in names for protocol in PROTOCOLS]


def compute(
    scenario: str, protocol: str, engine: str = "batch", n_runs: int = N_RUNS, overrides=(), exclude=(),
    protocol_keys: dict | None = None,
) -> str:
    """The digest of ``negsim scenario=S protocol=P mc.n_runs=N mc.seed=0 <overrides>``."""
    from sim.api import run  # noqa: PLC0415 (the public entry point, imported late)

    with tempfile.TemporaryDirectory() as tmp:
        run(
            scenario, protocol={**PROTOCOLS[protocol], **(protocol_keys or {})}, engine=engine, n_runs=n_runs,
            seed=SEED, save_to=Path(tmp), overrides=overrides,
        )  # fmt: skip
        return table_digest(Path(tmp) / "outcomes.parquet", exclude)


def compute_0_1(scenario: str, protocol: str, engine: str = "batch", n_runs: int = N_RUNS) -> str:
    """The digest of a 0.1 scenario file under this code with the model features 0.1 lacked
    switched off (no mediator anticipating ratification; the file has no red lines and no
    aftermath), over 0.1's columns: equal to 0.1's digest iff the old model is reproduced."""
    import yaml  # noqa: PLC0415

    from sim.montecarlo import MonteCarlo, run_monte_carlo  # noqa: PLC0415
    from sim.protocols import Protocol  # noqa: PLC0415
    from sim.scenario import scenario_from_dict  # noqa: PLC0415

    data = yaml.safe_load((SCENARIOS_0_1 / f"{scenario}.yaml").read_text(encoding="utf-8"))
    built = scenario_from_dict(with_as_of(with_evidence(data)))
    keys = PROTOCOLS[protocol]
    rules = Protocol(keys["name"], keys["max_rounds"], keys.get("continue_after_invasion", False), "us", False)
    with tempfile.TemporaryDirectory() as tmp:
        run_monte_carlo(built, rules, engine, MonteCarlo(n_runs=n_runs, seed=SEED), Path(tmp))
        return table_digest(Path(tmp) / "outcomes.parquet", NEW_COLUMNS)


def with_evidence(node):
    """0.1's priors carried no ``evidence``; mark them ``assumption`` where the schema asks."""
    import dataclasses  # noqa: PLC0415

    from sim.config import PriorConf  # noqa: PLC0415

    if "evidence" not in {f.name for f in dataclasses.fields(PriorConf)}:
        return node
    if isinstance(node, dict):
        if "dist" in node and "evidence" not in node:
            node = {**node, "evidence": "assumption"}
        return {key: with_evidence(value) for key, value in node.items()}
    return node


def with_as_of(data: dict) -> dict:
    """0.1's files had no ``as_of``; give them the day of the written responses where the schema
    asks for one (as_of enters no outcome)."""
    import dataclasses  # noqa: PLC0415

    from sim.config import ScenarioConf  # noqa: PLC0415

    if "as_of" in {f.name for f in dataclasses.fields(ScenarioConf)} and "as_of" not in data:
        return {**data, "as_of": "2022-01-26"}
    return data


def main() -> None:
    digests = {f"{scenario}/{protocol}": compute(scenario, protocol) for scenario, protocol in cases()}
    DIGESTS.parent.mkdir(parents=True, exist_ok=True)
    DIGESTS.write_text(json.dumps({"n_runs": N_RUNS, "seed": SEED, "digests": digests}, indent=2) + "\n")
    print(f"wrote {len(digests)} digests to {DIGESTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
