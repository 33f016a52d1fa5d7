"""Before sending: each input row becomes a wire record, or a reason why it will not be sent.

>>> prepared = prepare(df, conn)                       # doctest: +SKIP
>>> prepared.records[0]["rowKey"], prepared.reasons    # doctest: +SKIP
('INV-0001', {7: 'Created time: ...'})

Rows are addressed by position (0..n-1), so a frame with a repeated index works too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opus_nb.records._blank import blank_as_missing, is_blank
from opus_nb.records._cells import INT_RANGE, utf8_encodable
from opus_nb.records._connection import Connection
from opus_nb.records._encode import Encoded, Records, encode_text
from opus_nb.records._headers import map_headers
from opus_nb.records._report import ValidationReport
from opus_nb.records._validate import validate as validate_frame

__all__ = ["Prepared", "prepare", "prepare_report"]


@dataclass(frozen=True)
class Prepared:
    """Row labels and keys of every input row; records of the rows to send; reasons for the rest.

    A valid row's key is the one it is sent with (cleaned by validation); an invalid row's, as typed.
    The records are made a block at a time as they are first read (see `Records`).
    """

    labels: list[Hashable]
    row_keys: list[str | None]
    records: Records
    reasons: dict[int, str]

    @property
    def n_rows(self) -> int:
        return len(self.labels)


def _row_keys(work: pd.DataFrame, connection: Connection, rename: Mapping[Hashable, str] | None) -> list[str | None]:
    header = next((h for h, name in map_headers(work.columns, connection, rename).columns.items() if name == "rowKey"), None)
    if header is None:
        return [None] * len(work)
    column = work[header]
    if _arrow_text(column):  # a blank key (missing, empty or spaces only) is None, as the validator reads it
        blanks = blank_as_missing(column).isna().tolist()
        return [None if blank else v for v, blank in zip(column.tolist(), blanks, strict=True)]
    return [None if is_blank(v) else _key_text(v) for v in column.tolist()]


def _arrow_text(column: pd.Series) -> bool:
    """Whether the column is pyarrow text: UTF-8 already, so no cell holds a lone surrogate."""
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def _key_text(value: Any) -> str:
    """A row key as the results show it; a character no UTF-8 text can hold (a lone surrogate) is escaped."""
    text = str(value)
    return text if utf8_encodable(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def prepare(
    df: pd.DataFrame,
    connection: Connection,
    *,
    validate: bool = True,
    rename: Mapping[Hashable, str] | None = None,
    dayfirst: bool = False,
    api: str = "graph",
) -> Prepared:
    """Validate and encode ``df`` (``rename``, ``dayfirst`` and ``api``, the API generation whose rules
    apply: see `opus_nb.validate`); ``validate=False`` takes its non-blank cells as they are (only
    values that JSON cannot carry keep a row back, with the reason)."""
    work = df.reset_index(drop=True)
    keys = _row_keys(work, connection, rename)
    if not validate:
        return Prepared(df.index.tolist(), keys, *_raw_records(work, connection, rename))
    return prepare_report(validate_frame(work, connection, rename=rename, dayfirst=dayfirst, api=api), df.index, keys)


def prepare_report(
    report: ValidationReport,
    labels: pd.Index | None = None,
    keys: list[str | None] | None = None,
    *,
    datetime_format: str | None = None,
) -> Prepared:
    """The rows of a report as they will go: the valid rows' records (not validated again; date-times
    in ``datetime_format``, default the connection's), and each invalid row's reason. ``labels`` and
    ``keys`` (as typed) default to the report's own."""
    records = report.records(datetime_format=datetime_format)
    keys = list(keys) if keys is not None else report.row_keys()
    sent_key = records.column("rowKey")
    for pos in records:
        keys[pos] = None if sent_key is None or sent_key.blank[pos] else str(sent_key.values[pos])
    labels = report.labels if labels is None else labels
    return Prepared(labels.tolist(), keys, records, report.row_reasons())


def _raw_records(
    work: pd.DataFrame, connection: Connection, rename: Mapping[Hashable, str] | None
) -> tuple[Records, dict[int, str]]:
    """Records of the non-blank cells as JSON values, and the rows with a cell JSON cannot carry, with why."""
    mapping = map_headers(work.columns, connection, rename).columns
    encoded: dict[str, Encoded] = {}
    reasons: dict[int, str] = {}
    for header, name in mapping.items():
        values, blank, unsendable = _json_column(work[header])
        encoded[name] = Encoded(values, blank)
        for pos, why in unsendable:
            reasons.setdefault(pos, f"not sendable: {name}: {why}")
    positions = np.array([p for p in range(len(work)) if p not in reasons], dtype=np.int64)
    return Records(encoded, positions), reasons


def _json_column(column: pd.Series) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """A column's cells as JSON values, where it is blank, and the positions JSON cannot carry (with why).

    Numbers, booleans and text of their own dtype go as they are (an infinite float is held back;
    pyarrow text is made Python text as the encoder makes it, see `encode_text`);
    date-times go as ISO 8601 text; an object column is looked at cell by cell (see `_json_value`).
    """
    if _arrow_text(column):
        return *encode_text(column), []
    blank = column.isna().to_numpy(dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.map(lambda t: t.isoformat(), na_action="ignore").to_numpy(dtype=object), blank, []
    values = column.to_numpy(dtype=object, copy=True)
    if pd.api.types.is_float_dtype(column.dtype):
        infinite = np.flatnonzero(np.isinf(column.to_numpy(dtype="float64", na_value=np.nan))).tolist()
        return values, blank, [(pos, f"{values[pos]!r} is not a finite number") for pos in infinite]
    if column.dtype != object:
        return values, blank, []
    unsendable = []
    for pos in np.flatnonzero(~blank).tolist():
        try:
            values[pos] = _json_value(values[pos])
        except _Unsendable as exc:
            unsendable.append((pos, str(exc)))
    return values, blank, unsendable


class _Unsendable(ValueError):
    """Why one cell cannot be sent as JSON."""


def _json_value(value: Any, *, in_list: bool = False) -> Any:
    """``value`` as a JSON-native value (numpy scalars as Python ones, date-times as ISO text), or `_Unsendable`.

    >>> _json_value(np.float64(1.5)), _json_value(pd.Timestamp("2021-03-04 10:30")), _json_value((1, "a"))
    (1.5, '2021-03-04T10:30:00', [1, 'a'])
    """
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else bool(value)
    if isinstance(value, str):
        if not utf8_encodable(value):
            raise _Unsendable(f"text with a lone surrogate cannot be sent as JSON ({value!r})")
        return value
    if isinstance(value, int | np.integer):
        number = int(value)
        if not INT_RANGE[0] <= number < INT_RANGE[1]:
            raise _Unsendable(f"{number} is beyond the 64-bit whole numbers JSON readers accept")
        return number
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise _Unsendable(f"{value!r} is not a finite number")
        return float(value)
    if isinstance(value, dt.date | np.datetime64):
        stamp = pd.Timestamp(value) if isinstance(value, np.datetime64) else value
        return None if stamp is pd.NaT else stamp.isoformat()
    if isinstance(value, list | tuple) and not in_list:
        return [_json_value(item, in_list=True) for item in value]
    raise _Unsendable(f"a {type(value).__name__} cannot be sent as JSON")
