"""A run journal edited by hand (or by another program) is a `JournalError` naming what cannot be read, never a raw
JSON, type or index error, and never a result read from the wrong row."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb._errors import JournalError
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._submit import submit

Reader = Callable[[Journal, str], Any]
READERS: dict[str, Reader] = {
    "results": lambda book, run: book.results(run),
    "runs": lambda book, run: book.runs(),
    "batches": lambda book, run: book.batches(run),
    "run_info": lambda book, run: book.run_info(run),
    "confirmed": lambda book, run: book.confirmed(run),
}
FIRST_ANSWER = "WHERE entry = (SELECT MIN(entry) FROM batches WHERE outcomes IS NOT NULL)"


@pytest.mark.parametrize(
    ("edit", "refusing", "named"),
    [
        (f"UPDATE batches SET outcomes = 'not json' {FIRST_ANSWER}", ["results", "runs", "confirmed"], "is not JSON"),
        (f"UPDATE batches SET outcomes = '[1, 2]' {FIRST_ANSWER}", ["results", "runs", "confirmed"], "not four lists"),
        (
            f"""UPDATE batches SET outcomes = '[[0, 1], ["submitted"], [null], [true]]' {FIRST_ANSWER}""",
            ["results", "runs", "confirmed"],
            "differ in length",
        ),
        (
            f"""UPDATE batches SET outcomes = '[[99999], ["submitted"], [null], [true]]' {FIRST_ANSWER}""",
            ["results", "runs", "confirmed"],
            r"positions \[99999\] are not whole numbers from 0 to 39",
        ),
        (
            f"""UPDATE batches SET outcomes = '[[-1], ["submitted"], [null], [true]]' {FIRST_ANSWER}""",
            ["results", "runs", "confirmed"],
            r"positions \[-1\]",
        ),
        (
            f"""UPDATE batches SET outcomes = '[[0], [7], [null], [true]]' {FIRST_ANSWER}""",
            ["results", "runs", "confirmed"],
            "statuses are not all text",
        ),
        (
            f"UPDATE batches SET attempts = 'twice' {FIRST_ANSWER}",
            ["results", "runs", "confirmed", "batches"],
            "attempts is not a whole",
        ),
        ("UPDATE batches SET positions = '{'", ["batches"], "is not JSON"),
        ("UPDATE batches SET batch = 'one'", ["results", "runs", "confirmed", "batches"], "batch number is not a whole"),
        ("UPDATE runs SET labels = 'x'", ["results", "confirmed", "batches"], "row labels is not JSON"),
        ("UPDATE runs SET row_keys = '[1]'", ["results", "confirmed", "batches"], "two lists of 40 values"),
        ("UPDATE runs SET n_rows = 'forty'", ["results", "runs", "confirmed", "run_info", "batches"], "number of rows"),
        ("UPDATE runs SET options = '['", ["run_info"], "options is not JSON"),
        ("UPDATE runs SET options = '[1]'", ["run_info"], "not a JSON object"),
    ],
)
def test_a_journal_edited_by_hand_is_a_journal_error(
    client, emu, sheet: pd.DataFrame, tmp_path: Path, edit: str, refusing: list[str], named: str
) -> None:
    rows = sheet.head(40)
    folder = tmp_path / "journal"
    run = submit(rows, journal=folder, progress=False).run.run_id
    with sqlite3.connect(folder / "journal.sqlite") as db:
        assert db.execute(edit).rowcount >= 1
    with Journal(folder) as book:
        for name, read in READERS.items():
            if name in refusing:
                with pytest.raises(JournalError, match=named) as refused:
                    read(book, run)
                assert str(folder / "journal.sqlite") in str(refused.value) and "edited by hand" in str(refused.value)
            else:
                read(book, run)  # what was not edited still reads
    posts = sum(r.method == "POST" for r in emu.requests)
    if "confirmed" in refusing:
        with pytest.raises(JournalError, match=named):
            submit(rows, journal=folder, resume=True, progress=False)
        assert sum(r.method == "POST" for r in emu.requests) == posts, "a resume from an unreadable journal sends nothing"
