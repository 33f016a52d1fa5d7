"""HTTP to Opus: one `OpusClient` per tenant, both API generations, retries, bearer tokens.

>>> client = OpusClient(CertificateCredential(app_id, "app.pfx", "pa55"), region="us")  # doctest: +SKIP
>>> answer = client.submit_batch(conn.id, "Skip", records)                            # doctest: +SKIP
>>> answer.status, [a.state for a in answer.answers]                                  # doctest: +SKIP
(201, ['done', 'done'])
>>> for page in client.due_pages(DueQuery(conn.id, before)): ...                       # doctest: +SKIP

The typed calls (`submit_batch`, `destroy_batch`, `due_page`, `due_pages`; see
`opus_nb.client._operations`) build each operation's request for the tenant's API generation
and read its answer, whatever its shape, into per-key answers (`opus_nb.client._batches`) or a
page of records: nothing above this package reads a raw body or branches on the generation.
They never raise for an HTTP status of a batch: each call retries 408/425/429/5xx, timeouts and
dropped connections with exponential backoff and full jitter (honouring ``Retry-After``),
refreshes the token once on a 401 (counted in ``attempts``), and reads the final answer. Signing in can raise an
`AuthenticationError`; a server certificate that cannot be verified raises `TLSError`, at once
(every client is made by `opus_nb.client._network`: proxies, trust store). The client is thread-safe, and `concurrent` gives the same calls to
coroutines, for many requests in flight from one thread (see `opus_nb.jobs._submit`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx2
import orjson

from opus_nb._errors import ConfigurationError, PagingError, TLSError
from opus_nb.client._answers import FATAL_STATUS, Reply, request_id, server_message
from opus_nb.client._batches import BatchAnswer
from opus_nb.client._credentials import Credential
from opus_nb.client._endpoints import Endpoints, endpoints
from opus_nb.client._network import Network, certificate_failure, misconfiguration
from opus_nb.client._operations import Call, DuePage, DueQuery, Operation, destroy_call, due_call, submit_call
from opus_nb.client._retry import RetryPolicy
from opus_nb.client._tokens import DEFAULT_SCOPE, TokenProvider
from opus_nb.records._connection import DATETIME_FORMAT_EXPECTED, datetime_format_problem

__all__ = ["FATAL_STATUS", "ConcurrentCalls", "OpusClient", "Reply"]

T = TypeVar("T")
_log = logging.getLogger("opus_nb.client._client")
_JSON = {"Content-Type": "application/json"}


class OpusClient:
    """A signed-in connection to one Opus tenant (Graph or legacy API).

    >>> with OpusClient(ClientSecretCredential(app_id, secret), region="au") as client:  # doctest: +SKIP
    ...     client.destroy_batch(["INV-1", "INV-2"]).answers

    ``credential``: a `CertificateCredential` or `ClientSecretCredential`. ``region``: the data
    center's code (us, au, ...), or ``graph_url`` and ``identity_url`` given apart; ``api``:
    "graph" or "legacy" (the older API, at ``api_url``). ``scope``: what to ask the identity
    service for (default ``records.readwrite.all``). ``timeout``: seconds a request may take;
    ``retry``: how to retry (`RetryPolicy`); ``sleep``: how to wait between attempts (tests).
    ``datetime_format=`` is the tenant's date-time format (Opus > Settings > General settings), a
    strftime format: submit and due records then both use it, and due dates go in it (default:
    None, each connection's own format, and ISO 8601 for due dates).
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
        datetime_format: str | None = None,
    ) -> None:
        self.datetime_format = _tenant_format(datetime_format)
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

    def submit_batch(self, connection_id: str, conflict: str, records: list[dict[str, Any]]) -> BatchAnswer:
        """Submit ``records`` (at most 15, keyed by internal names) to the connection ``connection_id``
        (``conflict``: "Skip" or "Overwrite"); each record's answer, by its rowKey."""
        return self.send(submit_call(connection_id, conflict, records))

    def destroy_batch(self, keys: list[str]) -> BatchAnswer:
        """Mark the records of ``keys`` (row keys, at most 15) Destroyed; each key's answer."""
        return self.send(destroy_call(keys))

    def due_page(self, query: DueQuery, token: str | None = None) -> DuePage:
        """One page of the due records ``query`` asks for (``token``: the previous page's `DuePage.next_token`);
        `OpusHTTPError` if refused."""
        return self.send(due_call(self.api, query, token))

    def due_pages(self, query: DueQuery) -> Iterator[DuePage]:
        """Every page of the due records ``query`` asks for, in order; `PagingError` when a paging token
        repeats (it would loop)."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.due_page(query, token)
            yield page
            token = page.next_token
            if token is None or not page.items:
                return
            if token in seen:
                raise PagingError(token, len(seen) + 1)
            seen.add(token)

    def call(self, operation: Operation, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Reply:
        """One raw request of ``operation`` (a ``json`` body, or query ``params``), retried as the typed
        calls are; its final `Reply` unread."""
        return self.send(Call(operation, _unread, json=json, params=params))

    def send(self, call: Call[T]) -> T:
        """Send ``call`` (a `Call`: one request and the reader of its answer), retrying what may be
        retried, and read its final answer.

        A server certificate that cannot be verified raises `TLSError` at once.
        """
        steps = self._steps(call)
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
        ...     answers = await asyncio.gather(*(calls.submit_batch(conn.id, "Skip", b) for b in batches))
        """
        return ConcurrentCalls(self)

    def _steps(self, call: Call[T]) -> Steps[T]:
        """The retry policy, free of I/O: yields each request to make (and gets its response or
        failure back) or each delay to wait; returns the final answer, read. `send` and
        `ConcurrentCalls.send` drive it, blocking and on an event loop."""
        reply = yield from self._replies(call)
        return call.read(reply)

    def _replies(self, call: Call[Any]) -> Generator[Outgoing | float, httpx2.Response | httpx2.TransportError | None, Reply]:
        method, url = self._urls[call.operation]
        if call.params:
            url = url.copy_merge_params(dict(call.params))
        content = _dumps(call.json) if call.json is not None else None
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
                continue
            if self.retry.retryable_status(result.status_code) and attempt < self.retry.attempts:
                _log.debug("%s %s: HTTP %s, retrying", method, url, result.status_code)
                yield self.retry.delay(attempt, result.headers.get("Retry-After"))
                continue
            body = _body(result)
            message = server_message(body)
            if message is None and result.status_code >= 400:
                message = f"HTTP {result.status_code}" + (f" after {attempt} attempts" if attempt > 1 else "")
            return Reply(result.status_code, body, attempt, str(url), message, request_id(result.headers, body))


