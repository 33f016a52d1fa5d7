"""The one place HTTP clients are made: timeouts, connection limits, proxies, and whom TLS trusts.

>>> net = Network(timeout=30.0, ca_file="company-ca.pem")     # doctest: +SKIP
>>> with net.client() as http:                                # sign-in and single calls  # doctest: +SKIP
...     http.get(url)
>>> async with net.async_client() as http:                    # the submit engine         # doctest: +SKIP
...     await http.post(url, content=body)

Every request of opus_nb goes through httpx2 (the maintained continuation of httpx, same API;
see the README) with these settings, so sign-in, submit, due and destroy behave alike:

- Proxies: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` from the environment,
  or an explicit ``proxy=`` URL, which then carries every request.
- TLS trust: the operating system's trust store (`truststore`), so a company CA that IT installed
  is trusted; ``ca_file=`` (or ``OPUS_CA_FILE``) adds a PEM file of CA certificates to it, for TLS
  inspection by a proxy whose CA is not in the OS store. It adds, it does not replace: hosts the
  proxy does not inspect still verify against the OS store.
- A certificate the client cannot verify is a `TLSError` (see `certificate_failure`), never retried.
- ``transport=`` (an `httpx2.MockTransport` in tests) replaces the network for both clients.
- The async client's connections run on asyncio's own streams (`opus_nb.client._streams`), not
  through anyio: the same sockets and TLS, a fifth less CPU a batch.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path

import httpx2
import truststore

from opus_nb._errors import ConfigurationError
from opus_nb.client._streams import on_asyncio_streams

__all__ = ["CA_FILE_VAR", "HEADERS", "LIMITS", "Network", "certificate_failure", "tls_context"]

CA_FILE_VAR = "OPUS_CA_FILE"
HEADERS = {"User-Agent": "opus_nb", "Accept": "application/json"}
#: Enough kept-alive connections for every batch in flight at the highest concurrency one would use.
LIMITS = httpx2.Limits(max_connections=128, max_keepalive_connections=128)


def tls_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """The OS trust store (via truststore), plus the CA certificates in ``ca_file`` when given.

    >>> tls_context().verify_mode == ssl.CERT_REQUIRED
    True
    """
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__
            raise ConfigurationError(
                "ca_file", f"a readable PEM file of CA certificates (ca_file= or {CA_FILE_VAR})", f"{str(ca_file)!r} ({reason})"
            ) from None
    return context


def certificate_failure(exc: BaseException) -> str | None:
    """Why the server's certificate failed verification, when that is what an httpx2 error was.

    >>> certificate_failure(httpx2.ConnectError("refused")) is None
    True
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return getattr(current, "verify_message", None) or getattr(current, "reason", None) or str(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class _InPlace(httpx2.AsyncBaseTransport):
    """A transport that only knows blocking requests, on an event loop: fine for tests, not for speed."""

    def __init__(self, transport: httpx2.BaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        response = self._transport.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return httpx2.Response(response.status_code, headers=response.headers, content=content, request=request)


class Network:
    """How this client reaches the network; builds each httpx2 client with the same settings.

    ``ca_file`` defaults to the ``OPUS_CA_FILE`` environment variable; ``proxy`` to the
    environment's proxy variables.
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        proxy: str | None = None,
        ca_file: str | Path | None = None,
        transport: httpx2.BaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.ca_file: str | None = str(ca_file) if ca_file else env.get(CA_FILE_VAR) or None
        self.proxy = proxy or None
        self.timeout = httpx2.Timeout(timeout)
        self.transport = transport
        self.verify = tls_context(self.ca_file)
        if self.proxy is not None:
            try:
                httpx2.Proxy(self.proxy)
            except (ValueError, TypeError, httpx2.InvalidURL) as exc:
                raise ConfigurationError(
                    "proxy", "an http:// or https:// proxy URL", f"{_without_password(self.proxy)!r} ({exc})"
                ) from None

    def __repr__(self) -> str:
        return f"<Network proxy={'environment' if self.proxy is None else 'given'} ca_file={self.ca_file!r}>"

    def client(self) -> httpx2.Client:
        """A blocking client (sign-in, discovery, single calls)."""
        return httpx2.Client(
            timeout=self.timeout, limits=LIMITS, verify=self.verify, proxy=self.proxy, transport=self.transport, headers=HEADERS
        )

    def async_client(self) -> httpx2.AsyncClient:
        """A client for coroutines on the running event loop; make and close it on that loop."""
        transport: httpx2.AsyncBaseTransport | None = None
        if self.transport is not None:
            transport = self.transport if isinstance(self.transport, httpx2.AsyncBaseTransport) else _InPlace(self.transport)
        client = httpx2.AsyncClient(
            timeout=self.timeout, limits=LIMITS, verify=self.verify, proxy=self.proxy, transport=transport, headers=HEADERS
        )
        on_asyncio_streams(client)
        return client


def _without_password(url: str) -> str:
    """A proxy URL as an error may show it: any user name and password cut out.

    >>> _without_password("http://bob:hunter2@proxy.corp:notaport")
    'http://***@proxy.corp:notaport'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    userinfo, at, host = rest.rpartition("@")
    shown = f"***@{host}" if at else rest
    return f"{scheme}{sep}{shown}"
