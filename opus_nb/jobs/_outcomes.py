"""What a batch's answer means for each row it carried: done (submitted, destroyed), or failed and why.

Outcomes are kept column by column (`Outcomes`), and a batch's answer as a ledger (the journal,
the audit log) writes it is an `Answered`.

>>> answer = BatchAnswer(418, 1, "u", "7c1e", "1 of 2 failed", ("A", "B"),
...     (KeyAnswer(KeyState.DONE), KeyAnswer(KeyState.REFUSED, "bad date")))
>>> outcomes = batch_outcomes(answer, [0, 1], batch=1, done="submitted")
>>> list(zip(outcomes.status, outcomes.message))
[('submitted', None), ('failed', 'bad date [request-id 7c1e]')]

The client reads the answer into one `KeyAnswer` per key (`opus_nb.client._batches`). A row is
*confirmed* when Opus answered for it (done, or refused for its own reason): a resumed run does
not send it again. A row whose fate is unknown (no answer, a 5xx, failures Opus did not tie to
rows) is failed with a message starting ``unconfirmed``: a resumed submit sends it again, and a
destroy's audit intent stays open until a later destroy settles it. A batch never sent (no attempt)
is ``not_sent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from opus_nb.client._batches import BatchAnswer, KeyAnswer, KeyState
from opus_nb.jobs._audit import UNCONFIRMED

__all__ = ["Answered", "Outcomes", "batch_outcomes"]

#: What a run's rows are told when their fate is unknown, by job.
_SETTLE = {
    "submitted": "so this row is not counted as submitted (a resumed run sends it again)",
    "destroyed": "so this record may or may not be destroyed: destroy it again to settle it",
}


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


def batch_outcomes(answer: BatchAnswer, positions: Sequence[int], *, batch: int, done: str) -> Outcomes:
    """The outcome of every row of a batch, in order; ``done`` is the job's word for success."""
    status, message, confirmed = [], [], []
    for key_answer in answer.answers:
        state, text = _outcome(answer, key_answer, done)
        status.append(state)
        message.append(text)
        confirmed.append(key_answer.state in (KeyState.DONE, KeyState.REFUSED))
    n = len(positions)
    return Outcomes(list(positions), status, [answer.status] * n, message, [batch] * n, [answer.attempts] * n, confirmed)


def _outcome(answer: BatchAnswer, key: KeyAnswer, done: str) -> tuple[str, str | None]:
    if key.state is KeyState.DONE:
        return done, key.reason
    if key.state is KeyState.NOT_DONE and answer.attempts == 0:
        return "not_sent", key.reason
    if key.state is KeyState.UNKNOWN:
        return "failed", answer.support(f"{UNCONFIRMED}: {key.reason}, {_SETTLE.get(done, 'so it may or may not be done')}")
    return "failed", answer.support(key.reason or f"HTTP {answer.status}")
