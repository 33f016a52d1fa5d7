"""The API's three operations: what to send in either generation, and how to read what comes back.

>>> call = submit_call("6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f", "Skip", [{"rowKey": "A-1"}])
>>> call.operation, sorted(call.json)
('submit', ['confilictOption', 'conflictOption', 'data', 'id'])
>>> due_call("graph", DueQuery("6f2d...", dt.datetime(2026, 1, 1)), None).params["disposalDueDate"]
'2026-01-01T00:00:00'
>>> due_call("legacy", DueQuery("6f2d...", dt.datetime(2026, 1, 1), fmt="%d/%m/%Y %H:%M"), "p2").json["disposalDueDate"]
'01/01/2026 00:00'

A `Call` is one request with the reader of its answer; `OpusClient.send` (and its concurrent
twin) sends it with retries and returns what the reader makes of the final `Reply`. Submit
sends the conflict option under both spellings (``conflictOption`` in the parameter tables,
``confilictOption`` in the older samples). The Graph API takes the due-records query in the URL,
the older one as a JSON body. ``disposalDueDate`` goes as ISO 8601, as AvePoint's current sample
sends it, unless a tenant's own format is given (``fmt``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from opus_nb._errors import OpusHTTPError
from opus_nb.client._answers import Reply, due_items, paging_token
from opus_nb.client._batches import BatchAnswer, read_batch

__all__ = ["Call", "DuePage", "DueQuery", "Operation", "destroy_call", "due_call", "submit_body", "submit_call"]

Operation = Literal["submit", "due", "destroy"]
T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request (a JSON body, or query parameters) and the reader of its final answer."""

    operation: Operation
    read: Callable[[Reply], T] = field(repr=False)
    json: Any = field(default=None, repr=False)
    params: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class DueQuery:
    """Which due records to list: a connection's, due before ``before`` (naive UTC), ``page_size`` a page
    (1 to 100), the date written in ``fmt`` (a strftime format; None: ISO 8601)."""

    connection_id: str
    before: dt.datetime
    page_size: int = 100
    fmt: str | None = None

    @property
    def due_date(self) -> str:
        """``before`` as it is sent."""
        return self.before.strftime(self.fmt) if self.fmt else self.before.isoformat(timespec="seconds")


@dataclass(frozen=True)
class DuePage:
    """One page of due records: the items as sent, the next page's token (None: the last page), and the
    answer's request id."""

    items: list[dict[str, Any]] = field(repr=False)
    next_token: str | None
    request_id: str | None = None


def _row_key(record: Mapping[str, Any]) -> str:
    key = record.get("rowKey")
    return "" if key is None else str(key)


def submit_body(connection_id: str, conflict: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A submit request's body, exactly as sent (a dry run shows these)."""
    return {"id": connection_id, "conflictOption": conflict, "confilictOption": conflict, "data": records}


def submit_call(connection_id: str, conflict: str, records: list[dict[str, Any]]) -> Call[BatchAnswer]:
    """Submit ``records`` (at most 15) with the conflict option "Skip" or "Overwrite"; read per rowKey."""
    keys = [_row_key(r) for r in records]
    return Call("submit", lambda reply: read_batch(reply, keys, "submit"), json=submit_body(connection_id, conflict, records))


def destroy_call(keys: list[str]) -> Call[BatchAnswer]:
    """Mark the records of ``keys`` (at most 15) Destroyed; read per key."""
    sent = list(keys)
    return Call("destroy", lambda reply: read_batch(reply, sent, "destroy"), json={"disposalIds": sent})


def due_call(api: str, query: DueQuery, token: str | None) -> Call[DuePage]:
    """One page of ``query`` (``token``: the previous page's), in the URL (Graph) or a JSON body (older API)."""
    fields = {
        "id": query.connection_id,
        "disposalDueDate": query.due_date,
        "startIndex": token or "",
        "itemsPerPage": query.page_size,
    }
    if api == "graph":
        return Call("due", _read_page, params=fields)
    return Call("due", _read_page, json=fields)


def _read_page(reply: Reply) -> DuePage:
    if not reply.ok:
        raise OpusHTTPError(reply.status, reply.message, reply.url, request_id=reply.request_id)
    return DuePage(due_items(reply.body), paging_token(reply.body), reply.request_id)
