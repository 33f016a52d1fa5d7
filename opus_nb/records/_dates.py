"""Reading date-times as spreadsheets hold them, and writing them in a connection's format.

Accepted: real date-times (pandas, numpy, `datetime`), ISO 8601 text, common written forms
("4 March 2021", "March 4, 2021 2:30 PM", "2021/03/04"), numeric slash dates when only one
reading is valid ("25/12/2023"), and Excel serial numbers (44259.4375). A slash date that reads
as two different valid dates ("03/04/2022") is *ambiguous* and reported, never guessed; with
``dayfirst=True`` (a sheet known to write day/month/year) it is read day first, and a slash date
that is only valid month first ("12/25/2023") is not a date.
Time-zone-aware values are converted to UTC and stored without a zone.

>>> values, unreadable, ambiguous = parse_datetimes(pd.Series(["2021-03-04", "4 March 2021", "03/04/2021", "soon"]))
>>> values.dt.strftime("%Y-%m-%d").tolist(), unreadable.tolist(), ambiguous.tolist()
(['2021-03-04', '2021-03-04', nan, nan], [False, False, False, True], [False, False, True, False])
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opus_nb._errors import ConfigurationError
from opus_nb.records._blank import blank_as_missing
from opus_nb.records._distinct import Distinct

__all__ = ["format_datetimes", "parse_datetimes", "read_moment"]

# The commonest export forms, tried first on the cells of their length (a failed parse is slow).
_COMMON = (("%Y-%m-%d %H:%M:%S", 19), ("%Y-%m-%d", 10))
# Directives of the time of day, and of the date: a format may split between them (see format_datetimes).
_TIME_DIRECTIVES = frozenset(f"%{c}" for c in "HIMSpfXTRrkl")
_DATE_DIRECTIVES = frozenset(f"%{c}" for c in "YymdbBaAjUWxDeGuVghCF")
_MAX_DAY_SPAN = 400_000  # about 1,100 years: a table of days beyond that is not worth it
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_MAX_SERIAL = 2958465.99999  # 9999-12-31
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
# Serials written as text need five digits (1927 on): "2021" is a year, not 13 July 1905.
_SERIAL = re.compile(r"^\d{5,7}(?:\.\d+)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})((?:[ T].*)?)$")
_DATES = [
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d %b, %Y",
    "%A, %B %d, %Y",
    "%a, %d %b %Y",
]
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate: text no UTF-8 request can carry
_TIMES = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I %p", " %I:%M%p", " %I%p"]


def parse_datetimes(raw: pd.Series, *, dayfirst: bool = False) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse a column: (datetime64 values with NaT for blank or bad, unreadable mask, ambiguous mask)."""
    n = len(raw)
    unreadable = np.zeros(n, dtype=bool)
    ambiguous = np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return _naive(raw), unreadable, ambiguous
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values, bad = _from_serials(raw.astype("float64"))
        return values, bad, ambiguous
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if raw.dtype == object:
        kinds = raw.map(_kind, na_action="ignore")
        is_time = (kinds == "time").to_numpy()
        if is_time.any():
            out[is_time] = _naive(pd.to_datetime(raw[is_time].tolist(), utc=True)).to_numpy()
        is_number = (kinds == "number").to_numpy()
        if is_number.any():
            values, bad = _from_serials(raw[is_number].astype("float64"))
            out[is_number] = values.to_numpy()
            unreadable[is_number] = bad
        unreadable |= (kinds == "other").to_numpy()
        text = raw.where(kinds == "text").astype("str")
    else:
        text = raw.astype("str")
    text = blank_as_missing(text)
    todo = text.notna().to_numpy(dtype=bool)
    if todo.all():
        out, unreadable, ambiguous = _from_text(text, dayfirst)
    elif todo.any():
        out[todo], unreadable[todo], ambiguous[todo] = _from_text(text[todo], dayfirst)
    return pd.Series(out, index=raw.index), unreadable, ambiguous


def format_datetimes(values: pd.Series, fmt: str) -> np.ndarray:
    """Date-times as text in ``fmt`` (an object array, None where blank).

    When ``fmt`` is a date part then a time part to the second (like the default
    ``%Y-%m-%d %H:%M:%S``), each day and each time of day that occurs is formatted once and the
    two are joined: a million timestamps cost a few thousand of each. Otherwise each distinct
    value is formatted once.
    """
    tokens = re.findall(r"%.|[^%]+", fmt)
    first_time = next((i for i, t in enumerate(tokens) if t in _TIME_DIRECTIVES), None)
    if (
        not first_time
        or "%f" in tokens
        or not any(t in _DATE_DIRECTIVES for t in tokens[:first_time])
        or any(t in _DATE_DIRECTIVES for t in tokens[first_time:])
    ):
        return _format_each(values, fmt)
    stamps = values.to_numpy(dtype="datetime64[s]")
    blank = np.isnat(stamps)
    days, seconds = np.divmod(stamps[~blank].astype("int64"), 86_400)
    first_day = int(days.min()) if len(days) else 0
    days -= first_day
    span = int(days.max()) + 1 if len(days) else 1
    if span > _MAX_DAY_SPAN:
        return _format_each(values, fmt)
    day_text = _table(np.datetime64(first_day, "D"), np.timedelta64(1, "D"), days, span, "".join(tokens[:first_time]))
    time_text = _table(np.datetime64(0, "s"), np.timedelta64(1, "s"), seconds, 86_400, "".join(tokens[first_time:]))
    joined = pc.binary_join_element_wise(day_text.take(days), time_text.take(seconds), "")
    out = np.full(len(stamps), None, dtype=object)
    out[~blank] = joined.to_numpy(zero_copy_only=False)
    return out


