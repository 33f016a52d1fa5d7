"""Apps and a token made once per worker on its shared emulator (`emulator_server`, reset for each
test by the root conftest's `emu`), and plain-HTTP helpers for the connector API.

Every test talks to the emulator over real HTTP with plain httpx (never the library's client).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from opus_nb.emulator import AppRegistration, Emulator
from opus_nb.records._connection import Connection

from .records import RECORDS, SCOPE, make_record


@pytest.fixture(scope="session")
def secret_app(emulator_server: Emulator) -> AppRegistration:
    return emulator_server.register_app(credential="secret")


@pytest.fixture(scope="session")
def cert_app(emulator_server: Emulator, tmp_path_factory: pytest.TempPathFactory) -> AppRegistration:
    return emulator_server.register_app(credential="certificate", directory=tmp_path_factory.mktemp("cert-app"))


@pytest.fixture(scope="session")
def token(emulator_server: Emulator, secret_app: AppRegistration) -> str:
    emulator_server.faults()  # made once, perhaps just after a test that injected faults (pytest-xdist orders tests its own way)
    form = {
        "grant_type": "client_credentials",
        "client_id": secret_app.client_id,
        "client_secret": secret_app.secret,
        "scope": SCOPE,
    }
    response = httpx.post(emulator_server.token_url, data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def conn(emu: Emulator) -> Connection:
    assert emu.connection is not None
    return emu.connection


@pytest.fixture
def api(emu: Emulator, token: str) -> Iterator[httpx.Client]:
    """A plain httpx client on the emulator's URL, carrying a valid bearer token."""
    with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


@pytest.fixture
def record() -> Callable[..., dict[str, Any]]:
    return make_record


@pytest.fixture
def post_records(api: httpx.Client, conn: Connection) -> Callable[..., httpx.Response]:
    """POST records to the Graph API: `post_records([records], conflict="Skip")`."""

    def post(records: list[dict[str, Any]], conflict: str = "Skip") -> httpx.Response:
        return api.post(RECORDS, json={"id": conn.id, "conflictOption": conflict, "confilictOption": conflict, "data": records})

    return post


@pytest.fixture
def get_due(api: httpx.Client, conn: Connection) -> Callable[..., httpx.Response]:
    """GET one page of due records: `get_due(before="2030-01-01 00:00:00", per_page=100, start=None)`."""

    def get(before: str = "2030-01-01 00:00:00", per_page: int = 100, start: str | None = None) -> httpx.Response:
        params: dict[str, Any] = {"id": conn.id, "disposalDueDate": before, "itemsPerPage": per_page}
        if start is not None:
            params["startIndex"] = start
        return api.get(RECORDS, params=params)

    return get


@pytest.fixture
def delete_records(api: httpx.Client) -> Callable[[list[str]], httpx.Response]:
    """DELETE records by row key (mark them destroyed): `delete_records(["R-00001"])`."""

    def delete(keys: list[str]) -> httpx.Response:
        return api.request("DELETE", RECORDS, json={"disposalIds": keys})

    return delete
