"""Hostile requests over real sockets: bodies too large, JSON nested too deep or too slow to read,
clients that stall mid-request or send endless headers. Each is refused with a clear answer, in
bounded time, while other requests are served."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from opus_nb import emulator
from opus_nb.emulator import Emulator

from .records import RECORDS, make_record

pytestmark = pytest.mark.server  # an emulator of its own, with limits (strict)


@pytest.fixture(scope="module")
def strict() -> Iterator[Emulator]:
    """An emulator with a 2,000-byte body limit and a 1 s deadline to receive a request."""
    with emulator.run(max_body_bytes=2000, request_timeout_s=1.0) as running:
        yield running


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    sock.settimeout(15)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (15 s at most)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _json_body(answer: bytes) -> dict[str, object]:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def test_a_declared_content_length_over_the_limit_is_413_before_the_body_is_read(strict) -> None:
    token = strict.issue_token()
    with _connect(strict.port) as sock:
        sock.sendall(
            f"POST {RECORDS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n".encode()
        )
        answer = _read_all(sock)
    assert _status(answer) == 413
    assert "2000 bytes" in str(_json_body(answer)["message"])
    assert strict.requests[-1].status == 413


def test_a_streamed_body_over_the_limit_is_413(strict) -> None:
    token, chunk = strict.issue_token(), b"x" * 500
    with _connect(strict.port) as sock:
        sock.sendall(
            f"POST {RECORDS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        for _ in range(5):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = _read_all(sock)
    assert _status(answer) == 413
    assert _json_body(answer)["statusCode"] == 413


def test_bodies_within_the_limit_are_served_and_the_token_endpoint_is_limited_too(strict) -> None:
    with httpx.Client(base_url=strict.url, timeout=10) as client:
        assert client.get("/emulator").status_code == 200
        assert (
            client.post(
                "/identity/connect/token",
                content=b"a=" + b"x" * 3000,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ).status_code
            == 413
        )


def test_the_default_limit_is_a_few_megabytes(emu, api, conn) -> None:
    big = make_record(1, _Description="x" * 6_000_000)
    response = api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [big]})
    assert response.status_code == 413
    assert "bytes" in response.json()["message"]
    fine = make_record(2, _Description="x" * 1_000_000)
    assert api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [fine]}).status_code == 201


@pytest.mark.parametrize(("opening", "times"), [("[", 100_000), ('{"a":', 100_000), ("[ /* lenient */ ", 4_000)])
def test_json_nested_beyond_64_levels_is_400_not_a_crash(emu, api, opening: str, times: int) -> None:
    response = api.post(RECORDS, content=(opening * times).encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["message"]


def test_64_levels_are_read_and_65_are_refused(emu, api, conn) -> None:
    def body(depth: int) -> str:
        return (
            json.dumps({"id": conn.id, "conflictOption": "Skip", "data": [make_record(1, _Description=...)]})[:-1]
            + ', "x": '
            + "[" * (depth - 1)
            + "]" * (depth - 1)
            + "}"
        )

    at_limit = api.post(RECORDS, content=body(64).encode(), headers={"Content-Type": "application/json"})
    assert "nested" not in at_limit.text
    over = api.post(RECORDS, content=body(65).encode(), headers={"Content-Type": "application/json"})
    assert over.status_code == 400 and "nested more than 64 levels" in over.json()["message"]
    lenient = api.post(RECORDS, content=("// a comment\n" + body(65)).encode(), headers={"Content-Type": "application/json"})
    assert lenient.status_code == 400 and "nested more than 64 levels" in lenient.json()["message"]


def test_a_large_body_that_is_not_strict_json_is_400_without_the_lenient_reader(emu, api, conn) -> None:
    body = "// written by hand\n" + json.dumps(
        {"id": conn.id, "conflictOption": "Skip", "data": [make_record(1, _Description="x" * 200_000)]}
    )
    response = api.post(RECORDS, content=body.encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "strict JSON" in response.json()["message"]


def test_a_slow_lenient_body_does_not_hold_up_other_requests(emu, token, conn) -> None:
    records = [make_record(i, _Description="y" * 3_800) for i in range(15)]
    body = ("/* by hand */ " + json.dumps({"id": conn.id, "conflictOption": "Skip", "data": records})).encode()
    assert len(body) < 64 * 1024  # read leniently: half a second or more of json5
    with _connect(emu.port) as lenient:
        lenient.sendall(
            f"POST {RECORDS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.2)  # the emulator is reading it now
        assert httpx.get(f"{emu.url}/emulator", timeout=60).status_code == 200
        answered_meanwhile, _, _ = select.select([lenient], [], [], 0)
        assert not answered_meanwhile, "the lenient read held up the other request"
        assert _status(lenient.recv(65536)) == 201


def test_a_client_that_stalls_mid_request_line_is_cut_off_while_others_are_served(strict) -> None:
    with _connect(strict.port) as stalled, _connect(strict.port) as idle:
        stalled.sendall(b"GET /emul")
        started = time.monotonic()
        assert httpx.get(f"{strict.url}/emulator", timeout=5).status_code == 200
        answer = _read_all(stalled)
        assert time.monotonic() - started < 10
        assert _status(answer) == 408
        assert _read_all(idle) == b""  # connected and never sent a byte: closed without an answer


def test_a_stalled_body_is_408(strict) -> None:
    token = strict.issue_token()
    with _connect(strict.port) as sock:
        sock.sendall(
            f"POST {RECORDS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id": '.encode()
        )
        answer = _read_all(sock)
    assert _status(answer) == 408
    assert "1 s" in str(_json_body(answer)["message"])


def test_endless_headers_are_431_and_the_connection_closed(strict) -> None:
    with _connect(strict.port) as sock:
        sock.sendall(b"GET /emulator HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for i in range(2000):
                sock.sendall(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000))
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_all(sock)
    assert _status(answer) == 431
