"""The outcomes table of a run directory, streamed chunk by chunk.

It is written under a temporary name and renamed into place when complete (:mod:`sim.atomic`),
so a run that is killed leaves no complete-looking ``outcomes.parquet``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim import atomic
from sim.core.enums import STATUS_NAMES
from sim.engines.outcomes import Outcomes
from sim.parameters import column
from sim.scenario import Scenario


def _array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A numpy column as an Arrow array over its buffers (``valid``: False where missing).

    Not ``pa.array``: its first call imports pandas to check for pandas types, a third of a
    second of every ``negsim`` command that pandas is not otherwise needed for."""
    values = np.ascontiguousarray(values)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if values.dtype == np.bool_:  # Arrow packs booleans into bits
        return pa.Array.from_buffers(pa.bool_(), len(values), [bitmap, pa.py_buffer(np.packbits(values, bitorder="little"))])
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [bitmap, pa.py_buffer(values)])


def _strings(names: tuple[str, ...]) -> pa.Array:
    """Arrow UTF-8 strings from their bytes and offsets (see :func:`_array`)."""
    data = [name.encode("utf-8") for name in names]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in data])]).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])


def _categorical(codes: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    """Level/status/actor names stored once per column (Parquet dictionary encoding);
    a negative code is a missing value."""
    codes = np.asarray(codes, dtype=np.int8)
    mask = codes < 0
    indices = _array(np.where(mask, 0, codes).astype(np.int8), ~mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, _strings(names))


def outcomes_table(scenario: Scenario, outcomes: Outcomes, parameters: dict[str, np.ndarray]) -> pa.Table:
    """One typed row per run: the outcome, then every sampled parameter (EMA's experiments
    and outcomes in one table), so sensitivity analysis needs no re-run."""
    columns: dict[str, pa.Array] = {
        "run": _array(outcomes.runs),
        "status": _categorical(outcomes.status, STATUS_NAMES),
        "rounds": _array(outcomes.rounds),
        "highest_rung": _array(outcomes.highest_rung),
    }
    for i, item in enumerate(scenario.items):
        columns[item.name] = _categorical(outcomes.package[:, i], item.levels)
    for a, actor in enumerate(scenario.actor_names):
        columns[f"utility.{actor}"] = _array(outcomes.utility[:, a])
    for a, actor in enumerate(scenario.actor_names):
        columns[f"accepted.{actor}"] = _array(outcomes.accepted[:, a])
    columns["blocker"] = _categorical(outcomes.blocker, scenario.actor_names)
    columns["aftermath"] = _array(outcomes.aftermath)
    for a, actor in enumerate(scenario.actors):
        for i, item in enumerate(scenario.item_names):
            if item in actor.red_lines:
                columns[f"red_line_held.{actor.name}.{item}"] = _array(outcomes.red_lines_held[:, a, i])
    for path, values in parameters.items():
        columns[column(path)] = _array(values)
    return pa.table(columns)


class OutcomesWriter:
    """Appends chunk tables to ``outcomes.parquet.partial``; ``close()`` renames it."""

    def __init__(self, path: Path, metadata: dict[str, str]) -> None:
        self.path = Path(path)
        self._target = atomic.Replacement(self.path)
        self.partial = self._target.partial
        self.metadata = {k.encode(): v.encode() for k, v in metadata.items()}
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            schema = table.schema.with_metadata(self.metadata)
            self._writer = pq.ParquetWriter(self.partial, schema, compression="zstd")
        self._writer.write_table(table.replace_schema_metadata(self.metadata))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._target.commit()

    def abort(self) -> None:
        """Drop the partial file, even when closing it fails too (a full disk)."""
        try:
            if self._writer is not None:
                self._writer.close()
        except OSError:
            pass  # the error that stopped the run is the one to report
        finally:
            self._target.discard()
