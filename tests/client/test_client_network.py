"""One HTTP stack for every request: proxies (explicit, from the environment, SOCKS5; never for loopback), TLS
trust (the emulator over https with a self-signed certificate), and MockTransport injection for the blocking
and the concurrent calls."""

from __future__ import annotations

import argparse
import asyncio
import ssl
from pathlib import Path

import httpx2
import pytest

from opus_nb import emulator
from opus_nb._errors import ConfigurationError, TLSError
from opus_nb.cli._jobs import register
from opus_nb.client._client import OpusClient, Reply
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.client._network import Network
from opus_nb.client._retry import RetryPolicy
from opus_nb.jobs._signin import login, login_emulator, logout
from opus_nb.jobs._submit import submit
from tests.client.relays import FRONT_HOST, Socks5Proxy, TLSFront
from tests.helpers import SAMPLES
from tests.helpers.forward_proxy import ForwardProxy


def _secret_client(emu: emulator.Emulator, **options: object) -> OpusClient:
    app = emu.register_app(credential="secret")
    return OpusClient(
        ClientSecretCredential(app.client_id, app.client_secret or ""),
        graph_url=emu.url,
        identity_url=emu.identity_url,
        retry=RetryPolicy(attempts=4, base=0.01),
        **options,
    )  # type: ignore[arg-type]


def _fronted_client(emu: emulator.Emulator, front: TLSFront, **options: object) -> OpusClient:
    """Signs in to ``emu`` directly (loopback), and calls its API at ``front`` (a name only a proxy resolves)."""
    app = emu.register_app(credential="secret")
    return OpusClient(
        ClientSecretCredential(app.client_id, app.client_secret or ""),
        graph_url=front.url,
        identity_url=emu.identity_url,
        ca_file=front.ca_file,
        retry=RetryPolicy(attempts=2, base=0.01),
        **options,
    )  # type: ignore[arg-type]


def _due(client: OpusClient, emu: emulator.Emulator) -> Reply:
    return client.call("due", params={"id": emu.connection.id, "disposalDueDate": "2026-01-01", "itemsPerPage": 10})


def test_an_explicit_proxy_carries_every_batch(emu, front: TLSFront, sheet, proxy: ForwardProxy, tmp_path: Path) -> None:
    client = _fronted_client(emu, front, proxy=proxy.url)
    try:
        client.sign_in()
        results = submit(sheet.head(60), emu.connection, progress=False, journal=tmp_path / "journal", client=client)
    finally:
        client.close()
    assert (results.status == "submitted").sum() > 40
    assert sum(r.method == "POST" and r.path == "/records/connector/records" for r in emu.requests) == 4
    assert proxy.relayed and all(line == f"CONNECT {FRONT_HOST}:{front.port}" for line in proxy.relayed)


