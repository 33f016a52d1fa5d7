"""The token provider against a scripted identity service (httpx2.MockTransport): narrow unit cases; and over
real sockets, a slow identity service (the emulator) and one that redirects."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx2
import jwt
import pytest

from opus_nb._errors import IdentityServiceError, OAuthError
from opus_nb.client._credentials import CertificateCredential, ClientSecretCredential
from opus_nb.client._retry import RetryPolicy
from opus_nb.client._tokens import AccessToken, TokenProvider, refresh_margin

IDENTITY = "https://identity.example.test"
TOKEN_URL = f"{IDENTITY}/connect/token"


class Identity:
    """A scripted identity service: answers discovery, then token requests from ``script``."""

    def __init__(self, *script: tuple[int, dict] | Exception, expires_in: int = 3600, delay: float = 0.0) -> None:
        self.script = list(script)
        self.expires_in = expires_in
        self.delay = delay
        self.forms: list[dict[str, str]] = []
        self.issued = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"issuer": IDENTITY, "token_endpoint": TOKEN_URL})
        self.forms.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        time.sleep(self.delay)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            status, body = step
            if status != 200:
                return httpx2.Response(status, json=body, headers={"Retry-After": "0"})
        self.issued += 1
        return httpx2.Response(
            200, json={"access_token": f"tok-{self.issued}-Xq9", "token_type": "Bearer", "expires_in": self.expires_in}
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def provider(identity: Identity, credential=None, clock=None) -> TokenProvider:
    http = httpx2.Client(transport=httpx2.MockTransport(identity))
    return TokenProvider(
        credential or ClientSecretCredential("app", "s3cret-Kp2"),
        IDENTITY,
        http,
        retry=RetryPolicy(attempts=3, base=0.0),
        clock=clock or time.time,
        sleep=lambda s: None,
    )


def test_token_is_cached_and_comes_from_the_discovered_endpoint() -> None:
    identity = Identity()
    tokens = provider(identity)
    assert tokens.get() == tokens.get() == "tok-1-Xq9"
    assert tokens.requests == 1
    assert identity.forms[0]["grant_type"] == "client_credentials"
    assert identity.forms[0]["scope"] == "records.readwrite.all"
    assert tokens.token_endpoint == TOKEN_URL


def test_each_retry_signs_a_new_assertion(pfx: Path, certs) -> None:
    identity = Identity((503, {}), (500, {}))
    tokens = provider(identity, CertificateCredential("app", pfx, certs.password))
    assert tokens.get() == "tok-1-Xq9"
    claims = [jwt.decode(f["client_assertion"], options={"verify_signature": False}) for f in identity.forms]
    assert len(claims) == 3
    assert len({c["jti"] for c in claims}) == 3
    assert {c["aud"] for c in claims} == {TOKEN_URL}


def test_invalid_client_is_not_retried_and_is_typed() -> None:
    identity = Identity((400, {"error": "invalid_client", "error_description": "unknown certificate"}))
    tokens = provider(identity)
    with pytest.raises(OAuthError) as info:
        tokens.get()
    assert info.value.error == "invalid_client"
    assert info.value.description == "unknown certificate"
    assert "registered" in str(info.value)
    assert len(identity.forms) == 1


def test_invalid_scope_is_its_own_error() -> None:
    tokens = provider(Identity((400, {"error": "invalid_scope"})))
    with pytest.raises(OAuthError, match="records.readwrite.all") as info:
        tokens.get()
    assert info.value.error == "invalid_scope"


def test_unreachable_identity_service_is_named() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    http = httpx2.Client(transport=httpx2.MockTransport(refuse))
    tokens = TokenProvider(
        ClientSecretCredential("app", "s"), IDENTITY, http, retry=RetryPolicy(attempts=2, base=0.0), sleep=lambda s: None
    )
    with pytest.raises(IdentityServiceError, match="cannot be reached") as info:
        tokens.get()
    assert info.value.url == IDENTITY


def test_many_threads_cause_one_token_request() -> None:
    identity = Identity(delay=0.2)
    tokens = provider(identity)
    barrier = threading.Barrier(16)
    seen: list[str] = []

    def worker() -> None:
        barrier.wait()
        seen.append(tokens.get())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert identity.issued == 1
    assert set(seen) == {"tok-1-Xq9"}


def test_refreshes_five_minutes_ahead_and_keeps_a_valid_token_when_refresh_fails() -> None:
    clock = Clock()
    identity = Identity()
    tokens = provider(identity, clock=clock)
    assert tokens.get() == "tok-1-Xq9"
    clock.now += 3600 - 301
    assert tokens.get() == "tok-1-Xq9"
    clock.now += 2
    assert tokens.get() == "tok-2-Xq9"
    identity.script = [(503, {}), (503, {}), (503, {})]
    clock.now += 3600 - 200
    assert tokens.get() == "tok-2-Xq9"
    clock.now += 300
    identity.script = []
    assert tokens.get() == "tok-3-Xq9"


def test_short_lived_tokens_refresh_a_tenth_ahead() -> None:
    assert refresh_margin(3600) == 300
    assert refresh_margin(5) == pytest.approx(0.5)
    clock = Clock()
    identity = Identity(expires_in=5)
    tokens = provider(identity, clock=clock)
    tokens.get()
    clock.now += 4.4
    assert tokens.get() == "tok-1-Xq9"
    clock.now += 0.2
    assert tokens.get() == "tok-2-Xq9"


def test_invalidate_forgets_only_the_current_token() -> None:
    identity = Identity()
    tokens = provider(identity)
    first = tokens.get()
    tokens.invalidate("some-older-token")
    assert tokens.get() == first
    tokens.invalidate(first)
    assert tokens.get() == "tok-2-Xq9"


def test_tokens_and_secrets_stay_out_of_reprs_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = provider(Identity())
    value = tokens.get()
    token = AccessToken(value, 1.0, 0.5)
    for text in (repr(tokens), repr(token), str(token), caplog.text):
        assert value not in text
        assert "s3cret-Kp2" not in text


@pytest.mark.parametrize("endpoint", ["http://identity.example.test/connect/token", "https://elsewhere.example.test/token"])
def test_a_token_endpoint_off_the_identity_host_or_over_http_gets_no_secret(endpoint: str) -> None:
    identity = Identity()
    posted: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"issuer": IDENTITY, "token_endpoint": endpoint})
        posted.append(request)
        return identity(request)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    tokens = TokenProvider(
        ClientSecretCredential("app", "s3cret-Kp2"), IDENTITY, http, retry=RetryPolicy(attempts=3, base=0.0), sleep=lambda s: None
    )
    with pytest.raises(IdentityServiceError, match="token endpoint") as info:
        tokens.get()
    assert endpoint in str(info.value)
    assert posted == []


def test_a_loopback_identity_service_may_name_a_plain_http_token_endpoint() -> None:
    local = "http://127.0.0.1:8000/identity"

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": f"{local}/connect/token"})
        return httpx2.Response(200, json={"access_token": "tok-local", "expires_in": 3600})

    tokens = TokenProvider(ClientSecretCredential("app", "s"), local, httpx2.Client(transport=httpx2.MockTransport(handler)))
    assert tokens.get() == "tok-local"


def test_an_oauth_error_description_is_redacted() -> None:
    echoed = "bad form client_id=app&client_secret=s3cret-Kp2 or assertion eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"
    tokens = provider(Identity((400, {"error": "invalid_client", "error_description": echoed})))
    with pytest.raises(OAuthError) as info:
        tokens.get()
    for text in (str(info.value), info.value.description or ""):
        assert "s3cret-Kp2" not in text
        assert "eyJhbGciOi.eyJzdWIiOi" not in text
    assert "client_secret=***" in str(info.value)


def test_a_slow_token_answer_never_keeps_the_token_past_its_expiry(emu) -> None:
    """The token lives from when the identity service made it (its request's arrival), not from when its
    answer came: counted from before the request was sent, the cache lets it go by its real exp."""
    app = emu.register_app(credential="secret")
    ahead = [0.0]
    tokens = TokenProvider(
        ClientSecretCredential(app.client_id, app.client_secret or ""),
        emu.identity_url,
        httpx2.Client(),
        clock=lambda: time.time() + ahead[0],
    )
    assert tokens.token_endpoint  # discovery, at full speed
    emu.faults(latency_ms=2000, token_lifetime_s=3)
    first = tokens.get()
    emu.faults()
    ahead[0] = jwt.decode(first, options={"verify_signature": False})["exp"] - time.time()  # the clock reaches its exp
    second = tokens.get()
    assert second != first and tokens.requests == 2
    assert jwt.decode(second, options={"verify_signature": False})["exp"] > time.time() + ahead[0]


class _Redirecting(BaseHTTPRequestHandler):
    """An identity service on 127.0.0.1 whose discovery (``GET /moved/...``) or token endpoint redirects."""

    server: _RedirectingServer

    def do_GET(self) -> None:
        if self.path.startswith("/moved/"):
            self._answer(301, {"Location": f"https://identity.example.test/new{self.path.removeprefix('/moved')}"})
            return
        body = json.dumps({"token_endpoint": f"{self.server.url}/connect/token"}).encode()
        self._answer(200, {"Content-Type": "application/json"}, body)

    def do_POST(self) -> None:
        self.server.posts.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self._answer(307, {"Location": "https://elsewhere.example.test/connect/token"})

    def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _RedirectingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Redirecting)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.posts: list[str] = []


@pytest.fixture
def redirecting() -> Iterator[_RedirectingServer]:
    server = _RedirectingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.server
def test_a_token_endpoint_that_redirects_is_refused_and_its_credential_never_posted_again(redirecting) -> None:
    tokens = TokenProvider(ClientSecretCredential("app", "s3cret-Kp2"), redirecting.url, httpx2.Client(), sleep=lambda s: None)
    with pytest.raises(IdentityServiceError) as raised:
        tokens.get()
    text = str(raised.value)
    assert "redirect" in text and "https://elsewhere.example.test/connect/token" in text
    assert "identity_url=" in text and "s3cret-Kp2" not in text
    assert len(redirecting.posts) == 1


@pytest.mark.server
def test_a_discovery_document_that_moved_names_the_identity_url_to_set(redirecting) -> None:
    tokens = TokenProvider(ClientSecretCredential("app", "s"), f"{redirecting.url}/moved", httpx2.Client(), sleep=lambda s: None)
    with pytest.raises(IdentityServiceError) as raised:
        tokens.get()
    assert "identity_url='https://identity.example.test/new'" in str(raised.value)
    assert redirecting.posts == []
