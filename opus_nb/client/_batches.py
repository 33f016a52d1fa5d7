"""Each key's answer to a batch (submit or destroy), whatever shape the tenant's answer takes.

>>> reply = Reply(418, {"failedItems": [{"item": {"rowKey": "B"}, "message": "bad date"}]}, 1, "u")
>>> [(str(a.state), a.reason) for a in read_batch(reply, ["A", "B"], "submit").answers]
[('done', None), ('refused', 'bad date')]

A key is ``done`` only when the answer clears it: a 2xx naming no failure, or failures that each
name another key of the batch, exactly (keys are not trimmed or case-folded: ``a-1`` may be
another record than ``A-1``). A key the answer names is ``refused`` with its reason. When a
failure names no key of the batch, or one key twice, or the answer is a 418 naming nothing, the
keys it does not name are ``unknown`` (Opus may or may not have done them); so are all keys when
no answer came or Opus answered 5xx. ``not_done`` means the request as a whole was turned away
before any of it was done (401, 403, 407, 408 or 429 after every retry), so sending again is safe.

What a refusal's words mean (`Refusal`) is read from the words themselves, since AvePoint's
pages give no codes: *assumed* English phrasings such as "already destroyed", "on hold", "not
due", "not approved", "not found". A destroy refused as "already destroyed" counts as done (a
retry after a lost answer says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple

from opus_nb.client._answers import Reply, failed_items, field_errors, get_any, keyed_reasons

__all__ = ["BatchAnswer", "KeyAnswer", "KeyState", "Refusal", "read_batch", "refusal"]

Operation = Literal["submit", "destroy"]
#: The whole request was turned away before any of it was done: sending it again is safe.
_TURNED_AWAY = frozenset({401, 403, 407, 408, 429})


class KeyState(StrEnum):
    """What one key's answer says happened."""

    DONE = "done"
    REFUSED = "refused"
    NOT_DONE = "not_done"
    UNKNOWN = "unknown"


class Refusal(StrEnum):
    """What a refusal's words say (assumed phrasings; `refusal` reads them)."""

    ALREADY_DESTROYED = "already_destroyed"
    ON_HOLD = "on_hold"
    NOT_DUE = "not_due"
    NOT_APPROVED = "not_approved"
    UNKNOWN_KEY = "unknown_key"


_REFUSALS = (
    (
        Refusal.ALREADY_DESTROYED,
        r"already\s+(?:been\s+)?(?:destroyed|deleted|disposed)|(?:is|was|has\s+been)\s+(?:destroyed|deleted|disposed)"
        r"|destroyed\s+status|status\s+(?:is\s+)?destroyed",
    ),
    (Refusal.ON_HOLD, r"\bon\s+(?:legal\s+)?hold\b|\bunder\s+(?:legal\s+)?hold\b|\bheld\b|\bhold\s+(?:is\s+)?(?:placed|applied)"),
    (
        Refusal.NOT_APPROVED,
        r"not\s+(?:been\s+|yet\s+)?approved|no\s+reviewer\s+(?:has\s+)?approved|approval\s+(?:is\s+)?required|awaiting\s+approval",
    ),
    (Refusal.NOT_DUE, r"not\s+(?:yet\s+)?due|due\s+date\s+(?:has\s+)?not\s+(?:yet\s+)?(?:been\s+)?(?:reached|passed)"),
    (Refusal.UNKNOWN_KEY, r"not\s+(?:be\s+)?found|does\s+not\s+exist|no\s+(?:such\s+)?record|unknown\s+(?:row\s*key|record|key)"),
)
_REFUSAL_PATTERNS = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _REFUSALS]


def refusal(reason: str | None) -> Refusal | None:
    """What a refusal's words say, or None.

    >>> refusal("Record test_0006 has already been destroyed."), refusal("bad date")
    (<Refusal.ALREADY_DESTROYED: 'already_destroyed'>, None)
    """
    if not reason:
        return None
    return next((kind for kind, pattern in _REFUSAL_PATTERNS if pattern.search(reason)), None)


class KeyAnswer(NamedTuple):
    """One key's answer: its state, the reason (Opus's words, or ours), and what the words say."""

    state: KeyState
    reason: str | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class BatchAnswer:
    """The answer to one batch: HTTP status (None: no answer), attempts, the id to quote to support, and
    one `KeyAnswer` per key sent, in order."""

    status: int | None
    attempts: int
    url: str
    request_id: str | None
    message: str | None
    keys: tuple[str, ...]
    answers: tuple[KeyAnswer, ...]

    def support(self, text: str) -> str:
        """``text`` with the request's id appended, to quote to AvePoint support."""
        return f"{text} [request-id {self.request_id}]" if self.request_id else text


