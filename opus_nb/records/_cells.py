"""Reading spreadsheet cells as the values a connection column holds, one column at a time.

Each parser takes a raw column (whatever pandas read from the sheet) and returns a `Parsed`:
the canonical values (blank where the cell was blank or unreadable) and, per rule, a mask of
the cells that broke it. Coercion fixes only what is unambiguous: outer spaces, the case of
choice names and terms, ``Name <address>`` forms, choice orders given for names, written dates.

>>> import pandas as pd
>>> from opus_nb.records._connection import Column, ColumnType
>>> p = parse_column(Column("_Dept", "Dept", ColumnType.SINGLE_CHOICE, choices=("Finance", "HR")),
...                  pd.Series([" finance", "2", "Sales", None]))
>>> p.values.tolist(), p.failures[Rule.CHOICE].tolist()
(['Finance', 'HR', None, None], [False, False, True, False])

Work is vectorised: text, numbers and dates go through pandas string and conversion routines;
choices, people and paths are parsed once per *distinct* value and mapped back with
`pandas.factorize`, so a million rows with a few hundred distinct values cost a few hundred parses.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opus_nb.records._blank import blank_as_missing, is_blank, mark_unusable
from opus_nb.records._columns import Column, ColumnType
from opus_nb.records._dates import parse_datetimes
from opus_nb.records._distinct import Distinct
from opus_nb.records._entries import ChoiceReader, read_people
from opus_nb.records._rules import Rule

__all__ = ["INT_RANGE", "Parsed", "as_text", "parse_column", "utf8_encodable"]

_DECIMAL = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_WHOLE = re.compile(r"([+-]?[0-9]+)(?:\.0*)?")
_EXACT_LIMIT = 2.0**53  # from here on a float64 cannot hold every whole number
#: The whole numbers JSON readers take: signed or unsigned 64-bit.
INT_RANGE = (-(2**63), 2**64)


@dataclass
class Parsed:
    """Canonical values of one column, and the cells that broke each rule."""

    values: pd.Series
    failures: dict[Rule, np.ndarray] = field(default_factory=dict)


def parse_column(column: Column, raw: pd.Series, terms: Iterable[str] | None = None, *, dayfirst: bool = False) -> Parsed:
    """Parse one raw column as ``column`` says; ``terms`` are the known classification paths;
    ``dayfirst`` reads slash dates day first (see `opus_nb.records._dates`)."""
    raw = mark_unusable(raw)
    kind = column.type
    if kind in (ColumnType.SINGLE_TEXT, ColumnType.MULTIPLE_TEXT):
        return _text(raw, single_line=kind is ColumnType.SINGLE_TEXT, row_key=column.internal_name == "rowKey")
    if kind is ColumnType.NUMBER:
        return _number(raw)
    if kind is ColumnType.DATETIME:
        values, unreadable, ambiguous = parse_datetimes(raw, dayfirst=dayfirst)
        return Parsed(values, {Rule.DATETIME: unreadable, Rule.DATETIME_AMBIGUOUS: ambiguous})
    if kind is ColumnType.SINGLE_CHOICE:
        return _per_value(raw, ChoiceReader(column.choices or ()).one, Rule.CHOICE)
    if kind is ColumnType.MULTIPLE_CHOICE:
        return _per_value(raw, ChoiceReader(column.choices or ()).many, Rule.CHOICES)
    if kind is ColumnType.PEOPLE_OR_GROUP:
        return _per_value(raw, read_people, Rule.EMAIL)
    known = {t.casefold(): t for t in terms} if terms is not None and column.internal_name == "termFullPath" else None
    not_text = _not_text(raw)
    cells = raw.where(~not_text) if not_text.any() else raw
    parsed = _per_value(cells, lambda v: _path(v, known), Rule.TAXONOMY_PATH, Rule.TAXONOMY_TERM)
    parsed.failures[Rule.TEXT] = not_text
    return parsed


def as_text(raw: pd.Series) -> pd.Series:
    """The column as strings (``str`` dtype, NaN for blanks); 1001.0 from Excel reads as '1001'."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return raw
    if raw.dtype == object or pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_float_dtype(raw.dtype):
        return raw.map(_cell_text, na_action="ignore").astype("str")
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return raw.dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")
    return raw.astype("str").where(raw.notna())


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def _text(raw: pd.Series, *, single_line: bool, row_key: bool = False) -> Parsed:
    if row_key and not pd.api.types.is_string_dtype(raw.dtype):
        raw = raw.astype(object)
    not_text = _not_text(raw, row_key=row_key)
    text = blank_as_missing(as_text(raw.where(~not_text) if not_text.any() else raw))
    failures = {Rule.TEXT: not_text}
    if single_line:
        failures[Rule.SINGLE_LINE] = _line_breaks(text)
    return Parsed(text, failures)


# What a text column reads as text: text, numbers and date-times (a bool only outside the row key).
_TEXT_LIKE = (str, int, float, decimal.Decimal, np.integer, np.floating, np.bool_, dt.date, np.datetime64)


def _not_text(raw: pd.Series, *, row_key: bool = False) -> np.ndarray:
    """Where an object column holds what is not text (a list, bytes, a dict, a timedelta...) or text
    with a lone surrogate (which no UTF-8 request can carry); a row key is text or a whole number.
    Other dtypes hold text, numbers or date-times (and arrow text cannot hold a lone surrogate)."""
    if raw.dtype != object:
        return np.zeros(len(raw), dtype=bool)
    check = _is_row_key if row_key else _is_text
    present = raw.notna().to_numpy(dtype=bool)
    out = np.zeros(len(raw), dtype=bool)
    out[present] = [not check(v) for v in raw.to_numpy(dtype=object)[present]]
    return out


