"""httpcore2's network backend on asyncio's own streams, for the submit engine's client.

>>> on_asyncio_streams(httpx2.AsyncClient())      # its own pool; each proxy it uses has one more
1

httpx2 speaks HTTP through httpcore2, which reaches the network through a pluggable *network
backend* (httpcore2's documented extension point). Its default on asyncio goes through anyio,
which wraps every read and write in a cancel scope and a checkpoint: a third of httpcore2's CPU
for a small request. `AsyncioBackend` does the same I/O on `asyncio.open_connection` streams and
`StreamWriter.start_tls`, so sockets, TLS and its certificate checks stay the standard library's,
and HTTP, proxies and pooling stay httpcore2's. It cuts the client's CPU a batch by about a fifth
(see ``bench/submit.py``). Failures are httpcore2's own exceptions, chained to the cause (httpx2
turns them into ``ConnectError``, ``ReadTimeout`` and so on, and `certificate_failure` finds an
`ssl.SSLCertVerificationError` in the chain).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Iterable
from typing import Any

import httpcore2
import httpx2

__all__ = ["CLOSE_WAIT_S", "AsyncioBackend", "AsyncioStream", "on_asyncio_streams"]

#: How long a closing connection waits for the TLS peer's own close (asyncio's default is 30 s).
CLOSE_WAIT_S = 1.0
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
#: httpcore2's names for a connection's details, and asyncio's.
_EXTRA_INFO = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}


class AsyncioStream(httpcore2.AsyncNetworkStream):
    """One connection: an asyncio reader and writer pair, with httpcore2's timeouts and errors."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore2.ReadTimeout(exc) from exc
        except OSError as exc:
            raise httpcore2.ReadError(exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore2.WriteTimeout(exc) from exc
        except (OSError, RuntimeError) as exc:  # RuntimeError: written after the transport closed
            raise httpcore2.WriteError(exc) from exc

    async def aclose(self) -> None:
        """Close; a TLS peer that does not answer the close within `CLOSE_WAIT_S` is cut off."""
        self._writer.close()
        try:
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self._writer.wait_closed()
        except TimeoutError:
            self._writer.transport.abort()
        except OSError:
            pass  # closing a connection the other side already dropped

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore2.ConnectTimeout(exc) from exc
        except OSError as exc:  # ssl.SSLError among them
            await self.aclose()
            raise httpcore2.ConnectError(exc) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle kept-alive connection: has the server closed it?
            return self._reader.at_eof() or self._reader.exception() is not None or self._writer.is_closing()
        name = _EXTRA_INFO.get(info)
        return None if name is None else self._writer.get_extra_info(name)


class AsyncioBackend(httpcore2.AsyncNetworkBackend):
    """Opens `AsyncioStream` connections, over TCP or a Unix socket."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        local = None if local_address is None else (local_address, 0)
        return await _connected(asyncio.open_connection(host, port, local_addr=local), timeout, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore2.AsyncNetworkStream:
        return await _connected(asyncio.open_unix_connection(path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(
    opening: Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
    timeout: float | None,
    socket_options: Iterable[SocketOption] | None,
) -> httpcore2.AsyncNetworkStream:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await opening
    except TimeoutError as exc:
        raise httpcore2.ConnectTimeout(exc) from exc
    except OSError as exc:
        raise httpcore2.ConnectError(exc) from exc
    sock = writer.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)  # asyncio already sets TCP_NODELAY
    return AsyncioStream(reader, writer)


def on_asyncio_streams(client: httpx2.AsyncClient) -> int:
    """Give every connection pool of ``client`` (its own and each proxy's) an `AsyncioBackend`,
    before any connection is made; the number of pools changed. Transports that are not httpx2's
    (an `httpx2.MockTransport`) are left as they are.

    httpx2 has no argument for a network backend, so this reaches the pools it made: a
    test (tests/client/test_streams.py) fails if an upgrade moves them.
    """
    changed = 0
    transports: list[Any] = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if isinstance(transport, httpx2.AsyncHTTPTransport) and isinstance(pool, httpcore2.AsyncConnectionPool):
            pool._network_backend = AsyncioBackend()
            changed += 1
    return changed
