"""A review's candidates as one frame, and where each decision about them is written down.

>>> frame = candidates_frame(due, conn)       # sorted by due date, then row key  # doctest: +SKIP
>>> DecisionWriter(store, review_id, audit_folder, frame).decisions(rows, 1, "approved", None, "Jane Smith", now)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opus_nb._errors import ReviewError
from opus_nb.jobs._audit import AuditLog
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates
from opus_nb.reviews._store import Decision, Outcome, ReviewStore

__all__ = ["NEEDED_COLUMNS", "DecisionWriter", "candidates_frame"]

#: The columns of due records a review shows and keeps (added blank when the frame lacks them).
NEEDED_COLUMNS = ["rowKey", "leafName", "termFullPath", "createdBy", "modifiedBy", "timeCreated", "timeModified"]


def candidates_frame(due: pd.DataFrame, connection: Connection | None) -> pd.DataFrame:
    """``due`` with text row keys, every needed column and a ``due_date``, oldest due first; keys must be unique."""
    if "rowKey" not in due:
        raise ReviewError("the candidates need a rowKey column (as opus.due_records returns)")
    frame = due.reset_index(drop=True)
    frame["rowKey"] = frame["rowKey"].astype("string")
    for column in NEEDED_COLUMNS:
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["due_date"] = disposal_due_dates(frame, connection)
    order = np.lexsort((frame["rowKey"].to_numpy(dtype=object), frame["due_date"].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    keys = pd.Index(frame["rowKey"].to_numpy(dtype=object))
    if keys.has_duplicates:
        raise ReviewError(f"rowKey must be unique among the candidates; repeated: {list(keys[keys.duplicated()][:5])}")
    return frame


class DecisionWriter:
    """Writes one review's decisions and destroy outcomes to the review store and the audit log, each in one write."""

    def __init__(self, store: ReviewStore, review_id: str, audit: Path, frame: pd.DataFrame) -> None:
        self.store, self.review_id, self.audit, self.frame = store, review_id, audit, frame

    def decisions(self, rows: np.ndarray, stage: int, decision: str, reason: str | None, who: str, now: dt.datetime) -> None:
        """The same decision by ``who`` at ``stage`` on the candidates at positions ``rows``."""
        keys, names, terms, dues = self._details(rows)
        stamp = now.isoformat(timespec="seconds") + "+00:00"
        self.store.record(
            self.review_id,
            (
                Decision(k, stage, decision, who, stamp, reason, n, t, d)
                for k, n, t, d in zip(keys, names, terms, dues, strict=True)
            ),
        )
        AuditLog(self.audit).write(
            {
                "time": stamp,
                "reviewer": who,
                "review": self.review_id,
                "stage": stage,
                "rowKey": k,
                "name": n,
                "classification": t,
                "due_date": d,
                "result": decision,
                "message": reason,
            }
            for k, n, t, d in zip(keys, names, terms, dues, strict=True)
        )

    def outcomes(self, rows: np.ndarray, outcome: pd.DataFrame, who: str, now: dt.datetime) -> None:
        """A destroy's result rows (``outcome``, aligned with ``rows``) into the store (the destroy audits itself)."""
        keys, names, terms, dues = self._details(rows)
        messages = [None if pd.isna(m) else str(m) for m in outcome["message"]]
        self.store.record_outcomes(
            self.review_id,
            (
                Outcome(k, str(s), who, now, m, n, t, d)
                for k, s, m, n, t, d in zip(keys, outcome["status"], messages, names, terms, dues, strict=True)
            ),
        )

    def _details(self, rows: np.ndarray) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        part = self.frame.iloc[rows]
        names, terms = (_texts(part[c].astype("string")) for c in ("leafName", "termFullPath"))
        return _texts(part["rowKey"].astype("string")), names, terms, _texts(part["due_date"].dt.strftime("%Y-%m-%d"))


def _texts(values: pd.Series) -> list[Any]:
    """Text values as a list, None where missing."""
    return values.astype(object).where(values.notna(), None).tolist()
