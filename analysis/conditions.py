"""Conditions on table columns, as written on the command line: ``surplus.ukraine>=0``,
``p_war<=0.10``, ``p_war<=10%``, ``zopa``, ``nato_membership!=permanent_ban``.

Hydra's override grammar does not allow ``<`` or ``>`` unquoted, so either quote the
override (``'subject_to=["p_war<=0.1"]'``) or use the word form ``p_war:le:0.1``
(``lt``, ``le``, ``gt``, ``ge``, ``eq``, ``ne``). The right-hand side is a number (``10%``
is 0.1), another column, or, for an item column, one of its level names.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import ConfigError

OPERATORS = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
WORDS = {"le": "<=", "ge": ">=", "lt": "<", "gt": ">", "eq": "==", "ne": "!="}
_SYMBOLIC = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")
_WORDY = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*[:\s]\s*(le|ge|lt|gt|eq|ne)\s*[:\s]\s*(\S+)\s*$")
_NAME = re.compile(r"^\s*(not\s+)?([A-Za-z_][\w.]*)\s*$")


@dataclass(frozen=True)
class Condition:
    text: str
    column: str
    op: str | None  # None: a boolean column (``negate`` for ``not column``)
    value: float | str | None = None
    rhs_column: str | None = None
    negate: bool = False

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        left = frame[self.column]
        if self.op is None:
            mask = left.astype(bool).to_numpy()
            return ~mask if self.negate else mask
        right = frame[self.rhs_column] if self.rhs_column is not None else self.value
        if isinstance(left.dtype, pd.CategoricalDtype):
            left = left.astype(str)
        return np.asarray(OPERATORS[self.op](left, right), dtype=bool)


def parse_condition(text: str, columns: dict[str, object], field: str) -> Condition:
    """Parse one condition against ``columns`` (name -> ``"number"``, ``"bool"`` or a tuple of
    allowed level names); raise ConfigError naming ``field`` on anything unknown."""
    text = str(text)
    match = _SYMBOLIC.match(text) or _WORDY.match(text)
    if match is None:
        name = _NAME.match(text)
        if name is None:
            raise ConfigError(
                field, text, "a condition is 'column<=value' (quote it) or 'column:le:value'"
            )
        column = name.group(2)
        _known(column, columns, field, text)
        if columns[column] != "bool":
            raise ConfigError(
                field,
                text,
                f"{column} is not true/false; compare it with a value, e.g. '{column}>=0.5'",
            )
        return Condition(text, column, None, negate=bool(name.group(1)))
    column, op, rhs = match.groups()
    op = WORDS.get(op, op)
    _known(column, columns, field, text)
    kind = columns[column]
    if isinstance(kind, tuple):
        if op not in ("==", "!="):
            raise ConfigError(
                field,
                text,
                f"{column} is an item: use == or != with one of its levels {list(kind)}",
            )
        if rhs not in kind:
            raise ConfigError(
                field, text, f"unknown level {rhs!r} of {column}; use one of {list(kind)}"
            )
        return Condition(text, column, op, value=rhs)
    if rhs in columns:
        if columns[rhs] != "number":
            raise ConfigError(field, text, f"{rhs} is not a number column")
        return Condition(text, column, op, rhs_column=rhs)
    try:
        value = float(rhs[:-1]) / 100 if rhs.endswith("%") else float(rhs)
    except ValueError:
        raise ConfigError(field, text, f"{rhs!r} is neither a number nor a column") from None
    return Condition(text, column, op, value=value)


def _known(column: str, columns: dict[str, object], field: str, text: str) -> None:
    if column not in columns:
        names = sorted(columns)
        shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
        raise ConfigError(field, text, f"unknown column {column!r}; use one of: {shown}")


def parse_conditions(texts, columns: dict[str, object], field: str) -> list[Condition]:
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [texts]
    return [parse_condition(text, columns, field) for text in texts]


def evaluate_all(conditions: list[Condition], frame: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for condition in conditions:
        mask &= condition.evaluate(frame)
    return mask
