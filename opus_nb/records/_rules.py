"""Messages an analyst understands, one per failed rule.

>>> describe("choice", Column("_D", "Department", ColumnType.SINGLE_CHOICE, choices=("Finance", "HR")), "Finanse")
"'Finanse' is not an option of Department: use one of Finance, HR (or its order, 1 to 2)"
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from opus_nb.records._columns import Column, ColumnType

__all__ = ["describe", "is_blank", "show_value"]

_EXAMPLE = {
    ColumnType.DATETIME: "2024-03-31 14:30",
    ColumnType.TAXONOMY: "Finance/Accounts Payable",
}


def describe(rule: str, column: Column | None, value: Any, **details: Any) -> str:
    """The message for one failure of ``rule`` on ``value`` in ``column``."""
    name = column.display_name if column is not None else str(details.get("label"))
    shown = show_value(value)
    if rule == "required":
        return f"{name} is required, and this row has no value"
    if rule == "unique":
        return f"row key {shown} appears {details.get('count', 2)} times; each row needs its own key"
    if rule == "text":
        return _not_text(name, value, shown, row_key=column is not None and column.internal_name == "rowKey")
    if rule == "single_line":
        return f"{name} must be one line of text, but {shown} has a line break"
    if rule == "datetime":
        return f"{shown} is not a date-time; write it like {_EXAMPLE[ColumnType.DATETIME]}"
    if rule == "datetime_ambiguous":
        return (
            f"{shown} could be read day-first or month-first; write the date as YYYY-MM-DD "
            f"(like {_EXAMPLE[ColumnType.DATETIME]}) so it cannot be misread"
        )
    if rule == "modified_before_created":
        created = details.get("created")
        when = f" ({pd.Timestamp(created):%Y-%m-%d %H:%M:%S})" if created is not None and pd.notna(created) else ""
        return f"Modified time {shown} is earlier than Created time{when}"
    if rule == "number":
        return f"{shown} is not a number (write digits with '.' for decimals, no units or thousands separators)"
    if rule == "number_range":
        return f"{shown} is a whole number beyond the 64-bit range (about 9.2e18 either way) that Opus can read"
    if rule == "finite":
        return f"{shown} is not a finite number"
    if rule in ("choice", "choices"):
        options = column.choices or () if column is not None else ()
        listing = ", ".join(options)
        what = "is not an option" if rule == "choice" else "has an entry that is not an option"
        return f"{shown} {what} of {name}: use one of {listing} (or its order, 1 to {len(options)})"
    if rule == "email":
        return f"{shown} is not an email address, or a list of them separated by ';'"
    if rule == "taxonomy_path":
        return f"{shown} has a blank part; write a path like {_EXAMPLE[ColumnType.TAXONOMY]}"
    if rule == "taxonomy_term":
        return f"{shown} is not one of the connection's classification terms"
    if rule == "missing_column":
        return f"the sheet has no column for {name}, which is required"
    if rule == "unknown_column":
        close = details.get("close") or []
        if close:
            guesses = " or ".join(repr(c) for c in close)
            return (
                f"the column {shown} matches no column of the connection (did you mean {guesses}?): rename it with "
                f"rename={{{shown}: {close[0]!r}}} or drop it"
            )
        return (
            f"the column {shown} matches no column of the connection: rename it with "
            f"rename={{{shown}: 'Display name'}} or drop it"
        )
    if rule == "duplicate_column":
        return f"several columns ({value}) all match {name}: keep one, or rename the others"
    return f"{shown} breaks the rule {rule!r}"


def _not_text(name: str, value: Any, shown: str, *, row_key: bool) -> str:
    if isinstance(value, str):
        return (
            f"{shown} has a character that is not valid Unicode (a lone surrogate, as a broken export leaves): "
            f"{name} cannot be sent until it is fixed"
        )
    if row_key:
        return f"a row key must be text or a whole number, not a {type(value).__name__} ({shown})"
    return f"{shown} is a {type(value).__name__}, not text: {name} takes text (write the value as text in the sheet)"


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT, NA and empty text; never ambiguous (lists and arrays are not blank)."""
    return (
        value is None
        or value is pd.NaT
        or value is pd.NA
        or (isinstance(value, float) and value != value)
        or (isinstance(value, str) and value == "")
    )


def show_value(value: Any, width: int = 80) -> str:
    """A cell as a message shows it: text quoted, anything else as printed, cut to ``width``."""
    if is_blank(value):
        return "(blank)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
