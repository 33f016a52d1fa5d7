"""The client's two HTTP/1.1 wires (`PooledTransport`, `AsyncPool`) against raw local servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from opus_nb.async_transport import AsyncPool, as_async_exchange
from opus_nb.transport import Answer, Headers, PooledTransport

Handler = Callable[[socket.socket, bytes], None]
Call = tuple[str, str, Headers, bytes | None, float | None]

JSON = b'HTTP/1.1 200 OK\r\ncontent-TYPE: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}'


class RawServer:
    """A listening socket on 127.0.0.1; each connection gets a thread that reads whole requests and calls ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.raw = bytearray()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        pending = b""
        try:
            while True:
                while b"\r\n\r\n" not in pending:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    self.raw += chunk
                    pending += chunk
                head, _, rest = pending.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(rest) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    self.raw += chunk
                    rest += chunk
                request, pending = head + b"\r\n\r\n" + rest[:length], rest[length:]
                self.requests.append(request)
                self.handler(conn, request)
                if conn.fileno() == -1:
                    return
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        with self._lock:
            for conn in self._open:
                conn.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], RawServer]]:
    """Start a `RawServer` with a handler; every server started is closed at teardown."""
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def run_blocking(calls: list[Call], pause: float = 0.0) -> list[Answer]:
    wire = PooledTransport()
    try:
        answers = []
        for i, (method, url, headers, body, timeout) in enumerate(calls):
            if i and pause:
                time.sleep(pause)
            answers.append(wire.exchange(method, httpx.URL(url), headers, body, timeout))
        return answers
    finally:
        wire.close()


def run_async(calls: list[Call], pause: float = 0.0) -> list[Answer]:
    async def main() -> list[Answer]:
        pool = AsyncPool()
        try:
            answers = []
            for i, (method, url, headers, body, timeout) in enumerate(calls):
                if i and pause:
                    await asyncio.sleep(pause)
                answers.append(await pool.exchange(method, httpx.URL(url), headers, body, timeout))
            return answers
        finally:
            pool.close()

    return asyncio.run(main())


Run = Callable[..., list[Answer]]
wires = pytest.mark.parametrize("run", [run_blocking, run_async], ids=["blocking", "async"])


def get(url: str, timeout: float | None = 5.0) -> Call:
    return ("GET", url, (), None, timeout)


def reply(data: bytes, *, close: bool = False) -> Handler:
    def handler(conn: socket.socket, request: bytes) -> None:
        conn.sendall(data)
        if close:
            conn.close()

    return handler


@wires
def test_a_json_answer_with_a_length(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(JSON))
    [answer] = run([get(server.url + "/x")])
    assert (answer.status, answer.content) == (200, b'{"ok": true}')
    assert answer.header("Content-Type") == answer.header("content-type") == "application/json"
    assert answer.header("x-missing") is None


@wires
def test_a_chunked_answer_is_reassembled(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    def handler(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        time.sleep(0.02)
        conn.sendall(b"1\r\n \r\n5\r\nworld\r\n")
        time.sleep(0.02)
        conn.sendall(b"0\r\n\r\n")

    server = serve(handler)
    [answer] = run([get(server.url)])
    assert (answer.status, answer.content) == (200, b"hello world")


@wires
def test_an_answer_that_ends_at_close_is_accepted_whole(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    def handler(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst part, ")
        time.sleep(0.02)
        conn.sendall(b"second part")
        conn.close()

    server = serve(handler)
    [answer] = run([get(server.url)])
    assert (answer.status, answer.content) == (200, b"first part, second part")


@wires
def test_keep_alive_reuses_one_connection(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(JSON))
    answers = run([get(server.url + "/a"), get(server.url + "/b")])
    assert [a.status for a in answers] == [200, 200]
    assert server.connections == 1
    assert len(server.requests) == 2


@wires
def test_an_idle_connection_the_server_closed_is_not_reused(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(JSON, close=True))  # keep-alive answer, then the server drops the idle connection
    answers = run([get(server.url + "/a"), get(server.url + "/b")], pause=0.1)
    assert [a.content for a in answers] == [b'{"ok": true}'] * 2
    assert server.connections == 2


@wires
def test_a_close_half_way_through_an_answer_is_a_protocol_error(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", close=True))
    with pytest.raises(httpx.RemoteProtocolError):
        run([get(server.url)])


@wires
def test_garbage_is_a_protocol_error(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(b"garbage\r\n\r\n"))
    with pytest.raises(httpx.RemoteProtocolError):
        run([get(server.url, timeout=2.0)])


@wires
def test_a_server_that_never_answers_times_out(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(lambda conn, request: None)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        run([get(server.url, timeout=0.3)])
    assert 0.25 <= time.monotonic() - started < 2.0
    assert len(server.requests) == 1


@wires
def test_nothing_listening_is_a_connect_error(run: Run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        run([get(f"http://127.0.0.1:{port}/", timeout=2.0)])


@wires
@pytest.mark.parametrize("header", [(b"X-Bad", b"a\r\nInjected: yes"), (b"X-Bad\r\nInjected", b"yes"), (b"X:Bad", b"v")])
def test_a_header_with_a_line_break_is_refused_before_sending(
    run: Run, serve: Callable[[Handler], RawServer], header: tuple[bytes, bytes]
) -> None:
    server = serve(reply(JSON))
    with pytest.raises(httpx.LocalProtocolError):
        run([("POST", server.url + "/p", (header,), b"{}", 2.0)])
    time.sleep(0.05)
    assert bytes(server.raw) == b""
    assert server.requests == []


@wires
def test_the_request_as_the_server_receives_it(run: Run, serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(JSON))
    body = b'{"records": [1, 2, 3]}'
    headers = ((b"Content-Type", b"application/json"), (b"X-Trace", b"abc-1"))
    [answer] = run([("POST", server.url + "/path?q=1", headers, body, 5.0)])
    assert answer.status == 200
    [request] = server.requests
    head, _, received_body = request.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    assert line == b"POST /path?q=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in fields
    assert f"Content-Length: {len(body)}".encode() in fields
    assert b"Content-Type: application/json" in fields
    assert b"X-Trace: abc-1" in fields
    assert len(fields) == 4
    assert received_body == body


def test_httpx_client_over_the_pooled_transport(serve: Callable[[Handler], RawServer]) -> None:
    server = serve(reply(JSON))
    with httpx.Client(transport=PooledTransport()) as http:
        response = http.get(server.url + "/hello", params={"a": "1"})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"
    assert server.requests[0].startswith(b"GET /hello?a=1 HTTP/1.1\r\n")


def test_as_async_exchange_over_a_mock_transport() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"echo": request.content.decode()}, headers={"X-Mock": "yes"})

    async def main() -> Answer:
        wire = as_async_exchange(httpx.MockTransport(handler))
        try:
            return await wire.exchange("POST", httpx.URL("https://api.example.test/s"), ((b"X-A", b"1"),), b"hi", 1.0)
        finally:
            wire.close()

    answer = asyncio.run(main())
    assert (answer.status, answer.content, answer.header("x-mock")) == (201, b'{"echo":"hi"}', "yes")
    assert seen[0].method == "POST" and seen[0].headers["x-a"] == "1"
    assert isinstance(as_async_exchange(PooledTransport()), AsyncPool)
