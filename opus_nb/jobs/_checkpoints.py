"""Copying the journal's write-ahead log into the database from a thread of its own.

>>> checkpoints = Checkpoints(Path("opus-journal/journal.sqlite"))    # doctest: +SKIP
>>> checkpoints.start()       # while a run is sent, on another connection  # doctest: +SKIP
>>> checkpoints.stop()        # before the journal's own connection closes   # doctest: +SKIP

SQLite copies its write-ahead log back into the database (a checkpoint, which syncs the disk)
in the thread that commits when the log passes ``wal_autocheckpoint`` pages, and in ``close``
for whatever is left: the submit engine's event loop would wait tens of milliseconds at the end
of every run, and in the middle of a long one, with every batch in flight held up. A PASSIVE
checkpoint waits for no reader and no writer, so this thread runs one every `EVERY_S` on a
connection of its own while a run is sent, and the journal's close has little left to copy.
A checkpoint that fails is only logged: the log keeps every write, and the next checkpoint
(at the latest the journal's close) copies it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

__all__ = ["EVERY_S", "Checkpoints"]

#: Seconds between two checkpoints: a quarter of a second of batches is a few hundred pages.
EVERY_S = 0.25

_log = logging.getLogger("opus_nb.journal")


class Checkpoints:
    """A daemon thread checkpointing the database at ``path`` every ``every_s`` seconds until `stop`."""

    def __init__(self, path: Path, every_s: float = EVERY_S) -> None:
        self.path = path
        self.every_s = every_s
        #: Checkpoints run so far, and the log's frames in the database after the last one.
        self.runs = 0
        self.copied = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<Checkpoints {self.path.name} every {self.every_s:g} s, {state}, {self.runs} run>"

    def start(self) -> None:
        """Start the thread (once; again after `stop`)."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="opus-journal-checkpoints", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (a checkpoint under way is finished first)."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            _log.warning("journal checkpoints: cannot open %s (%s); the journal checkpoints when it closes", self.path, exc)
            return
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            while not self._stopping.wait(self.every_s):
                self._checkpoint(db)
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            _busy, _log_pages, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            _log.debug("journal checkpoint of %s failed (%s); the next one copies its pages", self.path, exc)
            return
        self.runs += 1
        self.copied = copied
