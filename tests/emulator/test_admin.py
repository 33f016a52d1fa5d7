"""The admin routes answer only to loopback Host names (DNS rebinding) and take only JSON bodies."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "10.0.0.1:{port}", ""])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/emulator"), ("GET", "/emulator/connections/x"), ("POST", "/emulator/apps")],
)
def test_admin_routes_refuse_a_host_that_is_not_loopback(emu, host: str, method: str, path: str) -> None:
    response = httpx.request(method, emu.url + path, headers={"Host": host.format(port=emu.port)}, json={"scopes": ["a"]})
    assert response.status_code == 403
    assert "loopback" in response.json()["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "127.0.0.1"])
def test_admin_routes_answer_to_loopback_names(emu, host: str) -> None:
    response = httpx.get(f"{emu.url}/emulator", headers={"Host": host.format(port=emu.port)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/jsonp"],
)
def test_registering_an_app_needs_a_json_body(emu, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(f"{emu.url}/emulator/apps", content=b'{"scopes": ["records.readwrite.all"]}', headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]


def test_a_json_body_with_a_charset_registers_an_app(emu) -> None:
    response = httpx.post(
        f"{emu.url}/emulator/apps",
        content=b'{"scopes": ["records.readwrite.all"]}',
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["client_secret"]


def test_a_cross_site_form_post_cannot_register_an_app(emu) -> None:
    response = httpx.post(
        f"{emu.url}/emulator/apps", data={"scopes": "records.readwrite.all"}, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 415
