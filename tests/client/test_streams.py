"""The submit engine's client runs httpcore2 on asyncio's own streams: every pool (direct and through
each proxy) gets the backend, and over it TLS, tunnels, timeouts, refusals and connections the server
closed behave as httpx2's users expect."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from opus_nb.client._network import Network, certificate_failure
from opus_nb.client._streams import CLOSE_WAIT_S, AsyncioBackend, on_asyncio_streams
from opus_nb.emulator.certs import write_server_certificate
from opus_nb.jobs._signin import login, logout
from tests.client.relays import FRONT_HOST, TLSFront
from tests.helpers.forward_proxy import ForwardProxy

pytestmark = pytest.mark.server  # servers of its own, started in the tests


def _backends(client: httpx2.AsyncClient) -> list[Any]:
    pools = [getattr(t, "_pool", None) for t in [client._transport, *client._mounts.values()]]
    return [pool._network_backend for pool in pools if pool is not None]


def test_every_pool_of_the_async_client_runs_on_asyncio_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    from_environment = Network().async_client()
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("HTTPS_PROXY")
    explicit = Network(proxy="http://127.0.0.1:9").async_client()
    socks = Network(proxy="socks5://127.0.0.1:9").async_client()
    direct = Network().async_client()
    # the client's own pool, and one for each proxy pattern: "all://", or "http://" and "https://"
    assert [len(_backends(c)) for c in (direct, explicit, socks, from_environment)] == [1, 2, 2, 3]
    assert all(isinstance(b, AsyncioBackend) for c in (direct, explicit, socks, from_environment) for b in _backends(c))
    mocked = httpx2.AsyncClient(transport=httpx2.MockTransport(lambda r: httpx2.Response(204)))
    assert on_asyncio_streams(mocked) == 0


def test_answers_come_over_asyncio_streams_with_the_connection_addresses(emu) -> None:
    async def get() -> tuple[int, Any, Any]:
        async with Network().async_client() as http:
            response = await http.get(f"{emu.url}/emulator")
            stream = response.extensions["network_stream"]
            return response.status_code, stream.get_extra_info("server_addr"), stream.get_extra_info("ssl_object")

    status, server, ssl_object = asyncio.run(get())
    assert status == 200
    assert server[:2] == ("127.0.0.1", emu.port)
    assert ssl_object is None


def test_submit_tunnels_https_through_a_proxy(
    emu, front: TLSFront, sheet, proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    app = emu.register_app(credential="secret")
    login(
        client_id=app.client_id,
        secret=app.client_secret,
        graph_url=front.url,
        identity_url=emu.identity_url,  # loopback: reached directly
        ca_file=front.ca_file,
        env_file=None,
        connection=emu.connection,
    )
    assert proxy.relayed == []
    try:
        results = sheet.head(40).opus.submit(progress=False, journal=tmp_path / "journal", concurrency=3)
    finally:
        logout()
    assert (results.status == "submitted").sum() == len(emu.records()) > 30
    assert proxy.relayed and all(line == f"CONNECT {FRONT_HOST}:{front.port}" for line in proxy.relayed)


def test_an_untrusted_certificate_fails_the_handshake_with_its_reason(tls_emu) -> None:
    async def get() -> None:
        async with Network().async_client() as http:
            await http.get(f"{tls_emu.url}/emulator")

    with pytest.raises(httpx2.ConnectError) as raised:
        asyncio.run(get())
    reason = certificate_failure(raised.value)
    assert reason is not None and ("self-signed" in reason or "issuer" in reason)


def test_a_trusted_certificate_gives_the_tls_session(tls_emu) -> None:
    async def get() -> tuple[int, str | None]:
        async with Network(ca_file=tls_emu.ca_file).async_client() as http:
            response = await http.get(f"{tls_emu.url}/emulator")
            return response.status_code, response.extensions["network_stream"].get_extra_info("ssl_object").version()

    status, version = asyncio.run(get())
    assert status == 200 and version in ("TLSv1.2", "TLSv1.3")


def test_a_slow_answer_is_a_read_timeout_and_a_closed_port_a_connect_error(emu) -> None:
    emu.faults(latency_ms=400)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]

    async def get(url: str) -> None:
        async with Network(timeout=0.1).async_client() as http:
            await http.get(url)

    with pytest.raises(httpx2.ReadTimeout):
        asyncio.run(get(f"{emu.url}/records/connector/records"))
    with pytest.raises(httpx2.ConnectError):
        asyncio.run(get(f"http://127.0.0.1:{closed_port}/"))


@pytest.fixture
def closing_server() -> Iterator[tuple[str, list[int]]]:
    """Answers one request a connection as if it kept the connection alive, then closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                connections.append(1)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/", connections
    listener.close()


def test_a_kept_alive_connection_the_server_closed_is_not_used_again(closing_server) -> None:
    url, connections = closing_server

    async def twice() -> list[str]:
        async with Network().async_client() as http:
            first = await http.get(url)
            await asyncio.sleep(0.2)  # the server's close reaches the idle connection
            second = await http.get(url)
            return [first.text, second.text]

    assert asyncio.run(twice()) == ["ok", "ok"]
    assert len(connections) == 2


def test_closing_does_not_wait_for_a_tls_peer_that_never_answers_the_close(tmp_path: Path) -> None:
    certificate = write_server_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    listener = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def serve_then_hang() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            release.wait(30)  # neither reads the client's close nor closes

    threading.Thread(target=serve_then_hang, daemon=True).start()

    async def get_and_close() -> tuple[str, float]:
        http = Network(ca_file=certificate.cert).async_client()
        text = (await http.get(f"https://127.0.0.1:{listener.getsockname()[1]}/")).text
        started = time.perf_counter()
        await http.aclose()
        return text, time.perf_counter() - started

    try:
        text, closing = asyncio.run(get_and_close())
    finally:
        release.set()
        listener.close()
    assert text == "ok"
    assert closing < CLOSE_WAIT_S + 2  # asyncio alone would wait 30 s for the peer's close
