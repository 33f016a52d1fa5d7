"""Every rule a report can name: one table of codes, short texts and analyst messages.

>>> describe(Rule.CHOICE, Column("_D", "Department", ColumnType.SINGLE_CHOICE, choices=("Finance", "HR")), "Finanse")
"'Finanse' is not an option of Department: use one of Finance, HR (or its order, 1 to 2)"

A rule's code is its `Rule` value ("choice"), so report frames hold plain text; a new rule is a
member of `Rule` and a row of `TABLE`, nothing else.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from opus_nb.records._blank import is_blank
from opus_nb.records._columns import Column, ColumnType

__all__ = ["RULES", "TABLE", "Failure", "Rule", "RuleText", "describe", "show_value"]

_EXAMPLE = {
    ColumnType.DATETIME: "2024-03-31 14:30",
    ColumnType.TAXONOMY: "Finance/Accounts Payable",
}


class Rule(StrEnum):
    """The rule codes of ``report.errors["rule"]``: cell rules, then sheet-level ones (with no row)."""

    REQUIRED = "required"
    UNIQUE = "unique"
    TEXT = "text"
    SINGLE_LINE = "single_line"
    DATETIME = "datetime"
    DATETIME_AMBIGUOUS = "datetime_ambiguous"
    MODIFIED_BEFORE_CREATED = "modified_before_created"
    NUMBER = "number"
    FINITE = "finite"
    NUMBER_RANGE = "number_range"
    CHOICE = "choice"
    CHOICES = "choices"
    EMAIL = "email"
    TAXONOMY_PATH = "taxonomy_path"
    TAXONOMY_TERM = "taxonomy_term"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"


@dataclass(frozen=True)
class Failure:
    """One failure as a message is written from it: the column's name, the value as shown, and the rest."""

    column: Column | None
    name: str
    value: Any
    shown: str
    details: dict[str, Any]


@dataclass(frozen=True)
class RuleText:
    """What a rule says: ``text`` in short (the schema's check error), ``message`` for one failure."""

    text: str
    message: Callable[[Failure], str]


def _required(f: Failure) -> str:
    message = f"{f.name} is required, and this row has no value"
    if isinstance(f.value, float) and f.value != f.value and (f.column is None or f.column.type is not ColumnType.NUMBER):
        # a NaN where text belongs: most often pandas' reading of a cell that said NA, N/A or null
        message += (
            " (if the cell said NA, N/A, null or similar, pandas read it as missing: read the sheet with "
            "pd.read_excel(..., keep_default_na=False, na_values=['']) or opus.read_sheet to keep such text)"
        )
    return message


def _not_text(f: Failure) -> str:
    if isinstance(f.value, decimal.Decimal) and f.value.is_snan():
        return f"{f.shown} is a signalling NaN, not a value: write {f.name} as text in the sheet, or leave it empty"
    if isinstance(f.value, str):
        return (
            f"{f.shown} has a character that is not valid Unicode (a lone surrogate, as a broken export leaves): "
            f"{f.name} cannot be sent until it is fixed"
        )
    if f.column is not None and f.column.internal_name == "rowKey":
        return f"a row key must be text or a whole number, not a {type(f.value).__name__} ({f.shown})"
    return f"{f.shown} is a {type(f.value).__name__}, not text: {f.name} takes text (write the value as text in the sheet)"


def _modified_before_created(f: Failure) -> str:
    created = f.details.get("created")
    when = f" ({pd.Timestamp(created):%Y-%m-%d %H:%M:%S})" if created is not None and pd.notna(created) else ""
    return f"Modified time {f.shown} is earlier than Created time{when}"


def _not_an_option(what: str) -> Callable[[Failure], str]:
    def message(f: Failure) -> str:
        options = f.column.choices or () if f.column is not None else ()
        return f"{f.shown} {what} of {f.name}: use one of {', '.join(options)} (or its order, 1 to {len(options)})"

    return message


