"""The emulator's SQLite storage: app registrations, connections, records, settings, seen `jti`s.

>>> store = Store(None)                      # in memory; Store("opus.db") survives restarts
>>> store.set_setting("manual_approval", "1")
>>> store.setting("manual_approval")
'1'

One connection, shared by the server's event loop and the Python API, guarded by a lock; every
method is one short transaction. Record rows keep the order they were first stored in (`seq`),
which an overwrite does not change: due-record paging walks that order.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

__all__ = ["AppRow", "RecordRow", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL,
    secret_hash TEXT, certificate TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    row_key TEXT NOT NULL UNIQUE,
    connection_id TEXT NOT NULL,
    data TEXT NOT NULL,
    term TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    due TEXT,
    item TEXT NOT NULL,
    on_hold INTEGER NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 0,
    destroyed TEXT,
    submitted TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_connection ON records (connection_id, seq);
CREATE TABLE IF NOT EXISTS assertions (
    client_id TEXT NOT NULL, jti TEXT NOT NULL, forget_after REAL NOT NULL,
    PRIMARY KEY (client_id, jti));
"""

_RECORD_COLUMNS = "seq, row_key, connection_id, data, term, created, modified, due, on_hold, approved, destroyed"


@dataclass(frozen=True)
class AppRow:
    """A registered app as stored: the secret only as a hash, the certificate as public PEM."""

    client_id: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str | None
    certificate: str | None


@dataclass(frozen=True)
class RecordRow:
    """A stored record; times are ISO strings (`YYYY-MM-DD HH:MM:SS`), `data` the record's JSON."""

    seq: int
    row_key: str
    connection_id: str
    data: str
    term: str | None
    created: str
    modified: str
    due: str | None
    on_hold: bool
    approved: bool
    destroyed: str | None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _record(row: Sequence[object]) -> RecordRow:
    seq, key, conn, data, term, created, modified, due, hold, approved, destroyed = row
    return RecordRow(
        int(cast(int, seq)),
        str(key),
        str(conn),
        str(data),
        _text(term),
        str(created),
        str(modified),
        _text(due),
        bool(hold),
        bool(approved),
        _text(destroyed),
    )


