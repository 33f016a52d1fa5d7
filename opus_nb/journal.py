"""The run journal: every submit run, each batch before and after it is sent, on disk (SQLite).

>>> journal = Journal("opus-journal")            # a folder beside the notebook  # doctest: +SKIP
>>> journal.runs()                                # one row per run              # doctest: +SKIP
>>> journal.results(run_id)                       # a run's results, reloaded    # doctest: +SKIP

A batch is written as ``sending`` before its request goes out and as ``done`` with every row's
outcome after the answer comes back, in one transaction each, so a process killed at any
moment (kernel restart, ``kill -9``) leaves a journal that says exactly which rows Opus
confirmed. A row's outcome is *confirmed* when the server answered for it (accepted it, or
rejected it with a reason); only unconfirmed rows are sent again on resume.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from opus_nb.errors import JournalError

__all__ = ["DEFAULT_FOLDER", "Journal", "RowOutcome", "fingerprint"]

DEFAULT_FOLDER = "opus-journal"
RESULT_COLUMNS = ["rowKey", "status", "http_status", "message", "batch", "attempts"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, connection_id TEXT,
    options TEXT, n_rows INTEGER NOT NULL, started TEXT NOT NULL, finished TEXT, note TEXT
);
CREATE TABLE IF NOT EXISTS rows (
    run_id TEXT NOT NULL, pos INTEGER NOT NULL, label TEXT NOT NULL, row_key TEXT,
    status TEXT NOT NULL, http_status INTEGER, message TEXT, batch INTEGER, attempts INTEGER,
    confirmed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, pos)
);
CREATE TABLE IF NOT EXISTS batches (
    run_id TEXT NOT NULL, batch INTEGER NOT NULL, positions TEXT NOT NULL, state TEXT NOT NULL,
    sent TEXT NOT NULL, answered TEXT, http_status INTEGER, attempts INTEGER,
    PRIMARY KEY (run_id, batch)
);
"""


@dataclass(frozen=True)
class RowOutcome:
    """One row's result; ``confirmed`` when the server answered for it."""

    pos: int
    status: str
    http_status: int | None
    message: str | None
    batch: int | None
    attempts: int | None
    confirmed: bool