def _unknown_column(f: Failure) -> str:
    close = f.details.get("close") or []
    if close:
        guesses = " or ".join(repr(c) for c in close)
        return (
            f"the column {f.shown} matches no column of the connection (did you mean {guesses}?): rename it with "
            f"rename={{{f.shown}: {close[0]!r}}} or drop it"
        )
    return (
        f"the column {f.shown} matches no column of the connection: rename it with "
        f"rename={{{f.shown}: 'Display name'}} or drop it"
    )


#: Every rule's short text and analyst message; the README's rules table lists the same codes and texts.
TABLE: dict[Rule, RuleText] = {
    Rule.REQUIRED: RuleText("a value is required", _required),
    Rule.UNIQUE: RuleText(
        "the row key must be unique",
        lambda f: f"row key {f.shown} appears {f.details.get('count', 2)} times; each row needs its own key",
    ),
    Rule.TEXT: RuleText("must be text (a row key: text or a whole number), with no lone surrogate character", _not_text),
    Rule.SINGLE_LINE: RuleText(
        "must be a single line of text", lambda f: f"{f.name} must be one line of text, but {f.shown} has a line break"
    ),
    Rule.DATETIME: RuleText(
        "not a date-time", lambda f: f"{f.shown} is not a date-time; write it like {_EXAMPLE[ColumnType.DATETIME]}"
    ),
    Rule.DATETIME_AMBIGUOUS: RuleText(
        "ambiguous date: day and month could be either way round",
        lambda f: (
            f"{f.shown} could be read day-first or month-first; write the date as YYYY-MM-DD "
            f"(like {_EXAMPLE[ColumnType.DATETIME]}) so it cannot be misread"
        ),
    ),
    Rule.MODIFIED_BEFORE_CREATED: RuleText("modified time is earlier than created time", _modified_before_created),
    Rule.NUMBER: RuleText(
        "not a number",
        lambda f: f"{f.shown} is not a number (write digits with '.' for decimals, no units or thousands separators)",
    ),
    Rule.FINITE: RuleText("must be a finite number", lambda f: f"{f.shown} is not a finite number"),
    Rule.NUMBER_RANGE: RuleText(
        "a whole number beyond the 64-bit range JSON readers take",
        lambda f: f"{f.shown} is a whole number beyond the 64-bit range (about 9.2e18 either way) that Opus can read",
    ),
    Rule.CHOICE: RuleText("not one of the options", _not_an_option("is not an option")),
    Rule.CHOICES: RuleText("has an entry that is not one of the options", _not_an_option("has an entry that is not an option")),
    Rule.EMAIL: RuleText(
        "not an email address", lambda f: f"{f.shown} is not an email address, or a list of them separated by ';'"
    ),
    Rule.TAXONOMY_PATH: RuleText(
        "a '/' separated path must have no blank part",
        lambda f: f"{f.shown} has a blank part; write a path like {_EXAMPLE[ColumnType.TAXONOMY]}",
    ),
    Rule.TAXONOMY_TERM: RuleText(
        "not a known classification term", lambda f: f"{f.shown} is not one of the connection's classification terms"
    ),
    Rule.MISSING_COLUMN: RuleText(
        "a required column is missing from the sheet", lambda f: f"the sheet has no column for {f.name}, which is required"
    ),
    Rule.UNKNOWN_COLUMN: RuleText("the column matches no column of the connection", _unknown_column),
    Rule.DUPLICATE_COLUMN: RuleText(
        "several columns of the sheet match the same column of the connection",
        lambda f: f"several columns ({f.value}) all match {f.name}: keep one, or rename the others",
    ),
}

#: Every rule code with its short text.
RULES: dict[str, str] = {rule.value: entry.text for rule, entry in TABLE.items()}


def describe(rule: Rule | str, column: Column | None, value: Any, **details: Any) -> str:
    """The message for one failure of ``rule`` on ``value`` in ``column`` (a sheet-level rule names
    its column with ``label=``); an unknown rule is a `ValueError`."""
    name = column.display_name if column is not None else str(details.get("label"))
    return TABLE[Rule(rule)].message(Failure(column, name, value, show_value(value), details))


def show_value(value: Any, width: int = 80) -> str:
    """A cell as a message shows it: text quoted, anything else as printed, cut to ``width``."""
    if is_blank(value):
        return "(blank)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
