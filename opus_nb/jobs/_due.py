"""Records due for disposal, every page, as one typed DataFrame.

>>> due = opus.due_records(before="2026-01-01")              # after opus.login(..., connection=conn)  # doctest: +SKIP
>>> due.groupby("termFullPath").size()                                                               # doctest: +SKIP

The built-in columns are always there; date-times are parsed (the documented sample's trailing
spaces are fine). Custom columns the server sends come, with a known connection, under their
display names and typed as `opus_nb.validate` types them, so that what was submitted comes back
equal: a choice order becomes its option name (several choices a tuple of names), people a
tuple of addresses, numbers float64 (whole numbers from 2**53 on as exact Python ints, in an
object column), date-times datetime64, text text. Each value is read as the JSON value it came
as, so a page with blanks reads as one without. An empty result (204 included) is an empty frame
with the same columns. A paging token that repeats raises `PagingError` instead of looping.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from opus_nb.client._client import OpusClient
from opus_nb.client._operations import DueQuery
from opus_nb.jobs._signin import current_client, current_connection, tenant_connection
from opus_nb.records._blank import is_blank
from opus_nb.records._columns import BUILTIN_COLUMNS, Column, ColumnType
from opus_nb.records._connection import Connection
from opus_nb.records._dates import read_moment

__all__ = ["due_records", "to_frame"]

_DUE_DATE = "disposalDueDate"
_BRACKETS = re.compile(r"^\s*\[(.*)\]\s*$", re.DOTALL)
_EXACT_LIMIT = 2**53


def due_records(
    connection: Connection | None = None,
    *,
    before: str | dt.date | pd.Timestamp,
    page_size: int = 100,
    progress: bool = True,
    client: OpusClient | None = None,
) -> pd.DataFrame:
    """Every record whose disposal due date is before ``before``, all pages, one DataFrame.

    ``connection``: whose records (default: the session's); its columns type the frame.
    ``before``: a date or date-time (text such as "2026-01-01" too). ``page_size``: records a
    request, 1 to 100. ``progress`` shows a bar. ``client``: the client to ask (default: the
    session's).
    """
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
        raise ValueError(f"page_size must be a whole number from 1 to 100, not {page_size!r}")
    moment = read_moment(before, "before").to_pydatetime()
    api = current_client(client)
    conn = tenant_connection(current_connection(connection), api)
    query = DueQuery(conn.id, moment, page_size, api.datetime_format)
    items: list[dict[str, Any]] = []
    with tqdm(unit="record", desc="due records", disable=not progress) as bar:
        for page in api.due_pages(query):
            items.extend(page.items)
            bar.update(len(page.items))
    return to_frame(items, conn)


def to_frame(items: list[dict[str, Any]], connection: Connection | None = None) -> pd.DataFrame:
    """Due-record items (as the API returns them) as a typed frame."""
    columns: list[Column] = list(connection.columns) if connection is not None else list(BUILTIN_COLUMNS)
    fmt = connection.datetime_format if connection is not None else None
    raw = pd.DataFrame(items, dtype=object)  # each value as it came: no float for a page with blanks
    out: dict[str, pd.Series] = {}
    for col in columns:
        if col.builtin or col.internal_name in raw:
            name = col.internal_name if col.builtin else col.display_name
            out[name] = _typed(col, _column(raw, col.internal_name), fmt)
    known = {c.internal_name for c in columns}
    for extra in (name for name in raw.columns if name not in known):
        values = _column(raw, extra)
        out[str(extra)] = _datetimes(values, fmt) if str(extra).lower() == _DUE_DATE.lower() else values
    return pd.DataFrame(out, index=pd.RangeIndex(len(items)))


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    """One field of every item (an object column; None throughout when no item has it)."""
    if name in raw:
        return raw[name]
    return pd.Series([None] * len(raw), dtype=object)


def _typed(col: Column, values: pd.Series, fmt: str | None) -> pd.Series:
    if col.type is ColumnType.DATETIME:
        return _datetimes(values, fmt)
    if col.type is ColumnType.NUMBER:
        return _numbers(values)
    if col.type is ColumnType.SINGLE_CHOICE and col.choices:
        return _each(values, lambda v: _option(col, v))
    if col.type is ColumnType.MULTIPLE_CHOICE and col.choices:
        return _each(values, lambda v: tuple(_option(col, x) for x in _entries(v)))
    if col.type is ColumnType.PEOPLE_OR_GROUP:
        return _each(values, lambda v: tuple(str(x) for x in _entries(v)))
    return values.astype("string")


def _each(values: pd.Series, convert: Callable[[Any], Any]) -> pd.Series:
    """``convert`` of each value (of each distinct text or whole number once: a column repeats its
    options and people); blanks stay None."""
    memo: dict[tuple[type, Any], Any] = {}
    out: list[Any] = []
    for value in values:
        kind = value.__class__
        if kind is str or kind is int:
            key = (kind, value)
            if key not in memo:
                memo[key] = None if kind is str and not value.strip() else convert(value)
            out.append(memo[key])
        else:
            out.append(None if is_blank(value) else convert(value))
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return pd.Series(result, index=values.index, dtype=object)


def _datetimes(values: pd.Series, fmt: str | None) -> pd.Series:
    text = values.astype("string").str.strip().replace("", pd.NA)
    if fmt is not None:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if not (parsed.isna() & text.notna()).any():
            return parsed.astype("datetime64[ns]")
    return pd.to_datetime(text, format="mixed", errors="coerce").astype("datetime64[ns]")


def _numbers(values: pd.Series) -> pd.Series:
    """JSON numbers (or text holding one) as float64; whole numbers from 2**53 on exact, in an object column."""
    exact = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= _EXACT_LIMIT]
    plain = pd.Series([None if v.__class__ is bool else v for v in values], dtype=object)
    floats = pd.to_numeric(plain, errors="coerce").astype("float64")
    if not exact:
        return floats
    mixed = floats.astype(object)
    for pos, value in enumerate(values):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT_LIMIT:
            mixed.iat[pos] = value
    return mixed


def _entries(value: Any) -> Iterable[Any]:
    """The entries of a list value: a JSON list, or text such as ``[1,3]`` or ``[ann@contoso.com,legal@contoso.com]``."""
    if isinstance(value, list | tuple):
        return [v for v in value if not is_blank(v)]
    match = _BRACKETS.match(str(value))
    inner = match.group(1) if match else str(value)
    return [part.strip() for part in inner.split(",") if part.strip()]


def _option(col: Column, value: Any) -> str:
    """An option order (1-based, as a JSON number or text) as its name; anything else is kept as its text."""
    assert col.choices is not None
    order: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        order = value
    elif isinstance(value, float) and value.is_integer():
        order = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        order = int(value.strip())
    if order is not None and 1 <= order <= len(col.choices):
        return col.choices[order - 1]
    return str(value).strip()
