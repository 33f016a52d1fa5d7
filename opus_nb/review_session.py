"""A disposal review as plain Python: candidates, decisions, filters, counts, export, destroy.

>>> session = ReviewSession(due)            # due = opus.due_records(before="2026-01-01")  # doctest: +SKIP
>>> session.filter(classification="Finance", due_to="2021-12-31")                        # doctest: +SKIP
>>> session.approve_shown()                                                               # doctest: +SKIP
>>> session.export_approved("approved.xlsx")                                              # doctest: +SKIP
>>> session.destroy(confirmation=len(session.approved), dry_run=False)                    # doctest: +SKIP

The review panel (`opus_nb.review`) is a view over one of these; everything it does is a call
here, so a review can be scripted and tested without a browser. Nothing is destroyed without
the typed confirmation (the number of approved records), dry run is the default, and a real
run goes through `opus_nb.destroy.destroy` (re-check, audit log) in chunks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from opus_nb.audit import DEFAULT_AUDIT_FOLDER, default_reviewer
from opus_nb.client import OpusClient
from opus_nb.connection import Connection
from opus_nb.due_dates import disposal_due_dates
from opus_nb.errors import OpusError
from opus_nb.review_filters import DECISIONS, CandidateIndex, Filters, filter_value
from opus_nb.session import current_connection

if TYPE_CHECKING:
    from opus_nb.widgets.panel import ReviewPanel

__all__ = [
    "DECISIONS",
    "ConfirmationMismatch",
    "Filters",
    "NothingApproved",
    "ReviewError",
    "ReviewSession",
    "UnknownKeys",
    "review",
]

UNDECIDED, APPROVED, REJECTED, DESTROYED = DECISIONS
_CODE = {name: np.int8(i) for i, name in enumerate(DECISIONS)}
_NEEDED_COLUMNS = ["rowKey", "leafName", "termFullPath", "createdBy", "modifiedBy", "timeCreated", "timeModified"]
_MAX_CHUNKS = 10

Progress = Callable[[int, int], None]


class ReviewError(OpusError):
    """A review action that cannot be done as asked."""


class UnknownKeys(ReviewError, KeyError):
    """Row keys that are not among the candidates (`.keys` holds them)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        shown = ", ".join(repr(k) for k in keys[:5]) + (" ..." if len(keys) > 5 else "")
        super().__init__(f"{len(keys)} row key(s) are not among the candidates: {shown}")

    def __str__(self) -> str:
        return str(self.args[0])


class NothingApproved(ReviewError):
    """Mark destroyed was asked for while no record is approved."""


class ConfirmationMismatch(ReviewError):
    """The typed confirmation is not the number of approved records."""

    def __init__(self, expected: int, given: object) -> None:
        self.expected = expected
        self.given = given
        super().__init__(
            f"type the number of approved records ({expected}) to confirm; got {str(given)!r}. Nothing was sent."
        )


