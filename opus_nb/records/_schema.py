"""A connection as a pandera schema: a parser and the rules of each column.

>>> schema = conn.schema()                       # doctest: +SKIP
>>> schema.validate(frame_keyed_by_internal_names, lazy=True)   # doctest: +SKIP

Each column's parser reads the raw cells into canonical values (see `opus_nb.records._cells`). A cell
the parser could not read becomes blank, and the parser notes which rule it broke; that rule's
check then fails on exactly those cells. Parse first, check second: a bad value yields one
failure ("not a number"), never a crashed range check.

The notes live in a per-thread ledger owned by the schema, so one schema object may be used
from several threads; within a thread, run one `validate` at a time (as pandera does anyway).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pandera.pandas as pa

from opus_nb._errors import RuleCheckError
from opus_nb.records._cells import parse_column
from opus_nb.records._columns import Column, ColumnType
from opus_nb.records._rules import RULES, Rule

if TYPE_CHECKING:
    from opus_nb.records._connection import Connection

__all__ = ["RULES", "build_schema"]

_TYPE_RULES: dict[ColumnType, tuple[Rule, ...]] = {
    ColumnType.SINGLE_TEXT: (Rule.TEXT, Rule.SINGLE_LINE),
    ColumnType.MULTIPLE_TEXT: (Rule.TEXT,),
    ColumnType.DATETIME: (Rule.DATETIME, Rule.DATETIME_AMBIGUOUS),
    ColumnType.NUMBER: (Rule.NUMBER, Rule.FINITE, Rule.NUMBER_RANGE),
    ColumnType.SINGLE_CHOICE: (Rule.CHOICE,),
    ColumnType.MULTIPLE_CHOICE: (Rule.CHOICES,),
    ColumnType.PEOPLE_OR_GROUP: (Rule.EMAIL,),
    ColumnType.TAXONOMY: (Rule.TEXT, Rule.TAXONOMY_PATH, Rule.TAXONOMY_TERM),
}


class _Ledger(threading.local):
    """What the parsers of one schema found, for its checks to report (one per thread)."""

    def __init__(self, dayfirst: bool = False) -> None:
        self.dayfirst = dayfirst
        self.masks: dict[tuple[str, Rule], np.ndarray] = {}
        self.created: pd.Series | None = None

    def parser(self, column: Column, rules: tuple[Rule, ...], terms: frozenset[str] | None) -> pa.Parser:
        """Parses the column, keeping a mask for each of ``rules``; a parser that reports none for one
        of them, or failures of a rule the column does not check, is a `RuleCheckError`."""

        def parse(raw: pd.Series) -> pd.Series:
            parsed = parse_column(column, raw, terms, dayfirst=self.dayfirst)
            for rule in rules:
                self.masks[(column.internal_name, rule)] = _aligned(column, rule, parsed.failures.get(rule), len(raw))
            for rule, mask in parsed.failures.items():
                if rule not in rules and mask.any():
                    raise RuleCheckError(
                        column.internal_name, rule, "the parser reported failures of a rule the column does not check"
                    )
            if column.internal_name == "timeCreated":
                self.created = parsed.values
            return parsed.values

        return pa.Parser(parse, name=f"read {column.type.value}")

    def check(self, column: Column, rule: Rule) -> pa.Check:
        key = (column.internal_name, rule)

        def passes(values: pd.Series) -> pd.Series:
            return pd.Series(~_aligned(column, rule, self.masks.pop(key, None), len(values)), index=values.index)

        return pa.Check(passes, name=rule.value, error=RULES[rule], ignore_na=False)

    def modified_after_created(self) -> pa.Check:
        """On Modified time: not earlier than Created time (read just before, see `build_schema`)."""

        def passes(modified: pd.Series) -> pd.Series:
            created, self.created = self.created, None
            if created is None or len(created) != len(modified) or not pd.api.types.is_datetime64_any_dtype(modified):
                return pd.Series(True, index=modified.index)
            return pd.Series(~(modified.to_numpy() < created.to_numpy()), index=modified.index)

        rule = Rule.MODIFIED_BEFORE_CREATED
        return pa.Check(passes, name=rule.value, error=RULES[rule], ignore_na=False)


def _aligned(column: Column, rule: Rule, mask: np.ndarray | None, n: int) -> np.ndarray:
    """``mask`` if it covers the ``n`` cells; a missing or misaligned mask never passes silently."""
    if mask is None:
        raise RuleCheckError(column.internal_name, rule, "its parser reported no mask of the cells that break it")
    if len(mask) != n:
        raise RuleCheckError(column.internal_name, rule, f"its parser reported a mask of {len(mask)} cells for {n}")
    return mask


def build_schema(connection: Connection, *, dayfirst: bool = False) -> pa.DataFrameSchema:
    """The schema for frames whose columns are the connection's internal names (slash dates read
    day first with ``dayfirst=True``).

    pandera reads and checks the columns in this order, so Created time comes before Modified
    time, whose check compares the two.
    """
    ledger = _Ledger(dayfirst)
    ordered = sorted(connection.columns, key=lambda c: c.internal_name == "timeModified")
    present = {c.internal_name for c in ordered}
    columns = {}
    for col in ordered:
        rules = _TYPE_RULES[col.type]
        if col.type is ColumnType.TAXONOMY and not (col.internal_name == "termFullPath" and connection.terms is not None):
            rules = (Rule.TEXT, Rule.TAXONOMY_PATH)
        checks = [ledger.check(col, rule) for rule in rules]
        if col.internal_name == "timeModified" and "timeCreated" in present:
            checks.append(ledger.modified_after_created())
        columns[col.internal_name] = pa.Column(
            None,
            parsers=ledger.parser(col, rules, connection.term_paths),
            checks=checks,
            nullable=not col.required,
            unique=col.internal_name == "rowKey",
            required=col.required,
            title=col.display_name,
            description=col.type.value,
        )
    return pa.DataFrameSchema(columns, strict=True, name=f"opus connection {connection.id}")
