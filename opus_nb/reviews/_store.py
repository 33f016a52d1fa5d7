"""Where disposal reviews are kept: one SQLite file beside the notebook, so a review survives a restart.

>>> store = ReviewStore("opus-review")                       # opus-review/reviews.sqlite  # doctest: +SKIP
>>> review = store.open(conn.id, "2026 disposal", stages=2)                                # doctest: +SKIP
>>> store.record(review.id, [Decision("INV-1", 1, "approved", "Jane Smith", now, None)])   # doctest: +SKIP
>>> store.decisions(review.id)                               # every decision, in order     # doctest: +SKIP

A review is named by its connection's id and a name. Decisions and destroy outcomes are only
appended (with the record's name, classification and due date, so the proof of disposition
stands even once a destroyed record is no longer listed as due); replaying them in order gives
the review's current state. Each call writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from opus_nb._errors import OpusError

__all__ = ["DEFAULT_REVIEW_FOLDER", "Decision", "Outcome", "ReviewRecord", "ReviewStore", "ReviewStoreError"]

DEFAULT_REVIEW_FOLDER = "opus-review"
_FILE = "reviews.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    id TEXT PRIMARY KEY, connection TEXT NOT NULL, name TEXT NOT NULL, stages INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, review TEXT NOT NULL REFERENCES reviews(id), rowKey TEXT NOT NULL,
    stage INTEGER NOT NULL, decision TEXT NOT NULL, reviewer TEXT NOT NULL, time TEXT NOT NULL, comment TEXT,
    name TEXT, classification TEXT, due_date TEXT);
CREATE INDEX IF NOT EXISTS decisions_by_review ON decisions(review, seq);
CREATE TABLE IF NOT EXISTS outcomes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, review TEXT NOT NULL REFERENCES reviews(id), rowKey TEXT NOT NULL,
    status TEXT NOT NULL, reviewer TEXT NOT NULL, time TEXT NOT NULL, message TEXT,
    name TEXT, classification TEXT, due_date TEXT);
CREATE INDEX IF NOT EXISTS outcomes_by_review ON outcomes(review, seq);
"""
DECISION_COLUMNS = ["rowKey", "stage", "decision", "reviewer", "time", "comment", "name", "classification", "due_date"]
OUTCOME_COLUMNS = ["rowKey", "status", "reviewer", "time", "message", "name", "classification", "due_date"]


class ReviewStoreError(OpusError):
    """The review store cannot be used as asked (another review's stages, an unreadable file)."""


class ReviewRecord(NamedTuple):
    """One review: ``id`` is ``connection/name``."""

    id: str
    connection: str
    name: str
    stages: int
    created: str


class Decision(NamedTuple):
    """One decision on one record at one stage (``decision``: approved, rejected or undecided)."""

    rowKey: str
    stage: int
    decision: str
    reviewer: str
    time: dt.datetime | str
    comment: str | None
    name: str | None = None
    classification: str | None = None
    due_date: str | None = None


class Outcome(NamedTuple):
    """What a real destroy did to one record: destroyed, failed or not_sent, with the server's message."""

    rowKey: str
    status: str
    reviewer: str
    time: dt.datetime
    message: str | None
    name: str | None = None
    classification: str | None = None
    due_date: str | None = None


class ReviewStore:
    """The reviews in ``folder``/reviews.sqlite (the folder is made on first use)."""

    def __init__(self, folder: str | Path = DEFAULT_REVIEW_FOLDER) -> None:
        self.folder = Path(folder)
        self.path = self.folder / _FILE

    def __repr__(self) -> str:
        return f"<ReviewStore {self.path}>"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.executescript(_SCHEMA)
                with db:
                    yield db
        except sqlite3.DatabaseError as exc:
            raise ReviewStoreError(f"the review store {self.path} cannot be used: {exc}") from None

    def open(self, connection: str, name: str, stages: int | None = None, *, stage: int = 1) -> ReviewRecord:
        """The review ``name`` of this connection, made when new (``stages`` defaults to 1) by its first stage."""
        review_id = f"{connection}/{name}"
        with self._transaction() as db:
            found = db.execute("SELECT id, connection, name, stages, created FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if found is None:
                if stage != 1:
                    raise ReviewStoreError(
                        f"the review {name!r} has not been started: its stage 1 starts it (with stages=), not stage {stage}"
                    )
                record = ReviewRecord(review_id, connection, name, stages or 1, _iso(_now()))
                db.execute("INSERT INTO reviews VALUES (?, ?, ?, ?, ?)", record)
                return record
        record = ReviewRecord(*found)
        if stages is not None and stages != record.stages:
            raise ReviewStoreError(
                f"the review {name!r} was started with {record.stages} stage(s), not {stages}: "
                "open it without stages=, or give another name="
            )
        return record

    def record(self, review: str, decisions: Iterable[Decision]) -> None:
        """Append decisions (all of them in one transaction)."""
        rows = [
            (review, d.rowKey, d.stage, d.decision, d.reviewer, _iso(d.time), d.comment, d.name, d.classification, d.due_date)
            for d in decisions
        ]
        if rows:
            with self._transaction() as db:
                db.executemany(
                    "INSERT INTO decisions (review, rowKey, stage, decision, reviewer, time, comment, name, "
                    "classification, due_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

    def record_outcomes(self, review: str, outcomes: Iterable[Outcome]) -> None:
        """Append what a real destroy did (one transaction)."""
        rows = [
            (review, o.rowKey, o.status, o.reviewer, _iso(o.time), o.message, o.name, o.classification, o.due_date)
            for o in outcomes
        ]
        if rows:
            with self._transaction() as db:
                db.executemany(
                    "INSERT INTO outcomes (review, rowKey, status, reviewer, time, message, name, "
                    "classification, due_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

    def decisions(self, review: str) -> pd.DataFrame:
        """Every decision of the review, oldest first (columns: ``DECISION_COLUMNS``)."""
        return self._read("decisions", DECISION_COLUMNS, review)

    def current(self, review: str) -> pd.DataFrame:
        """The last decision on each record at each stage (``rowKey``, ``stage``, ``decision``, ``reviewer``,
        ``time``, ``comment``): what replaying them all gives."""
        last = "seq IN (SELECT MAX(seq) FROM decisions WHERE review = ? GROUP BY rowKey, stage)"
        return self._read("decisions", DECISION_COLUMNS[:6], review, last)

    def outcomes(self, review: str) -> pd.DataFrame:
        """Every destroy outcome of the review, oldest first (columns: ``OUTCOME_COLUMNS``)."""
        return self._read("outcomes", OUTCOME_COLUMNS, review)

    def _read(self, table: str, columns: list[str], review: str, where: str = "review = ?") -> pd.DataFrame:
        with self._transaction() as db:
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY seq", (review,)).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=columns)
        return frame.astype({c: "Int64" if c == "stage" else "string" for c in columns})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")
