"""What a review's destroy sends: a dry run that only checks again, or the real one, through `opus_nb.destroy`.

>>> recheck(["INV-1", "INV-2"], conn)                                           # doctest: +SKIP
>>> destroy_approved(approved, conn, "Jane Smith", Path("opus-audit"), client, review=review_id)  # doctest: +SKIP

Both ask Opus once which records are still due, and return the same columns
(`opus_nb.jobs._destroy.DESTROY_COLUMNS`). The real run sends the candidates' rowKey, leafName,
termFullPath and due_date, so the audit entries carry the record's name, classification and due
date; progress is reported after each answer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opus_nb.client._client import OpusClient
from opus_nb.jobs._destroy import Progress, destroy
from opus_nb.records._connection import Connection

__all__ = ["Progress", "destroy_approved", "recheck"]


def recheck(
    keys: list[str], connection: Connection | None, client: OpusClient | None = None, on_progress: Progress | None = None
) -> pd.DataFrame:
    """A dry run: which of ``keys`` Opus still lists as due (``would_destroy``), and why the others are not (``not_sent``)."""
    return destroy(keys, connection, dry_run=True, progress=False, on_progress=on_progress, client=client)


def destroy_approved(
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
    return destroy(
        candidates,
        connection,
        confirm=True,
        reviewer=reviewer,
        review=review,
        audit=audit,
        progress=False,
        on_progress=on_progress,
        client=client,
    )
