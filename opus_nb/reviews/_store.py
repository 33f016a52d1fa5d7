"""Where disposal reviews are kept: one SQLite file beside the notebook, so a review survives a restart.

>>> store = ReviewStore("opus-review")                       # opus-review/reviews.sqlite  # doctest: +SKIP
>>> review = store.open(conn.id, "2026 disposal", stages=2)                                # doctest: +SKIP
>>> store.record(review.id, [Decision("INV-1", 1, "approved", "Jane Smith", now, None)])   # doctest: +SKIP
>>> store.decisions(review.id)                               # every decision, in order     # doctest: +SKIP

A review is named by its connection's id and a name. Decisions and destroy outcomes are only
appended (with the record's name, classification and due date, so the proof of disposition
stands even once a destroyed record is no longer listed as due); replaying them in order gives
the review's current state. Each call writes in one transaction, and a write the file refuses
(read-only, damaged, a folder that cannot be made) is a `ReviewStoreError` that changed nothing.

Decisions go to the audit log too. The store is written first, and with the decisions the range
of them still to be written to the audit log (``unaudited``, in the same transaction); the range
is cleared once the audit log holds them. Whoever finds a range left behind (a process killed
between the two writes, an audit log that could not be written) writes what the audit log lacks
and clears it (`opus_nb.reviews._candidates.DecisionWriter.settle`); a lock file beside the store
keeps two processes from doing that at once. What is read back is checked: rows edited by hand
into something this version cannot read (a decision that is not approved, rejected or undecided,
a stage that is not a whole number, a time that is not ISO 8601) are a `ReviewStoreError` naming them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NamedTuple

import filelock
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
CREATE TABLE IF NOT EXISTS unaudited (first INTEGER NOT NULL, last INTEGER NOT NULL, audit TEXT NOT NULL);
"""
#: The decisions a reviewer makes, as stored; a destroy's outcomes are another table.
DECISION_VALUES = ("approved", "rejected", "undecided")
_REQUIRED_TEXT = ("review", "rowKey", "decision", "reviewer", "time", "status")
_LOCK = "reviews.audit.lock"
_LOCK_WAIT_S = 60
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
        if "\x00" in str(folder):
            raise ReviewStoreError(f"store= must name a folder, and {str(folder)!r} holds a NUL character")
        self.folder = Path(folder)
        self.path = self.folder / _FILE
        if self.folder.exists() and not self.folder.is_dir():
            raise ReviewStoreError(
                f"store= names a folder to keep {_FILE} in, and {self.folder} is a file: give a folder (default {DEFAULT_REVIEW_FOLDER!r})"
            )

    def __repr__(self) -> str:
        return f"<ReviewStore {self.path}>"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.executescript(_SCHEMA)
                with db:
                    yield db
        except sqlite3.DatabaseError as exc:
            raise ReviewStoreError(f"the review store {self.path} cannot be used: {exc}; nothing was written") from None
        except OSError as exc:
            raise ReviewStoreError(
                f"the review store {self.path} cannot be used: {exc.strerror or exc}; nothing was written"
            ) from None

    @contextmanager
    def audit_lock(self) -> Iterator[None]:
        """Held while decisions go to the store and then to the audit log, so no other process settles them meanwhile."""
        lock = filelock.FileLock(self.folder / _LOCK, timeout=_LOCK_WAIT_S)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except filelock.Timeout:
            raise ReviewStoreError(
                f"the review store {self.path} is busy: another process has been writing decisions for {_LOCK_WAIT_S} s"
            ) from None
        except OSError as exc:
            raise ReviewStoreError(f"the review store {self.path} cannot be locked: {exc.strerror or exc}") from None
        try:
            yield
        finally:
            lock.release()

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
        if isinstance(record.stages, bool) or not isinstance(record.stages, int) or record.stages < 1:
            raise ReviewStoreError(
                f"the review store {self.path} gives the review {name!r} {record.stages!r} stages, not a whole number "
                f"from 1 (edited by hand?): move the file aside to start afresh"
            )
        if stages is not None and stages != record.stages:
            raise ReviewStoreError(
                f"the review {name!r} was started with {record.stages} stage(s), not {stages}: "
                "open it without stages=, or give another name="
            )
        return record

    def record(self, review: str, decisions: Iterable[Decision], *, audit: Path | None = None) -> tuple[int, int] | None:
        """Append decisions (all of them in one transaction); with ``audit``, note them as not yet in that audit
        log (see `audited`). Returns the range of their sequence numbers, None when there were none."""
        rows = [
            (review, d.rowKey, d.stage, d.decision, d.reviewer, _iso(d.time), d.comment, d.name, d.classification, d.due_date)
            for d in decisions
        ]
        if not rows:
            return None
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO decisions (review, rowKey, stage, decision, reviewer, time, comment, name, "
                "classification, due_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            last = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
            span = (last - len(rows) + 1, last)
            if audit is not None:
                db.execute("INSERT INTO unaudited VALUES (?, ?, ?)", (*span, str(audit.absolute())))
        return span

    def audited(self, span: tuple[int, int]) -> None:
        """The decisions of ``span`` (as `record` returned it) are in their audit log now."""
        with self._transaction() as db:
            db.execute("DELETE FROM unaudited WHERE first = ? AND last = ?", span)

    def unaudited(self) -> list[tuple[tuple[int, int], Path, pd.DataFrame]]:
        """Every range of decisions (of any review) not yet known to be in its audit log: the range, the audit
        log's folder, and the decisions (``review`` and `DECISION_COLUMNS`)."""
        with self._transaction() as db:
            spans = db.execute("SELECT first, last, audit FROM unaudited ORDER BY first").fetchall()
            return [
                (
                    (first, last),
                    Path(audit),
                    self._select(db, "decisions", ["review", *DECISION_COLUMNS], "seq BETWEEN ? AND ?", (first, last)),
                )
                for first, last, audit in spans
            ]

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
            return self._select(db, table, columns, where, (review,))

    def _select(
        self, db: sqlite3.Connection, table: str, columns: list[str], where: str, params: tuple[object, ...]
    ) -> pd.DataFrame:
        """The rows of ``table`` that ``where`` picks, oldest first (``stage`` Int64, the rest text), or a
        `ReviewStoreError` naming those of them that are not what this version writes (edited by hand).
        One scan: each row comes with whether it fits."""
        listed = ", ".join(["seq", *columns])
        rows = db.execute(
            f"SELECT {listed}, COALESCE({_fits(columns)}, 0) AS fits FROM {table} WHERE {where} ORDER BY seq", params
        ).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=["seq", *columns, "fits"])
        wrong = frame.index[frame["fits"] == 0]
        if len(wrong):
            problems = [_problem(rows[i][:-1], ["seq", *columns]) for i in wrong[:6]]
            raise ReviewStoreError(
                f"the review store {self.path} holds rows this version did not write and cannot read (edited by hand?): "
                + "; ".join(problems[:5])
                + ("; and more" if len(problems) > 5 else "")
                + ". Move the file aside to start the review afresh, or put those rows right"
            )
        return frame.drop(columns=["seq", "fits"]).astype({c: "Int64" if c == "stage" else "string" for c in columns})


