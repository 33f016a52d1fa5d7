"""Reading Opus's answers leniently: both API generations, both letter cases, every shape a tenant may give.

>>> failed_items({"failedItems": [{"item": {"rowKey": "A-1"}, "message": "bad date"}, "A-2"]})
[('A-1', 'bad date'), ('A-2', None)]
>>> field_errors({"title": "One or more validation errors occurred.",
...               "errors": {"data[1].timeCreated": ["not a date"], "id": ["required"]}})
[(1, 'data[1].timeCreated: not a date'), (None, 'id: required')]
>>> keyed_reasons("A-10: on hold; A-1: unknown row key", ["A-1", "A-10"])
{'A-10': 'on hold', 'A-1': 'unknown row key'}
>>> paging_token({"startIndex": "abc"}), paging_token({"pageIndex": ""})
('abc', None)
>>> len(due_items({"queriedItems": [{"rowKey": "A-1"}]}))
1
>>> server_message({"message": "refused Bearer eyJ0.eyJ1.c2ln"})
'refused Bearer ***'

Three shapes name the records a request failed for: ``failedItems`` (bare keys, or objects with
the item and a message, in either letter case), a ``message`` made of ``"key: why"`` parts, and
ASP.NET's ProblemDetails (``title``, and ``errors`` by field, where ``data[3].timeCreated`` or
``disposalIds[3]`` names the fourth record sent). Every message taken from an answer goes through
`opus_nb._redact.redact`: a server that copies a request's token or form into its error text
must not put a secret into results, the journal or an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opus_nb._redact import redact

__all__ = [
    "FATAL_STATUS",
    "REQUEST_ID_HEADERS",
    "Reply",
    "due_items",
    "failed_items",
    "field_errors",
    "get_any",
    "keyed_reasons",
    "paging_token",
    "request_id",
    "server_message",
]

#: Not signed in or not allowed: no later request of a run can do better.
FATAL_STATUS = frozenset({401, 403})
#: Where a service puts the id to quote to its support: AvePoint's Graph pages name ``request-id``.
REQUEST_ID_HEADERS = ("request-id", "x-request-id", "client-request-id", "x-ms-request-id")
_INDEXED_FIELD = re.compile(r"(?i)(?:^|[.$])(?:data|disposalIds|records|items)\[(\d+)\]")


@dataclass(frozen=True)
class Reply:
    """The final answer to one call: status (None when no response came), parsed body, attempts,
    the URL, the server's message and the id to quote to support."""

    status: int | None
    body: Mapping[str, Any] = field(repr=False)
    attempts: int
    url: str
    message: str | None = None
    request_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def fatal(self) -> bool:
        """Not signed in or not allowed: no later request of a run can do better."""
        return self.status in FATAL_STATUS


def get_any(body: Mapping[str, Any], *names: str) -> Any:
    """The first of these keys present in ``body``, compared without regard to case."""
    for name in names:
        if name in body:
            return body[name]
    lowered = {str(k).lower(): v for k, v in body.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _joined(value: Any) -> str | None:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value if v not in (None, ""))
    return redact(str(value)) if value not in (None, "") else None


def server_message(body: Mapping[str, Any]) -> str | None:
    """The server's ``message`` (or ``Message``, an OAuth error, a ProblemDetails ``title``; a list is joined), None when empty."""
    return _joined(get_any(body, "message", "error_description", "error", "title", "detail"))


def request_id(headers: Mapping[str, str], body: Mapping[str, Any] | None = None) -> str | None:
    """The id to quote to support: a ``request-id`` header (or its usual variants), else ProblemDetails' ``traceId``."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value and value.strip():
            return redact(value.strip()[:200])
    trace = get_any(body, "traceId") if body else None
    return redact(str(trace)[:200]) if isinstance(trace, str) and trace.strip() else None


def _item_key(item: Any) -> str | None:
    if isinstance(item, str | int) and not isinstance(item, bool):
        return str(item)
    if isinstance(item, Mapping):
        key = get_any(item, "rowKey", "disposalId", "id", "key")
        return None if key is None or isinstance(key, Mapping | list) else str(key)
    return None


def failed_items(body: Mapping[str, Any]) -> list[tuple[str | None, str | None]] | None:
    """``(key, message)`` for each failed item: objects with item/message in either case, or plain keys;
    None when the answer has no ``failedItems`` list at all.

    A key is None when the item cannot be tied to a record.
    """
    items = get_any(body, "failedItems")
    if not isinstance(items, list):
        return None
    out: list[tuple[str | None, str | None]] = []
    for entry in items:
        if not isinstance(entry, Mapping):
            out.append((_item_key(entry), None))
            continue
        item = get_any(entry, "item", "record")
        message = get_any(entry, "message", "error", "reason", "errors")
        out.append((_item_key(entry if item is None else item), _joined(message)))
    return out


def field_errors(body: Mapping[str, Any]) -> list[tuple[int | None, str]]:
    """A ProblemDetails body's ``errors``: ``(index of the record sent, "field: message")``, the index
    None for a field of the request as a whole (``id``, ``conflictOption``)."""
    errors = get_any(body, "errors")
    if not isinstance(errors, Mapping):
        return []
    out: list[tuple[int | None, str]] = []
    for name, messages in errors.items():
        text = _joined(messages) or "invalid"
        match = _INDEXED_FIELD.search(str(name))
        out.append((int(match.group(1)) if match else None, redact(f"{name}: {text}")))
    return out


def keyed_reasons(message: Any, keys: Sequence[str]) -> dict[str, str]:
    """Each key's ``"key: why"`` part of a message (a text or a list of texts); a key that is the
    prefix of another (``A-1``, ``A-10``) is told apart."""
    text = "; ".join(str(t) for t in (message if isinstance(message, list) else [message]) if t not in (None, ""))
    wanted = sorted({k for k in keys if k}, key=len, reverse=True)
    if not text or not wanted:
        return {}
    alternatives = "|".join(re.escape(k) for k in wanted)
    marks = list(re.finditer(rf"(?:^|(?<=; ))({alternatives}): ", text))
    reasons: dict[str, str] = {}
    for n, mark in enumerate(marks):
        part = text[mark.end() : marks[n + 1].start() if n + 1 < len(marks) else len(text)].removesuffix("; ").strip()
        reasons.setdefault(mark.group(1), redact(part))
    return reasons


def due_items(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records of one due-records page, under ``queriedItems``, ``items`` or ``data``."""
    items = get_any(body, "queriedItems", "items", "data", "value")
    if not isinstance(items, list):
        return []
    return [dict(i) for i in items if isinstance(i, Mapping)]


def paging_token(body: Mapping[str, Any]) -> str | None:
    """The token for the next page (``startIndex`` in Graph, ``pageIndex`` in legacy); None at the end."""
    value = get_any(body, "startIndex", "pageIndex", "nextPageToken")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)
