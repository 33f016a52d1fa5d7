"""What a reply means for each row it carried: submitted, or failed with the server's reason.

>>> reply = Reply(418, {"failedItems": [{"item": {"rowKey": "B"}, "message": "bad date"}]}, 1, "u", "some failed")
>>> [(o.status, o.message) for o in row_outcomes(reply, [0, 1], ["A", "B"], batch=1)]
[('submitted', None), ('failed', 'bad date')]

A row is ``submitted`` only when the server confirmed it: a 2xx with no failed item naming it,
or a 418 whose failed items name the other rows. When failed items cannot be tied to rows, or
no answer came, no row of the batch counts as submitted, and the outcome is not *confirmed*
(a resumed run sends those rows again).
"""

from __future__ import annotations

from collections.abc import Sequence

from opus_nb.client import Reply
from opus_nb.journal import RowOutcome
from opus_nb.wire import failed_items

__all__ = ["DEFINITIVE_STATUS", "row_outcomes"]

DEFINITIVE_STATUS = frozenset({400, 404, 409, 413, 415, 422})


def row_outcomes(reply: Reply, positions: Sequence[int], keys: Sequence[str], *, batch: int) -> list[RowOutcome]:
    """One outcome per row of a batch, in order."""
    def out(pos: int, status: str, message: str | None, confirmed: bool) -> RowOutcome:
        return RowOutcome(pos, status, reply.status, message, batch, reply.attempts, confirmed)

    if reply.status is None or (not reply.ok and reply.status != 418):
        confirmed = reply.status in DEFINITIVE_STATUS
        return [out(p, "failed", reply.message, confirmed) for p in positions]
    failures = failed_items(reply.body)
    if not failures and reply.ok:
        return [out(p, "submitted", None, True) for p in positions]
    by_key = {k: m for k, m in failures if k is not None}
    untied = [m or "" for k, m in failures if k is None]
    if untied or not failures:
        detail = "; ".join(m for m in untied if m) or reply.message or f"HTTP {reply.status}"
        reason = f"Opus reported failures it did not tie to rows, so none of this batch is counted as submitted: {detail}"
        return [
            out(p, "failed", by_key.get(k) or reply.message or "rejected", True) if k in by_key else out(p, "failed", reason, False)
            for p, k in zip(positions, keys, strict=True)
        ]
    return [
        out(p, "failed", by_key[k] or reply.message or "rejected by Opus", True) if k in by_key else out(p, "submitted", None, True)
        for p, k in zip(positions, keys, strict=True)
    ]
