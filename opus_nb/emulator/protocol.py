"""uvicorn's HTTP/1.1 protocol (httptools) with the bounds it lacks against slow and endless clients.

>>> protocol = bounded_protocol(head_timeout_s=10.0)
>>> protocol.head_timeout_s, protocol.max_head_bytes
(10.0, 65536)

uvicorn closes a keep-alive connection left idle between requests (`KEEP_ALIVE_S`), but sets no
time for a request to arrive and no size for its head (the request line and headers) under
httptools: a client that connects and sends half a request line holds its connection for ever,
and one that sends endless headers is buffered without end. This protocol gives each request
head `head_timeout_s` from the connection (or from the request's first byte on a kept-alive
connection) to arrive in full, else 408 and the connection closed (closed silently when not a
byte came), and at most `max_head_bytes`, else 431. Bodies have their own limits (`bodies`).
A refusal is closed as web servers close one (a lingering close): the answer, then end of
stream, then what the client still sends is read and dropped for `LINGER_S`, so the client
reads the answer instead of a reset.

Each request's scope carries the time its first byte was read (`ARRIVED_KEY`): injected latency
counts from then, so time a request waits behind others for the one server thread is part of
its latency rather than added to it.

Answers given here rather than by the app (408, 431, uvicorn's 400 for a malformed request and
its 503 beyond `MAX_CONNECTIONS`) carry a fresh ``request-id`` as every other answer does
(`opus_nb.emulator.requestids`).
"""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from opus_nb.emulator.certs import ServerCertificate
from opus_nb.emulator.faults import ARRIVED_KEY
from opus_nb.emulator.requestids import RequestIds, id_headers, new_request_id

__all__ = [
    "KEEP_ALIVE_S",
    "LINGER_S",
    "MAX_CONNECTIONS",
    "MAX_HEAD_BYTES",
    "BoundedHttpProtocol",
    "bounded_protocol",
    "server_config",
]

MAX_HEAD_BYTES = 64 * 1024
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 256
LINGER_S = 2.0


class BoundedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a deadline and a size limit on each request head (see the module)."""

    head_timeout_s: float = 10.0
    max_head_bytes: int = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._head_begun = False
        self._lingering: asyncio.TimerHandle | None = None

    def _await_head(self, *, begun: bool) -> None:
        """A request head is due: from now (no timer yet) it has `head_timeout_s` to arrive."""
        self._head_begun = self._head_begun or begun
        if self._head_timer is None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _head_arrived(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer, self._head_begun = None, False

    def _head_timed_out(self) -> None:
        self._head_timer = None
        idle = self.cycle is None or self.cycle.response_complete
        if self._head_begun and idle:
            self._refuse(HTTPStatus.REQUEST_TIMEOUT, f"the request did not arrive in full within {self.head_timeout_s:g} s")
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        self._head_arrived()
        if self.transport.is_closing() or self._lingering is not None:
            return
        body = json.dumps({"statusCode": int(status), "message": message}).encode()
        head = [f"HTTP/1.1 {int(status)} {status.phrase}".encode()]
        head += [name + b": " + value for name, value in self._answer_headers()]
        head += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._lingering = self.loop.call_later(LINGER_S, self.transport.close)

    def _answer_headers(self) -> list[tuple[bytes, bytes]]:
        """The server's default headers and a fresh request id, for an answer the app never sees."""
        return [*self.server_state.default_headers, *id_headers(new_request_id(), None)]

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse, with a request id."""
        content = [STATUS_LINE[400]]
        content += [name + b": " + value + b"\r\n" for name, value in self._answer_headers()]
        content += [b"content-type: text/plain; charset=utf-8\r\n", b"content-length: %d\r\n" % len(msg)]
        content += [b"connection: close\r\n\r\n", msg.encode("ascii")]
        self.transport.write(b"".join(content))
        self.transport.close()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        """uvicorn's 503 beyond the connection limit goes out with a request id, as the app's answers do."""
        if app is service_unavailable:
            app = RequestIds(service_unavailable)
        super()._start_asgi_task(cycle, app)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head(begun=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None:
            return
        if self._head_timer is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_timer is not None and self._head_bytes > self.max_head_bytes:
            why = f"the request line and headers are larger than {self.max_head_bytes} bytes"
            self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, why)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[ARRIVED_KEY] = time.perf_counter()  # type: ignore[literal-required]
        self._await_head(begun=True)

    def on_headers_complete(self) -> None:
        self._head_arrived()
        super().on_headers_complete()


def bounded_protocol(*, head_timeout_s: float, max_head_bytes: int = MAX_HEAD_BYTES) -> type[BoundedHttpProtocol]:
    """A `BoundedHttpProtocol` class with these bounds, for `uvicorn.Config(http=...)`."""
    bounds = {"head_timeout_s": head_timeout_s, "max_head_bytes": max_head_bytes}
    return type("BoundedHttpProtocol", (BoundedHttpProtocol,), bounds)


def server_config(asgi: Any, *, head_timeout_s: float, tls: ServerCertificate | None = None) -> uvicorn.Config:
    """How uvicorn serves the emulator's app: these bounds, no lifespan or websockets, no proxy
    headers trusted (no proxy stands in front), https when ``tls`` is given."""
    certificate: dict[str, Any] = {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)} if tls else {}
    return uvicorn.Config(
        asgi,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        http=bounded_protocol(head_timeout_s=head_timeout_s),
        timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=MAX_CONNECTIONS,
        proxy_headers=False,
        **certificate,
    )
