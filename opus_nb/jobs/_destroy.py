"""Marking reviewed records Destroyed in Opus: confirmed, re-checked, at most 15 a request, audited.

>>> results = opus.destroy(approved, confirm=True, reviewer="j.smith", review="R-2026-07")  # doctest: +SKIP
>>> results.status.value_counts()                                                          # doctest: +SKIP
destroyed    40
not_sent      2

Destroying cannot be undone, so nothing is sent without ``confirm=True``. The steps:

1. *Plan*: one row per key given; a blank key, or one given twice, is ``not_sent`` with the reason.
2. *Re-check* (``recheck=True``): Opus is asked once which keys are due before ``before`` (default
   now). A key not due is ``not_sent`` with the real reason: not yet due (with its due date, from
   a listing of every later due date), already destroyed (when and by whom, from the audit log),
   or not listed by Opus at any date (placed on hold, kept for good, destroyed outside opus_nb,
   or unknown to Opus: the API does not tell these apart, so the message names them all).
3. *Send*: the rest go through the batch runner (`opus_nb.jobs._runner`), 15 keys a request; the
   audit log (`opus_nb.jobs._audit`) gets each key's ``intent`` before its request goes out and
   its outcome after, with the record's name, classification and due date.

A key is ``destroyed`` only when Opus's answer clears it (or says it was already destroyed); one
whose fate the answer leaves unknown is ``failed`` with a message starting ``unconfirmed``, and
its intent stays open in the audit log: the next destroy of that key sends it again even when no
longer listed as due, so that its outcome gets recorded. A refused key keeps Opus's reason (and
the request id to quote to support).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
from tqdm.auto import tqdm

from opus_nb._errors import ConfirmationRequired, OpusError
from opus_nb.client._batches import BatchAnswer
from opus_nb.client._client import FATAL_STATUS, ConcurrentCalls, OpusClient
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER, AuditLog, AuditWarning, reviewer_from_env, reviewer_name
from opus_nb.jobs._due import due_records
from opus_nb.jobs._outcomes import Answered, Outcomes
from opus_nb.jobs._results import Results, RunInfo
from opus_nb.jobs._runner import BatchJob, chunks, run_batches
from opus_nb.jobs._signin import current_client, current_connection
from opus_nb.records._blank import is_blank
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates

__all__ = ["DEFAULT_CONCURRENCY", "DESTROY_COLUMNS", "CandidatesError", "Progress", "UnsettledIntents", "destroy"]

DEFAULT_CONCURRENCY = 4
DESTROY_COLUMNS = ["rowKey", "status", "http_status", "message", "batch"]
#: Audit fields filled from a given frame's columns (first present wins), else from the due records.
_DETAIL_COLUMNS = {
    "name": ("leafName", "name"),
    "classification": ("termFullPath", "classification"),
    "due_date": ("due_date", "disposalDueDate"),
}
#: A re-check's second listing looks this far ahead: every record that has a due date at all.
_ANY_DATE = pd.Timestamp("9999-12-31 23:59:59")
_NOT_LISTED = (
    "not sent: Opus lists it as due neither now nor at any later date: it is on hold, kept for good (a term without "
    "retention), destroyed outside opus_nb, or unknown to Opus (the API does not say which)"
)
Candidates: TypeAlias = Iterable[Any] | pd.Series | pd.DataFrame
Progress = Callable[[int, int], None]


class CandidatesError(OpusError, ValueError):
    """A frame of candidates without a rowKey column; ``columns`` are the ones it has."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        super().__init__(f"the candidates frame has no rowKey (or disposalId) column; its columns: {columns[:20]}")


