"""Request bodies within bounds: a size limit and a deadline on every body, and a JSON reader that
no body can make recurse without end or stall the server.

>>> import asyncio
>>> asyncio.run(parse_json(b'{"data": [1, 2,], // as .NET reads it\\n}'))
{'data': [1, 2]}

- `BodyLimit` (ASGI middleware, inside Starlette): a declared ``Content-Length`` over the limit is
  answered 413 before a byte of the body is read; a streamed body is counted chunk by chunk and
  refused (413) as soon as it passes the limit; a body that has not arrived in full within the
  deadline is answered 408. Each refusal closes the connection.
- `read_json` reads strict JSON with the standard library's C reader, in place (it is fast and the
  body's size is bounded). Only a body that is not strict JSON goes to the lenient reader (json5,
  pure Python and slow: some 50 ms for 15 records, half a second for `MAX_LENIENT_BYTES`), and
  only when it is at most `MAX_LENIENT_BYTES`; that runs in a worker thread, two at a time, so
  the event loop keeps serving. Either way, JSON nested more than `MAX_JSON_DEPTH` levels is a 400, as .NET's reader's
  default ``MaxDepth`` of 64 refuses it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import json5
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opus_nb.emulator.errors import BadRequest

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LENIENT_BYTES",
    "REQUEST_TIMEOUT_S",
    "BodyLimit",
    "BodyRefused",
    "parse_json",
    "read_json",
]

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_LENIENT_BYTES = 64 * 1024
MAX_JSON_DEPTH = 64
REQUEST_TIMEOUT_S = 10.0
LENIENT_READERS = 2

_TOO_DEEP = f"the request body is nested more than {MAX_JSON_DEPTH} levels deep (the most .NET's JSON reader reads)"


class BodyRefused(Exception):
    """A body the emulator will not read: `status` 413 (too large) or 408 (too slow)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


class BodyLimit:
    """ASGI middleware: bodies of at most `max_bytes`, arriving in full within `timeout_s`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def _too_large(self) -> BodyRefused:
        return BodyRefused(413, f"the request body is larger than {self.max_bytes} bytes, the emulator's limit")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((int(v) for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, self._too_large())
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        received, complete, started = 0, False, False

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyRefused(408, f"the request body did not arrive in full within {self.timeout_s:g} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
                complete = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except BodyRefused as refused:
            if started:
                raise
            await _refuse(send, refused)
        except ClientDisconnect:
            return  # the client left mid-body: there is no one to answer


async def _refuse(send: Send, refused: BodyRefused) -> None:
    body = json.dumps({"statusCode": refused.status, "message": refused.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_json(request: Request) -> Any:
    """The request's body as JSON, read as .NET would (see the module's docstring); `BadRequest` if it cannot be."""
    state = request.app.state  # one app, one server, one event loop: its limiter is made there, once
    if not hasattr(state, "lenient_readers"):
        state.lenient_readers = anyio.CapacityLimiter(LENIENT_READERS)
    return await parse_json(await request.body(), state.lenient_readers)


async def parse_json(raw: bytes, lenient_readers: anyio.CapacityLimiter | None = None) -> Any:
    """`raw` as JSON: strict in place, else lenient in a worker thread (small bodies only), at most 64 levels deep.

    `lenient_readers` bounds how many lenient reads run at once (anyio's default pool when None).
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest(_TOO_DEEP) from None
    except ValueError:
        if len(raw) > MAX_LENIENT_BYTES:
            raise BadRequest(
                f"the request body is not JSON (comments, trailing commas and unquoted names are read only in bodies "
                f"of at most {MAX_LENIENT_BYTES} bytes; larger ones must be strict JSON)"
            ) from None
        value = await anyio.to_thread.run_sync(_lenient, raw, limiter=lenient_readers)
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise BadRequest(_TOO_DEEP)
    return value


def _lenient(raw: bytes) -> Any:
    try:
        return json5.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise BadRequest(_TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not JSON") from None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels in `value` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, list | dict) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return False
