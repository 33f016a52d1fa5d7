"""OpusClient retries, Retry-After, 401 refresh and endpoints, against scripted transports (narrow unit cases)."""

from __future__ import annotations

import httpx2
import pytest

from opus_nb._errors import ConfigurationError
from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.client._endpoints import REGIONS, endpoints
from opus_nb.client._retry import RetryPolicy, parse_retry_after

BASE = "https://graph-us.example.test"
IDENTITY = "https://identity.example.test"


class Server:
    """Identity plus an API whose answers come from ``script`` (status, headers) or exceptions."""

    def __init__(self, *script: tuple[int, dict[str, str]] | Exception) -> None:
        self.script = list(script)
        self.api_calls: list[httpx2.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": f"{IDENTITY}/connect/token"})
        if request.url.path == "/connect/token":
            self.tokens += 1
            return httpx2.Response(200, json={"access_token": f"t{self.tokens}", "expires_in": 3600})
        self.api_calls.append(request)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            status, headers = step
            return httpx2.Response(status, json={"statusCode": status, "message": f"m{status}"}, headers=headers)
        return httpx2.Response(201, json={"statusCode": 201, "message": None})


def client(server: Server, api: str = "graph", attempts: int = 4) -> tuple[OpusClient, list[float]]:
    waits: list[float] = []
    c = OpusClient(
        ClientSecretCredential("app", "s"),
        graph_url=BASE,
        identity_url=IDENTITY,
        api=api,
        transport=httpx2.MockTransport(server),
        retry=RetryPolicy(attempts=attempts, base=0.01),
        sleep=waits.append,
    )
    return c, waits


def test_retries_5xx_and_429_honouring_retry_after() -> None:
    server = Server((503, {}), (429, {"Retry-After": "2"}), (502, {}))
    c, waits = client(server)
    reply = c.call("submit", json={"data": []})
    assert (reply.status, reply.attempts) == (201, 4)
    assert waits[1] == 2.0
    assert all(0 <= w <= 0.04 for i, w in enumerate(waits) if i != 1)


def test_dropped_connections_and_timeouts_are_retried_then_reported() -> None:
    server = Server(httpx2.RemoteProtocolError("dropped"), httpx2.ReadTimeout("slow"))
    c, _ = client(server)
    assert c.call("submit", json={}).status == 201
    server = Server(*[httpx2.RemoteProtocolError("dropped")] * 3)
    c, _ = client(server, attempts=3)
    reply = c.call("submit", json={})
    assert reply.status is None
    assert reply.attempts == 3
    assert "connection dropped" in (reply.message or "")


def test_a_400_is_final_and_keeps_the_server_message() -> None:
    c, waits = client(Server((400, {})))
    reply = c.call("submit", json={})
    assert (reply.status, reply.attempts, reply.message) == (400, 1, "m400")
    assert waits == []


def test_401_refreshes_the_token_once() -> None:
    server = Server((401, {}))
    c, _ = client(server)
    reply = c.call("submit", json={})
    assert reply.status == 201 and reply.attempts == 2  # the retry after refreshing counts as an attempt
    assert [r.headers["Authorization"] for r in server.api_calls] == ["Bearer t1", "Bearer t2"]
    server = Server((401, {}), (401, {}))
    c, _ = client(server)
    reply = c.call("submit", json={})
    assert reply.status == 401 and reply.fatal and reply.attempts == 2
    assert len(server.api_calls) == 2


def test_graph_and_legacy_endpoints_and_methods() -> None:
    server = Server()
    graph, _ = client(server)
    legacy, _ = client(server, api="legacy")
    graph.call("destroy", json={"disposalIds": ["a"]})
    legacy.call("destroy", json={"disposalIds": ["a"]})
    legacy.call("due", json={"id": "x"})
    calls = [(r.method, r.url.path) for r in server.api_calls]
    assert calls == [
        ("DELETE", "/records/connector/records"),
        ("POST", "/api/connector/DestroyRecords"),
        ("POST", "/api/connector/GetDueRecords"),
    ]
    assert server.api_calls[0].content == b'{"disposalIds":["a"]}'


def test_regions_and_explicit_urls() -> None:
    us = endpoints("US")
    assert us.graph_url == "https://graph-us.avepointonlineservices.com"
    assert us.identity_url == "https://identity.avepointonlineservices.com"
    assert endpoints("fedramp").identity_url == "https://identity.online15.net"
    assert endpoints("aos2").identity_url.startswith("https://identity-aos2.")
    assert endpoints(graph_url="http://127.0.0.1:9/", identity_url="http://127.0.0.1:9/id").graph_url == "http://127.0.0.1:9"
    assert len(REGIONS) == 23
    with pytest.raises(ConfigurationError, match="region"):
        endpoints("mars")
    with pytest.raises(ConfigurationError, match="api_url"):
        endpoints("us", api="legacy")
    assert endpoints("us", api="legacy", api_url="https://legacy.example/").url("submit") == (
        "POST",
        "https://legacy.example/api/connector/SubmitRecords",
    )


def test_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("") is None
    assert RetryPolicy(max_retry_after=5).delay(1, "600") == 5


@pytest.mark.parametrize("setting", ["graph_url", "identity_url", "api_url"])
def test_plain_http_is_refused_for_a_host_that_is_not_loopback(setting: str) -> None:
    urls = {
        "graph_url": "https://graph.example.test",
        "identity_url": "https://identity.example.test",
        setting: "http://opus.example.test",
    }
    with pytest.raises(ConfigurationError, match=setting) as info:
        endpoints(**urls)
    assert "https" in str(info.value)
    server = Server()
    with pytest.raises(ConfigurationError):
        OpusClient(ClientSecretCredential("app", "s"), **urls, transport=httpx2.MockTransport(server))
    assert server.tokens == 0 and server.api_calls == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LOCALHOST"])
def test_plain_http_is_allowed_on_loopback(host: str) -> None:
    found = endpoints(graph_url=f"http://{host}:8000", identity_url=f"http://{host}:8000/identity")
    assert found.graph_url == f"http://{host}:8000"


def test_a_region_and_a_url_of_another_host_disagree() -> None:
    with pytest.raises(ConfigurationError, match="region") as info:
        endpoints("us", graph_url="https://graph-au.avepointonlineservices.com")
    assert "graph_url" in str(info.value) and "graph-us" in str(info.value)
    with pytest.raises(ConfigurationError, match="identity_url"):
        endpoints("gov", identity_url="https://identity.avepointonlineservices.com")
    same_host = endpoints("us", graph_url="https://graph-us.avepointonlineservices.com/")
    assert same_host.graph_url == "https://graph-us.avepointonlineservices.com"


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("graph_url", "https://0177.0.0.1"),
        ("identity_url", "https://0177.0.0.1/identity"),
        ("graph_url", "https://graph.example.test:99999"),
        ("api_url", "https://bob:hunter2@0177.0.0.1/api"),
    ],
)
def test_a_url_no_request_can_go_to_is_a_configuration_error(setting: str, url: str) -> None:
    urls = {"graph_url": BASE, "identity_url": IDENTITY, setting: url}
    with pytest.raises(ConfigurationError, match=setting) as info:
        OpusClient(ClientSecretCredential("app", "s"), **urls, transport=httpx2.MockTransport(Server()))
    assert "hunter2" not in str(info.value)