class Outgoing(NamedTuple):
    """One request as the retry policy asks for it (the arguments of `httpx2.Client.build_request`)."""

    method: str
    url: httpx2.URL
    content: bytes | None
    headers: dict[str, str]

    def request(self, http: httpx2.Client | httpx2.AsyncClient) -> httpx2.Request:
        """This request, with the client's headers and timeouts."""
        return http.build_request(self.method, self.url, content=self.content, headers=self.headers)


Steps = Generator[Outgoing | float, httpx2.Response | httpx2.TransportError | None, T]


class ConcurrentCalls:
    """`OpusClient`'s batch calls for coroutines: the same retries and token handling, awaited on one event loop
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

    async def submit_batch(self, connection_id: str, conflict: str, records: list[dict[str, Any]]) -> BatchAnswer:
        """`OpusClient.submit_batch`, awaited."""
        return await self.send(submit_call(connection_id, conflict, records))

    async def destroy_batch(self, keys: list[str]) -> BatchAnswer:
        """`OpusClient.destroy_batch`, awaited."""
        return await self.send(destroy_call(keys))

    async def call(self, operation: Operation, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Reply:
        """`OpusClient.call`, awaited."""
        return await self.send(Call(operation, _unread, json=json, params=params))

    async def send(self, call: Call[T]) -> T:
        """Send one request, retrying what may be retried, and read its final answer."""
        http = self._http
        if http is None:
            raise RuntimeError("use ConcurrentCalls in `async with client.concurrent() as calls:`")
        steps = self._client._steps(call)
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


def _tenant_format(fmt: str | None) -> str | None:
    problem = datetime_format_problem(fmt) if fmt is not None else None
    if problem is not None:
        raise ConfigurationError("datetime_format (OPUS_DATETIME_FORMAT)", DATETIME_FORMAT_EXPECTED, problem)
    return fmt


def _unread(reply: Reply) -> Reply:
    return reply


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
