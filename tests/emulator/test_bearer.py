"""Every connector route wants a bearer token: 401 when missing, malformed, expired or foreign; 403 without the scope."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from opus_nb import emulator

from .records import RECORDS, make_record

ROUTES = [
    ("POST", RECORDS, {"json": {"id": "x", "conflictOption": "Skip", "data": [make_record(1)]}}),
    ("GET", RECORDS, {"params": {"id": "x", "disposalDueDate": "2030-01-01", "itemsPerPage": 5}}),
    ("DELETE", RECORDS, {"json": {"disposalIds": ["R-00001"]}}),
    ("POST", "/api/connector/SubmitRecords", {"json": {"id": "x", "conflictOption": "Skip", "data": [make_record(1)]}}),
    ("POST", "/api/connector/GetDueRecords", {"json": {"id": "x", "disposalDueDate": "2030-01-01", "itemsPerPage": 5}}),
    ("POST", "/api/connector/DestroyRecords", {"json": {"disposalIds": ["R-00001"]}}),
]
IDS = [f"{m} {p.rsplit('/', 1)[-1]}" for m, p, _ in ROUTES]


def _call(emu: Any, route: tuple[str, str, dict[str, Any]], authorization: str | None) -> httpx.Response:
    method, path, kwargs = route
    headers = {"Authorization": authorization} if authorization is not None else {}
    return httpx.request(method, emu.url + path, headers=headers, **kwargs)


STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _foreign_token(token: str) -> str:
    """The same claims and key id, signed by someone else."""
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    return jwt.encode(claims, STRANGER, algorithm="RS256", headers={"kid": header["kid"]})


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_no_token_is_401_with_a_bearer_challenge(emu, route) -> None:
    response = _call(emu, route, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["statusCode"] == 401


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("basic", "must be 'Bearer"),
        ("empty", "must be 'Bearer"),
        ("garbage", "not valid"),
        ("expired", "expired"),
        ("foreign", "not signed by this identity service"),
    ],
)
def test_bad_tokens_are_401(emu, token: str, route, kind: str, fragment: str) -> None:
    authorization = {
        "basic": "Basic dXNlcjpwYXNz",
        "empty": "Bearer",
        "garbage": "Bearer not.a.jwt",
        "expired": f"Bearer {emu.issue_token(lifetime_s=-120)}",
        "foreign": f"Bearer {_foreign_token(token)}",
    }[kind]
    response = _call(emu, route, authorization)
    assert response.status_code == 401
    assert fragment in response.json()["message"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_a_token_without_the_scope_is_403(emu, route) -> None:
    response = _call(emu, route, f"Bearer {emu.issue_token(scopes=['records.read'])}")
    assert response.status_code == 403
    assert "records.readwrite.all" in response.json()["message"]


def test_a_token_from_another_emulator_is_foreign(emu) -> None:
    with emulator.run() as other:
        stranger = other.issue_token()
    response = _call(emu, ROUTES[1], f"Bearer {stranger}")
    assert response.status_code == 401


def test_a_token_that_expires_while_in_use_stops_working(emu, secret_app) -> None:
    emu.faults(token_lifetime_s=1)
    form = {"grant_type": "client_credentials", "client_id": secret_app.client_id, "client_secret": secret_app.secret}
    token = httpx.post(emu.token_url, data=form).json()["access_token"]
    route = _due_records(emu)
    assert _call(emu, route, f"Bearer {token}").status_code == 204
    deadline = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, deadline - time.time()) + 0.05)
    response = _call(emu, route, f"Bearer {token}")
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_a_token_lives_at_least_the_lifetime_it_was_issued_with(emu) -> None:
    """exp is whole seconds, rounded up: a one-second token minted late in a second is not dead on arrival."""
    before = time.time()
    token = emu.issue_token(lifetime_s=1)
    assert jwt.decode(token, options={"verify_signature": False})["exp"] >= before + 1
    assert _call(emu, _due_records(emu), f"Bearer {token}").status_code == 204


def _due_records(emu) -> tuple[str, str, dict[str, Any]]:
    """Asking for the due records of the emulator's connection: 204 (none due) with a valid token."""
    return ("GET", RECORDS, {"params": {"id": emu.connection.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 5}})
