"""Before sending: each input row becomes a wire record, or a reason why it will not be sent.

>>> prepared = prepare(df, conn)                       # doctest: +SKIP
>>> prepared.records[0]["rowKey"], prepared.reasons    # doctest: +SKIP
('INV-0001', {7: 'Created time: ...'})

Rows are addressed by position (0..n-1), so a frame with a repeated index works too.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opus_nb.connection import Connection
from opus_nb.encode import assemble
from opus_nb.headers import map_headers
from opus_nb.validation import validate as validate_frame

__all__ = ["Prepared", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """Row labels and keys of every input row; records of the rows to send; reasons for the rest.

    A valid row's key is the one it is sent with (cleaned by validation); an invalid row's, as typed.
    """

    labels: list[Hashable]
    row_keys: list[str | None]
    records: dict[int, dict[str, Any]]
    reasons: dict[int, str]

    @property
    def n_rows(self) -> int:
        return len(self.labels)


def _row_keys(work: pd.DataFrame, connection: Connection, rename: Mapping[Hashable, str] | None) -> list[str | None]:
    header = next((h for h, name in map_headers(work.columns, connection, rename).columns.items() if name == "rowKey"), None)
    if header is None:
        return [None] * len(work)
    column = work[header]
    return [None if blank else str(v) for v, blank in zip(column.tolist(), column.isna().tolist(), strict=True)]


def prepare(
    df: pd.DataFrame,
    connection: Connection,
    *,
    validate: bool = True,
    rename: Mapping[Hashable, str] | None = None,
) -> Prepared:
    """Validate and encode ``df``; ``validate=False`` takes its non-blank cells as they are
    (only values that JSON cannot carry keep a row back, with the reason)."""
    work = df.reset_index(drop=True)
    keys = _row_keys(work, connection, rename)
    if not validate:
        return Prepared(df.index.tolist(), keys, *_raw_records(work, connection, rename))
    report = validate_frame(work, connection, rename=rename)
    records: dict[int, dict[str, Any]] = {}
    for labels, chunk in report.batches(10_000):
        records.update(zip((int(p) for p in labels), chunk, strict=True))
    reasons: dict[int, str] = {}
    errors = report.errors
    sheet_level = errors[errors["row"].isna()]
    general = "; ".join(f"{c}: {m}" for c, m in zip(sheet_level["column"], sheet_level["message"], strict=True))
    for row, group in errors.dropna(subset=["row"]).groupby("row", sort=False):
        reasons[int(row)] = "invalid: " + "; ".join(f"{c}: {m}" for c, m in zip(group["column"], group["message"], strict=True))
    for pos, record in records.items():
        keys[pos] = None if record.get("rowKey") is None else str(record["rowKey"])
    for pos in range(len(work)):
        if pos not in records and pos not in reasons:
            reasons[pos] = "invalid: " + (general or "did not pass validation")
    return Prepared(df.index.tolist(), keys, records, reasons)


def _raw_records(
    work: pd.DataFrame, connection: Connection, rename: Mapping[Hashable, str] | None
) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """Records of the non-blank cells as they are, and the rows that JSON cannot carry, with why."""
    mapping = map_headers(work.columns, connection, rename).columns
    columns = {name: work[header].astype(object).to_numpy() for header, name in mapping.items()}
    blanks = {name: work[header].isna().to_numpy() for header, name in mapping.items()}
    reasons: dict[int, str] = {}
    for header, name in mapping.items():
        for pos, why in _unsendable(work[header], columns[name], blanks[name]):
            reasons.setdefault(pos, f"not sendable: {name}: {why}")
    positions = np.array([p for p in range(len(work)) if p not in reasons], dtype=np.int64)
    records = {int(p): record for chunk, batch in assemble(columns, blanks, positions, 10_000)
               for p, record in zip(chunk, batch, strict=True)}
    return records, reasons


def _unsendable(column: pd.Series, values: np.ndarray, blank: np.ndarray) -> Iterator[tuple[int, str]]:
    """Positions whose value JSON cannot carry: infinite numbers, and whole numbers beyond 64 bits."""
    if pd.api.types.is_float_dtype(column.dtype):
        for pos in np.flatnonzero(np.isinf(column.to_numpy(dtype="float64", na_value=np.nan))).tolist():
            yield pos, f"{values[pos]!r} is not a finite number"
    elif column.dtype == object:
        for pos in np.flatnonzero(~blank).tolist():
            value = values[pos]
            if isinstance(value, float) and not math.isfinite(value):
                yield pos, f"{value!r} is not a finite number"
            elif isinstance(value, int) and not -(2**63) <= value < 2**64:
                yield pos, f"{value} is beyond the 64-bit whole numbers JSON readers accept"
