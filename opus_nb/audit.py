"""The disposal audit log: who asked to destroy what, and what happened, as JSON lines and CSV.

>>> log = AuditLog("opus-audit")                 # a folder beside the notebook   # doctest: +SKIP
>>> log.read().tail()                            # every intent and outcome so far # doctest: +SKIP

Each entry: ``time`` (UTC, ISO 8601), ``reviewer`` (the OS user unless given), ``review`` (the
review it belongs to, when one) and its ``stage``, ``rowKey``, ``name``, ``classification``,
``due_date``, ``result`` (a decision: ``approved``, ``rejected``, ``undecided``; or a destroy:
``intent`` before the request, then ``destroyed``, ``failed`` or ``not_sent``) and ``message``
(the server's, or the reviewer's comment). Files are only
appended to, and each write is flushed before the request it announces goes out.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["AUDIT_FIELDS", "DEFAULT_AUDIT_FOLDER", "AuditLog", "default_reviewer"]

DEFAULT_AUDIT_FOLDER = "opus-audit"
AUDIT_FIELDS = ["time", "reviewer", "review", "stage", "rowKey", "name", "classification", "due_date", "result", "message"]


def default_reviewer() -> str:
    """The operating-system user running this code."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USERNAME") or "unknown"


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    return str(value)


class AuditLog:
    """Appends entries to ``destroy-audit.jsonl`` and ``destroy-audit.csv`` in ``folder``."""

    def __init__(self, folder: str | Path = DEFAULT_AUDIT_FOLDER) -> None:
        self.folder = Path(folder)
        self.jsonl = self.folder / "destroy-audit.jsonl"
        self.csv = self.folder / "destroy-audit.csv"

    def __repr__(self) -> str:
        return f"<AuditLog {self.folder}>"

    def write(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append entries (missing fields blank; ``time`` filled in when absent)."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        rows = [{f: _text(e.get(f)) for f in AUDIT_FIELDS} | {"time": _text(e.get("time")) or now} for e in entries]
        if not rows:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.jsonl.open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            out.flush()
            os.fsync(out.fileno())
        new = not self.csv.exists()
        with self.csv.open("a", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=AUDIT_FIELDS)
            if new:
                writer.writeheader()
            writer.writerows(rows)

    def read(self) -> pd.DataFrame:
        """Every entry so far, oldest first."""
        if not self.jsonl.exists():
            return pd.DataFrame(columns=AUDIT_FIELDS)
        with self.jsonl.open(encoding="utf-8") as lines:
            return pd.DataFrame([json.loads(line) for line in lines if line.strip()], columns=AUDIT_FIELDS)
