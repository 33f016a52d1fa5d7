"""What the server checks in each submitted record: its wire format against the connection.

>>> from opus_nb.records._connection import load_connection
>>> conn = load_connection({"id": "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11",
...     "data": [{"_Department": "SingleChoice"}]}, choices={"Department": ["Finance", "HR"]})
>>> check = RecordChecker(conn)
>>> check({"rowKey": "r1", "leafName": "a.pdf", "timeCreated": "2020-01-02 03:04:05",
...        "timeModified": "2020-01-02 03:04:05", "createdBy": "ann@contoso.com",
...        "modifiedBy": "ann@contoso.com", "_Department": 3})
'_Department: 3 is not an option order of this column (1 to 2)'

This shares the connection model with the library but none of its spreadsheet validation: the
library coerces what an analyst typed, this only accepts what a server would, so each checks
the other. Values arrive as JSON: text is a string, a choice is its order, a multiple choice
``"[1,3]"``, people ``"[ann@contoso.com,legal@contoso.com]"``, a date-time a string in the
connection's format, a number a JSON number (or a string holding one).

A custom Date and Time column takes "a date and/or time" (the submit page): the connection's
format, or its date part alone (`date_part`: ``2021-03-04`` for ``%Y-%m-%d %H:%M:%S``), read as
midnight; `RecordChecker.completed` writes such a date in the full format
(``2021-03-04 00:00:00``), which is how the record is stored and given back by due records. A
time alone has no date to stand on and is refused, as is anything else. The built-in
``timeCreated`` and ``timeModified`` need the full format (the older page: "must follow the date
and time format").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from opus_nb.records._blank import is_blank
from opus_nb.records._columns import Column, ColumnType
from opus_nb.records._connection import Connection

__all__ = ["BUILTIN_TIMES", "LEGACY_OPTIONAL", "RecordChecker", "date_part", "parse_time"]

#: Built-ins the older API page marks optional (the Graph page requires them).
LEGACY_OPTIONAL = frozenset({"createdBy", "modifiedBy"})
#: Built-in times: always in the connection's full format, never a date alone.
BUILTIN_TIMES = frozenset({"timeCreated", "timeModified"})

_EMAIL = re.compile(r"[^@\s,\[\]<>\"]+@[^@\s,\[\]<>\"]+\.[^@\s,\[\]<>\".]+")
_ORDERS = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]")

Check = Callable[[Any], str | None]


_FIELDS = {
    "Y": ("year", r"(\d{4})"),
    "m": ("month", r"(\d{2})"),
    "d": ("day", r"(\d{2})"),
    "H": ("hour", r"(\d{2})"),
    "M": ("minute", r"(\d{2})"),
    "S": ("second", r"(\d{2})"),
}


@lru_cache(maxsize=64)
def _time_pattern(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """A strict regex for formats made of %Y %m %d %H %M %S and literals; None for other formats."""
    parts, names = [], []
    for literal, directive in re.findall(r"([^%]*)(%.|$)", fmt):
        parts.append(re.escape(literal))
        if not directive:
            continue
        field = _FIELDS.get(directive[1:])
        if field is None or field[0] in names:
            return None
        names.append(field[0])
        parts.append(field[1])
    return re.compile("".join(parts)), tuple(names)


def parse_time(value: str, fmt: str) -> datetime | None:
    """A date-time written exactly in the connection's format (two-digit fields as .NET's
    ParseExact wants them), or None.

    >>> parse_time("2024-12-19 18:15:00", "%Y-%m-%d %H:%M:%S")
    datetime.datetime(2024, 12, 19, 18, 15)
    >>> parse_time("2024-1-9 18:15:00", "%Y-%m-%d %H:%M:%S") is None
    True
    """
    return _parse_time(value, fmt) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _parse_time(value: str, fmt: str) -> datetime | None:
    """Cached: a record's times are read by its check and again when it is stored."""
    return _time_parser(fmt)(value)


#: strftime directives that write a time of day (or a date and a time, `%c`).
_TIME_DIRECTIVES = frozenset("HIklMSfpPzZXcTRrs")
_LITERAL_DIRECTIVES = frozenset("%nt")