def fingerprint(*parts: object, keys: Iterable[object]) -> str:
    """What identifies "the same job": the connection, options and the sequence of row keys."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode() + b"\x00")
    for key in keys:
        digest.update(str(key).encode() + b"\x1f")
    return digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Journal:
    """A SQLite journal in ``folder`` (created when missing). Use from one thread."""

    def __init__(self, folder: str | Path = DEFAULT_FOLDER) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "journal.sqlite"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(str(self.path), f"cannot be opened ({exc})") from None

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def close(self) -> None:
        self._db.close()

    def start(
        self,
        kind: str,
        print_: str,
        connection_id: str | None,
        options: dict[str, Any],
        labels: Sequence[Hashable],
        row_keys: Sequence[str | None],
    ) -> str:
        """Record a new run with every row pending; its run id."""
        run_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,NULL,NULL)",
                (run_id, kind, print_, connection_id, json.dumps(options), len(labels), _now()),
            )
            self._db.executemany(
                "INSERT INTO rows (run_id, pos, label, row_key, status) VALUES (?,?,?,?, 'pending')",
                ((run_id, i, json.dumps(label, default=str), key) for i, (label, key) in enumerate(zip(labels, row_keys, strict=True))),
            )
        return run_id

    def resumable(self, print_: str) -> str | None:
        """The latest run of the same job (finished or not), if any."""
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE fingerprint = ? ORDER BY started DESC, rowid DESC LIMIT 1", (print_,)
        ).fetchone()
        return None if row is None else str(row[0])

    def run_info(self, run_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT fingerprint, n_rows, options FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise JournalError(str(self.path), f"has no run {run_id!r}")
        return {"fingerprint": row[0], "n_rows": row[1], "options": json.loads(row[2] or "{}")}

    def confirmed(self, run_id: str) -> dict[int, RowOutcome]:
        """The rows whose outcome the server confirmed in this run (not to be sent again)."""
        cur = self._db.execute(
            "SELECT pos, status, http_status, message, batch, attempts FROM rows WHERE run_id = ? AND confirmed = 1", (run_id,)
        )
        return {r[0]: RowOutcome(r[0], r[1], r[2], r[3], r[4], r[5], True) for r in cur}

    def next_batch(self, run_id: str) -> int:
        row = self._db.execute("SELECT MAX(batch) FROM batches WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0] or 0) + 1

    def sending(self, run_id: str, batch: int, positions: Sequence[int]) -> None:
        """Written before the request goes out."""
        self._db.execute(
            "INSERT OR REPLACE INTO batches (run_id, batch, positions, state, sent) VALUES (?,?,?, 'sending', ?)",
            (run_id, batch, json.dumps(list(positions)), _now()),
        )

    def answered(self, run_id: str, batch: int, http_status: int | None, attempts: int, outcomes: Sequence[RowOutcome]) -> None:
        """Written after the answer: the batch and each of its rows, in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "UPDATE batches SET state = 'done', answered = ?, http_status = ?, attempts = ? WHERE run_id = ? AND batch = ?",
                (_now(), http_status, attempts, run_id, batch),
            )
            self._write_rows(run_id, outcomes)

    def record(self, run_id: str, outcomes: Sequence[RowOutcome]) -> None:
        """Write outcomes that came from no request (not sent, and why)."""
        with self._db:
            self._db.execute("BEGIN")
            self._write_rows(run_id, outcomes)

    def finish(self, run_id: str, note: str | None = None) -> None:
        self._db.execute("UPDATE runs SET finished = ?, note = ? WHERE run_id = ?", (_now(), note, run_id))

    def _write_rows(self, run_id: str, outcomes: Sequence[RowOutcome]) -> None:
        self._db.executemany(
            "UPDATE rows SET status = ?, http_status = ?, message = ?, batch = ?, attempts = ?, confirmed = ? "
            "WHERE run_id = ? AND pos = ?",
            ((o.status, o.http_status, o.message, o.batch, o.attempts, int(o.confirmed), run_id, o.pos) for o in outcomes),
        )

    def batches(self, run_id: str) -> pd.DataFrame:
        """Every batch of a run: number, row positions, state (sending/done), times, status, attempts."""
        frame = pd.read_sql_query(
            "SELECT batch, positions, state, sent, answered, http_status, attempts FROM batches WHERE run_id = ? ORDER BY batch",
            self._db, params=(run_id,),
        )
        frame["positions"] = [json.loads(p) for p in frame["positions"]]
        return frame

    def runs(self) -> pd.DataFrame:
        """One row per run, newest first, with counts by status."""
        return pd.read_sql_query(
            "SELECT r.run_id, r.kind, r.connection_id, r.started, r.finished, r.n_rows, r.note, "
            "SUM(w.status = 'submitted') AS submitted, SUM(w.status = 'failed') AS failed, "
            "SUM(w.status = 'not_sent') AS not_sent, SUM(w.status = 'pending') AS pending "
            "FROM runs r LEFT JOIN rows w USING (run_id) GROUP BY r.run_id ORDER BY r.started DESC",
            self._db,
        )

    def results(self, run_id: str | None = None) -> pd.DataFrame:
        """The results of a run (the latest when None), one row per input row, index as in the input."""
        if run_id is None:
            row = self._db.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
            if row is None:
                raise JournalError(str(self.path), "holds no runs")
            run_id = str(row[0])
        frame = pd.read_sql_query(
            "SELECT label, row_key AS rowKey, status, http_status, message, batch, attempts FROM rows WHERE run_id = ? ORDER BY pos",
            self._db, params=(run_id,),
        )
        if frame.empty and not self._db.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone():
            raise JournalError(str(self.path), f"has no run {run_id!r}")
        frame.index = pd.Index([json.loads(v) for v in frame.pop("label")])
        frame = frame.astype({"http_status": "Int64", "batch": "Int64", "attempts": "Int64"})
        frame.attrs["run_id"] = run_id
        return frame[RESULT_COLUMNS]
