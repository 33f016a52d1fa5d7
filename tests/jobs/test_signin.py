"""Signing in to the real emulator: certificate and secret, typed refusals, secrets out of every output."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb._errors import CertificatePasswordError, ConfigurationError, NotSignedIn, OAuthError
from opus_nb.client._settings import Settings
from opus_nb.jobs._signin import current_client, login, login_emulator, logout


def test_login_emulator_signs_in_with_a_certificate(emu, tmp_path: Path) -> None:
    client = login_emulator(emu, directory=tmp_path)
    try:
        assert "CertificateCredential" in repr(client)
        assert current_client() is client
        tokens = [r for r in emu.requests if r.path.endswith("/connect/token")]
        assert [r.status for r in tokens] == [200]
    finally:
        logout()
    with pytest.raises(NotSignedIn):
        current_client()


@pytest.mark.server
def test_login_emulator_serves_your_own_connection_with_its_choices_and_terms(tmp_path: Path, monkeypatch) -> None:
    """Not the sample: a connection of your own, served by an emulator login_emulator starts for it."""
    monkeypatch.chdir(tmp_path)
    mine = opus.load_connection(
        {"id": "5d1e2c3b-4a59-4687-9a0b-1c2d3e4f5a6b", "data": [{"_Region": "SingleChoice"}]},
        choices={"Region": ["North America", "Middle East, Africa"]},
        terms={"terms": [{"fullPath": "Contracts/Signed", "retention": {"years": 1, "after": "timeCreated"}}]},
    )
    row = {
        "Row key": "CT-1",
        "Name": "c.pdf",
        "Classification": "Contracts/Signed",
        "Created time": "2020-01-02",
        "Modified time": "2020-01-02",
        "Created by": "a@contoso.com",
        "Modified by": "a@contoso.com",
        "Region": "Middle East, Africa",
    }
    login_emulator(connection=mine, directory=tmp_path / "app")
    try:
        results = pd.DataFrame([row]).opus.submit(progress=False)
        assert results["status"].tolist() == ["submitted"], results["message"].tolist()
        due = opus.due_records(before="2030-01-01", progress=False)
        assert due["rowKey"].tolist() == ["CT-1"] and due["Region"].tolist() == ["Middle East, Africa"]
    finally:
        logout()


def test_secret_sign_in_from_environment_and_env_file(emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = emu.register_app(credential="secret")
    env = tmp_path / ".env"
    env.write_text(
        f"OPUS_CLIENT_ID={app.client_id}\nOPUS_CLIENT_SECRET={app.client_secret}\n"
        f"OPUS_GRAPH_URL={emu.url}\nOPUS_IDENTITY_URL=http://127.0.0.1:9/wrong\n"
    )
    monkeypatch.setenv("OPUS_IDENTITY_URL", emu.identity_url)
    client = login(env_file=env)
    try:
        assert "ClientSecretCredential" in repr(client)
        assert client.endpoints.identity_url == emu.identity_url
    finally:
        logout()


def test_unregistered_certificate_and_wrong_client_id_are_invalid_client(emu, tmp_path: Path, pfx: Path, certs) -> None:
    app = emu.register_app(credential="certificate", directory=tmp_path / "app")
    with pytest.raises(OAuthError) as info:
        login(
            client_id=app.client_id,
            certificate=pfx,
            password=certs.password,
            graph_url=emu.url,
            identity_url=emu.identity_url,
            env_file=None,
        )
    assert info.value.error == "invalid_client"
    with pytest.raises(OAuthError, match="invalid_client"):
        login(
            client_id="00000000-0000-0000-0000-000000000000",
            certificate=app.certificate.pfx,
            password=app.password,
            graph_url=emu.url,
            identity_url=emu.identity_url,
            env_file=None,
        )
    with pytest.raises(CertificatePasswordError):
        login(
            client_id=app.client_id,
            certificate=app.certificate.pfx,
            password="not-it",
            graph_url=emu.url,
            identity_url=emu.identity_url,
            env_file=None,
        )


def test_missing_scope_is_its_own_error(emu, tmp_path: Path) -> None:
    app = emu.register_app(credential="secret", scopes=["other.read"])
    with pytest.raises(OAuthError) as info:
        login(client_id=app.client_id, secret=app.client_secret, graph_url=emu.url, identity_url=emu.identity_url, env_file=None)
    assert info.value.error in {"invalid_scope", "unauthorized_client"}


def test_no_secret_reaches_logs_reprs_or_errors(
    emu,
    tmp_path: Path,
    sheet,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    app = emu.register_app(credential="certificate", directory=tmp_path / "app")
    client = login(
        client_id=app.client_id,
        certificate=app.certificate.pfx,
        password=app.password,
        graph_url=emu.url,
        identity_url=emu.identity_url,
        env_file=None,
        connection=emu.connection,
    )
    try:
        token = client.tokens.get()
        results = sheet.head(30).opus.submit(progress=True)
        print(repr(client), repr(client.tokens), client.tokens._token, results)
        try:
            login(
                client_id=app.client_id,
                certificate=app.certificate.pfx,
                password=app.password + "x",
                graph_url=emu.url,
                identity_url=emu.identity_url,
                env_file=None,
            )
        except CertificatePasswordError as exc:
            print(exc, repr(exc))
    finally:
        logout()
    out = capsys.readouterr()
    key_pem = app.certificate.pem.read_text()
    key_body = [line for line in key_pem.splitlines() if line and "-----" not in line][3]
    for text in (out.out, out.err, caplog.text):
        assert app.password not in text
        assert token not in text
        assert key_body not in text


def test_an_explicit_region_beats_urls_in_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "OPUS_GRAPH_URL=https://graph-au.avepointonlineservices.com\nOPUS_IDENTITY_URL=https://identity.example.test\n"
        "OPUS_CLIENT_ID=app\n"
    )
    settings = Settings.from_env(env, environ={}, region="us")
    assert (settings.region, settings.graph_url, settings.identity_url, settings.client_id) == ("us", None, None, "app")
    assert Settings.from_env(env, environ={}).graph_url == "https://graph-au.avepointonlineservices.com"


def test_a_region_and_a_url_from_two_sources_that_disagree_are_refused(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OPUS_GRAPH_URL=https://graph-au.avepointonlineservices.com\n")
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(env, environ={"OPUS_REGION": "us"})
    message = str(info.value)
    assert "OPUS_REGION" in message and "OPUS_GRAPH_URL" in message and "graph-au" in message


def test_an_explicit_region_and_an_explicit_url_that_disagree_are_refused(emu) -> None:
    app = emu.register_app(credential="secret")
    with pytest.raises(ConfigurationError, match="region") as info:
        login(
            region="us",
            graph_url=emu.url,
            identity_url=emu.identity_url,
            client_id=app.client_id,
            secret=app.client_secret,
            env_file=None,
        )
    assert "graph_url" in str(info.value)
    assert not [r for r in emu.requests if r.path.endswith("/connect/token")]