@lru_cache(maxsize=64)
def date_part(fmt: str) -> str | None:
    """The date part of a date-time format, from its first date field to its last, or None when
    the format writes no time, or interleaves date and time fields.

    >>> date_part("%Y-%m-%d %H:%M:%S"), date_part("%I:%M %p, %d/%m/%Y"), date_part("%Y-%m-%d")
    ('%Y-%m-%d', '%d/%m/%Y', None)
    """
    tokens = re.findall(r"%.|[^%]+|%$", fmt)
    kinds = [_field_kind(token) for token in tokens]
    dates = [i for i, kind in enumerate(kinds) if kind == "date"]
    if not dates or "time" not in kinds or "time" in kinds[dates[0] : dates[-1] + 1]:
        return None
    return "".join(tokens[dates[0] : dates[-1] + 1])


def _field_kind(token: str) -> str:
    """'date' or 'time' for a strftime directive such as '%Y', '' for a literal."""
    if len(token) != 2 or not token.startswith("%") or token[1] in _LITERAL_DIRECTIVES:
        return ""
    return "time" if token[1] in _TIME_DIRECTIVES else "date"


_DATETIME_FIELDS = ("year", "month", "day", "hour", "minute", "second")
_DEFAULTS = (1900, 1, 1, 0, 0, 0)


@lru_cache(maxsize=64)
def _time_parser(fmt: str) -> Callable[[str], datetime | None]:
    """A parser for one format: the strict regex where it applies, `strptime` otherwise."""
    compiled = _time_pattern(fmt)
    if compiled is None:

        def strptime(value: str) -> datetime | None:
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                return None

        return strptime
    pattern, names = compiled
    where = [names.index(name) if name in names else None for name in _DATETIME_FIELDS]
    in_order = names == _DATETIME_FIELDS

    def parse(value: str) -> datetime | None:
        match = pattern.fullmatch(value)
        if match is None:
            return None
        groups = match.groups()
        try:
            if in_order:
                year, month, day, hour, minute, second = map(int, groups)
            else:
                year, month, day, hour, minute, second = (
                    default if i is None else int(groups[i]) for i, default in zip(where, _DEFAULTS, strict=True)
                )
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None

    return parse


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{value!r} is not text"
    if "\n" in value or "\r" in value:
        return "single-line text holds a line break"
    return None


def _multiline(value: Any) -> str | None:
    return None if isinstance(value, str) else f"{value!r} is not text"


def _number(value: Any) -> str | None:
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return f"{value!r} is not a number"
    if not isinstance(value, int | float) or not math.isfinite(value):
        return f"{value!r} is not a finite number"
    return None


def _datetime(fmt: str, date_fmt: str | None = None) -> Check:
    """A check for date-times in `fmt`, or (given `date_fmt`) a date alone in that format."""
    alone = f" (or its date alone, {date_fmt})" if date_fmt else ""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and (
            _parse_time(value, fmt) is not None or (date_fmt is not None and _parse_time(value, date_fmt) is not None)
        ):
            return None
        return f"{value!r} is not a date-time in the format {fmt}{alone}"

    return check


def _order_range(col: Column) -> tuple[int, int | None]:
    return 1, (len(col.choices) if col.choices else None)


def _in_range(order: int, low: int, high: int | None) -> bool:
    return order >= low and (high is None or order <= high)


def _range_text(col: Column) -> str:
    low, high = _order_range(col)
    return f"{low} to {high}" if high is not None else f"{low} or more"


def _single_choice(col: Column) -> Check:
    low, high = _order_range(col)

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{value!r} is not an option order (a whole number)"
        if not _in_range(value, low, high):
            return f"{value} is not an option order of this column ({_range_text(col)})"
        return None

    return check


def _multiple_choice(col: Column) -> Check:
    low, high = _order_range(col)

    def check(value: Any) -> str | None:
        match = _ORDERS.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            return f"{value!r} is not a list of option orders such as [1,3]"
        orders = [int(x) for x in (match.group(1) or "").split(",") if x.strip()]
        bad = [o for o in orders if not _in_range(o, low, high)]
        if bad:
            return f"{bad[0]} is not an option order of this column ({_range_text(col)})"
        return None

    return check


def _people(value: Any) -> str | None:
    if not isinstance(value, str) or not (value.startswith("[") and value.endswith("]")):
        return f"{value!r} is not a list of email addresses such as [ann@contoso.com]"
    items = [x.strip() for x in value[1:-1].split(",")]
    if items == [""]:
        return "the list of email addresses is empty"
    bad = [x for x in items if not _EMAIL.fullmatch(x)]
    return f"{bad[0]!r} is not an email address" if bad else None


