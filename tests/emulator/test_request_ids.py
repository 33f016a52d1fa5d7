"""A fresh `request-id` on every answer (AvePoint's Graph page: "the request-id that you can use to
correlate the response to the request"), the client's `client-request-id` echoed, both kept in
the request log; answers the HTTP layer gives before the app is called carry one too."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest

from opus_nb import emulator
from opus_nb.emulator import Emulator

from .records import RECORDS, make_record

pytestmark = pytest.mark.server

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def strict() -> Iterator[Emulator]:
    """An emulator with a 200-byte body limit and half a second for a request to arrive."""
    with emulator.run(max_body_bytes=200, request_timeout_s=0.5) as running:
        yield running


def _request_id(response: httpx.Response) -> str:
    value = response.headers.get("request-id")
    assert value is not None and GUID.fullmatch(value), (response.status_code, dict(response.headers))
    return value


def _raw_answer(port: int, request: bytes) -> bytes:
    """What the server answers to `request` on a fresh connection, until it closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _raw_request_id(answer: bytes) -> str:
    head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    found = re.search(r"^request-id: (\S+)\r?$", head, re.MULTILINE)
    assert found is not None and GUID.fullmatch(found.group(1)), head
    return found.group(1)


def test_every_kind_of_answer_carries_a_fresh_request_id(emu, api, post_records, token) -> None:
    answers = {
        "submit 201": post_records([make_record(1)]),
        "submit 418": post_records([make_record(2, _Department=99)]),
        "destroy 200": api.request("DELETE", RECORDS, json={"disposalIds": ["R-00001"]}),
        "due 204": api.get(RECORDS, params={"id": emu.connection.id, "disposalDueDate": "2000-01-01", "itemsPerPage": 10}),
        "bad request 400": api.post(RECORDS, json={"id": emu.connection.id}),
        "no token 401": httpx.get(emu.url + RECORDS),
        "no route 404": api.get("/records/nowhere"),
        "discovery 200": httpx.get(f"{emu.identity_url}/.well-known/openid-configuration"),
        "token 400": httpx.post(emu.token_url, data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}),
        "admin 200": httpx.get(f"{emu.url}/emulator"),
        "admin 403": httpx.get(f"{emu.url}/emulator", headers={"Host": "attacker.example"}),
        "admin 415": httpx.post(f"{emu.url}/emulator/apps", content=b"scopes=x"),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {name: int(name.rsplit(" ", 1)[1]) for name in answers}
    ids = [_request_id(response) for response in answers.values()]
    assert len(set(ids)) == len(ids)


def test_the_request_log_keeps_the_id_a_client_can_quote(emu, post_records) -> None:
    response = post_records([make_record(1)])
    entry = emu.requests[-1]
    assert (entry.method, entry.status, entry.request_id) == ("POST", 201, _request_id(response))
    assert entry.client_request_id is None
    assert "client-request-id" not in response.headers


def test_a_client_request_id_is_echoed_and_logged_beside_the_request_id(emu, api) -> None:
    mine = str(uuid.uuid4())
    params = {"id": emu.connection.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 10}
    response = api.get(RECORDS, params=params, headers={"client-request-id": mine})
    assert response.headers["client-request-id"] == mine
    assert _request_id(response) != mine
    entry = emu.requests[-1]
    assert (entry.request_id, entry.client_request_id) == (response.headers["request-id"], mine)


@pytest.mark.parametrize("sent", [b"x" * 257, "caf\u00e9".encode()])
def test_a_client_request_id_too_long_or_not_ascii_is_not_echoed(emu, sent: bytes) -> None:
    response = httpx.get(f"{emu.url}/emulator", headers={"client-request-id": sent})
    assert response.status_code == 200
    assert "client-request-id" not in response.headers
    _request_id(response)


def test_the_answers_request_id_is_the_emulators_own_never_one_the_client_sent(emu) -> None:
    response = httpx.get(f"{emu.url}/emulator", headers={"request-id": "spoofed"})
    assert response.headers.get_list("request-id") == [_request_id(response)]


@pytest.mark.parametrize(("plan", "status"), [({"throttle_rate": 1.0}, 429), ({"error_rate": 1.0}, None)])
def test_injected_faults_carry_a_request_id_and_are_logged_with_it(emu, api, plan: dict[str, float], status: int | None) -> None:
    emu.faults(**plan)
    response = api.get(RECORDS, params={"id": emu.connection.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 10})
    assert response.status_code == status or (status is None and response.status_code >= 500)
    assert emu.requests[-1].request_id == _request_id(response)
    assert emu.requests[-1].fault is not None


def test_a_body_over_the_limit_is_413_with_a_request_id(strict) -> None:
    response = httpx.post(f"{strict.url}{RECORDS}", content=b"x" * 500, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert strict.requests[-1].request_id == _request_id(response)


def test_endless_headers_are_431_with_a_request_id(strict) -> None:
    with socket.create_connection(("127.0.0.1", strict.port), timeout=15) as sock:
        sock.sendall(b"GET /emulator HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for i in range(2000):
                sock.sendall(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000))
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431")
    _raw_request_id(answer)


def test_a_request_too_slow_to_arrive_is_408_with_a_request_id(strict) -> None:
    answer = _raw_answer(strict.port, b"GET /emulator HTTP/1.1\r\nHost: 127.")
    assert answer.startswith(b"HTTP/1.1 408")
    _raw_request_id(answer)


def test_a_request_that_is_not_http_is_400_with_a_request_id(strict) -> None:
    answer = _raw_answer(strict.port, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    _raw_request_id(answer)


def test_the_503_beyond_the_connection_limit_carries_a_request_id() -> None:
    with emulator.run() as running:
        idle = [socket.create_connection(("127.0.0.1", running.port), timeout=15) for _ in range(256)]
        try:
            with socket.create_connection(("127.0.0.1", running.port), timeout=15) as sock:
                sock.sendall(b"GET /emulator HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
                    answer += chunk
        finally:
            for sock in idle:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 503")
    _raw_request_id(answer)
