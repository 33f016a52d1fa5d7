"""HTTP/1.1 for the client: kept-alive sockets, each request written whole, each answer read by httptools.

>>> wire = PooledTransport()                                                          # doctest: +SKIP
>>> answer = wire.exchange("POST", httpx.URL(url), [(b"Content-Type", b"application/json")], body)  # doctest: +SKIP
>>> answer.status, answer.header("retry-after")                                       # doctest: +SKIP
(429, '2')
>>> http = httpx.Client(transport=PooledTransport())    # the same wire under httpx   # doctest: +SKIP

Why: a batch of 15 records may cost the client at most 450 microseconds of CPU in all (see
``bench/submit.py``). httpx's default transport (httpcore + h11) spends about 500 on the HTTP
exchange alone, and `http.client` about 250 (its header parsing goes through `email`). Here a
request is one ``sendall`` and the answer is parsed by httptools (llhttp, in C; the parser
uvicorn uses), for about 40. `exchange` skips building httpx request and response objects;
`handle_request` serves `httpx.Client` for everything else (sign-in, discovery). Failures are
raised as httpx's own exceptions, so retries see the usual types. `opus_nb.async_transport` is
the same wire on an event loop, for the many requests of a submit run.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol

import httptools
import httpx

__all__ = ["Answer", "Exchange", "HttpxExchange", "PooledTransport", "as_exchange"]

Headers = Sequence[tuple[bytes, bytes]]
Key = tuple[bytes, bytes, int]
_SKIPPED = frozenset({b"host", b"content-length", b"transfer-encoding", b"accept-encoding", b"connection"})
_BUFFER = 65536


class Answer(NamedTuple):
    """A whole HTTP answer: status, raw headers, and the body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    content: bytes

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), or None."""
        wanted = name.lower().encode("latin-1")
        for key, value in reversed(self.headers):
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


class Exchange(Protocol):
    """What `OpusClient` sends requests through."""

    def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                 timeout: float | None = None) -> Answer: ...


class AnswerReader:
    """httptools callbacks: collect the headers and body of one answer."""

    __slots__ = ("body", "complete", "headers", "headers_complete", "keep_alive", "parser")

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.headers_complete = False
        self.keep_alive = False
        self.complete = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_complete = True
        self.keep_alive = self.parser.should_keep_alive()  # only meaningful here, as uvicorn reads it

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True

    def answer(self) -> Answer:
        return Answer(self.parser.get_status_code(), self.headers, b"".join(self.body))

    def ends_at_close(self) -> bool:
        """An answer with neither a length nor chunks ends when the server closes the connection."""
        names = {name.lower() for name, _ in self.headers}
        return self.headers_complete and b"content-length" not in names and b"transfer-encoding" not in names


class _Connection:
    """One kept-alive socket (TLS for https)."""

    __slots__ = ("buffer", "sock", "timeout")

    def __init__(self, key: Key, timeout: float | None, context: ssl.SSLContext) -> None:
        scheme, host, port = key
        name = host.decode("ascii")
        self.sock = socket.create_connection((name, port), timeout=timeout)
        self.timeout = timeout
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == b"https":
            self.sock = context.wrap_socket(self.sock, server_hostname=name)
        self.buffer = bytearray(_BUFFER)

    def idle_and_open(self) -> bool:
        """An idle connection the server has not closed (nothing to read yet), as httpcore checks it."""
        try:
            if hasattr(select, "poll"):
                poll = select.poll()
                poll.register(self.sock, select.POLLIN)
                return not poll.poll(0)
            return not select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def exchange(self, request: bytes, timeout: float | None) -> tuple[Answer, bool]:
        """Send a whole request and read the whole answer; the answer and whether to keep the connection."""
        if timeout != self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout
        self.sock.sendall(request)
        reader = AnswerReader()
        parser = reader.parser
        buffer = self.buffer
        view = memoryview(buffer)
        while not reader.complete:
            n = self.sock.recv_into(buffer)
            if n == 0:
                if reader.ends_at_close():
                    return reader.answer(), False
                raise ConnectionResetError("the server closed the connection before the whole answer came")
            parser.feed_data(view[:n])
        return reader.answer(), reader.keep_alive

    def close(self) -> None:
        self.sock.close()


class PooledTransport(httpx.BaseTransport):
    """HTTP/1.1 with idle connections kept per host for reuse; thread-safe."""

    def __init__(self, *, max_idle: int = 64, verify: ssl.SSLContext | None = None) -> None:
        self._idle: defaultdict[Key, list[_Connection]] = defaultdict(list)
        self._lock = threading.Lock()
        self._max_idle = max_idle
        self._ssl = verify or default_tls_context()

    def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                 timeout: float | None = None) -> Answer:
        """One request and its answer; the Host and Content-Length headers are added here."""
        key = (url.raw_scheme, url.raw_host, url.port or (443 if url.raw_scheme == b"https" else 80))
        request = request_bytes(method, url, headers, body)
        try:
            conn = self._checkout(key, timeout)
        except OSError as exc:
            raise as_httpx_error(exc, method, url, connecting=True) from exc
        try:
            answer, keep = conn.exchange(request, timeout)
        except (OSError, httptools.HttpParserError) as exc:
            conn.close()
            raise as_httpx_error(exc, method, url) from exc
        except BaseException:
            conn.close()
            raise
        if keep:
            self._checkin(key, conn)
        else:
            conn.close()
        return answer

    @property
    def tls_context(self) -> ssl.SSLContext:
        return self._ssl

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _SKIPPED]
        answer = self.exchange(request.method, request.url, headers, request.read() or None,
                               timeouts.get("read") or timeouts.get("connect"))
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content, request=request)

    def close(self) -> None:
        with self._lock:
            pools, self._idle = list(self._idle.values()), defaultdict(list)
        for pool in pools:
            for conn in pool:
                conn.close()

    def _checkout(self, key: Key, timeout: float | None) -> _Connection:
        while True:
            with self._lock:
                idle = self._idle[key]
                conn = idle.pop() if idle else None
            if conn is None:
                return _Connection(key, timeout, self._ssl)
            if conn.idle_and_open():
                return conn
            conn.close()

    def _checkin(self, key: Key, conn: _Connection) -> None:
        with self._lock:
            idle = self._idle[key]
            if len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()


class HttpxExchange:
    """Any httpx transport (a `MockTransport` in tests, say) as an `Exchange`."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                 timeout: float | None = None) -> Answer:
        extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}
        request = httpx.Request(method, url, headers=list(headers), content=body, extensions=extensions)
        response = self.transport.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return Answer(response.status_code, list(response.headers.raw), content)