class ReviewSession:
    """Decisions about disposal candidates (one per ``rowKey``), kept in Python."""

    def __init__(
        self,
        due: pd.DataFrame,
        connection: Connection | None = None,
        *,
        reviewer: str | None = None,
        audit: str | Path = DEFAULT_AUDIT_FOLDER,
        client: OpusClient | None = None,
    ) -> None:
        if "rowKey" not in due:
            raise ReviewError("the candidates need a rowKey column (as opus.due_records returns)")
        self.connection = current_connection(connection, required=False)
        self.reviewer = reviewer or default_reviewer()
        self.audit = Path(audit)
        self.client = client
        frame = due.reset_index(drop=True)
        frame["rowKey"] = frame["rowKey"].astype("string")
        for name in _NEEDED_COLUMNS:
            if name not in frame:
                frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame["due_date"] = disposal_due_dates(frame, self.connection)
        order = np.lexsort((frame["rowKey"].to_numpy(dtype=object), frame["due_date"].to_numpy()))
        self._frame = frame.iloc[order].reset_index(drop=True)
        keys = pd.Index(self._frame["rowKey"].to_numpy(dtype=object))
        if keys.has_duplicates:
            raise ReviewError(f"rowKey must be unique among the candidates; repeated: {list(keys[keys.duplicated()][:5])}")
        self._keys = keys
        n = len(frame)
        self._state = np.zeros(n, dtype=np.int8)
        self._reason = np.full(n, None, dtype=object)
        self._decided_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
        self._index = CandidateIndex(self._frame)
        self.filters = Filters()
        self._mask = np.ones(n, dtype=bool)
        self.results: pd.DataFrame | None = None
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        c = self.counts
        return (f"<ReviewSession {c['candidates']:,} candidates: {c['approved']:,} approved, "
                f"{c['rejected']:,} rejected, {c['undecided']:,} undecided, {c['destroyed']:,} destroyed>")

    def __len__(self) -> int:
        return len(self._keys)

    # listening ----------------------------------------------------------------------------------

    def on_change(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(what)`` after every change; ``what`` is filters, decisions or results."""
        self._listeners.append(callback)

    def _changed(self, what: str) -> None:
        for callback in list(self._listeners):
            callback(what)

    # reading ------------------------------------------------------------------------------------

    @property
    def candidates(self) -> pd.DataFrame:
        """Every candidate, oldest due first, with ``due_date``, ``decision`` and ``reason``."""
        return self._with_decisions(np.arange(len(self._keys)))

    @property
    def shown(self) -> pd.DataFrame:
        """The candidates the filters let through."""
        return self._with_decisions(np.flatnonzero(self._mask))

    @property
    def n_shown(self) -> int:
        return int(self._mask.sum())

    def page(self, number: int, size: int = 20) -> pd.DataFrame:
        """One page (from 0) of the shown candidates."""
        rows = np.flatnonzero(self._mask)[number * size : (number + 1) * size]
        return self._with_decisions(rows)

    @property
    def approved(self) -> pd.DataFrame:
        return self._decided(APPROVED)

    @property
    def rejected(self) -> pd.DataFrame:
        return self._decided(REJECTED)

    @property
    def undecided(self) -> pd.DataFrame:
        return self._decided(UNDECIDED)

    @property
    def destroyed(self) -> pd.DataFrame:
        return self._decided(DESTROYED)

    @property
    def counts(self) -> dict[str, int]:
        """Candidates, each decision, and how many the filters show."""
        per = np.bincount(self._state, minlength=len(DECISIONS))
        return {"candidates": len(self._keys), **{d: int(per[i]) for i, d in enumerate(DECISIONS)}, "shown": self.n_shown}

    @property
    def decisions(self) -> pd.DataFrame:
        """Every decision taken: rowKey, decision, reason, reviewer, decided_at."""
        rows = np.flatnonzero(self._state != _CODE[UNDECIDED])
        return pd.DataFrame({
            "rowKey": self._keys[rows].astype("string"),
            "decision": pd.array(np.asarray(DECISIONS, dtype=object)[self._state[rows]], dtype="string"),
            "reason": pd.array(self._reason[rows], dtype="string"),
            "reviewer": pd.array([self.reviewer] * len(rows), dtype="string"),
            "decided_at": pd.to_datetime(self._decided_at[rows]),
        })

    def classifications(self) -> pd.Series:
        """Candidates per classification, most first."""
        return self._frame["termFullPath"].value_counts(dropna=False)

    def owners(self, limit: int = 500) -> list[str]:
        """The people in created-by and modified-by, most frequent first."""
        both = pd.concat([self._frame["createdBy"], self._frame["modifiedBy"]]).dropna()
        return [str(v) for v in both.value_counts().index[:limit]]

    def breakdown(self, by: str) -> pd.DataFrame:
        """Counts per decision for each classification (``by="classification"``) or due year (``"due_year"``)."""
        return self._index.breakdown(by, self._state)

    # filtering ----------------------------------------------------------------------------------

    def filter(self, **changes: Any) -> int:
        """Change some filters (None or empty clears one; see `Filters`); returns how many are shown.

        >>> session.filter(classification=["Finance/Audit"], owner="ann", due_to="2021-12-31")  # doctest: +SKIP
        """
        values = {name: filter_value(name, value) for name, value in changes.items()}
        self.filters = replace(self.filters, **values)
        self._mask = self._index.mask(self.filters, self._state)
        self._changed("filters")
        return self.n_shown

    def clear_filters(self) -> int:
        """Show every candidate again."""
        self.filters = Filters()
        self._mask = np.ones(len(self._keys), dtype=bool)
        self._changed("filters")
        return self.n_shown

    # deciding -----------------------------------------------------------------------------------

    def approve(self, keys: str | Iterable[Any]) -> int:
        """Approve these records for disposal; returns how many changed."""
        return self._decide(self._rows(keys), APPROVED, None)

    def reject(self, keys: str | Iterable[Any], reason: str | None = None) -> int:
        """Reject (keep) these records, with an optional reason."""
        return self._decide(self._rows(keys), REJECTED, reason)

    def undecide(self, keys: str | Iterable[Any]) -> int:
        """Take back the decision on these records."""
        return self._decide(self._rows(keys), UNDECIDED, None)

    def approve_shown(self) -> int:
        """Approve everything the filters show (destroyed records stay as they are)."""
        return self._decide(np.flatnonzero(self._mask), APPROVED, None)

    def reject_shown(self, reason: str | None = None) -> int:
        return self._decide(np.flatnonzero(self._mask), REJECTED, reason)

    def undecide_shown(self) -> int:
        return self._decide(np.flatnonzero(self._mask), UNDECIDED, None)

    def _rows(self, keys: str | Iterable[Any]) -> np.ndarray:
        wanted = [keys] if isinstance(keys, str) else [str(k) for k in keys]
        rows = self._keys.get_indexer(wanted)
        missing = [k for k, r in zip(wanted, rows, strict=True) if r < 0]
        if missing:
            raise UnknownKeys(missing)
        destroyed = [k for k, r in zip(wanted, rows, strict=True) if self._state[r] == _CODE[DESTROYED]]
        if destroyed:
            raise ReviewError(f"already marked destroyed, cannot be decided again: {destroyed[:5]}")
        return np.asarray(rows, dtype=np.intp)

    def _decide(self, rows: np.ndarray, decision: str, reason: str | None) -> int:
        rows = rows[self._state[rows] != _CODE[DESTROYED]]
        code = _CODE[decision]
        changed = int(((self._state[rows] != code) | (self._reason[rows] != reason)).sum())
        self._state[rows] = code
        self._reason[rows] = reason
        self._decided_at[rows] = np.datetime64("NaT") if decision == UNDECIDED else np.datetime64(_now(), "s")
        if self.filters.decision:
            self._mask = self._index.mask(self.filters, self._state)
        self._changed("decisions")
        return changed

    # export and destroy -------------------------------------------------------------------------

    def export_approved(self, path: str | Path) -> Path:
        """Write the approved list to ``path`` (.csv or .xlsx): what the content source's team destroys from."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise ReviewError(f"export to a .csv or .xlsx file, not {target.name!r}")
        frame = self.approved.drop(columns=["decision"]).assign(reviewer=self.reviewer)
        frame = frame.merge(self.decisions[["rowKey", "decided_at"]], on="rowKey", how="left")
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            frame.to_csv(target, index=False)
        else:
            _to_excel(frame, target)
        return target

    def destroy(self, confirmation: object, *, dry_run: bool = True, on_progress: Progress | None = None) -> pd.DataFrame:
        """Mark the approved records Destroyed in Opus; one result row per record.

        ``confirmation`` must be the number of approved records. With ``dry_run`` (the default)
        nothing is sent: the records are only checked again against what Opus lists as due.
        """
        approved = self.approved
        keys = [str(k) for k in approved["rowKey"]]
        if not keys:
            raise NothingApproved("no record is approved: approve some first. Nothing was sent.")
        if str(confirmation).strip() != str(len(keys)):
            raise ConfirmationMismatch(len(keys), confirmation)
        if dry_run:
            outcome = self._dry_run(keys)
            if on_progress is not None:
                on_progress(len(keys), len(keys))
        else:
            outcome = self._destroy(keys, on_progress)
        names = approved.set_index("rowKey")["leafName"]
        outcome.insert(1, "leafName", names.reindex(outcome["rowKey"]).to_numpy())
        done = outcome.loc[outcome["status"] == "destroyed", "rowKey"]
        if len(done):
            rows = self._keys.get_indexer([str(k) for k in done])
            self._state[rows] = _CODE[DESTROYED]
            self._decided_at[rows] = np.datetime64(_now(), "s")
        self.results = outcome
        self._changed("results")
        return outcome

    def _dry_run(self, keys: list[str]) -> pd.DataFrame:
        from opus_nb.due import due_records

        due = due_records(self.connection, before=pd.Timestamp.now(), progress=False, client=self.client)
        still = set(due["rowKey"].astype(str)) if len(due) else set()
        ok = [k in still for k in keys]
        return pd.DataFrame({
            "rowKey": pd.array(keys, dtype="string"),
            "status": pd.array(["would_destroy" if o else "not_sent" for o in ok], dtype="string"),
            "message": pd.array(
                ["dry run: still due, nothing sent" if o else "no longer due (on hold, destroyed or unknown): would not be sent"
                 for o in ok], dtype="string"),
        })

    def _destroy(self, keys: list[str], on_progress: Progress | None) -> pd.DataFrame:
        from opus_nb.destroy import BATCH_SIZE, destroy

        size = BATCH_SIZE * max(1, -(-len(keys) // (BATCH_SIZE * _MAX_CHUNKS)))
        parts: list[pd.DataFrame] = []
        if on_progress is not None:
            on_progress(0, len(keys))
        for start in range(0, len(keys), size):
            chunk = keys[start : start + size]
            parts.append(destroy(chunk, self.connection, confirm=True, reviewer=self.reviewer, recheck=True,
                                 audit=self.audit, progress=False, client=self.client))
            if on_progress is not None:
                on_progress(start + len(chunk), len(keys))
        frame = pd.concat(parts, ignore_index=True)
        return frame[["rowKey", "status", "message", "http_status", "batch"]]

    # helpers ------------------------------------------------------------------------------------

    def _decided(self, decision: str) -> pd.DataFrame:
        return self._with_decisions(np.flatnonzero(self._state == _CODE[decision]))

    def _with_decisions(self, rows: np.ndarray) -> pd.DataFrame:
        frame = self._frame.iloc[rows]
        decision = pd.array(np.asarray(DECISIONS, dtype=object)[self._state[rows]], dtype="string")
        return frame.assign(decision=decision, reason=pd.array(self._reason[rows], dtype="string"))


def review(due: pd.DataFrame, connection: Connection | None = None, **options: Any) -> ReviewPanel:
    """The review panel over ``due`` (a widget; every action is also a method on it).

    >>> panel = opus.review(opus.due_records(before="2026-01-01"))   # doctest: +SKIP
    >>> panel.approve(["INV-2014-000005"]); panel.approved            # doctest: +SKIP
    """
    from opus_nb.widgets.panel import ReviewPanel

    return ReviewPanel(ReviewSession(due, connection, **options))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _to_excel(frame: pd.DataFrame, target: Path) -> None:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: ", ".join(map(str, v)) if isinstance(v, tuple) else v)
    out.to_excel(target, index=False, sheet_name="approved")
