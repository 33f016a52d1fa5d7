"""Marking reviewed records Destroyed in Opus: confirmed, re-checked, at most 15 a request, audited.

>>> results = opus.destroy(approved, confirm=True, reviewer="j.smith", review="R-2026-07")  # doctest: +SKIP
>>> results.status.value_counts()                                                          # doctest: +SKIP
destroyed    40
not_sent      2

Destroying cannot be undone, so nothing is sent without ``confirm=True``. By default each key
is first checked again against the due records: a key no longer due (placed on hold since the
review, already destroyed, or unknown) is ``not_sent`` with the reason; so is a blank key.
Intent and outcome of every key go to the audit log (`opus_nb.jobs._audit`), with the record's name,
classification and due date (from the given frame, else from the due records).

A key is ``destroyed`` only when Opus's answer clears it: a 418 whose ``failedItems`` name
records that are not keys of the batch leaves the batch's other keys ``failed``, "unconfirmed".
So does no answer at all, or a 5xx, since Opus may have done the work. Opus answering "already
destroyed" (a retry after a lost answer) means ``destroyed``. A key whose intent is in the audit
log with no confirmed outcome after it (a destroy killed mid-request, or left unconfirmed) is
sent again by the next destroy of it even when no longer listed as due, so that its outcome
gets recorded.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
from tqdm.auto import tqdm

from opus_nb._errors import ConfirmationRequired, OpusError
from opus_nb._redact import redact
from opus_nb.client._answers import failed_items, get_any
from opus_nb.client._client import OpusClient, Reply
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER, UNCONFIRMED, AuditLog, AuditWarning, reviewer_from_env, reviewer_name
from opus_nb.jobs._due import due_records
from opus_nb.jobs._signin import current_client, current_connection
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates

__all__ = ["BATCH_SIZE", "DESTROY_COLUMNS", "CandidatesError", "UnsettledIntents", "destroy"]

BATCH_SIZE = 15
DESTROY_COLUMNS = ["rowKey", "status", "http_status", "message", "batch"]
#: Audit fields filled from a given frame's columns (first present wins), else from the due records.
_DETAIL_COLUMNS = {
    "name": ("leafName", "name"),
    "classification": ("termFullPath", "classification"),
    "due_date": ("due_date", "disposalDueDate"),
}
_ALREADY_DESTROYED = re.compile(r"(?i)already\s+(?:been\s+)?destroyed")
_BLANK = "blank rowKey: nothing to destroy"
Details = dict[str, dict[str, Any]]
Candidates: TypeAlias = Iterable[Any] | pd.Series | pd.DataFrame


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


def _row_key(value: Any) -> str | None:
    """The row key a cell holds; None when blank. A whole float (a spreadsheet's number) is its integer."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _keys_and_frame(candidates: Candidates) -> tuple[list[str | None], pd.Index | None, pd.DataFrame | None]:
    if isinstance(candidates, pd.DataFrame):
        column = next((c for c in candidates.columns if str(c).replace(" ", "").lower() in ("rowkey", "disposalid")), None)
        if column is None:
            raise CandidatesError([str(c) for c in candidates.columns])
        keys = [_row_key(k) for k in candidates[column]]
        return keys, candidates.index, candidates.drop(columns=[column]).assign(rowKey=keys)
    if isinstance(candidates, pd.Series):
        return [_row_key(k) for k in candidates], candidates.index, None
    if isinstance(candidates, str):
        return [_row_key(candidates)], None, None
    return [_row_key(k) for k in candidates], None, None


def destroy(
    candidates: Candidates,
    connection: Connection | None = None,
    *,
    confirm: bool = False,
    reviewer: str | None = None,
    review: str | None = None,
    recheck: bool = True,
    before: str | dt.date | pd.Timestamp | None = None,
    audit: str | Path = DEFAULT_AUDIT_FOLDER,
    progress: bool = True,
    client: OpusClient | None = None,
) -> pd.DataFrame:
    """Mark these records Destroyed; one result row per key: status destroyed, failed or not_sent.

    ``candidates``: row keys, or a frame with a rowKey column (and leafName, termFullPath, due_date
    for the audit log). ``recheck`` asks Opus again which of them are due before ``before``
    (default: now). Every audit entry carries ``reviewer`` and ``review``.
    """
    if confirm is not True:
        raise ConfirmationRequired(
            "destroy() marks records Destroyed in Opus, which cannot be undone: pass confirm=True to go ahead"
        )
    who = reviewer_name(reviewer if reviewer is not None else reviewer_from_env())
    keys, index, given = _keys_and_frame(candidates)
    api = current_client(client)
    log = AuditLog(audit)
    pending = log.pending()
    status = ["pending"] * len(keys)
    http: list[int | None] = [None] * len(keys)
    message: list[str | None] = [None] * len(keys)
    batch_of: list[int | None] = [None] * len(keys)
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key is None:
            status[i], message[i] = "not_sent", _BLANK
        elif key in seen:
            status[i], message[i] = "not_sent", "the same rowKey appears earlier in this list"
        else:
            seen.add(key)
    details = _given_details(given)
    by_position = _row_details(given)
    if recheck:
        conn = current_connection(connection)
        due = due_records(conn, before=before if before is not None else pd.Timestamp.now(), progress=False, client=api)
        still_due = set(due["rowKey"].astype(str)) if len(due) else set()
        mine = due[due["rowKey"].astype(str).isin(seen)] if len(due) else due
        details = _merged(details, _given_details(mine.assign(due_date=disposal_due_dates(mine, conn))))
        for i, key in enumerate(keys):
            if status[i] == "pending" and key not in still_due and key not in pending:
                status[i] = "not_sent"
                message[i] = "no longer due for disposal (placed on hold, already destroyed, or unknown): not sent"
    details = _merged(details, {k: {f: e.get(f) for f in _DETAIL_COLUMNS} for k, e in pending.items()})
    unsettled = sorted(set(pending) - seen)
    if unsettled:
        warnings.warn(UnsettledIntents(unsettled), stacklevel=2)
    base = {"reviewer": who, "review": review, "stage": "destroy"}

    def entry(i: int, result: str, text: str | None) -> dict[str, Any]:
        key = keys[i]
        known = details.get(key, {}) if key is not None else by_position[i] if by_position else {}
        return {**base, **known, "rowKey": key, "result": result, "message": text}

    todo = [i for i, s in enumerate(status) if s == "pending"]
    log.write(entry(i, "not_sent", message[i]) for i, s in enumerate(status) if s == "not_sent")
    with tqdm(total=len(todo), unit="record", desc="destroy", disable=not progress) as bar:
        for number, start in enumerate(range(0, len(todo), BATCH_SIZE), start=1):
            chunk = todo[start : start + BATCH_SIZE]
            log.write(entry(i, "intent", _again(pending.get(keys[i] or ""))) for i in chunk)
            sent = [str(keys[i]) for i in chunk]
            outcomes: list[tuple[str, str | None]]
            stop: str | None
            try:
                reply = api.call("destroy", json={"disposalIds": sent})
            except OpusError as exc:  # signing in again, or TLS, failed: whether Opus got the batch is not known
                outcomes = [("failed", f"{UNCONFIRMED}: {exc}: destroy it again to settle it")] * len(chunk)
                stop, http_status = f"stopped: {exc}", None
            else:
                outcomes, http_status = _outcomes(reply, sent), reply.status
                stop = (
                    f"stopped: Opus refused access (HTTP {reply.status}: {redact(reply.message or '')})" if reply.fatal else None
                )
            for i, (result, text) in zip(chunk, outcomes, strict=True):
                status[i], http[i], message[i], batch_of[i] = result, http_status, text, number
            log.write(entry(i, status[i], message[i]) for i in chunk)
            bar.update(len(chunk))
            if stop is not None:
                rest = todo[start + BATCH_SIZE :]
                for i in rest:
                    status[i], message[i] = "not_sent", stop
                log.write(entry(i, "not_sent", message[i]) for i in rest)
                break
    frame = pd.DataFrame(
        {
            "rowKey": pd.array(keys, dtype="string"),
            "status": pd.array(status, dtype="string"),
            "http_status": pd.array(http, dtype="Int64"),
            "message": pd.array(message, dtype="string"),
            "batch": pd.array(batch_of, dtype="Int64"),
        },
        index=index if index is not None else pd.RangeIndex(len(keys)),
    )
    frame.attrs["audit"] = str(log.jsonl)
    return frame


def _again(intent: Mapping[str, Any] | None) -> str | None:
    if intent is None:
        return None
    return f"sent again: the intent of {intent.get('time') or 'an earlier destroy'} has no confirmed outcome in the audit log"


def _outcomes(reply: Reply, keys: list[str]) -> list[tuple[str, str | None]]:
    """Each key's status and reason: destroyed only when the answer clears it."""
    if reply.status is None or reply.status >= 500:
        what = "no answer from Opus" if reply.status is None else f"Opus answered HTTP {reply.status}"
        text = f"{UNCONFIRMED}: {what} ({redact(reply.message or 'no message')}), so this record may or may not be destroyed"
        return [("failed", f"{text}: destroy it again to settle it")] * len(keys)
    if not reply.ok and reply.status != 418:
        return [("failed", redact(reply.message or f"HTTP {reply.status}"))] * len(keys)
    failures = failed_items(reply.body)
    if not failures and reply.ok:
        return [("destroyed", None)] * len(keys)
    batch = set(keys)
    named = {k for k, _ in failures if k in batch}
    reasons = _reasons(reply.body, keys, failures)
    unmatched = [k for k, _ in failures if k not in batch]
    out: list[tuple[str, str | None]] = []
    for key in keys:
        reason = reasons.get(key)
        if key in named and reason and _ALREADY_DESTROYED.search(reason):
            out.append(("destroyed", f"already destroyed in Opus (Opus said: {reason})"))
        elif key in named:
            out.append(("failed", reason or f"refused by Opus (HTTP {reply.status}), which gave no reason for this record"))
        elif len(named) < len(failures) or not failures or reason is not None:
            out.append(("failed", _unconfirmed(reply, len(failures), len(named), unmatched, reason)))
        else:
            out.append(("destroyed", None))
    return out


def _unconfirmed(reply: Reply, failed: int, named: int, unmatched: list[str | None], reason: str | None) -> str:
    if not failed:
        what = f"Opus answered HTTP {reply.status} without naming the records that failed"
    else:
        others = ", ".join("an item without a key" if k is None else repr(k) for k in unmatched[:3]) or "a key twice"
        what = f"Opus reported {failed} failed record(s), of which {named} name a key of this batch (it named {others})"
    said = f"; Opus said: {reason}" if reason else ""
    return f"{UNCONFIRMED}: {what}, so this record is not confirmed destroyed: destroy it again to settle it{said}"


def _reasons(body: Mapping[str, Any], keys: list[str], failures: list[tuple[str | None, str | None]]) -> dict[str, str]:
    """Each key's own reason: its failed item's message, else its "key: why" part of the answer's message."""
    reasons = {k: redact(m) for k, m in failures if k is not None and m}
    raw = get_any(body, "message")
    text = "; ".join(str(t) for t in (raw if isinstance(raw, list) else [raw]) if t not in (None, ""))
    if not text:
        return reasons
    alternatives = "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))
    marks = list(re.finditer(rf"(?:^|(?<=; ))({alternatives}): ", text))
    for n, mark in enumerate(marks):
        part = text[mark.end() : marks[n + 1].start() if n + 1 < len(marks) else len(text)].removesuffix("; ").strip()
        reasons.setdefault(mark.group(1), redact(part))
    if not marks and len(failures) == 1 and failures[0][0] in set(keys):
        reasons.setdefault(str(failures[0][0]), redact(text))
    return reasons


def _row_details(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Each row's rowKey, name, classification and due_date, from whichever of the frame's columns carry them."""
    if frame is None or "rowKey" not in frame or frame.empty:
        return []
    wanted = {field: next((c for c in columns if c in frame), None) for field, columns in _DETAIL_COLUMNS.items()}
    present = {"rowKey": "rowKey", **{field: column for field, column in wanted.items() if column is not None}}
    return [
        {field: r[column] for field, column in present.items()}
        for r in frame[list(present.values())].astype(object).to_dict("records")
    ]


def _given_details(frame: pd.DataFrame | None) -> Details:
    """name, classification and due_date by row key."""
    rows = _row_details(frame)
    return {str(r.pop("rowKey")): r for r in rows if r["rowKey"] is not None}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (not isinstance(value, str) and pd.isna(value))


def _merged(first: Details, then: Details) -> Details:
    """Each key's fields from ``first``, a blank one filled from ``then``."""
    out = {k: dict(v) for k, v in then.items()}
    for key, fields in first.items():
        target = out.setdefault(key, {})
        target.update({f: v for f, v in fields.items() if not _blank(v) or f not in target})
    return out
