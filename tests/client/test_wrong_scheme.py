"""A URL whose scheme is not what its server speaks fails at once, naming the fix: ``http://`` to the emulator
served over TLS, ``https://`` to a plain one, for the identity service and the API, blocking and concurrent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opus_nb import emulator
from opus_nb._errors import ConfigurationError
from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.jobs._submit import submit

#: Generous: the failure takes milliseconds, against 46 s of retries before.
BOUND_S = 5.0


@pytest.fixture
def plain_emu() -> Iterator[emulator.Emulator]:
    with emulator.run() as running:
        yield running


def _other_scheme(url: str) -> str:
    return url.replace("https://", "http://") if url.startswith("https://") else url.replace("http://", "https://")


def _client(identity: emulator.Emulator, waits: list[float], **urls: str) -> OpusClient:
    app = identity.register_app(credential="secret")
    return OpusClient(
        ClientSecretCredential(app.client_id, app.client_secret or ""),
        **{"graph_url": identity.url, "identity_url": identity.identity_url, **urls},
        ca_file=identity.ca_file,
        sleep=waits.append,
    )  # type: ignore[arg-type]


def _check(raised: ConfigurationError, setting: str, fix: str, took: float, waits: list[float]) -> None:
    text = str(raised)
    assert raised.setting == setting
    assert fix in text and f"{setting}=" in text and f"OPUS_{setting.upper()}" in text
    assert took < BOUND_S and waits == []


@pytest.mark.parametrize("served_over", ["tls", "plain"])
def test_a_wrong_scheme_for_the_identity_service_fails_at_once_naming_the_fix(tls_emu, plain_emu, served_over: str) -> None:
    server = tls_emu if served_over == "tls" else plain_emu
    wrong = _other_scheme(server.identity_url)
    waits: list[float] = []
    client = _client(server, waits, graph_url=_other_scheme(server.url), identity_url=wrong)
    start = time.monotonic()
    try:
        with pytest.raises(ConfigurationError) as raised:
            client.sign_in()
    finally:
        client.close()
    _check(raised.value, "identity_url", server.identity_url, time.monotonic() - start, waits)
    assert client.tokens.requests == 0


@pytest.mark.parametrize("served_over", ["tls", "plain"])
@pytest.mark.parametrize("calls", ["blocking", "concurrent"])
def test_a_wrong_scheme_for_the_api_fails_at_once_naming_the_fix(tls_emu, plain_emu, served_over: str, calls: str) -> None:
    """Signed in to one emulator; its API URL points at the other with the other scheme."""
    identity, api = (plain_emu, tls_emu) if served_over == "tls" else (tls_emu, plain_emu)
    waits: list[float] = []
    client = _client(identity, waits, graph_url=_other_scheme(api.url))
    params = {"id": "c", "disposalDueDate": "2026-01-01", "itemsPerPage": 10}

    async def concurrently() -> None:
        async with client.concurrent() as concurrent:
            await concurrent.call("due", params=params)

    try:
        client.sign_in()
        start = time.monotonic()
        with pytest.raises(ConfigurationError) as raised:
            client.call("due", params=params) if calls == "blocking" else asyncio.run(concurrently())
        took = time.monotonic() - start
    finally:
        client.close()
    _check(raised.value, "graph_url", api.url, took, waits)
    assert not [r for r in api.requests if r.path.startswith("/records")]


def test_submit_to_a_wrong_scheme_stops_at_once_naming_the_fix(emu, tls_emu, sheet, tmp_path: Path) -> None:
    waits: list[float] = []
    client = _client(emu, waits, graph_url=_other_scheme(tls_emu.url))
    sheet.head(1).opus.validate(emu.connection)  # the first validation in a process loads pandera's backends: seconds
    start = time.monotonic()
    try:
        with pytest.raises(ConfigurationError) as raised:
            submit(sheet.head(60), emu.connection, progress=False, journal=tmp_path / "journal", client=client)
    finally:
        client.close()
    _check(raised.value, "graph_url", tls_emu.url, time.monotonic() - start, waits)
