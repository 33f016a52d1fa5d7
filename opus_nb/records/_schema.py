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

from opus_nb.records._cells import parse_column
from opus_nb.records._columns import Column, ColumnType

if TYPE_CHECKING:
    from opus_nb.records._connection import Connection

__all__ = ["RULES", "build_schema"]

#: Every rule a report can name, with what it means to an analyst.
RULES: dict[str, str] = {
    "required": "a value is required",
    "unique": "the row key must be unique",
    "text": "must be text (a row key: text or a whole number), with no lone surrogate character",
    "single_line": "must be a single line of text",
    "datetime": "not a date-time",
    "datetime_ambiguous": "ambiguous date: day and month could be either way round",
    "modified_before_created": "modified time is earlier than created time",
    "number": "not a number",
    "finite": "must be a finite number",
    "number_range": "a whole number beyond the 64-bit range JSON readers take",
    "choice": "not one of the options",
    "choices": "has an entry that is not one of the options",
    "email": "not an email address",
    "taxonomy_path": "a '/' separated path must have no blank part",
    "taxonomy_term": "not a known classification term",
    "missing_column": "a required column is missing from the sheet",
    "unknown_column": "the column matches no column of the connection",
    "duplicate_column": "several columns of the sheet match the same column of the connection",
}

_TYPE_RULES: dict[ColumnType, tuple[str, ...]] = {
    ColumnType.SINGLE_TEXT: ("text", "single_line"),
    ColumnType.MULTIPLE_TEXT: ("text",),
    ColumnType.DATETIME: ("datetime", "datetime_ambiguous"),
    ColumnType.NUMBER: ("number", "finite", "number_range"),
    ColumnType.SINGLE_CHOICE: ("choice",),
    ColumnType.MULTIPLE_CHOICE: ("choices",),
    ColumnType.PEOPLE_OR_GROUP: ("email",),
    ColumnType.TAXONOMY: ("text", "taxonomy_path", "taxonomy_term"),
}


class _Ledger(threading.local):
    """What the parsers of one schema found, for its checks to report (one per thread)."""

    def __init__(self, dayfirst: bool = False) -> None:
        self.dayfirst = dayfirst
        self.masks: dict[tuple[str, str], np.ndarray] = {}
        self.created: pd.Series | None = None

    def parser(self, column: Column, terms: frozenset[str] | None) -> pa.Parser:
        def parse(raw: pd.Series) -> pd.Series:
            parsed = parse_column(column, raw, terms, dayfirst=self.dayfirst)
            for rule, mask in parsed.failures.items():
                self.masks[(column.internal_name, rule)] = mask
            if column.internal_name == "timeCreated":
                self.created = parsed.values
            return parsed.values

        return pa.Parser(parse, name=f"read {column.type.value}")

    def check(self, column: Column, rule: str) -> pa.Check:
        key = (column.internal_name, rule)

        def passes(values: pd.Series) -> pd.Series:
            mask = self.masks.pop(key, None)
            if mask is None or len(mask) != len(values):
                return pd.Series(True, index=values.index)
            return pd.Series(~mask, index=values.index)

        return pa.Check(passes, name=rule, error=RULES[rule], ignore_na=False)

    def modified_after_created(self) -> pa.Check:
        """On Modified time: not earlier than Created time (read just before, see `build_schema`)."""

        def passes(modified: pd.Series) -> pd.Series:
            created, self.created = self.created, None
            if created is None or len(created) != len(modified) or not pd.api.types.is_datetime64_any_dtype(modified):
                return pd.Series(True, index=modified.index)
            return pd.Series(~(modified.to_numpy() < created.to_numpy()), index=modified.index)

        return pa.Check(passes, name="modified_before_created", error=RULES["modified_before_created"], ignore_na=False)


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
            rules = ("text", "taxonomy_path")
        checks = [ledger.check(col, rule) for rule in rules]
        if col.internal_name == "timeModified" and "timeCreated" in present:
            checks.append(ledger.modified_after_created())
        columns[col.internal_name] = pa.Column(
            None,
            parsers=ledger.parser(col, connection.term_paths),
            checks=checks,
            nullable=not col.required,
            unique=col.internal_name == "rowKey",
            required=col.required,
            title=col.display_name,
            description=col.type.value,
        )
    return pa.DataFrameSchema(columns, strict=True, name=f"opus connection {connection.id}")
