"""What a review's destroy sends: a dry run that only checks again, or the real one in at most ten chunks.

>>> recheck(["INV-1", "INV-2"], conn)                                           # doctest: +SKIP
>>> destroy_in_chunks(approved, conn, "Jane Smith", Path("opus-audit"), client, review=review_id)  # doctest: +SKIP

The real run goes through `opus_nb.jobs._destroy.destroy` (re-check, at most 15 keys a request, audit
log), with the candidates' rowKey, leafName, termFullPath and due_date, so the audit entries
carry the record's name, classification and due date. Progress is reported after each chunk.
If a chunk cannot be sent (its re-check fails), it and the chunks after it are ``not_sent`` with
the reason, and the outcomes of the chunks before it are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from opus_nb._errors import OpusError
from opus_nb.client._client import OpusClient
from opus_nb.jobs._destroy import BATCH_SIZE, destroy
from opus_nb.jobs._due import due_records
from opus_nb.records._connection import Connection

__all__ = ["MAX_CHUNKS", "Progress", "destroy_in_chunks", "recheck"]

MAX_CHUNKS = 10
Progress = Callable[[int, int], None]


def recheck(keys: list[str], connection: Connection | None, client: OpusClient | None = None) -> pd.DataFrame:
    """A dry run: which of ``keys`` Opus still lists as due (``would_destroy``), and which not (``not_sent``)."""
    due = due_records(connection, before=pd.Timestamp.now(), progress=False, client=client)
    still = set(due["rowKey"].astype(str)) if len(due) else set()
    ok = [k in still for k in keys]
    return pd.DataFrame(
        {
            "rowKey": pd.array(keys, dtype="string"),
            "status": pd.array(["would_destroy" if o else "not_sent" for o in ok], dtype="string"),
            "message": pd.array(
                [
                    "dry run: still due, nothing sent"
                    if o
                    else "no longer due (on hold, destroyed or unknown): would not be sent"
                    for o in ok
                ],
                dtype="string",
            ),
        }
    )


def destroy_in_chunks(
    targets: pd.DataFrame,
    connection: Connection | None,
    reviewer: str,
    audit: Path,
    client: OpusClient,
    on_progress: Progress | None = None,
    *,
    review: str | None = None,
) -> pd.DataFrame:
    """Mark ``targets`` (candidates with rowKey, leafName, termFullPath, due_date) Destroyed; one row per record.

    Every audit entry carries ``review`` (the review's id) and the record's name, classification and due date.
    """
    candidates = targets[["rowKey", "leafName", "termFullPath", "due_date"]].reset_index(drop=True)
    size = BATCH_SIZE * max(1, -(-len(candidates) // (BATCH_SIZE * MAX_CHUNKS)))
    parts: list[pd.DataFrame] = []
    if on_progress is not None:
        on_progress(0, len(candidates))
    for start in range(0, len(candidates), size):
        chunk = candidates.iloc[start : start + size]
        try:
            parts.append(
                destroy(
                    chunk,
                    connection,
                    confirm=True,
                    reviewer=reviewer,
                    review=review,
                    recheck=True,
                    audit=audit,
                    progress=False,
                    client=client,
                )
            )
        except OpusError as exc:  # the chunk's re-check failed: nothing of it (or after it) was sent
            rest = candidates.iloc[start:]
            parts.append(
                pd.DataFrame(
                    {
                        "rowKey": rest["rowKey"].astype("string"),
                        "status": "not_sent",
                        "message": f"not sent: {exc}",
                        "http_status": pd.NA,
                        "batch": pd.NA,
                    }
                ).astype({"status": "string", "message": "string", "http_status": "Int64", "batch": "Int64"})
            )
            break
        if on_progress is not None:
            on_progress(start + len(chunk), len(candidates))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["rowKey", "status", "message", "http_status", "batch"]]
