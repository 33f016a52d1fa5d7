"""Reading Opus's answers leniently: both API generations, both letter cases, the shapes the docs show.

>>> failed_items({"failedItems": [{"item": {"rowKey": "A-1"}, "message": "bad date"}, "A-2"]})
[('A-1', 'bad date'), ('A-2', None)]
>>> paging_token({"startIndex": "abc"}), paging_token({"pageIndex": ""})
('abc', None)
>>> len(due_items({"queriedItems": [{"rowKey": "A-1"}]}))
1
>>> server_message({"message": "refused Bearer eyJ0.eyJ1.c2ln"})
'refused Bearer ***'

Every message taken from an answer goes through `opus_nb._redact.redact`: a server that copies a
request's token or form into its error text must not put a secret into results, the journal or
an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opus_nb._redact import redact

__all__ = ["due_items", "failed_items", "get_any", "paging_token", "server_message"]


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


def server_message(body: Mapping[str, Any]) -> str | None:
    """The server's ``message`` (or ``Message``; a list is joined), None when empty."""
    value = get_any(body, "message", "error_description", "error", "title")
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value if v is not None)
    return redact(str(value)) if value not in (None, "") else None


def _item_key(item: Any) -> str | None:
    if isinstance(item, str | int):
        return str(item)
    if isinstance(item, Mapping):
        key = get_any(item, "rowKey", "disposalId", "id")
        return None if key is None else str(key)
    return None


def failed_items(body: Mapping[str, Any]) -> list[tuple[str | None, str | None]]:
    """``(rowKey, message)`` for each failed item: objects with item/message in either case, or plain row keys.

    A key is None when the item cannot be tied to a row.
    """
    items = get_any(body, "failedItems")
    if not isinstance(items, list):
        return []
    out: list[tuple[str | None, str | None]] = []
    for entry in items:
        if not isinstance(entry, Mapping):
            out.append((_item_key(entry), None))
            continue
        item = get_any(entry, "item")
        message = get_any(entry, "message", "error", "reason")
        out.append((_item_key(entry if item is None else item), None if message in (None, "") else redact(str(message))))
    return out


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