def as_exchange(transport: httpx.BaseTransport) -> Exchange:
    """The fast path for a `PooledTransport`, an adapter for any other."""
    return transport if isinstance(transport, PooledTransport) else HttpxExchange(transport)


def request_bytes(method: str, url: httpx.URL, headers: Headers, body: bytes | None) -> bytes:
    """The whole request as it goes on the wire."""
    head = b"%s %s HTTP/1.1\r\nHost: %s\r\n%s" % (method.encode("ascii"), url.raw_path, url.netloc, _header_block(tuple(headers)))
    if body is None:
        return head + b"\r\n"
    return b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body)


@lru_cache(maxsize=64)
def _header_block(headers: tuple[tuple[bytes, bytes], ...]) -> bytes:
    """Header lines, checked once for each set of headers (a client sends the same few again and again)."""
    for name, value in headers:
        if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name or b":" in name:
            raise httpx.LocalProtocolError(f"the header {name!r} holds a line break or colon; not sent")
    return b"".join(b"%s: %s\r\n" % (name, value) for name, value in headers)


def default_tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def as_httpx_error(exc: OSError | httptools.HttpParserError, method: str, url: httpx.URL, *, connecting: bool = False
              ) -> httpx.TransportError:
    request = httpx.Request(method, url)
    if isinstance(exc, TimeoutError):
        kind: type[httpx.TransportError] = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
        return kind(str(exc) or "timed out", request=request)
    if connecting:
        return httpx.ConnectError(str(exc) or type(exc).__name__, request=request)
    if isinstance(exc, httptools.HttpParserError):
        return httpx.RemoteProtocolError(f"the server's answer is not valid HTTP: {exc}", request=request)
    return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
