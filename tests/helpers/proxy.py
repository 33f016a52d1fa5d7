"""A reverse proxy on 127.0.0.1 in front of the emulator that rewrites or drops its answers: what a real
service might answer that the emulator does not (the emulator's own faults come before a request is
processed; this proxy acts after it was)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

#: Answer headers the proxy does not pass on (it sends the body as it is, with a length of its own).
_NOT_PASSED_ON = ("content-length", "content-encoding", "transfer-encoding", "connection")


@dataclass
class Answer:
    """The emulator's answer to one request, as the proxy will send it on (``headers`` added to the emulator's)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


#: Given the request and the emulator's answer, the answer to send on; None drops the connection instead.
Tamper = Callable[[Request, Answer], Answer | None]


def failed_items(method: str, change: Callable[[list[Any]], list[Any]]) -> Tamper:
    """Change the ``failedItems`` of the refusals (HTTP 418) of requests with this method."""

    def tamper(request: Request, answer: Answer) -> Answer:
        if request.method != method or answer.status != 418:
            return answer
        data = orjson.loads(answer.body)
        data["failedItems"] = change(data["failedItems"])
        return Answer(answer.status, orjson.dumps(data))

    return tamper


class _Dropped(Exception):
    """Raised once an answer's head is out, so that the server closes the connection before its body."""


class _Drop(Response):
    """The answer's head, then the connection closed: the client never gets an answer it can read."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        raise _Dropped


class RewritingProxy:
    """Forwards every request to ``target`` and sends on what ``tamper`` makes of each answer (``None``:
    the answer as it is). A context manager: the proxy serves between enter and exit."""

    def __init__(self, target: str, tamper: Tamper | None = None) -> None:
        self.target = target
        self.tamper = tamper
        self.upstream: httpx.AsyncClient | None = None
        routes = [Route("/{path:path}", self._forward, methods=["GET", "POST", "DELETE"])]
        app = Starlette(routes=routes, lifespan=self._lifespan)
        # "critical": a dropped connection is the point, not an error worth a log line
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        """One client to the target while the proxy serves, on the server's event loop."""
        async with httpx.AsyncClient(base_url=self.target) as self.upstream:
            yield

    async def _forward(self, request: Request) -> Response:
        assert self.upstream is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        answer = await self.upstream.request(
            request.method, request.url.path, params=request.query_params, content=await request.body(), headers=headers
        )
        passed_on = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_PASSED_ON}
        sent: Answer | None = Answer(answer.status_code, answer.content)
        if self.tamper is not None:
            sent = self.tamper(request, sent)
        if sent is None:
            return _Drop(answer.content, status_code=answer.status_code, headers=passed_on)
        headers = {**passed_on, **sent.headers}
        return Response(sent.body, status_code=sent.status, headers=headers, media_type="application/json")

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> RewritingProxy:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the proxy did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
