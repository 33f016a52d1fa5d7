"""What the run journal holds, read back and checked: a value that is not what this version writes (a journal
edited by hand, or by another program) is `Unreadable`, naming it, never a stray JSON, type or index error.

>>> entry_outcomes('[[0, 1], ["submitted", "failed"], [null, "bad date"], [true, true]]', n_rows=2, entry=7)
[(0, 'submitted', None, True), (1, 'failed', 'bad date', True)]
>>> entry_outcomes('[[5], ["submitted"], [null], [true]]', n_rows=2, entry=7)
Traceback (most recent call last):
...
opus_nb.jobs._journal_rows.Unreadable: entry 7: its row positions [5] are not whole numbers from 0 to 1

`opus_nb.jobs._journal.Journal` turns `Unreadable` into a `JournalError` naming the file.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

__all__ = [
    "RunRows",
    "Unreadable",
    "entry_numbers",
    "entry_outcomes",
    "json_value",
    "positions",
    "run_info",
    "run_rows",
    "whole_or_none",
]

#: One row's latest outcome as an entry stores it: position, status, message, confirmed.
Row = tuple[int, str, str | None, bool]


class Unreadable(Exception):
    """A value in the journal that is not what this version writes (see the module's docstring)."""


class RunRows(NamedTuple):
    """What a run's row in the journal says of its input: how many rows, their labels and row keys."""

    n_rows: int
    labels: list[Any]
    row_keys: list[str | None]


def json_value(text: object, what: str) -> Any:
    """``text`` read as JSON, or `Unreadable` naming ``what``."""
    if not isinstance(text, str | bytes):
        raise Unreadable(f"{what} is not JSON text but {_shown(text)}")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"{what} is not JSON ({exc}): {_shown(text)}") from None


def whole_or_none(value: object, what: str) -> int | None:
    """A stored whole number (a batch's number, status code or attempts), or None."""
    if value is None or (type(value) is int and value >= 0):
        return value
    raise Unreadable(f"{what} is not a whole number but {_shown(value)}")


def entry_numbers(entry: object, batch: object, http_status: object, attempts: object) -> tuple[int | None, ...]:
    """An entry's batch number, status code and attempts, each a whole number or None."""
    named = ((batch, "batch number"), (http_status, "status code"), (attempts, "attempts"))
    return tuple(whole_or_none(value, f"entry {entry}: its {what}") for value, what in named)


def positions(value: object, n_rows: int, what: str) -> list[int]:
    """Row positions of a run of ``n_rows`` rows: whole numbers from 0 to ``n_rows - 1``."""
    if not isinstance(value, list) or any(type(p) is not int or not 0 <= p < n_rows for p in value):
        raise Unreadable(f"{what}: its row positions {_shown(value)} are not whole numbers from 0 to {n_rows - 1}")
    return value


def run_info(fingerprint: object, n_rows: object, options: object, run_id: str) -> dict[str, Any]:
    """A run's fingerprint, number of rows and options (a JSON object)."""
    found = json_value(options or "{}", f"run {run_id!r}: its options")
    if not isinstance(found, dict):
        raise Unreadable(f"run {run_id!r}: its options are not a JSON object")
    return {"fingerprint": fingerprint, "n_rows": whole_or_none(n_rows, f"run {run_id!r}: its number of rows"), "options": found}


def run_rows(n_rows: object, labels: object, row_keys: object, run_id: str) -> RunRows:
    """A run's row count, labels and row keys, each checked against the others."""
    what = f"run {run_id!r}"
    count = whole_or_none(n_rows, f"{what}: its number of rows")
    if count is None:
        raise Unreadable(f"{what} has no number of rows")
    found = json_value(labels, f"{what}: its row labels"), json_value(row_keys, f"{what}: its row keys")
    if not all(isinstance(values, list) and len(values) == count for values in found):
        raise Unreadable(f"{what}: its row labels and row keys are not two lists of {count:,} values")
    if any(key is not None and not isinstance(key, str) for key in found[1]):
        raise Unreadable(f"{what}: its row keys are not all text")
    return RunRows(count, found[0], found[1])


def entry_outcomes(text: object, n_rows: int, entry: object) -> list[Row]:
    """The outcomes one entry wrote (four aligned lists: positions, statuses, messages, confirmed), row by row."""
    what = f"entry {entry}"
    columns = json_value(text, f"{what}: its outcomes")
    if not (isinstance(columns, list) and len(columns) == 4 and all(isinstance(c, list) for c in columns)):
        raise Unreadable(f"{what}: its outcomes are not four lists (positions, statuses, messages, confirmed)")
    pos, status, message, confirmed = columns
    if len({len(c) for c in columns}) != 1:
        raise Unreadable(f"{what}: its outcomes' four lists differ in length")
    positions(pos, n_rows, what)
    if any(not isinstance(s, str) for s in status):
        raise Unreadable(f"{what}: its statuses are not all text")
    if any(m is not None and not isinstance(m, str) for m in message):
        raise Unreadable(f"{what}: its messages are not all text")
    if any(type(c) not in (bool, int) for c in confirmed):
        raise Unreadable(f"{what}: its confirmed flags are not all true or false")
    return list(zip(pos, status, message, (bool(c) for c in confirmed), strict=True))


def _shown(value: object) -> str:
    """A value for a message, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
