"""HTTP to Opus: one `OpusClient` per tenant, both API generations, retries, bearer tokens.

>>> client = OpusClient(CertificateCredential(app_id, "app.pfx", "pa55"), region="us")  # doctest: +SKIP
>>> reply = client.call("submit", json={"id": conn.id, "data": records})             # doctest: +SKIP
>>> reply.status, reply.attempts                                                      # doctest: +SKIP
(201, 1)

`call` never raises for an HTTP status: it retries 408/425/429/5xx, timeouts and dropped
connections with exponential backoff and full jitter (honouring ``Retry-After``), refreshes
the token once on a 401, and returns the final `Reply`. Signing in can raise an
`AuthenticationError`; a server certificate that cannot be verified raises `TLSError`, at once
(every client is made by `opus_nb.client._network`: proxies, trust store). The client is thread-safe, and `concurrent` gives the same calls to
coroutines, for many requests in flight from one thread (see `opus_nb.jobs._submit`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import httpx2
import orjson

from opus_nb._errors import TLSError
from opus_nb.client._answers import server_message
from opus_nb.client._credentials import Credential
from opus_nb.client._endpoints import Endpoints, endpoints
from opus_nb.client._network import Network, certificate_failure, misconfiguration
from opus_nb.client._retry import RetryPolicy
from opus_nb.client._tokens import DEFAULT_SCOPE, TokenProvider

__all__ = ["FATAL_STATUS", "ConcurrentCalls", "OpusClient", "Reply"]

Operation = Literal["submit", "due", "destroy"]
_log = logging.getLogger("opus_nb.client._client")
#: Not signed in or not allowed: no later request of a run can do better.
FATAL_STATUS = frozenset({401, 403})
_JSON = {"Content-Type": "application/json"}


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
        return self.status in FATAL_STATUS


class OpusClient:
    """A signed-in connection to one Opus tenant (Graph or legacy API).

    >>> with OpusClient(ClientSecretCredential(app_id, secret), region="au") as client:  # doctest: +SKIP
    ...     client.call("due", params={"id": conn.id, "disposalDueDate": "2025-01-01", "itemsPerPage": 100})

    ``proxy=`` sends every request through this proxy (default: the environment's
    ``HTTPS_PROXY``/``NO_PROXY``); ``ca_file=`` trusts these CA certificates besides the OS trust
    store (default: ``OPUS_CA_FILE``); ``transport=`` replaces the network (an
    `httpx2.MockTransport` in tests, for the blocking and the concurrent calls alike).
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
        proxy: str | None = None,
        ca_file: str | Path | None = None,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoints: Endpoints = endpoints(region, graph_url=graph_url, identity_url=identity_url, api=api, api_url=api_url)
        self.retry = retry or RetryPolicy()
        self.network = Network(timeout=timeout, proxy=proxy, ca_file=ca_file, transport=transport)
        self._sleep = sleep
        self._urls = {
            op: (method, httpx2.URL(url)) for op in ("submit", "due", "destroy") for method, url in [self.endpoints.url(op)]
        }
        self.http = self.network.client()
        self.tokens = TokenProvider(
            credential,
            self.endpoints.identity_url,
            self.http,
            scope=scope,
            retry=self.retry,
            sleep=sleep,
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
        """Send one request, retrying what may be retried; the final `Reply`.

        A server certificate that cannot be verified raises `TLSError` at once.
        """
        steps = self._steps(operation, json, params)
        result: httpx2.Response | httpx2.TransportError | None = None
        while True:
            try:
                step = steps.send(result)
            except StopIteration as done:
                return done.value
            if not isinstance(step, Outgoing):
                self._sleep(step)
                result = None
                continue
            try:
                result = self.http.send(step.request(self.http))
            except httpx2.TransportError as exc:
                result = exc

    def concurrent(self) -> ConcurrentCalls:
        """Calls for coroutines on the running event loop (one thread, many requests in flight).

        >>> async with client.concurrent() as calls:                          # doctest: +SKIP
        ...     replies = await asyncio.gather(*(calls.call("submit", json=b) for b in bodies))
        """
        return ConcurrentCalls(self)

    def _steps(self, operation: Operation, json: Any, params: Mapping[str, Any] | None) -> Steps:
        """The retry policy, free of I/O: yields each request to make (and gets its response or
        failure back) or each delay to wait; returns the final `Reply`. `call` and
        `ConcurrentCalls.call` drive it, blocking and on an event loop."""
        method, url = self._urls[operation]
        if params:
            url = url.copy_merge_params(dict(params))
        content = _dumps(json) if json is not None else None
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = self.tokens.get()
            headers = {"Authorization": f"Bearer {token}", **(_JSON if content is not None else {})}
            result = yield Outgoing(method, url, content, headers)
            if isinstance(result, httpx2.TransportError):
                failure = certificate_failure(result)
                if failure is not None:
                    raise TLSError(str(url.copy_with(query=None)), failure)
                misconfigured = misconfiguration(result, self.endpoints.api_setting, self.endpoints.graph_url, probe=attempt == 1)
                if misconfigured is not None:
                    raise misconfigured
                if attempt < self.retry.attempts and self.retry.retryable_error(result):
                    _log.debug("%s %s: %s, retrying", method, url, type(result).__name__)
                    yield self.retry.delay(attempt)
                    continue
                return Reply(None, {}, attempt, str(url), f"no response after {attempt} attempt(s): {_describe(result)}")
            assert isinstance(result, httpx2.Response)
            if result.status_code == 401 and not refreshed:
                self.tokens.invalidate(token)
                refreshed = True
                attempt -= 1
                continue
            if self.retry.retryable_status(result.status_code) and attempt < self.retry.attempts:
                _log.debug("%s %s: HTTP %s, retrying", method, url, result.status_code)
                yield self.retry.delay(attempt, result.headers.get("Retry-After"))
                continue
            body = _body(result)
            message = server_message(body)
            if message is None and result.status_code >= 400:
                message = f"HTTP {result.status_code}" + (f" after {attempt} attempts" if attempt > 1 else "")
            return Reply(result.status_code, body, attempt, str(url), message)


class Outgoing(NamedTuple):
    """One request as the retry policy asks for it (the arguments of `httpx2.Client.build_request`)."""

    method: str
    url: httpx2.URL
    content: bytes | None
    headers: dict[str, str]

    def request(self, http: httpx2.Client | httpx2.AsyncClient) -> httpx2.Request:
        """This request, with the client's headers and timeouts."""
        return http.build_request(self.method, self.url, content=self.content, headers=self.headers)


Steps = Generator[Outgoing | float, httpx2.Response | httpx2.TransportError | None, Reply]


class ConcurrentCalls:
    """`OpusClient.call` for coroutines: the same retries and token handling, awaited on one event loop
    over one `httpx2.AsyncClient` with the client's network settings (made on entry, closed on exit)."""

    def __init__(self, client: OpusClient) -> None:
        self._client = client
        self._http: httpx2.AsyncClient | None = None

    async def __aenter__(self) -> ConcurrentCalls:
        self._http = self._client.network.async_client()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def call(self, operation: Operation, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Reply:
        """Send one request, retrying what may be retried; the final `Reply`."""
        http = self._http
        if http is None:
            raise RuntimeError("use ConcurrentCalls in `async with client.concurrent() as calls:`")
        steps = self._client._steps(operation, json, params)
        result: httpx2.Response | httpx2.TransportError | None = None
        while True:
            try:
                step = steps.send(result)
            except StopIteration as done:
                return done.value
            if not isinstance(step, Outgoing):
                await asyncio.sleep(step)
                result = None
                continue
            try:
                result = await http.send(step.request(http))
            except httpx2.TransportError as exc:
                result = exc


def _dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, by orjson: a fifth of the stdlib's CPU for a batch of records.

    orjson writes NaN and infinities as null; `prepare` keeps such numbers out of records.
    """
    return orjson.dumps(value, default=_plain, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME)


def _plain(value: Any) -> Any:
    """Values orjson is not asked to know: timestamps (ISO 8601, as before), numpy scalars."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _body(response: httpx2.Response) -> Mapping[str, Any]:
    content = response.content
    if response.status_code == 204 or not content:
        return {}
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        try:
            body = json.loads(content)  # what orjson refuses but Python reads: NaN, UTF-16
        except ValueError:
            text = content.decode("utf-8", "replace").strip()
            return {"message": text[:500]} if text else {}
    if isinstance(body, list):
        return {"items": body}
    return body if isinstance(body, Mapping) else {}


def _describe(exc: httpx2.TransportError) -> str:
    names = {
        httpx2.ConnectError: "connection refused or unreachable",
        httpx2.RemoteProtocolError: "connection dropped",
        httpx2.ReadError: "connection dropped",
        httpx2.WriteError: "connection dropped",
        httpx2.ProxyError: "the proxy refused or failed",
    }
    for kind, text in names.items():
        if isinstance(exc, kind):
            return text
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    return type(exc).__name__