def _term(term_paths: frozenset[str] | None) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not all(map(str.strip, value.split("/"))):
            return f"{value!r} is not a term's full path (parts separated by '/')"
        if term_paths is not None and value not in term_paths:
            return f"{value!r} is not the full path of a term in Opus"
        return None

    return check


_taxonomy = _term(None)

#: Checks cheaper than looking their answer up: never remembered (a sheet's row keys and file
#: names are all different, and would only fill the memory).
_CHEAP: frozenset[Check] = frozenset({_text, _multiline, _number})


class RecordChecker:
    """Checks one record (a JSON object) against a connection; returns why it fails, or None."""

    def __init__(self, conn: Connection, *, term_paths: frozenset[str] | None = None, legacy: bool = False) -> None:
        self.connection = conn
        self._checks: dict[str, Check] = {}
        self._required: list[str] = []
        self._date_fmt = date_part(conn.datetime_format)
        self._dates: tuple[str, ...] = ()
        if self._date_fmt is not None:
            self._dates = tuple(
                c.internal_name for c in conn.columns if c.type is ColumnType.DATETIME and c.internal_name not in BUILTIN_TIMES
            )
        for col in conn.columns:
            check = self._check_for(col, term_paths)
            self._checks[col.internal_name] = check if check in _CHEAP else _remembered(check)
            if col.required and not (legacy and col.internal_name in LEGACY_OPTIONAL):
                self._required.append(col.internal_name)

    def _check_for(self, col: Column, term_paths: frozenset[str] | None) -> Check:
        kind = col.type
        if col.internal_name == "termFullPath":
            return _term(term_paths)
        table: dict[ColumnType, Check] = {
            ColumnType.SINGLE_TEXT: _text,
            ColumnType.MULTIPLE_TEXT: _multiline,
            ColumnType.NUMBER: _number,
            ColumnType.PEOPLE_OR_GROUP: _people,
            ColumnType.TAXONOMY: _taxonomy,
        }
        if kind is ColumnType.DATETIME:
            fmt = self.connection.datetime_format
            return _datetime(fmt, None if col.internal_name in BUILTIN_TIMES else self._date_fmt)
        if kind is ColumnType.SINGLE_CHOICE:
            return _single_choice(col)
        if kind is ColumnType.MULTIPLE_CHOICE:
            return _multiple_choice(col)
        return table[kind]

    def __call__(self, record: Any) -> str | None:
        """Why the record fails, every problem in one message ("name: why; ..."), or None."""
        problems = self.problems(record)
        return "; ".join(f"{name}: {why}" if name else why for name, why in problems) if problems else None

    def problems(self, record: Any) -> list[tuple[str | None, str]]:
        """(field, why) for each problem of the record, missing values first; the field is None
        when the record as a whole is wrong (not a JSON object)."""
        if not isinstance(record, Mapping):
            return [(None, f"a record must be a JSON object, not {type(record).__name__}")]
        checks, problems, given = self._checks, [], set()
        for name, value in record.items():
            check = checks.get(name)
            if check is None:
                problems.append((name, "the connection has no such column"))
            elif not is_blank(value):
                given.add(name)
                if (why := check(value)) is not None:
                    problems.append((name, why))
        missing: list[tuple[str | None, str]] = [(name, "a value is required") for name in self._required if name not in given]
        return missing + problems

    def completed(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        """A record that passed, with each date given alone in a Date and Time column written in
        the connection's full format, as midnight (the same record when there is none)."""
        fmt, date_fmt = self.connection.datetime_format, self._date_fmt
        if date_fmt is None:
            return record
        alone = {
            name: day.strftime(fmt)
            for name in self._dates
            if isinstance(value := record.get(name), str)
            and _parse_time(value, fmt) is None
            and (day := _parse_time(value, date_fmt)) is not None
        }
        return {**record, **alone} if alone else record


def _remembered(check: Check, limit: int = 8192) -> Check:
    """``check`` answering each distinct text once; a sheet repeats its owners, departments,
    terms and dates again and again. Values of other types (numbers, JSON lists) are checked
    every time: their checks are cheap, and 1, 1.0 and True must not share an answer."""
    answers: dict[str, str | None] = {}

    def remembered(value: Any) -> str | None:
        if value.__class__ is not str:
            return check(value)
        if value not in answers:
            if len(answers) >= limit:
                answers.clear()
            answers[value] = check(value)
        return answers[value]

    return remembered
