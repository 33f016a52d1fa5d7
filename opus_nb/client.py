"""HTTP to Opus: one `OpusClient` per tenant, both API generations, retries, bearer tokens.

>>> client = OpusClient(CertificateCredential(app_id, "app.pfx", "pa55"), region="us")  # doctest: +SKIP
>>> reply = client.call("submit", json={"id": conn.id, "data": records})             # doctest: +SKIP
>>> reply.status, reply.attempts                                                      # doctest: +SKIP
(201, 1)

`call` never raises for an HTTP status: it retries 408/425/429/5xx, timeouts and dropped
connections with exponential backoff and full jitter (honouring ``Retry-After``), refreshes
the token once on a 401, and returns the final `Reply`. Signing in can raise an
`AuthenticationError`. The client is thread-safe: several batches may be in flight at once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from opus_nb.auth import Credential
from opus_nb.regions import Endpoints, endpoints
from opus_nb.retry import RetryPolicy
from opus_nb.tokens import DEFAULT_SCOPE, TokenProvider
from opus_nb.transport import PooledTransport
from opus_nb.wire import server_message

__all__ = ["OpusClient", "Reply"]

Operation = Literal["submit", "due", "destroy"]
_log = logging.getLogger("opus_nb.client")
_HEADERS = {"User-Agent": "opus_nb", "Accept": "application/json"}


@dataclass(frozen=True)
class Reply:
    """The final answer to one call: status (None when no response came), parsed body, attempts."""

    status: int | None
    body: Mapping[str, Any] = field(repr=False)
    attempts: int
    url: str
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def fatal(self) -> bool:
        """Not signed in or not allowed: no later request of the run can do better."""
        return self.status in (401, 403)


class OpusClient:
    """A signed-in connection to one Opus tenant (Graph or legacy API).

    >>> with OpusClient(ClientSecretCredential(app_id, secret), region="au") as client:  # doctest: +SKIP
    ...     client.call("due", params={"id": conn.id, "disposalDueDate": "2025-01-01", "itemsPerPage": 100})
    """

    def __init__(
        self,
        credential: Credential,
        *,
        region: str | None = None,
        graph_url: str | None = None,
        identity_url: str | None = None,
        api: str = "graph",
        api_url: str | None = None,
        scope: str = DEFAULT_SCOPE,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoints: Endpoints = endpoints(region, graph_url=graph_url, identity_url=identity_url, api=api, api_url=api_url)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._transport = transport or PooledTransport()
        self._timeout = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        self._urls = {op: (method, httpx.URL(url)) for op in ("submit", "due", "destroy")
                      for method, url in [self.endpoints.url(op)]}
        self.http = httpx.Client(timeout=timeout, transport=self._transport, headers=_HEADERS)
        self.tokens = TokenProvider(
            credential, self.endpoints.identity_url, self.http, scope=scope,
            retry=self.retry, sleep=sleep,
        )

    @property
    def api(self) -> str:
        return self.endpoints.api

    def __repr__(self) -> str:
        return f"<OpusClient {self.endpoints.api} {self.endpoints.graph_url} as {self.tokens.credential!r}>"

    def __enter__(self) -> OpusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def sign_in(self) -> None:
        """Fetch a token now, so that a bad credential fails here rather than mid-run."""
        self.tokens.get()

    def call(
        self,
        operation: Operation,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Reply:
        """Send one request, retrying what may be retried; the final `Reply`."""
        method, url = self._urls[operation]
        if params:
            url = url.copy_merge_params(dict(params))
        content = _dumps(json) if json is not None else None
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = self.tokens.get()
            try:
                response = self._send(method, url, content, token)
            except httpx.TransportError as exc:
                if attempt < self.retry.attempts:
                    _log.debug("%s %s: %s, retrying", method, url, type(exc).__name__)
                    self._sleep(self.retry.delay(attempt))
                    continue
                return Reply(None, {}, attempt, str(url), f"no response after {attempt} attempt(s): {_describe(exc)}")
            if response.status_code == 401 and not refreshed:
                self.tokens.invalidate(token)
                refreshed = True
                attempt -= 1
                continue
            if self.retry.retryable_status(response.status_code) and attempt < self.retry.attempts:
                _log.debug("%s %s: HTTP %s, retrying", method, url, response.status_code)
                self._sleep(self.retry.delay(attempt, response.headers.get("Retry-After")))
                continue
            body = _body(response)
            message = server_message(body)
            if message is None and response.status_code >= 400:
                message = f"HTTP {response.status_code}" + (f" after {attempt} attempts" if attempt > 1 else "")
            return Reply(response.status_code, body, attempt, str(url), message)

    def _send(self, method: str, url: httpx.URL, content: bytes | None, token: str) -> httpx.Response:
        """One exchange straight through the transport: the API needs no cookies, redirects or
        auth flows, and skipping `httpx.Client`'s handling of them halves the CPU a request costs."""
        headers = {**_HEADERS, "Authorization": f"Bearer {token}"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        request = httpx.Request(method, url, content=content, headers=headers, extensions={"timeout": self._timeout})
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    """numpy scalars and timestamps, which `json` does not know."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _body(response: httpx.Response) -> Mapping[str, Any]:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return {"message": text[:500]} if text else {}
    if isinstance(body, list):
        return {"items": body}
    return body if isinstance(body, Mapping) else {}


def _describe(exc: httpx.TransportError) -> str:
    names = {
        httpx.ConnectError: "connection refused or unreachable",
        httpx.RemoteProtocolError: "connection dropped",
        httpx.ReadError: "connection dropped",
        httpx.WriteError: "connection dropped",
    }
    for kind, text in names.items():
        if isinstance(exc, kind):
            return text
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return type(exc).__name__
