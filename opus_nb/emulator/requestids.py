"""A `request-id` on every answer, as AvePoint's Graph API sends one to quote to support.

>>> headers = id_headers("0f8fad5b-d9cb-469f-a165-70867728950e", "my-call-42")
>>> [(name.decode(), value.decode()) for name, value in headers]
[('request-id', '0f8fad5b-d9cb-469f-a165-70867728950e'), ('client-request-id', 'my-call-42')]

AvePoint's page ("Use AvePoint Graph API", response components) says answers carry response
headers such as "the request-id that you can use to correlate the response to the request".
`RequestIds` (ASGI middleware, outermost) gives each request a fresh GUID under `REQUEST_ID_KEY`
in its scope (the request log keeps it) and adds it to the answer as ``request-id``, whatever
answers: the connector API, the identity service, the admin routes, errors, injected faults.
A ``client-request-id`` the client sent is echoed back beside it, as Microsoft-style services
do, when it is at most `MAX_CLIENT_REQUEST_ID` printable ASCII characters (else it is not
echoed, and the request is served as usual). Answers the HTTP layer gives before the app is
called (a request head too large or too slow, a malformed request, too many connections) carry
a fresh ``request-id`` too (`opus_nb.emulator.protocol`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CLIENT_REQUEST_ID_KEY",
    "MAX_CLIENT_REQUEST_ID",
    "REQUEST_ID_KEY",
    "RequestIds",
    "client_request_id",
    "id_headers",
    "new_request_id",
]

#: The request's own id (a GUID) in its ASGI scope.
REQUEST_ID_KEY = "opus_nb.request_id"
#: The ``client-request-id`` the client sent and the emulator echoes, in the scope (None when not echoed).
CLIENT_REQUEST_ID_KEY = "opus_nb.client_request_id"
MAX_CLIENT_REQUEST_ID = 256

_ID_HEADERS = frozenset({b"request-id", b"client-request-id"})


def new_request_id() -> str:
    """A fresh request id: a random GUID in its usual lower-case form."""
    return str(uuid.uuid4())


def client_request_id(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The ``client-request-id`` among a request's raw headers, if it is one to echo (see the module)."""
    for name, value in headers:
        if name.lower() == b"client-request-id":
            text = value.decode("latin-1").strip()
            printable = text.isascii() and text.isprintable()
            return text if text and printable and len(text) <= MAX_CLIENT_REQUEST_ID else None
    return None


def id_headers(request_id: str, echoed: str | None) -> list[tuple[bytes, bytes]]:
    """The raw ``request-id`` header, and ``client-request-id`` when one is echoed."""
    headers = [(b"request-id", request_id.encode())]
    if echoed is not None:
        headers.append((b"client-request-id", echoed.encode()))
    return headers


class RequestIds:
    """ASGI middleware: a fresh request id in each request's scope and on its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope[REQUEST_ID_KEY] = new_request_id()
        echoed = scope[CLIENT_REQUEST_ID_KEY] = client_request_id(scope["headers"])
        added = id_headers(request_id, echoed)

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _ID_HEADERS]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, send_with_ids)