def read_batch(reply: Reply, keys: list[str], operation: Operation) -> BatchAnswer:
    """Each key's answer to the batch ``keys`` (in the order sent) that ``reply`` answers."""

    def answer(answers: list[KeyAnswer]) -> BatchAnswer:
        return BatchAnswer(reply.status, reply.attempts, reply.url, reply.request_id, reply.message, tuple(keys), tuple(answers))

    status = reply.status
    if status is None or status >= 500:
        what = (
            f"no answer from Opus ({reply.message})"
            if status is None
            else f"Opus answered HTTP {status} ({reply.message or 'no message'})"
        )
        return answer([KeyAnswer(KeyState.UNKNOWN, what)] * len(keys))
    if status in _TURNED_AWAY:
        return answer([KeyAnswer(KeyState.NOT_DONE, reply.message or f"HTTP {status}")] * len(keys))
    failures = _Failures.of(reply, keys)
    if not reply.ok and status != 418 and not failures.named:
        return answer([KeyAnswer(KeyState.REFUSED, failures.general(reply))] * len(keys))
    if status == 418 and not failures.named and not failures.untied:
        why = f"Opus answered HTTP 418 without naming the records that failed ({reply.message or 'no message'})"
        return answer([KeyAnswer(KeyState.UNKNOWN, why)] * len(keys))
    rest = failures.unnamed(reply)
    answers = []
    for key in keys:
        if key in failures.named:
            answers.append(_refused(failures.named[key], reply, operation))
        elif key in failures.doubtful:
            answers.append(KeyAnswer(KeyState.UNKNOWN, failures.doubtful[key]))
        else:
            answers.append(rest)
    return answer(answers)


def _refused(reasons: list[str], reply: Reply, operation: Operation) -> KeyAnswer:
    reason = "; ".join(dict.fromkeys(r for r in reasons if r)) or reply.message or "refused by Opus, which gave no reason"
    kind = refusal(reason)
    if operation == "destroy" and kind is Refusal.ALREADY_DESTROYED:
        return KeyAnswer(KeyState.DONE, f"already destroyed in Opus (Opus said: {reason})", kind)
    return KeyAnswer(KeyState.REFUSED, reason, kind)


@dataclass
class _Failures:
    """The batch's keys an answer names, each with its reasons; failures tied to no key; and
    errors of the request as a whole (a ProblemDetails field with no record index)."""

    named: dict[str, list[str]]
    untied: list[str]
    request: list[str]
    doubtful: dict[str, str]

    @classmethod
    def of(cls, reply: Reply, keys: list[str]) -> _Failures:
        """Read every shape: failedItems, "key: why" parts of the message, ProblemDetails errors.

        A key named twice by ``failedItems`` (two records of one key?) stays named, but makes the
        batch's other keys unknown, as an item naming no key does. A message giving a reason for a
        key that the failed items leave out contradicts them, which makes that key unknown.
        """
        body, in_batch = reply.body, set(keys)
        found = cls({}, [], [], {})
        items = failed_items(body)
        said = keyed_reasons(get_any(body, "message"), keys) if items is not None or not reply.ok else {}
        for key, text in items or []:
            if key in in_batch:
                if key in found.named:
                    found.untied.append(f"{key!r} named more than once")
                found.named.setdefault(key, []).append(text or said.get(key, ""))
            else:
                found.untied.append(("an item without a key" if key is None else repr(key)) + (f" ({text})" if text else ""))
        for key, text in said.items():
            if items is None:
                found.named.setdefault(key, []).append(text)
            elif key not in found.named:
                found.doubtful[key] = f"Opus gave a reason for this record ({text}) but did not list it among the failed items"
        for index, text in field_errors(body):
            if index is None:
                found.request.append(text)
            elif index < len(keys):
                found.named.setdefault(keys[index], []).append(text)
            else:
                found.untied.append(text)
        return found

    def general(self, reply: Reply) -> str:
        """Why the request as a whole was refused."""
        return "; ".join([reply.message or f"HTTP {reply.status}", *self.request])

    def unnamed(self, reply: Reply) -> KeyAnswer:
        """The answer for the keys no failure names."""
        if self.untied:
            detail = "; ".join(dict.fromkeys(self.untied))
            return KeyAnswer(KeyState.UNKNOWN, f"Opus reported failures it did not tie to records of this batch: {detail}")
        if not reply.ok and reply.status != 418:  # a 400 naming some records: the others were not processed
            return KeyAnswer(
                KeyState.NOT_DONE, f"not processed: Opus refused the request for other records ({self.general(reply)})"
            )
        return KeyAnswer(KeyState.DONE)
