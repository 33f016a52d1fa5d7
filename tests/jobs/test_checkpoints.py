"""The journal's log is checkpointed from a thread of its own while a run is sent, so its close has little to copy."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from opus_nb.jobs._checkpoints import Checkpoints
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._outcomes import Answered, Outcomes

THREAD = "opus-journal-checkpoints"


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == THREAD]


def _wal_database(path: Path, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (x TEXT)")
    for i in range(rows):
        db.execute("INSERT INTO t VALUES (?)", (f"row {i} " * 50,))
    return db


def _until(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_it_copies_the_log_into_the_database_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    db = _wal_database(path, 200)  # every page still in the log: the database file holds none yet
    assert path.stat().st_size < 8192
    checkpoints = Checkpoints(path, every_s=0.01)
    checkpoints.start()
    try:
        _until(lambda: checkpoints.runs >= 1 and path.stat().st_size > 50_000)
        db.execute("INSERT INTO t VALUES ('while running')")
        runs = checkpoints.runs
        _until(lambda: checkpoints.runs > runs + 1)
    finally:
        checkpoints.stop()
    assert _threads() == []
    assert "stopped" in repr(checkpoints)
    assert checkpoints.copied > 0
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 201
    db.close()


def test_a_journal_checkpoints_only_while_it_holds_a_run(tmp_path: Path) -> None:
    folder = tmp_path / "opus-journal"
    reader = Journal(folder)
    assert _threads() == []  # reading a journal starts no thread
    reader.close()
    book = Journal(folder)
    run = book.start("submit", "print", "conn", {}, list(range(30)), [f"k{i}" for i in range(30)])
    assert _threads() == [THREAD]
    entry = book.sending(run, 1, list(range(15)))
    outcomes = Outcomes.same(list(range(15)), "submitted", http_status=201, batch=1, attempts=1, confirmed=True)
    book.answered(run, Answered(entry, 1, 201, 1, outcomes))
    book.close()
    assert _threads() == []
    assert not Path(f"{book.path}-wal").exists()  # the close checkpointed the rest
    with Journal(folder) as again:
        assert again.confirmed(run).pos == list(range(15))


def test_a_log_it_cannot_open_is_logged_and_the_thread_ends(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    checkpoints = Checkpoints(tmp_path / "no such folder" / "journal.sqlite", every_s=0.01)
    with caplog.at_level(logging.WARNING, logger="opus_nb.journal"):
        checkpoints.start()
        checkpoints.stop()
    assert checkpoints.runs == 0
    assert "cannot open" in caplog.text and "checkpoints when it closes" in caplog.text