class Store:
    """SQLite storage; `path=None` keeps everything in memory."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        target = ":memory:" if path is None else str(path)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA busy_timeout = 5000")
            if path is not None:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and one write transaction: `with store.transaction() as db: ...`."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # settings ---------------------------------------------------------------------------------

    def setting(self, name: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else default

    def set_setting(self, name: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value))

    # apps -------------------------------------------------------------------------------------

    def add_app(self, app: AppRow, created: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO apps (client_id, name, scopes, secret_hash, certificate, created) VALUES (?, ?, ?, ?, ?, ?)",
                (app.client_id, app.name, " ".join(app.scopes), app.secret_hash, app.certificate, created),
            )

    def app(self, client_id: str) -> AppRow | None:
        rows = self._query("SELECT client_id, name, scopes, secret_hash, certificate FROM apps WHERE client_id = ?", (client_id,))
        if not rows:
            return None
        cid, name, scopes, secret_hash, cert = rows[0]
        return AppRow(str(cid), str(name), tuple(str(scopes).split()), _text(secret_hash), _text(cert))

    # replayed assertions ----------------------------------------------------------------------

    def remember_jti(self, client_id: str, jti: str, forget_after: float, now: float) -> bool:
        """Remember a client assertion's `jti`; False if it was seen and not yet forgotten."""
        with self.transaction() as db:
            db.execute("DELETE FROM assertions WHERE forget_after < ?", (now,))
            cur = db.execute(
                "INSERT OR IGNORE INTO assertions (client_id, jti, forget_after) VALUES (?, ?, ?)",
                (client_id, jti, forget_after),
            )
            return cur.rowcount == 1

    # connections ------------------------------------------------------------------------------

    def put_connection(self, connection_id: str, definition: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO connections (id, definition) VALUES (?, ?)", (connection_id, definition))

    def connection_definitions(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT definition FROM connections ORDER BY rowid")]

    # records ----------------------------------------------------------------------------------

    def records_by_key(self, row_keys: Iterable[str]) -> dict[str, RecordRow]:
        keys = list(dict.fromkeys(row_keys))
        found: dict[str, RecordRow] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT {_RECORD_COLUMNS} FROM records WHERE row_key IN ({marks})", chunk):
                rec = _record(row)
                found[rec.row_key] = rec
        return found

    def records(self, connection_id: str | None = None) -> list[RecordRow]:
        where, params = ("WHERE connection_id = ?", (connection_id,)) if connection_id else ("", ())
        return [_record(r) for r in self._query(f"SELECT {_RECORD_COLUMNS} FROM records {where} ORDER BY seq", params)]

    def count_records(self) -> int:
        return int(cast(int, self._query("SELECT COUNT(*) FROM records")[0][0]))

    def max_seq(self) -> int:
        return int(cast(int, self._query("SELECT COALESCE(MAX(seq), 0) FROM records")[0][0]))

    def due_page(self, connection_id: str, before: str, after_seq: int, upto_seq: int, limit: int) -> list[tuple[int, str]]:
        """(seq, due item JSON) of up to `limit` live, not-held records due before `before`, after `after_seq`."""
        rows = self._query(
            "SELECT seq, item FROM records WHERE connection_id = ? AND seq > ? AND seq <= ? "
            "AND due IS NOT NULL AND due < ? AND destroyed IS NULL AND on_hold = 0 ORDER BY seq LIMIT ?",
            (connection_id, after_seq, upto_seq, before, limit),
        )
        return [(int(cast(int, seq)), str(item)) for seq, item in rows]

    def save_records(self, inserts: Sequence[Sequence[object]], updates: Sequence[Sequence[object]]) -> None:
        """Insert new records and overwrite existing ones (keeping their place and their flags).

        inserts: (row_key, connection_id, data, term, created, modified, due, item, submitted);
        updates: (data, term, created, modified, due, item, submitted, row_key).
        `item` is the record as due-record listings show it, as JSON.
        """
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO records (row_key, connection_id, data, term, created, modified, due, item, submitted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            db.executemany(
                "UPDATE records SET data = ?, term = ?, created = ?, modified = ?, due = ?, item = ?, submitted = ? "
                "WHERE row_key = ?",
                updates,
            )

    def set_flag(self, row_keys: Sequence[str], flag: str, value: bool) -> None:
        """Set `on_hold` or `approved` on these records."""
        if flag not in ("on_hold", "approved"):
            raise ValueError(f"not a record flag: {flag!r}")
        with self.transaction() as db:
            db.executemany(f"UPDATE records SET {flag} = ? WHERE row_key = ?", [(int(value), k) for k in row_keys])

    def mark_destroyed(self, row_keys: Sequence[str], when: str) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE records SET destroyed = ? WHERE row_key = ?", [(when, k) for k in row_keys])

    def set_items(self, items: Sequence[tuple[str, str]]) -> None:
        """Store re-rendered due items: pairs of (item JSON, row key)."""
        with self.transaction() as db:
            db.executemany("UPDATE records SET item = ? WHERE row_key = ?", items)

    def set_due_dates(self, dues: Sequence[tuple[str | None, str]]) -> None:
        """Store recomputed due dates: pairs of (due or None, row key)."""
        with self.transaction() as db:
            db.executemany("UPDATE records SET due = ? WHERE row_key = ?", dues)

    def clear(self, *, keep_apps: bool = True) -> None:
        """Forget records and connections (and apps, unless kept)."""
        with self.transaction() as db:
            db.execute("DELETE FROM records")
            db.execute("DELETE FROM connections")
            db.execute("DELETE FROM assertions")
            if not keep_apps:
                db.execute("DELETE FROM apps")
