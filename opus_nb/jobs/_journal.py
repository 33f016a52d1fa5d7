"""The run journal: every submit run, each batch before and after it is sent, on disk (SQLite).

>>> journal = Journal("opus-journal")            # a folder beside the notebook  # doctest: +SKIP
>>> journal.runs()                                # one row per run              # doctest: +SKIP
>>> journal.results(run_id)                       # a run's results, reloaded    # doctest: +SKIP

A batch is written as ``sending`` before its request goes out and as ``done``, with every row's
outcome, after the answer comes back, one transaction each, so a process killed at any moment
(kernel restart, ``kill -9``) leaves a journal that says exactly which rows Opus confirmed. A
row's outcome is *confirmed* when the server answered for it (accepted it, or rejected it with
a reason); only unconfirmed rows are sent again on resume. Outcomes that came from no request
(rows not sent, and why) are written as ``noted`` entries. Replaying a run's entries in the
order they were written gives every row's latest outcome.

A batch's outcomes are one JSON array in its row rather than a row each, and the answer to one
batch goes in the same write as the sending of the next: one small write a batch keeps the
journal's cost to a few microseconds a record (see ``bench/submit.py``).

A run is sent by one process at a time: `Journal.start` and `Journal.claim` take an operating-system
lock on the run (``locks/<run id>.lock``, through filelock), held until `Journal.close`; a second
process gets a `JournalError` instead of sending the same batches again. The system releases the
lock of a process that dies, so a run killed with ``kill -9`` can be resumed at once. A journal
that SQLite cannot read (a damaged page, a file that is not a database) is a `JournalError`, and
so is one whose rows were edited into something this version does not write (`opus_nb.jobs._journal_rows`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import filelock
import numpy as np
import orjson
import pandas as pd

import opus_nb.jobs._journal_rows as stored
from opus_nb._errors import JournalError
from opus_nb.jobs._checkpoints import Checkpoints
from opus_nb.jobs._outcomes import Answered, Outcomes
from opus_nb.jobs._results import Results, RunInfo

__all__ = ["DEFAULT_FOLDER", "Journal", "JournalSetAside", "NothingToResume", "fingerprint"]

DEFAULT_FOLDER = "opus-journal"
RESULT_COLUMNS = ["rowKey", "status", "http_status", "message", "batch", "attempts"]
#: The columns of `Journal.runs`: a run, then how many of its rows are in each state.
RUN_COLUMNS = "run_id kind connection_id started finished n_rows note submitted failed not_sent pending".split()
VERSION = 2
#: Pages of write-ahead log before the committing thread checkpoints (about 40 MB, SQLite's default
#: being 4 MB): a checkpoint syncs the disk, which can take tens of milliseconds, and one in the
#: middle of a run holds up every batch in flight. While a run is sent, `Checkpoints` copies the
#: log from a thread of its own long before; the rest is checkpointed when the journal closes.
WAL_CHECKPOINT_PAGES = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, connection_id TEXT,
    options TEXT, n_rows INTEGER NOT NULL, labels TEXT NOT NULL, row_keys TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT, note TEXT
);
CREATE TABLE IF NOT EXISTS batches (
    entry INTEGER PRIMARY KEY, run_id TEXT NOT NULL, batch INTEGER, positions TEXT NOT NULL, state TEXT NOT NULL,
    sent TEXT, answered TEXT, http_status INTEGER, attempts INTEGER, outcomes TEXT
);
"""


# One statement (so one transaction, one small write) for each batch journalled: a new entry,
# an answered one, or both. Entries are found by their rowid; no other index to keep up.
_UPSERT = (
    "INSERT INTO batches (entry, run_id, batch, positions, state, sent, answered, http_status, attempts, outcomes) "
    "VALUES {values} ON CONFLICT (entry) DO UPDATE SET state = excluded.state, answered = excluded.answered, "
    "http_status = excluded.http_status, attempts = excluded.attempts, outcomes = excluded.outcomes"
)
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT_ONE, _UPSERT_TWO = _UPSERT.format(values=_ROW), _UPSERT.format(values=f"{_ROW}, {_ROW}")