def _fits(columns: list[str]) -> str:
    """An SQL condition true for a row whose ``columns`` (and seq) hold what this version writes."""
    conditions = []
    for column in ["seq", *columns]:
        if column in ("seq", "stage"):
            conditions.append(f"(typeof({column}) = 'integer' AND {column} >= 1)")
        elif column in _REQUIRED_TEXT:
            conditions.append(f"(typeof({column}) = 'text' AND trim({column}) != '')")
        else:
            conditions.append(f"({column} IS NULL OR typeof({column}) = 'text')")
        if column == "decision":
            conditions.append(f"decision IN ({', '.join(repr(d) for d in DECISION_VALUES)})")
        if column == "time":
            conditions.append("julianday(time) IS NOT NULL")
    return "(" + " AND ".join(conditions) + ")"


def _problem(row: tuple[object, ...], columns: list[str]) -> str:
    """What is wrong with one stored row, as "seq 12 (rowKey 'A1'): decision 'destroyed' is not a decision"."""
    checks: list[tuple[int, Callable[[object], bool], str]] = []
    for i, column in enumerate(columns):
        if column in ("seq", "stage"):
            checks.append((i, lambda v: type(v) is int and v >= 1, "is not a whole number from 1"))
        elif column in _REQUIRED_TEXT:
            checks.append((i, lambda v: isinstance(v, str) and v.strip() != "", "is not text"))
        else:
            checks.append((i, lambda v: v is None or isinstance(v, str), "is not text"))
        if column == "decision":
            checks.append((i, lambda v: v in DECISION_VALUES, f"is not a decision ({', '.join(DECISION_VALUES)})"))
        if column == "time":
            checks.append((i, _is_iso_time, "is not an ISO 8601 time"))
    wrong = [f"{columns[i]} {row[i]!r} {what}" for i, fits, what in checks if not fits(row[i])]
    key = row[columns.index("rowKey")] if "rowKey" in columns else None
    return f"seq {row[0]!r} (rowKey {key!r}): {', '.join(wrong) or 'not as this version writes it'}"


def _is_iso_time(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")
