"""A review's candidates as one frame, and where each decision about them is written down.

>>> frame = candidates_frame(due, conn)       # sorted by due date, then row key  # doctest: +SKIP
>>> DecisionWriter(store, review_id, audit_folder, frame).decisions(rows, 1, "approved", None, "Jane Smith", now)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opus_nb._errors import ReviewError
from opus_nb.jobs._audit import AuditLog, AuditWarning
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates
from opus_nb.reviews._decisions import StagedDecisions
from opus_nb.reviews._store import Decision, Outcome, ReviewStore

__all__ = ["NEEDED_COLUMNS", "AuditPending", "DecisionWriter", "candidates_frame"]

#: The fields that make two audit lines the same decision (so `DecisionWriter.settle` never writes one twice).
_SAME = ("time", "reviewer", "review", "stage", "rowKey", "result")

#: The columns of due records a review shows and keeps (added blank when the frame lacks them).
NEEDED_COLUMNS = ["rowKey", "leafName", "termFullPath", "createdBy", "modifiedBy", "timeCreated", "timeModified"]


def candidates_frame(due: pd.DataFrame, connection: Connection | None) -> pd.DataFrame:
    """``due`` with text row keys, every needed column and a ``due_date``, oldest due first; keys must be unique and
    not blank (a `ReviewError` names the rows otherwise)."""
    if "rowKey" not in due:
        raise ReviewError("the candidates need a rowKey column (as opus.due_records returns)")
    keys = due["rowKey"].astype("string")
    blank = keys.isna() | (keys.str.strip() == "").fillna(True)
    if blank.any():
        raise ReviewError(
            f"rowKey is blank in {int(blank.sum()):,} candidate row(s) (index {list(due.index[blank.to_numpy()][:5])}): "
            "every candidate needs its key; drop or fill those rows first"
        )
    frame = due.reset_index(drop=True)
    frame["rowKey"] = keys.reset_index(drop=True)
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


class AuditPending(AuditWarning):
    """Decisions are in the review store but could not be written to the audit log yet (``folder``): they are written
    there, once, the next time a decision is made or the review is opened."""

    def __init__(self, count: int, folder: Path, error: OSError) -> None:
        self.count, self.folder = count, folder
        super().__init__(
            f"{count:,} decision(s) are kept in the review store but could not be written to the audit log in "
            f"{folder} ({error.strerror or error}); they are written there when the next decision is made or the "
            "review is opened again"
        )


class DecisionWriter:
    """Writes one review's decisions to the review store and then the audit log, and destroy outcomes to the store.

    The store notes the decisions not yet in the audit log (`ReviewStore.record` with ``audit=``) in the same
    transaction as the decisions; `settle` writes what the audit log lacks of any noted earlier (a process killed
    between the two writes), without writing a line twice.
    """

    def __init__(self, store: ReviewStore, review_id: str, audit: Path, frame: pd.DataFrame) -> None:
        self.store, self.review_id, self.audit, self.frame = store, review_id, audit, frame

    def latest(self, keys: pd.Index, stages: int) -> StagedDecisions:
        """The review's latest decisions about ``keys`` as the store holds them; destroyed, every key this
        review's destroys or the audit log (another review's destroy, a script's) confirm destroyed."""
        latest = StagedDecisions(len(keys), stages)
        latest.replay(self.store.current(self.review_id), keys)
        done = self.store.outcomes(self.review_id)
        gone = [*done.loc[done["status"] == "destroyed", "rowKey"], *AuditLog(self.audit).destroyed()]
        rows = keys.get_indexer(pd.Index(gone, dtype=object))
        latest.destroyed[rows[rows >= 0]] = True
        return latest

    def decisions(self, rows: np.ndarray, stage: int, decision: str, reason: str | None, who: str, now: dt.datetime) -> None:
        """The same decision by ``who`` at ``stage`` on the candidates at positions ``rows``: in the store (or a
        `ReviewStoreError` and nothing written), then in the audit log (or an `AuditPending` warning)."""
        keys, names, terms, dues = self._details(rows)
        stamp = now.isoformat(timespec="seconds") + "+00:00"
        decided = [
            Decision(k, stage, decision, who, stamp, reason, n, t, d) for k, n, t, d in zip(keys, names, terms, dues, strict=True)
        ]
        with self.store.audit_lock():
            self._settle()
            span = self.store.record(self.review_id, decided, audit=self.audit)
            if span is not None:
                self._audit(span, self.audit, [_entry(self.review_id, d) for d in decided])

    def settle(self) -> int:
        """Write to their audit logs the decisions the store holds that are not there yet; how many were written."""
        with self.store.audit_lock():
            return self._settle()

    def _settle(self) -> int:
        written = 0
        for span, folder, stored in self.store.unaudited():
            entries = [_entry(str(row.review), Decision(*row[1:])) for row in stored.astype(object).itertuples(index=False)]
            if entries:
                logged = AuditLog(folder).read() if (folder / "destroy-audit.jsonl").exists() else None
                if logged is not None:
                    seen = set(logged[list(_SAME)].astype(str).itertuples(index=False, name=None))
                    entries = [e for e in entries if tuple(str(e[f]) for f in _SAME) not in seen]
            if self._audit(span, folder, entries):
                written += len(entries)
        return written

    def _audit(self, span: tuple[int, int], folder: Path, entries: list[dict[str, Any]]) -> bool:
        """Write ``entries`` to the audit log in ``folder`` and clear ``span``; False (and a warning) when it cannot."""
        try:
            AuditLog(folder).write(entries)
        except OSError as exc:
            warnings.warn(AuditPending(span[1] - span[0] + 1, folder, exc), stacklevel=4)
            return False
        self.store.audited(span)
        return True

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


def _entry(review: str, d: Decision) -> dict[str, Any]:
    """A decision's line in the audit log."""
    return {
        "time": d.time,
        "reviewer": d.reviewer,
        "review": review,
        "stage": d.stage,
        "rowKey": d.rowKey,
        "name": d.name,
        "classification": d.classification,
        "due_date": d.due_date,
        "result": d.decision,
        "message": d.comment,
    }


def _texts(values: pd.Series) -> list[Any]:
    """Text values as a list, None where missing."""
    return values.astype(object).where(values.notna(), None).tolist()