class JournalSetAside(UserWarning):
    """A journal folder held a journal of another version of opus_nb; it was renamed, not read."""


class NothingToResume(UserWarning):
    """``resume=True`` found no earlier run of the same rows and options, so a new run started."""


P = ParamSpec("P")
R = TypeVar("R")


def _readable(method: Callable[P, R]) -> Callable[P, R]:
    """SQLite's errors, and stored values this version cannot read, as a `JournalError` naming the file."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        journal = args[0]
        assert isinstance(journal, Journal)
        try:
            return method(*args, **kwargs)
        except (sqlite3.Error, stored.Unreadable) as exc:
            edited = isinstance(exc, stored.Unreadable)
            why = (
                f"holds what this version does not write ({exc}): edited by hand?"
                if edited
                else f"is damaged or cannot be used ({exc});"
            )
            raise JournalError(str(journal.path), f"{why} move it aside to start afresh") from None

    return guarded


def fingerprint(*parts: object, keys: Iterable[object]) -> str:
    """What identifies "the same job": the connection, options and the sequence of row keys."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode() + b"\x00")
    digest.update("".join(f"{key}\x1f" for key in keys).encode())
    return digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Journal:
    """A SQLite journal in ``folder`` (created when missing). Use from one thread."""

    def __init__(self, folder: str | Path = DEFAULT_FOLDER) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "journal.sqlite"
        self._locks: list[filelock.BaseFileLock] = []
        self._checkpoints = Checkpoints(self.path)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables and version != VERSION:
                self._db.close()
                kept = self._set_aside(version)
                warnings.warn(
                    f"{self.path} was written by another version of opus_nb; it is kept as {kept.name} "
                    "(its runs cannot be resumed) and a new journal starts",
                    JournalSetAside,
                    stacklevel=2,
                )
                self._db = self._open()
            self._db.executescript(_SCHEMA + f"PRAGMA user_version = {VERSION};")
        except OSError as exc:
            raise JournalError(str(self.path), f"cannot be opened ({exc})") from None
        except sqlite3.Error as exc:
            raise JournalError(str(self.path), f"is damaged or cannot be used ({exc}); move it aside to start afresh") from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        return db

    def _set_aside(self, version: int) -> Path:
        """Rename a journal of another version (and its WAL files) to ``journal.v<version>.sqlite``."""
        kept = self.path.with_name(f"journal.v{version}.sqlite")
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{self.path}{suffix}")
            if old.exists():
                old.replace(f"{kept}{suffix}")
        return kept

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database and give up the runs this journal claimed."""
        self._checkpoints.stop()
        self._db.close()
        for lock in self._locks:
            lock.release()
        self._locks.clear()

    def claim(self, run_id: str) -> None:
        """Take the lock on a run before sending any of it; `JournalError` while another process holds it.

        From then until `close`, the log is checkpointed from another thread (see `Checkpoints`)."""
        folder = self.folder / "locks"
        try:
            folder.mkdir(exist_ok=True)
            lock = filelock.FileLock(folder / f"{run_id}.lock", timeout=0)
            lock.acquire()
        except filelock.Timeout:
            raise JournalError(
                str(self.path),
                f"run {run_id!r} is being sent by another process right now; let it finish (or stop it) before resuming",
            ) from None
        except OSError as exc:
            raise JournalError(str(self.path), f"cannot lock run {run_id!r} ({exc.strerror})") from None
        self._locks.append(lock)
        self._checkpoints.start()

    @_readable
    def start(
        self,
        kind: str,
        print_: str,
        connection_id: str | None,
        options: dict[str, Any],
        labels: Sequence[Hashable],
        row_keys: Sequence[str | None],
    ) -> str:
        """Record a new run with every row pending, claimed by this journal; its run id."""
        if len(labels) != len(row_keys):
            raise ValueError("labels and row_keys differ in length")
        run_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        self.claim(run_id)
        self._db.execute(
            "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL)",
            (
                run_id,
                kind,
                print_,
                connection_id,
                json.dumps(options),
                len(labels),
                json.dumps(list(labels), default=str),
                json.dumps(list(row_keys)),
                _now(),
            ),
        )
        return run_id

    @_readable
    def resumable(self, print_: str) -> str | None:
        """The latest run of the same job (finished or not), if any."""
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE fingerprint = ? ORDER BY started DESC, rowid DESC LIMIT 1", (print_,)
        ).fetchone()
        return None if row is None else str(row[0])

    @_readable
    def run_info(self, run_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT fingerprint, n_rows, options FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise JournalError(str(self.path), f"has no run {run_id!r}")
        return stored.run_info(row[0], row[1], row[2], run_id)

    @_readable
    def confirmed(self, run_id: str) -> Outcomes:
        """The rows whose outcome the server confirmed in this run (not to be sent again)."""
        latest = self._latest(run_id, self._run_rows(run_id).n_rows)
        return latest.where(latest.confirmed)

    @_readable
    def next_batch(self, run_id: str) -> int:
        row = self._db.execute("SELECT MAX(batch) FROM batches WHERE run_id = ?", (run_id,)).fetchone()
        return (stored.whole_or_none(row[0], f"run {run_id!r}: its last batch number") or 0) + 1

    @_readable
    def sending(self, run_id: str, batch: int, positions: Sequence[int], *, after: Answered | None = None) -> int:
        """Written before the request goes out; its entry number. ``after``, the answer to the batch
        the same worker sent before, goes in the same write."""
        now = _now()
        row = (None, run_id, batch, orjson.dumps(list(positions)).decode(), "sending", now, None, None, None, None)
        if after is None:
            cursor = self._db.execute(_UPSERT_ONE, row)
        else:
            cursor = self._db.execute(_UPSERT_TWO, _answered_row(run_id, after, now) + row)
        return int(cursor.lastrowid or 0)

    @_readable
    def answered(self, run_id: str, answer: Answered) -> None:
        """Written after the answer: the batch and each of its rows' outcomes, in one write."""
        self._db.execute(_UPSERT_ONE, _answered_row(run_id, answer, _now()))

    @_readable
    def record(self, run_id: str, outcomes: Outcomes) -> None:
        """Write outcomes that came from no request (not sent, and why)."""
        if outcomes.pos:
            self._db.execute(
                "INSERT INTO batches (run_id, batch, positions, state, answered, outcomes) VALUES (?, NULL, ?, 'noted', ?, ?)",
                (run_id, orjson.dumps(outcomes.pos).decode(), _now(), _outcomes_json(outcomes)),
            )

    @_readable
    def finish(self, run_id: str, note: str | None = None) -> None:
        self._db.execute("UPDATE runs SET finished = ?, note = ? WHERE run_id = ?", (_now(), note, run_id))

    @_readable
    def batches(self, run_id: str) -> pd.DataFrame:
        """Every batch of a run: number, row positions, state (sending/done), times, status, attempts."""
        frame = pd.read_sql_query(
            "SELECT batch, positions, state, sent, answered, http_status, attempts FROM batches "
            "WHERE run_id = ? AND batch IS NOT NULL ORDER BY batch",
            self._db,
            params=(run_id,),
        )
        for numbers in self._db.execute("SELECT entry, batch, http_status, attempts FROM batches WHERE run_id = ?", (run_id,)):
            stored.entry_numbers(*numbers)
        n_rows = self._run_rows(run_id).n_rows
        frame["positions"] = [
            stored.positions(stored.json_value(p, "a batch"), n_rows, f"run {run_id!r}") for p in frame["positions"]
        ]
        return frame

    @_readable
    def runs(self) -> pd.DataFrame:
        """One row per run, newest first, with counts by status."""
        rows = []
        for run_id, kind, connection_id, started, finished, n_rows, note in self._db.execute(
            "SELECT run_id, kind, connection_id, started, finished, n_rows, note FROM runs ORDER BY started DESC, rowid DESC"
        ).fetchall():
            n_rows = stored.whole_or_none(n_rows, f"run {run_id!r}: its number of rows") or 0
            counts = Counter(self._latest(run_id, n_rows).status)
            done = {status: counts[status] for status in ("submitted", "failed", "not_sent")}
            rows.append(
                {
                    "run_id": run_id,
                    "kind": kind,
                    "connection_id": connection_id,
                    "started": started,
                    "finished": finished,
                    "n_rows": n_rows,
                    "note": note,
                    **done,
                    "pending": n_rows - counts.total(),
                }
            )
        return pd.DataFrame(rows, columns=RUN_COLUMNS)

    @_readable
    def results(self, run_id: str | None = None) -> Results:
        """The results of a run (the latest when None), one row per input row, index as in the input."""
        if run_id is None:
            latest = self._db.execute("SELECT run_id FROM runs ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()
            if latest is None:
                raise JournalError(str(self.path), "holds no runs")
            run_id = str(latest[0])
        n_rows, labels, keys = self._run_rows(run_id)
        outcomes = self._latest(run_id, n_rows)
        columns: dict[str, np.ndarray] = {}
        for name, empty in (("status", "pending"), ("http_status", None), ("message", None), ("batch", None), ("attempts", None)):
            column = np.full(len(labels), empty, dtype=object)
            column[outcomes.pos] = getattr(outcomes, name)
            columns[name] = column
        frame = pd.DataFrame({"rowKey": pd.array(keys, dtype="string"), **columns}, index=pd.Index(labels))
        frame = frame.astype(
            {"status": "string", "message": "string", "http_status": "Int64", "batch": "Int64", "attempts": "Int64"}
        )
        return Results.of(frame[RESULT_COLUMNS], RunInfo("submit", run_id=run_id, journal=self.path))

    def _run_rows(self, run_id: str) -> stored.RunRows:
        row = self._db.execute("SELECT n_rows, labels, row_keys FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise JournalError(str(self.path), f"has no run {run_id!r}")
        return stored.run_rows(row[0], row[1], row[2], run_id)

    def _latest(self, run_id: str, n_rows: int) -> Outcomes:
        """Every row's latest outcome in this run (of ``n_rows`` rows), replaying its entries in the order they were written."""
        latest: dict[int, tuple[Any, ...]] = {}
        cursor = self._db.execute(
            "SELECT entry, batch, http_status, attempts, outcomes FROM batches "
            "WHERE run_id = ? AND outcomes IS NOT NULL ORDER BY entry",
            (run_id,),
        )
        for entry, batch, http_status, attempts, outcomes in cursor:
            batch, http_status, attempts = stored.entry_numbers(entry, batch, http_status, attempts)
            for row in stored.entry_outcomes(outcomes, n_rows, entry):
                latest[row[0]] = (*row, http_status, batch, attempts)
        if not latest:
            return Outcomes.empty()
        pos, status, message, confirmed, http_status, batch, attempts = map(list, zip(*latest.values(), strict=True))
        return Outcomes(pos, status, http_status, message, batch, attempts, [bool(c) for c in confirmed])


def _answered_row(run_id: str, answer: Answered, now: str) -> tuple[Any, ...]:
    """The values for an answered entry (its positions stay as `Journal.sending` wrote them)."""
    entry, batch, http_status, attempts, outcomes = answer
    return (entry, run_id, batch, "[]", "done", now, now, http_status, attempts, _outcomes_json(outcomes))


def _outcomes_json(outcomes: Outcomes) -> str:
    """A batch's outcomes as columns; its status code, number and attempts are the batch's own."""
    return orjson.dumps([outcomes.pos, outcomes.status, outcomes.message, outcomes.confirmed]).decode()
