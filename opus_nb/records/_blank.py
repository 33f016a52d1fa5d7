"""What "blank" means, in one place: a cell with no value, or text with nothing but spaces.

>>> [is_blank(v) for v in (None, float("nan"), pd.NaT, "", "  ", "NA", "N/A", "nan", 0, ())]
[True, True, True, True, True, False, False, False, False, False]
>>> blank_as_missing(pd.Series([" a ", "  ", None], dtype="str")).tolist()
['a', nan, nan]

Missing is what pandas takes for missing in a cell (None, NaN, NaT, NA, a quiet `Decimal` NaN).
Text is never missing because of what it says: ``NA``, ``N/A``, ``null``, ``None``, ``#N/A`` and
``nan`` are text. A list or a tuple (several choices, several people) is a value, however short,
and so is a signalling ``Decimal('sNaN')``, which no rule accepts (see `mark_unusable`).
"""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["UNUSABLE", "blank_as_missing", "is_blank", "mark_unusable"]


def is_blank(value: Any) -> bool:
    """True for a cell with no ``value``: None, NaN, NaT, NA, a quiet Decimal NaN, or text of spaces only.

    >>> is_blank(" \t"), is_blank("N/A"), is_blank(decimal.Decimal("NaN"))
    (True, False, True)
    """
    if isinstance(value, str):
        return not value.strip()
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, decimal.Decimal):
        return value.is_qnan()
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def blank_as_missing(text: pd.Series) -> pd.Series:
    """A text column (``str`` dtype) with outer spaces trimmed and every blank cell missing: `is_blank`, for a column."""
    trimmed = text.str.strip()
    return trimmed.where(trimmed != "")


class _Unusable:
    """What stands in for a cell that pandas cannot even test for missing: every rule fails it."""

    def __repr__(self) -> str:
        return "<unusable cell>"


#: The stand-in `mark_unusable` puts where a cell cannot be read at all.
UNUSABLE = _Unusable()


def mark_unusable(raw: pd.Series) -> pd.Series:
    """``raw``, with any cell that pandas' own missing-value test raises on (a signalling
    ``Decimal('sNaN')``) replaced by `UNUSABLE`, a value that is not blank and that no rule accepts:
    the cell is then reported under its column's rule (``number``, ``text``, ``datetime``, ...).
    Columns of other dtypes than object are returned as they are."""
    if raw.dtype != object:
        return raw
    try:
        raw.isna()
    except decimal.InvalidOperation:
        cells = raw.to_numpy(dtype=object, copy=True)
        signalling = np.fromiter((isinstance(v, decimal.Decimal) and v.is_snan() for v in cells), dtype=bool, count=len(cells))
        cells[signalling] = UNUSABLE
        return pd.Series(cells, index=raw.index, name=raw.name, dtype=object)
    return raw