def test_proxy_variables_of_the_environment_are_honoured_and_no_proxy_too(
    emu, front: TLSFront, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    client = _fronted_client(emu, front)
    try:
        assert _due(client, emu).ok
    finally:
        client.close()
    assert proxy.relayed == [f"CONNECT {FRONT_HOST}:{front.port}"]
    monkeypatch.setenv("NO_PROXY", FRONT_HOST)
    client = _fronted_client(emu, front)
    try:
        reply = _due(client, emu)  # straight to a name only the proxy knows
    finally:
        client.close()
    assert reply.status is None and "unreachable" in (reply.message or "")
    assert len(proxy.relayed) == 1


@pytest.mark.parametrize("where", ["argument", "environment"])
def test_loopback_never_goes_through_a_proxy(
    emu, sheet, proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The emulator's plain-http sign-in (a client assertion) and batches reach it directly, whatever proxy is set."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY") + (("OPUS_PROXY",) if where == "environment" else ()):
        monkeypatch.setenv(name, proxy.url)
    app = emu.register_app(credential="certificate", directory=tmp_path / "app")
    assert app.certificate is not None
    login(
        client_id=app.client_id,
        certificate=app.certificate.pfx,
        password=app.password,
        graph_url=emu.url,
        identity_url=emu.identity_url,
        proxy=proxy.url if where == "argument" else None,
        env_file=None,
        connection=emu.connection,
    )
    try:
        results = sheet.head(20).opus.submit(progress=False, journal=tmp_path / "journal")
    finally:
        logout()
    assert (results.status == "submitted").sum() > 15
    assert proxy.relayed == []
    assert any(r.path.endswith("/connect/token") for r in emu.requests)


def test_a_socks5_proxy_carries_sign_in_calls_and_batches(
    emu, front: TLSFront, sheet, socks: Socks5Proxy, tmp_path: Path
) -> None:
    client = _fronted_client(emu, front, proxy=socks.url)
    try:
        assert _due(client, emu).ok
        results = submit(sheet.head(30), emu.connection, progress=False, journal=tmp_path / "journal", client=client)
    finally:
        client.close()
    assert (results.status == "submitted").sum() > 20
    assert len(socks.relayed) >= 2 and set(socks.relayed) == {f"{FRONT_HOST}:{front.port}"}


@pytest.mark.parametrize("given", [None, "alice:wr0ng-Pw"])
def test_a_proxy_asking_for_credentials_is_named_and_not_retried(
    emu, front: TLSFront, guarded_proxy: ForwardProxy, given: str | None
) -> None:
    url = guarded_proxy.url if given is None else guarded_proxy.url.replace("//", f"//{given}@")
    waits: list[float] = []
    client = _fronted_client(emu, front, proxy=url, sleep=waits.append)
    try:
        with pytest.raises(ConfigurationError) as raised:
            _due(client, emu)
    finally:
        client.close()
    text = str(raised.value)
    assert raised.value.setting == "proxy"
    assert "407 Proxy Authentication Required" in text and "USER:PASSWORD@" in text
    assert f"https://{FRONT_HOST}:{front.port}/records/connector/records" in text
    assert "alice" not in text and "wr0ng" not in text
    assert waits == [] and len(guarded_proxy.relayed) == 1
    client = _fronted_client(emu, front, proxy=guarded_proxy.url.replace("//", "//alice:pr0xy-Pw9@"))
    try:
        assert _due(client, emu).ok
    finally:
        client.close()


def test_an_untrusted_certificate_is_named_and_not_retried(tls_emu) -> None:
    waits: list[float] = []
    client = _secret_client(tls_emu, sleep=waits.append)
    try:
        with pytest.raises(TLSError) as info:
            client.sign_in()
    finally:
        client.close()
    assert info.value.url.startswith(tls_emu.identity_url)
    assert "self-signed" in info.value.reason or "issuer" in info.value.reason
    assert "ca_file=" in str(info.value) and "OPUS_CA_FILE" in str(info.value)
    assert waits == []
    assert client.tokens.requests == 0
    assert not [r for r in tls_emu.requests if r.path.endswith("/connect/token")]


def test_ca_file_and_opus_ca_file_trust_the_emulator(tls_emu, sheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tls_emu.register_app(credential="secret")
    signed_in = login(
        client_id=app.client_id,
        secret=app.client_secret,
        graph_url=tls_emu.url,
        identity_url=tls_emu.identity_url,
        ca_file=tls_emu.ca_file,
        env_file=None,
        connection=tls_emu.connection,
    )
    try:
        results = sheet.head(30).opus.submit(progress=False, journal=tmp_path / "journal")
    finally:
        logout()
    assert signed_in.endpoints.graph_url.startswith("https://")
    assert (results.status == "submitted").sum() == len(tls_emu.records()) > 20
    monkeypatch.setenv("OPUS_CA_FILE", str(tls_emu.ca_file))
    client = _secret_client(tls_emu)
    try:
        client.sign_in()
    finally:
        client.close()
    assert client.network.ca_file == str(tls_emu.ca_file)


def test_login_emulator_trusts_an_emulator_over_tls(tls_emu, tmp_path: Path) -> None:
    client = login_emulator(tls_emu, directory=tmp_path / "app")
    try:
        assert client.call("due", params={"id": tls_emu.connection.id, "disposalDueDate": "2026-01-01", "itemsPerPage": 10}).ok
    finally:
        logout()


def test_a_tls_failure_mid_run_stops_submit_with_the_reason(emu, sheet, tmp_path: Path) -> None:
    def untrusted(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": "https://id.test/connect/token"})
        if request.url.path == "/connect/token":
            return httpx2.Response(200, json={"access_token": "t", "expires_in": 3600})
        failure = ssl.SSLCertVerificationError(1, "certificate verify failed")
        raise httpx2.ConnectError("handshake failed", request=request) from failure

    client = OpusClient(
        ClientSecretCredential("a", "s"),
        graph_url="https://g.test",
        identity_url="https://id.test",
        transport=httpx2.MockTransport(untrusted),
        sleep=lambda s: None,
    )
    with pytest.warns(UserWarning, match="not trusted"):
        results = submit(sheet.head(40), emu.connection, progress=False, journal=tmp_path / "journal", client=client)
    assert (results.status == "not_sent").all()
    assert results.message.str.contains("not trusted").sum() > 30


@pytest.mark.parametrize("ca", ["missing.pem", "junk.pem"])
def test_an_unusable_ca_file_is_a_configuration_error(tmp_path: Path, ca: str) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="ca_file"):
        Network(ca_file=tmp_path / ca)
    with pytest.raises(ConfigurationError, match="ca_file"):
        Network(environ={"OPUS_CA_FILE": str(tmp_path / ca)})


def test_a_proxy_that_is_not_a_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="proxy"):
        Network(proxy="ftp://proxy.example.test")


def test_a_bad_proxy_url_never_shows_its_password() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Network(proxy="http://bob:hunter2@proxy.corp:notaport")
    assert "hunter2" not in str(raised.value) and "bob" not in str(raised.value)
    assert "proxy.corp" in str(raised.value)


@pytest.mark.parametrize("where", ["argument", "OPUS_PROXY"])
def test_a_proxy_without_a_scheme_says_the_form_and_never_shows_its_password(
    emu, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    app = emu.register_app(credential="secret")
    proxy = "alice:s3cr3t-Pw@proxy.corp:3128"
    if where == "OPUS_PROXY":
        monkeypatch.setenv("OPUS_PROXY", proxy)
    with pytest.raises(ConfigurationError) as raised:
        login(
            client_id=app.client_id,
            secret=app.client_secret,
            graph_url=emu.url,
            identity_url=emu.identity_url,
            proxy=proxy if where == "argument" else None,
            env_file=None,
        )
    text = str(raised.value)
    assert "s3cr3t" not in text and "alice" not in text
    assert "scheme://[user:password@]host:port" in text and "proxy.corp:3128" in text


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY"])
def test_an_unusable_proxy_of_the_environment_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "ftp://bob:hunter2@proxy.corp:21")
    with pytest.raises(ConfigurationError) as raised:
        Network()
    assert raised.value.setting == variable
    assert "hunter2" not in str(raised.value) and "proxy.corp" in str(raised.value)


def test_a_nul_in_ca_file_is_a_configuration_error(emu) -> None:
    app = emu.register_app(credential="secret")
    with pytest.raises(ConfigurationError, match="ca_file") as raised:
        login(
            client_id=app.client_id,
            secret=app.client_secret,
            graph_url=emu.url,
            identity_url=emu.identity_url,
            ca_file="company-ca\x00.pem",
            env_file=None,
        )
    assert "null" in str(raised.value)


def test_a_mock_transport_serves_the_blocking_and_the_concurrent_calls() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": "https://id.test/connect/token"})
        if request.url.path == "/connect/token":
            return httpx2.Response(200, json={"access_token": "t", "expires_in": 3600})
        seen.append(f"{request.method} {request.headers['authorization']} {request.content.decode()}")
        return httpx2.Response(201, json={"statusCode": 201})

    client = OpusClient(
        ClientSecretCredential("a", "s"),
        graph_url="https://g.test",
        identity_url="https://id.test",
        transport=httpx2.MockTransport(handler),
    )

    async def concurrently() -> list[int | None]:
        async with client.concurrent() as calls:
            replies = await asyncio.gather(*(calls.call("submit", json={"n": n}) for n in range(3)))
        return [r.status for r in replies]

    assert client.call("submit", json={"n": -1}).status == 201
    assert asyncio.run(concurrently()) == [201, 201, 201]
    assert sorted(seen) == sorted(f'POST Bearer t {{"n":{n}}}' for n in range(-1, 3))


def test_the_shell_trusts_a_ca_file_given_with_a_flag(
    tls_emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tls_emu.register_app(credential="secret")
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "OPUS_CLIENT_ID": app.client_id,
        "OPUS_CLIENT_SECRET": app.client_secret,
        "OPUS_GRAPH_URL": tls_emu.url,
        "OPUS_IDENTITY_URL": tls_emu.identity_url,
    }.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser(prog="opus-nb")
    register(parser.add_subparsers(dest="command", required=True))
    due = ["due", "--before", "2026-01-01", "--connection", str(SAMPLES / "connection.json"), "--quiet"]
    with pytest.raises(TLSError):
        parser.parse_args(due).run(parser.parse_args(due))
    args = parser.parse_args([*due, "--ca-file", str(tls_emu.ca_file)])
    assert args.run(args) == 0
    assert "record(s) due before 2026-01-01" in capsys.readouterr().out


def test_a_transport_that_only_blocks_still_serves_the_concurrent_calls() -> None:
    class Blocking(httpx2.BaseTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            if request.url.path.endswith("openid-configuration"):
                return httpx2.Response(200, json={"token_endpoint": "https://id.test/connect/token"})
            if request.url.path == "/connect/token":
                return httpx2.Response(200, json={"access_token": "t", "expires_in": 3600})
            return httpx2.Response(207, json={"failedItems": [{"item": {"rowKey": request.content.decode()}}]})

    client = OpusClient(
        ClientSecretCredential("a", "s"), graph_url="https://g.test", identity_url="https://id.test", transport=Blocking()
    )

    async def one() -> tuple[int | None, object]:
        async with client.concurrent() as calls:
            reply = await calls.call("submit", json="row-1")
        return reply.status, reply.body

    assert asyncio.run(one()) == (207, {"failedItems": [{"item": {"rowKey": '"row-1"'}}]})