def _table(origin: np.datetime64, step: np.timedelta64, offsets: np.ndarray, size: int, fmt: str) -> pa.Array:
    """Text of ``origin + k * step`` in ``fmt`` for each k that occurs in ``offsets`` (others null)."""
    table = np.full(size, None, dtype=object)
    present = np.flatnonzero(np.bincount(offsets, minlength=size))
    table[present] = pd.DatetimeIndex((origin + present * step).astype("datetime64[s]")).strftime(fmt).to_numpy(dtype=object)
    return pa.array(table, type=pa.string())


def _format_each(values: pd.Series, fmt: str) -> np.ndarray:
    seen = Distinct.of(values)
    return seen.spread(pd.DatetimeIndex(seen.uniques).strftime(fmt).to_numpy(dtype=object))


def _kind(value: object) -> str:
    if isinstance(value, str):
        return "text" if value.isascii() or not _SURROGATE.search(value) else "other"
    if isinstance(value, dt.datetime | dt.date | np.datetime64):
        return "time"
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return "number"
    return "other"


def _naive(values: pd.Series | pd.DatetimeIndex) -> pd.Series:
    series = pd.Series(values) if isinstance(values, pd.DatetimeIndex) else values
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[us]")


def _from_serials(numbers: pd.Series) -> tuple[pd.Series, np.ndarray]:
    ok = numbers.between(1, _EXCEL_MAX_SERIAL).to_numpy()
    # whole seconds since the epoch, in numpy's datetime64[s]: a nanosecond timedelta would overflow
    # past 106,751 days (year 2192), well short of the largest serial Excel writes (9999-12-31)
    seconds = np.round(numbers.to_numpy(dtype="float64", na_value=np.nan)[ok] * 86_400).astype("int64")
    stamps = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[us]")
    stamps[ok] = _EXCEL_EPOCH.to_datetime64().astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    values = pd.Series(stamps, index=numbers.index)
    return values, (numbers.notna().to_numpy() & ~ok)


def _from_text(text: pd.Series, dayfirst: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-blank, stripped text: (datetime64[us] values, unreadable mask, ambiguous mask)."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    lengths = text.str.len().to_numpy(dtype="int64", na_value=0)
    for common, length in _COMMON:
        shaped = lengths == length
        if shaped.any():
            out[shaped] = pd.to_datetime(text[shaped], format=common, errors="coerce").to_numpy(dtype="datetime64[us]")
    rest = np.isnat(out)
    ambiguous = np.zeros(len(text), dtype=bool)
    if rest.any():
        iso = rest.copy()
        iso[rest] = text[rest].str.match(_ISO).to_numpy(dtype=bool, na_value=False)
        if iso.any():
            out[iso] = _naive(pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=True)).to_numpy()
        rest &= ~iso
    if rest.any():
        serial = rest.copy()
        serial[rest] = text[rest].str.match(_SERIAL).to_numpy(dtype=bool, na_value=False)
        if serial.any():
            out[serial] = _from_serials(text[serial].astype("float64"))[0].to_numpy()
        rest &= ~serial
    if rest.any():
        written = {u: _written(u, dayfirst) for u in pd.unique(text[rest])}
        cells = text[rest].tolist()
        out[rest] = pd.to_datetime([written[c][0] for c in cells]).to_numpy(dtype="datetime64[us]")
        ambiguous[rest] = [written[c][1] for c in cells]
    return out, np.isnat(out) & ~ambiguous, ambiguous


def _written(text: str, dayfirst: bool = False) -> tuple[dt.datetime | None, bool]:
    """One written date-time: (value, ambiguous)."""
    slash = _SLASH.match(text)
    if slash:
        first, second, year, rest = int(slash[1]), int(slash[2]), slash[3], slash[4]
        readings = {(first, second), (second, first)} if first != second and not dayfirst else {(first, second)}
        valid = [v for v in (_at(year, d, m, rest) for d, m in readings) if v is not None]
        if len(valid) > 1:
            return None, True
        return (valid[0] if valid else None), False
    for date_format in _DATES:
        for time_format in _TIMES:
            try:
                return dt.datetime.strptime(text, date_format + time_format), False
            except ValueError:
                continue
    return None, False


def read_moment(value: str | dt.date | pd.Timestamp | np.datetime64, setting: str) -> pd.Timestamp:
    """One date-time a user gives (such as ``before=``), read as a column's cells are; UTC, no zone.

    Text that is not a date-time, or a slash date that could be read either way round, is a
    `ConfigurationError` naming ``setting``.

    >>> read_moment("2026-01-01", "before"), read_moment("4 March 2026", "before")
    (Timestamp('2026-01-01 00:00:00'), Timestamp('2026-03-04 00:00:00'))
    """
    if not isinstance(value, str | dt.date | np.datetime64):
        raise ConfigurationError(setting, "a date or date-time", f"a {type(value).__name__}")
    values, unreadable, ambiguous = parse_datetimes(pd.Series([value], dtype=object))
    if ambiguous[0]:
        raise ConfigurationError(
            setting,
            "a date that cannot be misread, such as 2026-04-03 (YYYY-MM-DD)",
            f"{value!r}, which could be read day-first or month-first",
        )
    if unreadable[0] or pd.isna(values.iloc[0]):
        raise ConfigurationError(setting, "a date or date-time, such as 2026-04-03 or 2026-04-03 14:30", repr(value))
    return pd.Timestamp(values.iloc[0])


def _at(year: str, day: int, month: int, rest: str) -> dt.datetime | None:
    try:
        date = dt.datetime(int(year), month, day)
    except ValueError:
        return None
    if not rest.strip():
        return date
    for time_format in _TIMES[1:]:
        try:
            clock = dt.datetime.strptime(rest.strip(), time_format.strip())
        except ValueError:
            continue
        return date.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
    return None
