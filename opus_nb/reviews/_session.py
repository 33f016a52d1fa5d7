"""A disposal review as plain Python: candidates, staged decisions, filters, counts, export, destroy.

>>> session = ReviewSession(due, reviewer="Jane Smith")  # due = opus.due_records(before="2026-01-01")  # doctest: +SKIP
>>> session.filter(classification="Finance", due_to="2021-12-31")                                   # doctest: +SKIP
>>> session.approve_shown()             # the undecided ones; explicit decisions stay unless override=True  # doctest: +SKIP
>>> session.export_approved("approved.xlsx"); session.export_proof("proof")                         # doctest: +SKIP

The review panel (`opus_nb.review()`) is a view over one of these: everything it does is a call here.
Decisions are signed by a named reviewer and kept in the review store (`opus_nb.reviews._store`) and
the audit log, so reopening a review resumes it. With ``stages=2`` a second reviewer confirms the
first one's approvals; only records approved at every stage are destroyed, which needs their number
typed and a person's click (`opus_nb.reviews._guard`); dry run is the default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opus_nb._errors import ConfirmationMismatch, NothingApproved, ReviewError, UnknownKeys
from opus_nb._exports import write_table
from opus_nb.client._client import OpusClient
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER
from opus_nb.jobs._signin import current_client, current_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews._candidates import DecisionWriter, candidates_frame
from opus_nb.reviews._decisions import APPROVED, DESTROYED, REJECTED, UNDECIDED
from opus_nb.reviews._destroy import Progress, destroy_approved, recheck
from opus_nb.reviews._filters import DECISIONS, CandidateIndex, Filters, filter_value
from opus_nb.reviews._guard import PersonClick, PersonGate, refuse_scripted_destroy, reviewer_from_env_checked, reviewer_name
from opus_nb.reviews._names import same_reviewer_among
from opus_nb.reviews._paths import audit_folder, file_to_write, writing
from opus_nb.reviews._proof import write_proof
from opus_nb.reviews._store import DEFAULT_REVIEW_FOLDER, ReviewStore

__all__ = ["ReviewSession"]

_BULK = {"approve": APPROVED, "reject": REJECTED, "undecide": UNDECIDED}


class ReviewSession:
    """Decisions about disposal candidates (one per ``rowKey`` and stage), kept in the review store.

    ``due``: the candidates (as `due_records` gives them); ``connection``: theirs (default: the
    session's); ``reviewer``: the person deciding (default: ``OPUS_REVIEWER``, else asked for);
    ``client``: the client a destroy sends with (default: the session's).

    ``name`` and the connection's id name the review (reopening it resumes its decisions);
    ``stages`` (default 1, or what the stored review has) and ``stage`` (the one this reviewer
    decides); ``store`` is the review store's folder and ``audit`` the audit log's.
    """

    def __init__(
        self,
        due: pd.DataFrame,
        connection: Connection | None = None,
        *,
        reviewer: str | None = None,
        name: str = "default",
        stages: int | None = None,
        stage: int = 1,
        store: str | Path = DEFAULT_REVIEW_FOLDER,
        audit: str | Path = DEFAULT_AUDIT_FOLDER,
        client: OpusClient | None = None,
    ) -> None:
        self.connection = current_connection(connection, required=False)
        self.reviewer = reviewer_name(reviewer) if reviewer is not None else reviewer_from_env_checked()
        self.audit = audit_folder(audit)
        self.client = client
        if stages is not None and (isinstance(stages, bool) or not isinstance(stages, int) or stages < 1):
            raise ReviewError(f"stages must be a whole number from 1, not {stages!r}")
        if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= (stages or stage):
            raise ReviewError(
                f"stage must be between 1 and {stages or 'the number of stages'} for the review {name!r}, not {stage!r}"
            )
        self.store = ReviewStore(store)
        self.review = self.store.open(self.connection.id if self.connection else "no-connection", name, stages, stage=stage)
        if stage > self.review.stages:
            raise ReviewError(f"stage must be between 1 and {self.review.stages} for the review {name!r}, not {stage}")
        self.stage = stage
        self._frame = candidates_frame(due, self.connection)
        self._keys = keys = pd.Index(self._frame["rowKey"].to_numpy(dtype=object))
        self._writer = DecisionWriter(self.store, self.review.id, self.audit, self._frame)
        self._writer.settle()
        self._decisions = self._writer.latest(self._keys, self.review.stages)
        #: Where a person's clicks on the panel's destroy button come in (see `opus_nb.reviews._guard`).
        self.person_gate = PersonGate()
        self._index = CandidateIndex(self._frame)
        self.filters = Filters()
        self._update_state()
        self._mask = np.ones(len(keys), dtype=bool)
        self.results: pd.DataFrame | None = None
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<ReviewSession {c['candidates']:,} candidates: {c['approved']:,} approved, "
            f"{c['rejected']:,} rejected, {c['undecided']:,} undecided, {c['destroyed']:,} destroyed>"
        )

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def stages(self) -> int:
        return self.review.stages

    def set_reviewer(self, name: str) -> str:
        """Sign the next decisions with this name (a person's, never an OS login)."""
        self.reviewer = reviewer_name(name)
        self._changed("reviewer")
        return self.reviewer

    # listening ----------------------------------------------------------------------------------

    def on_change(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(what)`` after every change; ``what`` is filters, decisions, results or reviewer."""
        self._listeners.append(callback)

    def _changed(self, what: str) -> None:
        for callback in list(self._listeners):
            callback(what)

    # reading ------------------------------------------------------------------------------------

    @property
    def candidates(self) -> pd.DataFrame:
        """Every candidate, oldest due first, with ``due_date``, ``decision`` (as this stage sees it) and ``reason``."""
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
        return self._with_decisions(np.flatnonzero(self._mask)[number * size : (number + 1) * size])

    def decidable(self, keys: Iterable[Any]) -> np.ndarray:
        """For each key, whether this stage may decide it (not destroyed, approved at every earlier stage)."""
        rows = self._keys.get_indexer([str(k) for k in keys])
        return (rows >= 0) & self._decisions.decidable(self.stage)[rows]

    @property
    def approved(self) -> pd.DataFrame:
        """Approved at this stage (and every earlier one)."""
        return self._with_decisions(np.flatnonzero(self._state == APPROVED))

    @property
    def rejected(self) -> pd.DataFrame:
        return self._with_decisions(np.flatnonzero(self._state == REJECTED))

    @property
    def undecided(self) -> pd.DataFrame:
        return self._with_decisions(np.flatnonzero(self._state == UNDECIDED))

    @property
    def destroyed(self) -> pd.DataFrame:
        return self._with_decisions(np.flatnonzero(self._state == DESTROYED))

    @property
    def destroyable(self) -> pd.DataFrame:
        """Approved at every stage and not yet destroyed: what a destroy sends."""
        return self._with_decisions(np.flatnonzero(self._decisions.destroyable()))

    @property
    def counts(self) -> dict[str, int]:
        """Candidates, each decision (as this stage sees it), how many can be destroyed, how many are shown."""
        per = np.bincount(self._state, minlength=len(DECISIONS))
        return {
            "candidates": len(self._keys),
            **{d: int(per[i]) for i, d in enumerate(DECISIONS)},
            "destroyable": int(self._decisions.destroyable().sum()),
            "shown": self.n_shown,
        }

    @property
    def decisions(self) -> pd.DataFrame:
        """This stage's decisions: rowKey, stage, decision, reason, reviewer, decided_at."""
        return self._decisions.frame(self.stage, self._keys)

    @property
    def history(self) -> pd.DataFrame:
        """Every decision of the review at every stage, oldest first, as stored."""
        return self.store.decisions(self.review.id)

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
        """Approve these records for disposal at this stage; returns how many changed."""
        return self._decide(self._rows(keys), APPROVED, None)

    def reject(self, keys: str | Iterable[Any], reason: str | None = None) -> int:
        """Reject (keep) these records, with a reason that is kept and shown."""
        return self._decide(self._rows(keys), REJECTED, reason)

    def undecide(self, keys: str | Iterable[Any]) -> int:
        """Take back this stage's decision on these records."""
        return self._decide(self._rows(keys), UNDECIDED, None)

    def approve_shown(self, *, override: bool = False) -> int:
        """Approve the undecided records the filters show; ``override=True`` also turns rejections into approvals."""
        return self._decide(self._bulk_rows("approve", override), APPROVED, None)

    def reject_shown(self, reason: str | None = None, *, override: bool = False) -> int:
        """Reject the undecided records shown; ``override=True`` also rejects approved ones."""
        return self._decide(self._bulk_rows("reject", override), REJECTED, reason)

    def undecide_shown(self, *, override: bool = False) -> int:
        """Take back the decisions on the records shown: each one is explicit, so only with ``override=True``."""
        return self._decide(self._bulk_rows("undecide", override), UNDECIDED, None)

    def overrides(self, action: str) -> int:
        """How many explicit decisions among the records shown ``action`` (approve, reject, undecide) would change."""
        return len(self._bulk_rows(action, True)) - len(self._bulk_rows(action, False))

    def _bulk_rows(self, action: str, override: bool) -> np.ndarray:
        if action not in _BULK:
            raise ValueError(f"action must be among {sorted(_BULK)}, not {action!r}")
        current = self._decisions.state[self.stage - 1]
        rows = self._mask & self._decisions.decidable(self.stage) & (current != _BULK[action])
        if not override:
            rows &= current == UNDECIDED
        return np.flatnonzero(rows)

    def _rows(self, keys: str | Iterable[Any]) -> np.ndarray:
        wanted = [keys] if isinstance(keys, str) else [str(k) for k in keys]
        rows = self._keys.get_indexer(wanted)
        missing = [k for k, r in zip(wanted, rows, strict=True) if r < 0]
        if missing:
            raise UnknownKeys(missing)
        rows = np.asarray(rows, dtype=np.intp)
        destroyed = [wanted[i] for i in np.flatnonzero(self._decisions.destroyed[rows])]
        if destroyed:
            raise ReviewError(f"already marked destroyed, cannot be decided again: {destroyed[:5]}")
        closed = [wanted[i] for i in np.flatnonzero(~self._decisions.approved_before(self.stage)[rows])]
        if closed:
            raise ReviewError(
                f"stage {self.stage} decides only what every earlier stage approved; not approved there: {closed[:5]}"
            )
        return rows

    def _decide(self, rows: np.ndarray, code: np.int8, reason: str | None) -> int:
        who = reviewer_name(self.reviewer)
        if reason is not None and (not isinstance(reason, str) or any("\ud800" <= c <= "\udfff" for c in reason)):
            raise ReviewError(f"a reason is text (with no lone surrogate character), not {reason!r}")
        i = self.stage - 1
        same = same_reviewer_among(who, pd.unique(self._decisions.by[:i, rows].ravel()))
        if same is not None:
            raise ReviewError(
                f"stage {self.stage} needs another reviewer than the earlier stages ({who!r} is {same!r}, who decided "
                "some of these records there)"
            )
        rows = rows[(self._decisions.state[i, rows] != code) | (self._decisions.comment[i, rows] != reason)]
        if len(rows):
            now = _now()
            self._writer.decisions(rows, self.stage, DECISIONS[code], reason, who, now)  # a refused write changes nothing
            self._decisions.set(rows, self.stage, code, reason, who, np.datetime64(now, "s"))
            self._update_state()
            if self.filters.decision:
                self._mask = self._index.mask(self.filters, self._state)
        self._changed("decisions")
        return len(rows)

    # export and destroy -------------------------------------------------------------------------

    def export_approved(self, path: str | Path) -> Path:
        """Write the records approved at every stage to ``path`` (.csv or .xlsx, formula-safe): what the content
        source's team destroys from, with who approved them."""
        target = file_to_write(path)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            raise ReviewError(f"export to a .csv or .xlsx file, not {target.name!r}")
        rows = np.flatnonzero(self._decisions.destroyable())
        frame = self._with_decisions(rows).drop(columns=["decision", "reason"])
        frame = frame.assign(
            reviewer=pd.array(self._decisions.reviewers(rows), dtype="string"),
            decided_at=pd.to_datetime(self._decisions.at[:, rows].max(axis=0) if len(rows) else []),
        )
        with writing(target):
            return write_table(frame, target, sheet_name="approved")

    def export_proof(self, path: str | Path) -> tuple[Path, Path]:
        """Write the proof of disposition: ``path``.csv and ``path``.html (see `opus_nb.reviews._proof`)."""
        target = file_to_write(path)
        with writing(target):
            return write_proof(self, target)

    def destroy(
        self,
        confirmation: object,
        *,
        dry_run: bool = True,
        on_progress: Progress | None = None,
        person: PersonClick | None = None,
    ) -> pd.DataFrame:
        """Mark the records approved at every stage Destroyed in Opus; one result row per record.

        The store's latest decisions are read first (another kernel's rejection counts), and
        ``confirmation`` must be the number approved at every stage then. With ``dry_run`` (the
        default) nothing is sent: they are only checked again against what Opus lists as due. A real
        run needs ``person``, the click the panel's button makes when a person clicks it in the
        browser (used once; nothing a script passes counts); from a script it raises `PersonRequired`
        unless it is ``opus-nb demo`` on a local emulator.
        """
        by_person = self.person_gate.admit(person)
        self._reread_decisions()
        targets = self.destroyable
        keys = [str(k) for k in targets["rowKey"]]
        if not keys:
            pending = f" at every one of the {self.stages} stages" if self.stages > 1 else ""
            raise NothingApproved(f"no record is approved{pending}: approve some first. Nothing was sent.")
        if str(confirmation).strip() != str(len(keys)):
            raise ConfirmationMismatch(len(keys), confirmation)
        if dry_run:
            outcome = recheck(keys, self.connection, self.client, on_progress)
        else:
            who = reviewer_name(self.reviewer)
            api = current_client(self.client)
            if not by_person:
                refuse_scripted_destroy(api.endpoints.url("destroy")[1])
            outcome = destroy_approved(targets, self.connection, who, self.audit, api, on_progress, review=self.review.id)
            self._keep_outcomes(outcome, who)
        names = targets.set_index("rowKey")["leafName"]
        outcome.insert(1, "leafName", names.reindex(outcome["rowKey"]).to_numpy())
        self.results = outcome
        self._changed("results")
        return outcome

    def _keep_outcomes(self, outcome: pd.DataFrame, who: str) -> None:
        rows = self._keys.get_indexer(outcome["rowKey"].astype(object))
        self._writer.outcomes(rows, outcome, who, _now())
        self._decisions.destroyed[rows[(outcome["status"] == "destroyed").to_numpy()]] = True
        self._update_state()

    # helpers ------------------------------------------------------------------------------------

    def _reread_decisions(self) -> None:
        """Replay the store's latest decisions (other sessions write there too); tell the listeners when they changed."""
        latest = self._writer.latest(self._keys, self.review.stages)
        latest.destroyed |= self._decisions.destroyed
        if not latest.same_as(self._decisions):
            self._decisions = latest
            self._update_state()
            if self.filters.decision:
                self._mask = self._index.mask(self.filters, self._state)
            self._changed("decisions")

    def _update_state(self) -> None:
        self._state = self._decisions.effective(self.stage)
        self._reason = self._decisions.comments(self.stage)

    def _with_decisions(self, rows: np.ndarray) -> pd.DataFrame:
        frame = self._frame.iloc[rows]
        decision = pd.array(np.asarray(DECISIONS, dtype=object)[self._state[rows]], dtype="string")
        return frame.assign(decision=decision, reason=pd.array(self._reason[rows], dtype="string"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
