"""What a reply means for each row it carried: submitted, or failed with the server's reason.

>>> reply = Reply(418, {"failedItems": [{"item": {"rowKey": "B"}, "message": "bad date"}]}, 1, "u", "some failed")
>>> outcomes = batch_outcomes(reply, [0, 1], ["A", "B"], batch=1)
>>> list(zip(outcomes.status, outcomes.message))
[('submitted', None), ('failed', 'bad date')]

A row is ``submitted`` only when the server confirmed it: a 2xx with no failed item naming it,
or a 418 whose failed items each name another row of the batch, exactly (keys are not trimmed or
case-folded: ``a-1`` may be another record than ``A-1``). When a failed item names no row of
the batch, or several name one row, or no answer came, no row of the batch counts as submitted:
the rows named are failed (confirmed), the others failed and not *confirmed* (a resumed run
sends them again).
"""

from __future__ import annotations

from collections.abc import Sequence

from opus_nb.client._answers import failed_items
from opus_nb.client._client import Reply
from opus_nb.jobs._journal import Outcomes

__all__ = ["DEFINITIVE_STATUS", "batch_outcomes"]

DEFINITIVE_STATUS = frozenset({400, 404, 409, 413, 415, 422})


def batch_outcomes(reply: Reply, positions: Sequence[int], keys: Sequence[str], *, batch: int) -> Outcomes:
    """The outcome of every row of a batch, in order (built column-wise: one batch is one answer)."""

    def same(status: str, message: str | None, confirmed: bool) -> Outcomes:
        return Outcomes.same(
            positions, status, message, http_status=reply.status, batch=batch, attempts=reply.attempts, confirmed=confirmed
        )

    if reply.status is None or (not reply.ok and reply.status != 418):
        return same("failed", reply.message, reply.status in DEFINITIVE_STATUS)
    failures = failed_items(reply.body)
    if not failures and reply.ok:
        return same("submitted", None, True)
    in_batch = set(keys)
    by_key: dict[str, list[str]] = {}
    for key, text in failures:
        if key in in_batch:
            by_key.setdefault(key, []).append(text or "")
    if len(by_key) == len(failures):
        rows = [
            ("failed", _reason(by_key[k], reply, "rejected by Opus"), True) if k in by_key else ("submitted", None, True)
            for k in keys
        ]
    else:
        untied = [m for k, m in failures if k not in by_key or len(by_key[k]) > 1]
        detail = "; ".join(dict.fromkeys(m for m in untied if m)) or reply.message or f"HTTP {reply.status}"
        reason = f"Opus reported failures it did not tie to rows, so none of this batch is counted as submitted: {detail}"
        rows = [
            ("failed", _reason(by_key[k], reply, "rejected"), True) if k in by_key else ("failed", reason, False) for k in keys
        ]
    status, message, confirmed = (list(column) for column in zip(*rows, strict=True))
    return same("", None, False)._replace(status=status, message=message, confirmed=confirmed)


def _reason(messages: list[str], reply: Reply, default: str) -> str:
    """A row's own messages (joined when several failed items name it), else the reply's."""
    return "; ".join(m for m in messages if m) or reply.message or default
