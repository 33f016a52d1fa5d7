"""Hypothesis strategies for connections and rows the project never saw: random sets of the eight column
types under either internal-name spelling, choice options holding commas, brackets and quotes, and rows
whose every value is valid, with blanks anywhere."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
from hypothesis import strategies as st

import opus_nb as opus
from opus_nb.records._columns import BUILTIN_COLUMNS, ColumnType

#: Date-time formats a tenant may use; each round-trips every date-time it can write.
FORMATS = ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"]
_BUILTIN_NAMES = {c.display_name.lower() for c in BUILTIN_COLUMNS} | {c.internal_name.lower() for c in BUILTIN_COLUMNS}
_WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
#: Text as people type it: letters, digits, punctuation that means something elsewhere (commas,
#: brackets, quotes, semicolons, slashes), and letters of other scripts; never blank, no outer spaces.
_TEXT_ALPHABET = st.sampled_from(list("abcXYZ019 ,;[]\"'/<>@&éßЖ中-_.()") + ["NA", "N/A", "null", "#N/A"])
TEXT = st.lists(_TEXT_ALPHABET, min_size=1, max_size=10).map("".join).map(str.strip).filter(bool)
OPTION = TEXT.filter(lambda t: not t.strip().isdigit() and not t.startswith("[") and "\n" not in t)
EMAIL = st.builds(lambda user, host: f"{user.lower()}@{host.lower()}.com", _WORD, _WORD)
KINDS = [t for t in ColumnType]


@dataclass(frozen=True)
class Generated:
    """A connection made of data, and the raw pieces it was made from."""

    connection: opus.Connection
    terms: dict[str, Any]

    @property
    def custom(self) -> list[opus.Column]:
        return [c for c in self.connection.columns if not c.builtin]


def _internal(display: str, newer: bool) -> str:
    """A display name as an internal name, in the newer (``_A_%20_B_%20_C``) or the older
    (``A%20_B_%20_C``) spelling the documents show."""
    newer_name = "_" + "_%20_".join(display.split(" "))
    return newer_name if newer else newer_name[1:].replace("_%20_", "%20_", 1)


def _unique_options(options: list[str]) -> list[str]:
    """Options that stay apart when compared as validation compares them (case and spaces ignored)."""
    seen: set[str] = set()
    out = []
    for option in options:
        key = "".join(option.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(option)
    return out


@st.composite
def connections(draw: st.DrawFn, max_columns: int = 6) -> Generated:
    """A connection with up to ``max_columns`` custom columns of random types, options and spellings."""
    names: list[str] = []
    for words in draw(st.lists(st.lists(_WORD, min_size=1, max_size=3), max_size=max_columns)):
        display = " ".join(w.capitalize() for w in words)
        if display.lower() not in _BUILTIN_NAMES and display.replace(" ", "").lower() not in {
            n.replace(" ", "").lower() for n in names
        }:
            names.append(display)
    data: dict[str, str] = {c.internal_name: c.type.value for c in BUILTIN_COLUMNS}
    choices: dict[str, list[str]] = {}
    for display in names:
        kind = draw(st.sampled_from(KINDS))
        data[_internal(display, draw(st.booleans()))] = kind.value
        if kind in (ColumnType.SINGLE_CHOICE, ColumnType.MULTIPLE_CHOICE):
            choices[display] = _unique_options(draw(st.lists(OPTION, min_size=1, max_size=5)))
    paths = draw(st.lists(st.lists(_WORD, min_size=1, max_size=3).map("/".join), min_size=1, max_size=3, unique=True))
    terms = {"terms": [{"fullPath": p, "retention": {"years": draw(st.integers(1, 3)), "after": "timeCreated"}} for p in paths]}
    raw = {"id": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))), "data": [data]}
    fmt = draw(st.sampled_from(FORMATS))
    connection = opus.load_connection(raw, choices=choices, terms=terms, datetime_format=fmt)
    return Generated(connection, terms)


def _moment(fmt: str) -> st.SearchStrategy[pd.Timestamp]:
    seconds = "%S" in fmt
    return st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2020, 12, 31)).map(
        lambda t: pd.Timestamp(t.replace(microsecond=0, second=t.second if seconds else 0))
    )


def _value(column: opus.Column, fmt: str) -> st.SearchStrategy[Any]:
    """A valid value of the column's type, as validation gives it back (the typed value)."""
    kind = column.type
    if kind is ColumnType.SINGLE_TEXT:
        return TEXT
    if kind is ColumnType.MULTIPLE_TEXT:
        return st.lists(TEXT, min_size=1, max_size=3).map("\n".join)
    if kind is ColumnType.DATETIME:
        return _moment(fmt)
    if kind is ColumnType.NUMBER:
        return st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=64),
            st.integers(-(2**31), 2**31),
            st.integers(2**53 + 1, 2**63 - 1),
        )
    if kind is ColumnType.SINGLE_CHOICE:
        return st.sampled_from(list(column.choices or ()))
    if kind is ColumnType.MULTIPLE_CHOICE:
        return st.lists(st.sampled_from(list(column.choices or ())), min_size=1, max_size=3, unique=True).map(tuple)
    if kind is ColumnType.PEOPLE_OR_GROUP:
        return st.lists(EMAIL, min_size=1, max_size=3, unique=True).map(tuple)
    return st.lists(TEXT.filter(lambda t: "/" not in t), min_size=1, max_size=3).map("/".join)


@st.composite
def rows(draw: st.DrawFn, generated: Generated, max_rows: int = 40) -> pd.DataFrame:
    """Valid rows of ``generated``'s connection under display names, blank (None) anywhere optional."""
    conn = generated.connection
    paths = [t["fullPath"] for t in generated.terms["terms"]]
    n = draw(st.integers(1, max_rows))
    moment = _moment(conn.datetime_format)
    frame: dict[str, list[Any]] = {
        "Row key": [f"K-{i}-{draw(_WORD)}" for i in range(n)],
        "Name": draw(st.lists(TEXT, min_size=n, max_size=n)),
        "Classification": draw(st.lists(st.sampled_from(paths), min_size=n, max_size=n)),
        "Created time": draw(st.lists(moment, min_size=n, max_size=n)),
        "Created by": draw(st.lists(EMAIL, min_size=n, max_size=n)),
        "Modified by": draw(st.lists(EMAIL, min_size=n, max_size=n)),
    }
    frame["Modified time"] = [t + pd.Timedelta(days=draw(st.integers(0, 400))) for t in frame["Created time"]]
    for column in generated.custom:
        value = _value(column, conn.datetime_format)
        frame[column.display_name] = draw(st.lists(st.one_of(st.none(), value), min_size=n, max_size=n))
    return pd.DataFrame(frame, dtype=object)