class UnsettledIntents(AuditWarning):
    """The audit log holds intents with no outcome (a destroy cut short) for keys not given to this destroy."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        super().__init__(
            f"{len(keys):,} key(s) have a destroy intent in the audit log and no outcome (a destroy cut "
            f"short?): pass them to destroy() again to record what happened to them: {keys[:10]}"
        )


def destroy(
    candidates: Candidates,
    connection: Connection | None = None,
    *,
    confirm: bool = False,
    dry_run: bool = False,
    reviewer: str | None = None,
    review: str | None = None,
    recheck: bool = True,
    before: str | dt.date | pd.Timestamp | None = None,
    audit: str | Path = DEFAULT_AUDIT_FOLDER,
    concurrency: int | None = None,
    progress: bool = True,
    on_progress: Progress | None = None,
    client: OpusClient | None = None,
) -> Results:
    """Mark these records Destroyed; one result row per key: status destroyed, failed or not_sent.

    ``candidates``: row keys, or a frame with a rowKey column (and leafName, termFullPath, due_date
    for the audit log). ``connection``: the connection they belong to (default: the session's).
    ``confirm`` must be True: this cannot be undone. ``dry_run`` sends nothing and writes no audit
    entry: the keys a real run would send are ``would_destroy``, the others ``not_sent`` with the
    reason (confirmation is not needed for it). ``reviewer``: the person who approved them
    (default: ``OPUS_REVIEWER``); ``review``: the review they were approved in; both go to every
    audit entry. ``recheck`` asks Opus again which of them are due before ``before`` (default:
    now). ``audit``: the audit log's folder. ``concurrency``: requests in flight (default 4).
    ``progress`` shows a bar; ``on_progress(done, total)`` is called as answers come (at most about a
    hundred times, ``(total, total)`` last).
    ``client``: the client to send with (default: the session's).
    """
    if confirm is not True and not dry_run:
        raise ConfirmationRequired(
            "destroy() marks records Destroyed in Opus, which cannot be undone: pass confirm=True to go ahead"
        )
    who = None if dry_run else reviewer_name(reviewer if reviewer is not None else reviewer_from_env())
    plan = _Plan.of(candidates)
    api = current_client(client)
    log = AuditLog(audit)
    pending = log.pending()
    if recheck:
        _recheck(plan, current_connection(connection), before, api, log, set(pending))
    if dry_run:
        for pos in plan.positions("pending"):
            plan.set(pos, "would_destroy", "dry run: still due, nothing sent" if recheck else "dry run: nothing sent")
        if on_progress is not None:
            on_progress(len(plan.keys), len(plan.keys))
        return Results.of(plan.frame(), RunInfo("destroy"))
    for pos in plan.positions("pending"):
        plan.fill(pos, pending.get(plan.keys[pos] or "", {}))
    unsettled = sorted(set(pending) - set(plan.keys))
    if unsettled:
        warnings.warn(UnsettledIntents(unsettled), stacklevel=2)
    ledger = _AuditLedger(log, plan, {"reviewer": who, "review": review, "stage": "destroy"}, pending)
    ledger.note(plan.positions("not_sent"))
    todo = plan.positions("pending")
    with tqdm(total=len(todo), unit="record", desc="destroy", disable=not progress) as bar:
        counter = _Counter(bar, on_progress, len(plan.keys), len(plan.keys) - len(todo))
        job = _job(plan, ledger, counter)
        run_batches(api, enumerate(chunks(todo), start=1), job, int(concurrency or DEFAULT_CONCURRENCY))
    left = plan.positions("pending")
    for pos in left:
        plan.set(pos, "not_sent", plan.stopped or "not sent")
    ledger.note(left)
    counter.finish()
    return Results.of(plan.frame(), RunInfo("destroy", audit=log.jsonl, stopped=plan.stopped))


@dataclass
class _Plan:
    """Every key's state as the destroy goes: position by position, with the record's details for the audit log."""

    keys: list[str | None]
    index: pd.Index
    details: list[dict[str, Any]]
    status: list[str] = field(init=False)
    message: list[str | None] = field(init=False)
    http_status: list[int | None] = field(init=False)
    batch: list[int | None] = field(init=False)
    stopped: str | None = None

    def __post_init__(self) -> None:
        n = len(self.keys)
        self.status, self.message, self.http_status, self.batch = ["pending"] * n, [None] * n, [None] * n, [None] * n
        seen: set[str] = set()
        for pos, key in enumerate(self.keys):
            if key is None:
                self.set(pos, "not_sent", "blank rowKey: nothing to destroy")
            elif key in seen:
                self.set(pos, "not_sent", "the same rowKey appears earlier in this list")
            seen.add(key or "")

    @classmethod
    def of(cls, candidates: Candidates) -> _Plan:
        """Keys, index and details of whatever was given: a frame, a Series, one key or keys."""
        if isinstance(candidates, pd.DataFrame):
            column = next((c for c in candidates.columns if str(c).replace(" ", "").lower() in ("rowkey", "disposalid")), None)
            if column is None:
                raise CandidatesError([str(c) for c in candidates.columns])
            return cls([_row_key(k) for k in candidates[column]], candidates.index, _details(candidates))
        if isinstance(candidates, pd.Series):
            keys = [_row_key(k) for k in candidates]
            return cls(keys, candidates.index, [{} for _ in keys])
        keys = [_row_key(candidates)] if isinstance(candidates, str) else [_row_key(k) for k in candidates]
        return cls(keys, pd.RangeIndex(len(keys)), [{} for _ in keys])

    def positions(self, status: str) -> list[int]:
        return [pos for pos, state in enumerate(self.status) if state == status]

    def fill(self, pos: int, known: dict[str, Any]) -> None:
        """Fill the record's blank details (name, classification, due date) from ``known``."""
        self.details[pos] = {
            **{k: v for k, v in known.items() if k in _DETAIL_COLUMNS},
            **{k: v for k, v in self.details[pos].items() if v is not None},
        }

    def set(self, pos: int, status: str, message: str | None) -> None:
        self.status[pos], self.message[pos] = status, message

    def apply(self, outcomes: Outcomes) -> None:
        for pos, status, http_status, message, batch in zip(
            outcomes.pos, outcomes.status, outcomes.http_status, outcomes.message, outcomes.batch, strict=True
        ):
            self.status[pos], self.http_status[pos], self.message[pos], self.batch[pos] = status, http_status, message, batch

    def stop(self, reason: str) -> None:
        self.stopped = self.stopped or f"stopped: {reason}"

    def frame(self) -> pd.DataFrame:
        columns = {
            "rowKey": pd.array(self.keys, dtype="string"),
            "status": pd.array(self.status, dtype="string"),
            "http_status": pd.array(self.http_status, dtype="Int64"),
            "message": pd.array(self.message, dtype="string"),
            "batch": pd.array(self.batch, dtype="Int64"),
        }
        return pd.DataFrame(columns, index=self.index)[DESTROY_COLUMNS]


def _row_key(value: Any) -> str | None:
    """The row key a cell holds; None when blank. A whole float (a spreadsheet's number) is its integer."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _details(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row's name, classification and due date, from whichever of the frame's columns carry them."""
    present = {name: next((c for c in columns if c in frame), None) for name, columns in _DETAIL_COLUMNS.items()}
    picked = {name: column for name, column in present.items() if column is not None}
    if not picked or frame.empty:
        return [{} for _ in range(len(frame))]
    rows = frame[list(picked.values())].astype(object).where(frame[list(picked.values())].notna(), None)
    return [dict(zip(picked, values, strict=True)) for values in rows.itertuples(index=False, name=None)]


def _recheck(
    plan: _Plan,
    conn: Connection,
    before: str | dt.date | pd.Timestamp | None,
    api: OpusClient,
    log: AuditLog,
    open_intents: set[str],
) -> None:
    """Keys Opus no longer lists as due are not sent, each with the real reason; the due listing fills in details."""
    due = due_records(conn, before=before if before is not None else pd.Timestamp.now(), progress=False, client=api)
    listed = _by_key(due, conn)
    for pos in plan.positions("pending"):
        plan.fill(pos, listed.get(plan.keys[pos] or "", {}))
    waiting = [pos for pos in plan.positions("pending") if plan.keys[pos] not in listed and plan.keys[pos] not in open_intents]
    if waiting:
        reasons = _not_due_reasons({str(plan.keys[pos]) for pos in waiting}, conn, api, log)
        for pos in waiting:
            plan.set(pos, "not_sent", reasons.get(str(plan.keys[pos])) or _no_longer_listed(plan.details[pos].get("due_date")))


def _by_key(due: pd.DataFrame, conn: Connection) -> dict[str, dict[str, Any]]:
    """Each listed record's name, classification and due date, by row key."""
    if due.empty:
        return {}
    dates = disposal_due_dates(due, conn)
    return {
        str(key): {"name": name, "classification": term, "due_date": None if pd.isna(date) else date}
        for key, name, term, date in zip(due["rowKey"], due["leafName"], due["termFullPath"], dates, strict=True)
    }


def _not_due_reasons(keys: set[str], conn: Connection, api: OpusClient, log: AuditLog) -> dict[str, str]:
    """Why each key is not due now, where Opus or the audit log says: due later (and when), or destroyed
    already (and when); keys neither says anything of are left out."""
    later = _by_key(due_records(conn, before=_ANY_DATE, progress=False, client=api), conn)
    destroyed = log.destroyed()
    reasons = {}
    for key in keys:
        if key in later:
            date = later[key]["due_date"]
            when = f"due on {date:%Y-%m-%d}" if date is not None else "due later"
            reasons[key] = f"not sent: not yet due ({when})"
        elif key in destroyed:
            entry = destroyed[key]
            by = f" by {entry['reviewer']}" if entry.get("reviewer") else ""
            review = f" in review {entry['review']}" if entry.get("review") else ""
            reasons[key] = f"not sent: already destroyed ({entry.get('time')}{by}{review}, as the audit log says)"
    return reasons


def _no_longer_listed(was_due: Any) -> str:
    """Why a key Opus lists at no date is not sent; sharper when the caller's frame says it was due."""
    when = pd.to_datetime(was_due, errors="coerce") if was_due is not None else pd.NaT
    if pd.isna(when) or when > pd.Timestamp.now():
        return _NOT_LISTED
    return (
        f"not sent: it was due on {when:%Y-%m-%d}, and Opus no longer lists it as due: placed on hold, or destroyed "
        "outside opus_nb, since (the API does not say which)"
    )


@dataclass
class _AuditLedger:
    """The audit log, as a destroy run's ledger: intents before each request, outcomes after."""

    log: AuditLog
    plan: _Plan
    base: dict[str, Any]
    pending: dict[str, dict[str, Any]]

    def entry(self, pos: int, result: str, message: str | None) -> dict[str, Any]:
        return {**self.base, **self.plan.details[pos], "rowKey": self.plan.keys[pos], "result": result, "message": message}

    def note(self, positions: list[int]) -> None:
        """Outcomes that came from no request (not sent, and why)."""
        self.log.write(self.entry(pos, self.plan.status[pos], self.plan.message[pos]) for pos in positions)

    def sending(self, batch: int, positions: list[int], after: Answered | None) -> int:
        entries = self._outcomes(after) if after is not None else []
        entries += [self.entry(pos, "intent", _again(self.pending.get(self.plan.keys[pos] or ""))) for pos in positions]
        self.log.write(entries)
        return batch

    def answered(self, answer: Answered) -> None:
        self.log.write(self._outcomes(answer))

    def _outcomes(self, answer: Answered) -> list[dict[str, Any]]:
        found = answer.outcomes
        return [
            self.entry(pos, status, message) for pos, status, message in zip(found.pos, found.status, found.message, strict=True)
        ]


def _again(intent: dict[str, Any] | None) -> str | None:
    if intent is None:
        return None
    return f"sent again: the intent of {intent.get('time') or 'an earlier destroy'} has no confirmed outcome in the audit log"


@dataclass
class _Counter:
    """Progress: the bar, and the caller's callback with the keys settled so far: ``(0, total)`` first,
    ``(total, total)`` last, and in between at most about a hundred times (a panel redraws on each);
    keys not sent count as settled from the start."""

    bar: Any
    on_progress: Progress | None
    total: int
    done: int
    reported: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._report(0)

    def add(self, n: int) -> None:
        self.done += n
        self.bar.update(n)
        if self.done - self.reported >= max(1, self.total // 100):
            self._report(self.done)

    def finish(self) -> None:
        if self.reported != self.total:
            self._report(self.total)

    def _report(self, done: int) -> None:
        self.reported = done
        if self.on_progress is not None:
            self.on_progress(done, self.total)


def _job(plan: _Plan, ledger: _AuditLedger, counter: _Counter) -> BatchJob:
    """A destroy run's batches: their keys, audited, each answer applied. A refusal of access stops the run,
    and so does a batch that got no answer (or a 5xx) after every retry: destroying goes no further
    while Opus cannot say what it did."""

    def send(calls: ConcurrentCalls, positions: list[int]) -> Awaitable[BatchAnswer]:
        return calls.destroy_batch([str(plan.keys[pos]) for pos in positions])

    def on_answer(answer: Answered) -> None:
        plan.apply(answer.outcomes)
        counter.add(len(answer.outcomes.pos))
        if answer.http_status in FATAL_STATUS:
            plan.stop(f"Opus refused access (HTTP {answer.http_status}: {answer.outcomes.message[0]})")
        elif not any(answer.outcomes.confirmed) and (answer.http_status is None or answer.http_status >= 500):
            what = "no answer" if answer.http_status is None else f"HTTP {answer.http_status}"
            plan.stop(
                f"batch {answer.batch} got {what} from Opus after every retry, so the rest was not sent: destroy them again"
            )

    return BatchJob(send, "destroyed", ledger, on_answer, lambda: plan.stopped, plan.stop)