def _is_text(value: Any) -> bool:
    if isinstance(value, str):
        return utf8_encodable(value)
    return isinstance(value, _TEXT_LIKE)


def _is_row_key(value: Any) -> bool:
    if isinstance(value, str):
        return utf8_encodable(value)
    if isinstance(value, bool | np.bool_):
        return False
    return isinstance(value, int | np.integer) or (isinstance(value, float | np.floating) and float(value).is_integer())


def utf8_encodable(text: str) -> bool:
    """False for text holding a lone surrogate ("\\ud800"), which UTF-8 (so JSON on the wire) cannot carry."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _line_breaks(text: pd.Series) -> np.ndarray:
    """Where the text has a line break; the Unicode separators are looked for only in non-ASCII cells."""

    def has(mark: str, cells: pd.Series) -> np.ndarray:
        return cells.str.contains(mark, regex=False).to_numpy(dtype=bool, na_value=False)

    breaks = has("\n", text) | has("\r", text)
    arrow = getattr(text.array, "_pa_array", None)
    if arrow is None:
        wide = np.ones(len(text), dtype=bool)
    else:
        wide = pc.fill_null(pc.not_equal(pc.binary_length(arrow), pc.utf8_length(arrow)), False).to_numpy(zero_copy_only=False)
    if wide.any():
        breaks[wide] |= has("\u2028", text[wide]) | has("\u2029", text[wide])
    return breaks


def _number(raw: pd.Series) -> Parsed:
    """Numbers as float64; whole numbers a float64 cannot hold exactly (2**53 and beyond) as Python ints
    (the column is then of object dtype), or, beyond what JSON readers take (64 bits), reported."""
    out_of_range = np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
        unreadable = np.zeros(len(raw), dtype=bool)
        if pd.api.types.is_integer_dtype(raw.dtype):
            big = (np.abs(values) >= _EXACT_LIMIT).to_numpy(dtype=bool, na_value=False)
            if big.any():
                values = values.astype(object)
                values[big] = [int(v) for v in raw[big]]
    else:
        text = blank_as_missing(as_text(raw) if raw.dtype != object else raw.map(_number_text, na_action="ignore").astype("str"))
        plain = text.str.fullmatch(_DECIMAL).to_numpy(dtype=bool, na_value=False)
        values = pd.Series(np.nan, index=text.index, dtype="float64")
        values[plain] = _to_float(text[plain])
        other = ~plain & text.notna().to_numpy()
        if other.any():
            values[other] = pd.to_numeric(text[other], errors="coerce").astype("float64").to_numpy()
        unreadable = other & values.isna().to_numpy()
        big = plain & (np.abs(values) >= _EXACT_LIMIT).to_numpy(dtype=bool, na_value=False)
        if big.any():
            values, out_of_range = _exact_wholes(text, values, big)
    infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
    return Parsed(values.where(~infinite), {Rule.NUMBER: unreadable, Rule.FINITE: infinite, Rule.NUMBER_RANGE: out_of_range})


def _exact_wholes(text: pd.Series, values: pd.Series, big: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """``values`` with the whole numbers written at ``big`` read exactly (an object column), and where
    they are beyond 64 bits (left blank). Text with an exponent or a fraction stays a float."""
    out = values.astype(object)
    out_of_range = np.zeros(len(values), dtype=bool)
    for pos in np.flatnonzero(big).tolist():
        whole = _WHOLE.fullmatch(text.iat[pos])
        if whole is None:
            continue
        number = int(whole[1])
        if INT_RANGE[0] <= number < INT_RANGE[1]:
            out.iat[pos] = number
        else:
            out.iat[pos], out_of_range[pos] = np.nan, True
    return out, out_of_range


def _to_float(text: pd.Series) -> np.ndarray:
    """Decimal text as float64 (pyarrow's cast when the text is arrow-backed: ten times pandas')."""
    arrow = getattr(text.array, "_pa_array", None)
    if arrow is None:
        return text.astype("float64").to_numpy()
    return pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False)


def _number_text(value: Any) -> str:
    """A cell of an object column as number text: text as it is, numbers (numpy's, Decimal) as they print."""
    if isinstance(value, str):
        return value if utf8_encodable(value) else "not a number"
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | decimal.Decimal | np.integer | np.floating):
        return "not a number"
    return str(value)


def _per_value(raw: pd.Series, read: Callable[[Any], tuple[Any, Rule | None]], *rules: Rule) -> Parsed:
    """Parse each distinct value once with ``read`` (-> canonical value, failed rule or None)."""
    seen = Distinct.of(raw.map(_hashable_cell) if raw.dtype == object else raw)
    canon, broken = zip(*map(read, seen.uniques), strict=True) if len(seen.uniques) else ((), ())
    failed = seen.spread(broken)
    return Parsed(pd.Series(seen.spread(canon), index=raw.index, dtype=object), {rule: failed == rule for rule in rules})


def _hashable_cell(value: Any) -> Hashable:
    """A cell as ``_per_value`` can group it: lists and arrays become tuples (of hashable items),
    anything else unhashable (a dict, a set) becomes its text, which no rule accepts as a choice or address."""
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(_hashable_cell(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def _path(value: Any, terms: dict[str, str] | None) -> tuple[str | None, Rule | None]:
    if is_blank(value):
        return None, None
    segments = [s.strip() for s in _cell_text(value).strip().split("/")]
    if any(not s for s in segments):
        return None, Rule.TAXONOMY_PATH
    path = "/".join(segments)
    if terms is None:
        return path, None
    term = terms.get(path.casefold())
    return (None, Rule.TAXONOMY_TERM) if term is None else (term, None)
