"""Records due for disposal, every page, as one typed DataFrame.

>>> due = opus.due_records(before="2026-01-01")              # after opus.login(..., connection=conn)  # doctest: +SKIP
>>> due.groupby("termFullPath").size()                                                               # doctest: +SKIP

The built-in columns are always there; date-times are parsed (the documented sample's trailing
spaces are fine). Custom columns the server sends come, with a known connection, under their
display names, typed: choice orders become
option names (several choices a tuple of names), people a tuple of addresses, numbers
numbers. An empty result (204 included) is an empty frame with the same columns. A paging
token that repeats raises `PagingError` instead of looping.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from opus_nb._errors import OpusHTTPError, PagingError
from opus_nb.client._answers import due_items, paging_token
from opus_nb.client._client import OpusClient
from opus_nb.jobs._signin import current_client, current_connection
from opus_nb.records._columns import BUILTIN_COLUMNS, Column, ColumnType
from opus_nb.records._connection import Connection
from opus_nb.records._dates import read_moment
from opus_nb.records._distinct import map_distinct

__all__ = ["due_records", "format_due_date", "to_frame"]

_TIME_COLUMNS = ("timeCreated", "timeModified")
_DUE_DATE = "disposalDueDate"
_BRACKETS = re.compile(r"^\s*\[(.*)\]\s*$")


def format_due_date(before: str | dt.date | pd.Timestamp, fmt: str) -> str:
    """``before`` in the tenant's date-time format.

    >>> format_due_date("2026-01-01", "%Y-%m-%d %H:%M:%S")
    '2026-01-01 00:00:00'
    """
    return read_moment(before, "before").strftime(fmt)


def due_records(
    connection: Connection | None = None,
    *,
    before: str | dt.date | pd.Timestamp,
    page_size: int = 100,
    progress: bool = True,
    client: OpusClient | None = None,
) -> pd.DataFrame:
    """Every record whose disposal due date is before ``before``, all pages, one DataFrame."""
    conn = current_connection(connection)
    if not 1 <= page_size <= 100:
        raise ValueError(f"page_size must be between 1 and 100, not {page_size}")
    due_date = format_due_date(before, conn.datetime_format)
    api = current_client(client)
    items: list[dict[str, Any]] = []
    token: str | None = None
    seen: set[str] = set()
    with tqdm(unit="record", desc="due records", disable=not progress) as bar:
        for page in range(1, 10**9):
            fields = {"id": conn.id, "disposalDueDate": due_date, "startIndex": token or "", "itemsPerPage": page_size}
            if api.api == "graph":
                reply = api.call("due", params=fields)
            else:
                reply = api.call("due", json=fields)
            if not reply.ok:
                raise OpusHTTPError(reply.status, reply.message, reply.url)
            batch = due_items(reply.body)
            items.extend(batch)
            bar.update(len(batch))
            token = paging_token(reply.body)
            if token is None or not batch:
                break
            if token in seen:
                raise PagingError(token, page)
            seen.add(token)
    return to_frame(items, conn)


def to_frame(items: list[dict[str, Any]], connection: Connection | None = None) -> pd.DataFrame:
    """Due-record items (as the API returns them) as a typed frame."""
    raw = pd.DataFrame.from_records(items) if items else pd.DataFrame()
    columns: list[Column] = list(connection.columns) if connection is not None else list(BUILTIN_COLUMNS)
    fmt = connection.datetime_format if connection is not None else None
    out: dict[str, pd.Series] = {}
    for col in columns:
        if not col.builtin and col.internal_name not in raw:
            continue
        values = raw[col.internal_name] if col.internal_name in raw else pd.Series([None] * len(raw), dtype=object)
        name = col.internal_name if col.builtin else col.display_name
        out[name] = _typed(col, values.reset_index(drop=True), fmt)
    known = {c.internal_name for c in columns}
    for extra in (c for c in raw.columns if c not in known):
        values = raw[extra].reset_index(drop=True)
        out[str(extra)] = _datetimes(values, fmt) if str(extra).lower() == _DUE_DATE.lower() else values
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def _typed(col: Column, values: pd.Series, fmt: str | None) -> pd.Series:
    if col.type is ColumnType.DATETIME:
        return _datetimes(values, fmt)
    if col.type is ColumnType.NUMBER:
        return pd.to_numeric(values, errors="coerce").astype("Float64")
    if col.type is ColumnType.SINGLE_CHOICE and col.choices:
        return _map_unique(values, lambda v: _option(col, v)).astype("string")
    if col.type is ColumnType.MULTIPLE_CHOICE and col.choices:
        return _map_unique(values, lambda v: tuple(_option(col, x) for x in _split(v)))
    if col.type is ColumnType.PEOPLE_OR_GROUP:
        return _map_unique(values, lambda v: tuple(_split(v)))
    return values.astype("string")


def _datetimes(values: pd.Series, fmt: str | None) -> pd.Series:
    text = values.astype("string").str.strip().replace("", pd.NA)
    if fmt is not None:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if not (parsed.isna() & text.notna()).any():
            return parsed.astype("datetime64[ns]")
    return pd.to_datetime(text, format="mixed", errors="coerce").astype("datetime64[ns]")


def _map_unique(values: pd.Series, convert: Any) -> pd.Series:
    """``convert`` of each value's text, once per distinct value; blanks stay None."""
    converted, _ = map_distinct(values.astype(object), lambda v: None if _blank(v) else convert(str(v)))
    return pd.Series(converted, index=values.index, dtype=object)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def _split(value: str) -> list[str]:
    match = _BRACKETS.match(value)
    inner = match.group(1) if match else value
    return [part.strip() for part in inner.split(",") if part.strip()]


def _option(col: Column, value: str) -> str:
    """An option order (1-based) as its name; anything else is kept as it came."""
    assert col.choices is not None
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= len(col.choices):
        return col.choices[int(text) - 1]
    return text
