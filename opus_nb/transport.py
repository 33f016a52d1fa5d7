"""A lean httpx transport over the standard library's `http.client`, with kept-alive connections.

>>> http = httpx.Client(transport=PooledTransport())     # doctest: +SKIP

Why: httpx's default transport (httpcore + h11) costs about 0.5 ms of CPU a request on a small
machine, more than the 30 microseconds a record (450 a batch) the client may spend in all
(see ``bench/submit.py``). `http.client` does the same HTTP/1.1 exchange for about a quarter of
that. httpx stays the client (requests, responses, timeouts, errors); only the wire is swapped.
Connection failures are raised as httpx's own exceptions, so retries see the usual types.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from collections import defaultdict

import httpx

__all__ = ["PooledTransport"]

_Key = tuple[str, str, int]


class PooledTransport(httpx.BaseTransport):
    """HTTP/1.1 over `http.client`; idle connections are kept per host for reuse (thread-safe)."""

    def __init__(self, *, max_idle: int = 64, verify: ssl.SSLContext | None = None) -> None:
        self._idle: defaultdict[_Key, list[http.client.HTTPConnection]] = defaultdict(list)
        self._lock = threading.Lock()
        self._max_idle = max_idle
        self._ssl = verify or _tls_context()

    def _connection(self, key: _Key, timeout: float | None) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle[key]
            conn = idle.pop() if idle else None
        if conn is None:
            scheme, host, port = key
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ssl)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _release(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle[key]
            if len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        timeout = timeouts.get("read") or timeouts.get("connect")
        conn = self._connection(key, timeout)
        target = url.raw_path.decode("ascii")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw if k.lower() != b"host"]
        try:
            conn.putrequest(request.method, target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(request.read() or None)
            response = conn.getresponse()
            content = response.read()
        except BaseException as exc:
            conn.close()
            raise _as_httpx(exc, request) from exc
        result = httpx.Response(response.status, headers=response.getheaders(), content=content, request=request)
        if response.will_close:
            conn.close()
        else:
            self._release(key, conn)
        return result

    def close(self) -> None:
        with self._lock:
            pools, self._idle = list(self._idle.values()), defaultdict(list)
        for pool in pools:
            for conn in pool:
                conn.close()


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _as_httpx(exc: BaseException, request: httpx.Request) -> BaseException:
    if isinstance(exc, TimeoutError | socket.timeout):
        return httpx.ReadTimeout(str(exc) or "timed out", request=request)
    if isinstance(exc, ConnectionRefusedError | socket.gaierror):
        return httpx.ConnectError(str(exc), request=request)
    if isinstance(exc, http.client.HTTPException | ConnectionError | OSError):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    return exc
