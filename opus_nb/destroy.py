"""Marking reviewed records Destroyed in Opus: confirmed, re-checked, at most 15 a request, audited.

>>> results = opus.destroy(approved.rowKey, confirm=True, reviewer="j.smith")   # doctest: +SKIP
>>> results.status.value_counts()                                              # doctest: +SKIP
destroyed    40
not_sent      2

Destroying cannot be undone, so nothing is sent without ``confirm=True``. By default each key
is first checked again against the due records: a key no longer due (placed on hold since the
review, already destroyed, or unknown) is ``not_sent`` with the reason. Intent and outcome of
every key go to the audit log (`opus_nb.audit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from opus_nb.audit import DEFAULT_AUDIT_FOLDER, AuditLog, default_reviewer
from opus_nb.client import OpusClient, Reply
from opus_nb.connection import Connection
from opus_nb.errors import ConfirmationRequired
from opus_nb.session import current_client, current_connection
from opus_nb.wire import failed_items

__all__ = ["DESTROY_COLUMNS", "destroy"]

BATCH_SIZE = 15
DESTROY_COLUMNS = ["rowKey", "status", "http_status", "message", "batch"]
_DETAIL_COLUMNS = {"name": "leafName", "classification": "termFullPath", "due_date": "disposalDueDate"}


def _keys_and_details(row_keys: Iterable[Any] | pd.Series | pd.DataFrame) -> tuple[list[str], pd.Index | None, pd.DataFrame | None]:
    if isinstance(row_keys, pd.DataFrame):
        column = next((c for c in row_keys.columns if str(c).replace(" ", "").lower() in ("rowkey", "disposalid")), None)
        if column is None:
            raise ValueError("the frame has no rowKey column")
        return [str(k) for k in row_keys[column]], row_keys.index, row_keys.rename(columns={column: "rowKey"})
    if isinstance(row_keys, pd.Series):
        return [str(k) for k in row_keys], row_keys.index, None
    if isinstance(row_keys, str):
        return [row_keys], None, None
    return [str(k) for k in row_keys], None, None


def destroy(
    row_keys: Iterable[Any] | pd.Series | pd.DataFrame,
    connection: Connection | None = None,
    *,
    confirm: bool = False,
    reviewer: str | None = None,
    recheck: bool = True,
    before: str | dt.date | pd.Timestamp | None = None,
    audit: str | Path = DEFAULT_AUDIT_FOLDER,
    progress: bool = True,
    client: OpusClient | None = None,
) -> pd.DataFrame:
    """Mark these records Destroyed; one result row per key: status destroyed, failed or not_sent.

    ``recheck`` asks Opus again which of them are due before ``before`` (default: now).
    """
    if confirm is not True:
        raise ConfirmationRequired(
            "destroy() marks records Destroyed in Opus, which cannot be undone: pass confirm=True to go ahead"
        )
    keys, index, given = _keys_and_details(row_keys)
    api = current_client(client)
    details = _details(given)
    status = ["pending"] * len(keys)
    http: list[int | None] = [None] * len(keys)
    message: list[str | None] = [None] * len(keys)
    batch_of: list[int | None] = [None] * len(keys)
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            status[i], message[i] = "not_sent", "the same rowKey appears earlier in this list"
        seen.add(key)
    if recheck:
        from opus_nb.due import due_records

        conn = current_connection(connection)
        due = due_records(conn, before=before if before is not None else pd.Timestamp.now(), progress=False, client=api)
        details = {**_details(due), **details}
        still_due = set(due["rowKey"].astype(str)) if len(due) else set()
        for i, key in enumerate(keys):
            if status[i] == "pending" and key not in still_due:
                status[i] = "not_sent"
                message[i] = "no longer due for disposal (placed on hold, already destroyed, or unknown): not sent"
    who = reviewer or default_reviewer()
    log = AuditLog(audit)
    todo = [i for i, s in enumerate(status) if s == "pending"]
    log.write(_entry(who, keys[i], details, "not_sent", message[i]) for i, s in enumerate(status) if s == "not_sent")
    with tqdm(total=len(todo), unit="record", desc="destroy", disable=not progress) as bar:
        for number, start in enumerate(range(0, len(todo), BATCH_SIZE), start=1):
            chunk = todo[start : start + BATCH_SIZE]
            log.write(_entry(who, keys[i], details, "intent", None) for i in chunk)
            reply = api.call("destroy", json={"disposalIds": [keys[i] for i in chunk]})
            for i, (result, text) in zip(chunk, _outcomes(reply, [keys[i] for i in chunk]), strict=True):
                status[i], http[i], message[i], batch_of[i] = result, reply.status, text, number
            log.write(_entry(who, keys[i], details, status[i], message[i]) for i in chunk)
            bar.update(len(chunk))
            if reply.fatal:
                rest = todo[start + BATCH_SIZE :]
                for i in rest:
                    status[i], message[i] = "not_sent", f"stopped: Opus refused access (HTTP {reply.status}: {reply.message})"
                log.write(_entry(who, keys[i], details, "not_sent", message[i]) for i in rest)
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


def _outcomes(reply: Reply, keys: list[str]) -> list[tuple[str, str | None]]:
    if reply.status is None or (not reply.ok and reply.status != 418):
        return [("failed", reply.message)] * len(keys)
    failures = failed_items(reply.body)
    if not failures and reply.ok:
        return [("destroyed", None)] * len(keys)
    by_key = {k: m for k, m in failures if k is not None}
    if not by_key:
        return [("failed", f"Opus reported failures it did not tie to records: {reply.message}")] * len(keys)
    return [("failed", by_key[k] or reply.message or "refused by Opus") if k in by_key else ("destroyed", None) for k in keys]


def _details(frame: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if frame is None or "rowKey" not in frame or frame.empty:
        return {}
    wanted = {label: source for label, source in _DETAIL_COLUMNS.items() if source in frame}
    rows = frame[["rowKey", *wanted.values()]].astype(object).to_dict("records")
    return {str(r["rowKey"]): {label: r[source] for label, source in wanted.items()} for r in rows}


def _entry(reviewer: str, key: str, details: dict[str, dict[str, Any]], result: str, message: str | None) -> dict[str, Any]:
    return {"reviewer": reviewer, "rowKey": key, **details.get(key, {}), "result": result, "message": message}
