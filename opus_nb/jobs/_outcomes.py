"""What a reply means for each row it carried: submitted, or failed with the server's reason.

Outcomes are kept column by column (`Outcomes`), and a batch's answer as the journal writes it
is an `Answered`.

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
from typing import Any, NamedTuple

from opus_nb.client._answers import failed_items
from opus_nb.client._client import Reply

__all__ = ["DEFINITIVE_STATUS", "Answered", "Outcomes", "batch_outcomes"]

DEFINITIVE_STATUS = frozenset({400, 404, 409, 413, 415, 422})


class Outcomes(NamedTuple):
    """The outcomes of some rows, column by column: row positions and, aligned with them, each field.

    >>> Outcomes.same([3, 4], "not_sent", "dry run").status
    ['not_sent', 'not_sent']

    ``confirmed`` is True where the server answered for the row.
    """

    pos: list[int]
    status: list[str]
    http_status: list[int | None]
    message: list[str | None]
    batch: list[int | None]
    attempts: list[int | None]
    confirmed: list[bool]

    @classmethod
    def same(
        cls,
        pos: Sequence[int],
        status: str,
        message: str | None = None,
        *,
        http_status: int | None = None,
        batch: int | None = None,
        attempts: int | None = None,
        confirmed: bool = False,
    ) -> Outcomes:
        """One outcome for every row of ``pos``."""
        n = len(pos)
        return cls(list(pos), [status] * n, [http_status] * n, [message] * n, [batch] * n, [attempts] * n, [confirmed] * n)

    @classmethod
    def empty(cls) -> Outcomes:
        return cls([], [], [], [], [], [], [])

    def where(self, keep: Sequence[bool]) -> Outcomes:
        """The rows where ``keep`` is true."""
        columns: list[list[Any]] = [[v for v, k in zip(column, keep, strict=True) if k] for column in self]
        return Outcomes(*columns)


class Answered(NamedTuple):
    """A batch's answer as the journal keeps it; ``entry`` is what `Journal.sending` returned for it."""

    entry: int
    batch: int
    http_status: int | None
    attempts: int
    outcomes: Outcomes


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
