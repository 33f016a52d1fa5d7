"""The client's HTTP/1.1 wire on an asyncio event loop: kept-alive connections, answers read by httptools.

>>> async with client.concurrent() as calls:      # an `AsyncPool` underneath      # doctest: +SKIP
...     reply = await calls.call("submit", json=body)

Why: a submit run keeps several batches in flight. From threads, every wake-up contends for
the interpreter lock with the others, and that contention, not the HTTP, was most of the
client's CPU (``bench/submit.py``). Here one thread drives every connection: an
`asyncio.Protocol` feeds each chunk that arrives to the same httptools parser the blocking
`PooledTransport` uses, and the same errors come out (httpx's own types).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from typing import Protocol, cast

import httptools
import httpx

from opus_nb.transport import (
    Answer, AnswerReader, Headers, HttpxExchange, Key, PooledTransport, as_httpx_error, default_tls_context, request_bytes,
)

__all__ = ["AsyncExchange", "AsyncPool", "as_async_exchange"]


class AsyncExchange(Protocol):
    """What `ConcurrentCalls` sends requests through."""

    async def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                       timeout: float | None = None) -> Answer: ...

    def close(self) -> None: ...


class _Connection(asyncio.Protocol):
    """One kept-alive connection; the answer to the request in flight is parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reader: AnswerReader | None = None
        self.waiter: asyncio.Future[tuple[Answer, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's have the interface without the base class

    def data_received(self, data: bytes) -> None:
        reader, waiter = self.reader, self.waiter
        if reader is None or waiter is None or waiter.done():
            self.close()  # bytes nobody asked for: this connection cannot be trusted again
            return
        try:
            reader.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            waiter.set_exception(exc)
            return
        if reader.complete:
            waiter.set_result((reader.answer(), reader.keep_alive))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        reader, waiter = self.reader, self.waiter
        if reader is None or waiter is None or waiter.done():
            return
        if reader.ends_at_close():
            waiter.set_result((reader.answer(), False))
        else:
            waiter.set_exception(exc or ConnectionResetError("the server closed the connection before the whole answer came"))

    async def exchange(self, request: bytes) -> tuple[Answer, bool]:
        if self.transport is None or self.closed:
            raise ConnectionResetError("the connection is closed")
        self.reader = AnswerReader()
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter

    def fail(self, exc: Exception) -> None:
        """Give up on the answer in flight (and the connection)."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class AsyncPool:
    """Kept-alive connections on the running event loop, per host; create and close it on that loop.

    Timeouts are kept by one alarm set for the earliest deadline of the requests in flight,
    rather than a timer per request (which cost a sixth of a request's CPU).
    """

    def __init__(self, *, verify: ssl.SSLContext | None = None) -> None:
        self._idle: defaultdict[Key, list[_Connection]] = defaultdict(list)
        self._ssl = verify or default_tls_context()
        self._busy: dict[_Connection, float] = {}
        self._alarm: asyncio.TimerHandle | None = None

    async def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                       timeout: float | None = None) -> Answer:
        """One request and its answer; the Host and Content-Length headers are added here."""
        key = (url.raw_scheme, url.raw_host, url.port or (443 if url.raw_scheme == b"https" else 80))
        request = request_bytes(method, url, headers, body)
        conn = self._reuse(key)
        if conn is None:
            try:
                async with asyncio.timeout(timeout):
                    conn = await self._connect(key)
            except (OSError, TimeoutError) as exc:
                raise as_httpx_error(exc, method, url, connecting=True) from exc
        self._watch(conn, timeout)
        try:
            answer, keep = await conn.exchange(request)
        except (OSError, httptools.HttpParserError) as exc:
            conn.close()
            raise as_httpx_error(exc, method, url) from exc
        except BaseException:
            conn.close()
            raise
        finally:
            self._busy.pop(conn, None)
        if keep and not conn.closed:
            self._idle[key].append(conn)
        else:
            conn.close()
        return answer

    def close(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        for pool in self._idle.values():
            for conn in pool:
                conn.close()
        self._idle.clear()

    def _reuse(self, key: Key) -> _Connection | None:
        idle = self._idle[key]
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn
        return None

    async def _connect(self, key: Key) -> _Connection:
        scheme, host, port = key
        tls = self._ssl if scheme == b"https" else None
        name = host.decode("ascii")
        _, conn = await asyncio.get_running_loop().create_connection(
            _Connection, name, port, ssl=tls, server_hostname=name if tls else None
        )
        return conn

    def _watch(self, conn: _Connection, timeout: float | None) -> None:
        if timeout is None:
            return
        loop = asyncio.get_running_loop()
        deadline = self._busy[conn] = loop.time() + timeout
        if self._alarm is None or deadline < self._alarm.when():
            self._set_alarm(loop, deadline)

    def _set_alarm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm = loop.call_at(when, self._expire_overdue, loop)

    def _expire_overdue(self, loop: asyncio.AbstractEventLoop) -> None:
        self._alarm = None
        now = loop.time()
        for conn in [c for c, deadline in self._busy.items() if deadline <= now]:
            del self._busy[conn]
            conn.fail(TimeoutError("no answer within the timeout"))
        if self._busy:
            self._set_alarm(loop, min(self._busy.values()))


class _Blocking:
    """Any other transport (a `MockTransport` in tests) run in place on the loop: fine for tests, not for speed."""

    def __init__(self, wire: HttpxExchange) -> None:
        self._wire = wire

    async def exchange(self, method: str, url: httpx.URL, headers: Headers, body: bytes | None = None,
                       timeout: float | None = None) -> Answer:
        return self._wire.exchange(method, url, headers, body, timeout)

    def close(self) -> None:
        """The transport belongs to the client, which closes it."""


def as_async_exchange(transport: httpx.BaseTransport) -> AsyncExchange:
    """An `AsyncPool` for a `PooledTransport` (with its TLS settings), an adapter for any other."""
    if isinstance(transport, PooledTransport):
        return AsyncPool(verify=transport.tls_context)
    return _Blocking(HttpxExchange(transport))

