"""The one place HTTP clients are made: timeouts, connection limits, proxies, and whom TLS trusts.

>>> net = Network(timeout=30.0, ca_file="company-ca.pem")     # doctest: +SKIP
>>> with net.client() as http:                                # sign-in and single calls  # doctest: +SKIP
...     http.get(url)
>>> async with net.async_client() as http:                    # the submit engine         # doctest: +SKIP
...     await http.post(url, content=body)

Every request of opus_nb goes through httpx2 (the maintained continuation of httpx, same API;
see the README) with these settings, so sign-in, submit, due and destroy behave alike:

- Proxies: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` from the environment,
  or an explicit ``proxy=`` URL (``http://``, ``https://``, ``socks5://`` or ``socks5h://``), which
  then carries every request, except to loopback (127.0.0.0/8, ::1, localhost): a local emulator
  is always reached directly, so no proxy ever sees what goes to it in plain http.
- TLS trust: the operating system's trust store (`truststore`), so a company CA that IT installed
  is trusted; ``ca_file=`` (or ``OPUS_CA_FILE``) adds a PEM file of CA certificates to it, for TLS
  inspection by a proxy whose CA is not in the OS store. It adds, it does not replace: hosts the
  proxy does not inspect still verify against the OS store.
- A certificate the client cannot verify is a `TLSError` (see `certificate_failure`), never retried.
- A URL whose scheme is not what its server speaks (``http://`` to a TLS server, ``https://`` to a
  plain one), and a proxy that asks for credentials, are `ConfigurationError`s at the first
  failure, never retried (see `misconfiguration`).
- ``transport=`` (an `httpx2.MockTransport` in tests) replaces the network for both clients.
- The async client's connections run on asyncio's own streams (`opus_nb.client._streams`), not
  through anyio: the same sockets and TLS, a fifth less CPU a batch.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx2
import truststore

from opus_nb._errors import ConfigurationError
from opus_nb.client._endpoints import plain_http_allowed
from opus_nb.client._streams import on_asyncio_streams

__all__ = [
    "CA_FILE_VAR",
    "DIRECT",
    "HEADERS",
    "LIMITS",
    "PROBE_TIMEOUT_S",
    "Network",
    "certificate_failure",
    "misconfiguration",
    "tls_context",
]

CA_FILE_VAR = "OPUS_CA_FILE"
HEADERS = {"User-Agent": "opus_nb", "Accept": "application/json"}
#: Enough kept-alive connections for every batch in flight at the highest concurrency one would use.
LIMITS = httpx2.Limits(max_connections=128, max_keepalive_connections=128)
#: Loopback, reached without a proxy whatever the settings (httpx2 mounts: None is "no proxy").
DIRECT: dict[str, None] = {"all://localhost": None, "all://127.0.0.0/8": None, "all://[::1]": None}
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_PROXY_FORM = (
    "a proxy URL of the form scheme://[user:password@]host:port, the scheme one of http, https, socks5 "
    "or socks5h (as http://proxy.corp:3128)"
)
#: How long `misconfiguration` waits for a TLS handshake to tell whether a plain-http URL's server speaks TLS.
PROBE_TIMEOUT_S = 1.0
#: OpenSSL's reasons for a handshake answered by something that is not TLS (a plain-HTTP server's "HTTP/1.1 400").
_NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL"})


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
        except (OSError, ssl.SSLError, ValueError) as exc:  # ValueError: a NUL in the path
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
            raise ConfigurationError(
                "ca_file", f"a readable PEM file of CA certificates (ca_file= or {CA_FILE_VAR})", f"{str(ca_file)!r} ({reason})"
            ) from None
    return context


def certificate_failure(exc: BaseException) -> str | None:
    """Why the server's certificate failed verification, when that is what an httpx2 error was.

    >>> certificate_failure(httpx2.ConnectError("refused")) is None
    True
    """
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return getattr(cause, "verify_message", None) or getattr(cause, "reason", None) or str(cause)
    return None


def misconfiguration(exc: httpx2.TransportError, setting: str, base_url: str, *, probe: bool = True) -> ConfigurationError | None:
    """The setting to fix, when a request failed in a way no retry can mend; None for any other failure.

    - An ``https://`` URL answered in plain HTTP (the TLS handshake got no TLS back).
    - An ``http://`` URL (loopback only, see `opus_nb.client._endpoints`) whose server dropped the
      request unanswered and, asked directly (``probe``, within `PROBE_TIMEOUT_S`), speaks TLS.
    - A proxy that refused to carry the request with 407 Proxy Authentication Required.

    ``setting`` (``graph_url``, ``identity_url``, ``api_url``) and ``base_url`` (its value) name
    the fix: the same URL with the other scheme, or the proxy's URL with its credentials. The
    probe blocks (on loopback, a millisecond or so); callers ask for it after a first attempt
    only, so a server that drops many requests is not probed each time.

    >>> misconfiguration(httpx2.ConnectError("refused"), "graph_url", "https://graph-us.example") is None
    True
    """
    url = _request_url(exc)
    if url is None:
        return None
    if isinstance(exc, httpx2.ProxyError) and str(exc).startswith("407"):
        return ConfigurationError(
            "proxy",
            "a user name and password the proxy accepts, in its URL: proxy='http://USER:PASSWORD@proxy-host:port' "
            "(or OPUS_PROXY, or HTTPS_PROXY in the environment)",
            f"the proxy refused to carry the request to {_shown(url)}: 407 Proxy Authentication Required",
        )
    if url.scheme == "https" and _ssl_reason(exc) in _NOT_TLS:
        return _wrong_scheme(setting, base_url, url, speaks="plain HTTP, not TLS")
    dropped = isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError)
    if url.scheme == "http" and dropped and probe and plain_http_allowed(url.host) and _speaks_tls(url.host, url.port or 80):
        return _wrong_scheme(setting, base_url, url, speaks="TLS")
    return None


def _wrong_scheme(setting: str, base_url: str, url: httpx2.URL, *, speaks: str) -> ConfigurationError:
    where = f"set it with {setting}= or OPUS_{setting.upper()}"
    found = f"{_shown(url)}, whose server speaks {speaks}"
    base = httpx2.URL(base_url)
    if base.scheme == "http" or plain_http_allowed(base.host):
        other = base.copy_with(scheme="https" if base.scheme == "http" else "http")
        return ConfigurationError(setting, f"{_shown(other)} ({where})", found)
    return ConfigurationError(
        setting,
        f"the https:// URL of a TLS server ({where}): check its host and port, as plain http goes to loopback "
        "only (and an https:// proxy URL must name a proxy that speaks TLS)",
        found,
    )


def _speaks_tls(host: str, port: int) -> bool:
    """Whether the server at host:port answers a TLS handshake (its certificate is not checked: only the protocol)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=PROBE_TIMEOUT_S) as sock:
            with context.wrap_socket(sock):
                return True
    except ssl.SSLError as exc:  # the server's own TLS alert (it wants a client certificate, say) is TLS too
        return "ALERT" in (exc.reason or "")
    except OSError:
        return False


def _request_url(exc: httpx2.TransportError) -> httpx2.URL | None:
    try:
        return exc.request.url
    except RuntimeError:  # an error raised without its request
        return None


def _ssl_reason(exc: BaseException) -> str | None:
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLCertVerificationError):
            return cause.reason
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and its causes, each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def _shown(url: httpx2.URL) -> str:
    """A URL as a message may show it: no user name, password or query."""
    return str(url.copy_with(username=None, password=None, query=None))


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
            _check_proxy("proxy", self.proxy)
        else:
            for scheme, url in urllib.request.getproxies().items():
                if scheme in ("http", "https", "all"):
                    _check_proxy(f"{scheme.upper()}_PROXY", url if "://" in url else f"http://{url}")

    def __repr__(self) -> str:
        return f"<Network proxy={'environment' if self.proxy is None else 'given'} ca_file={self.ca_file!r}>"

    def client(self) -> httpx2.Client:
        """A blocking client (sign-in, discovery, single calls)."""
        return httpx2.Client(
            timeout=self.timeout,
            limits=LIMITS,
            verify=self.verify,
            proxy=self.proxy,
            mounts=DIRECT,
            transport=self.transport,
            headers=HEADERS,
        )

    def async_client(self) -> httpx2.AsyncClient:
        """A client for coroutines on the running event loop; make and close it on that loop."""
        transport: httpx2.AsyncBaseTransport | None = None
        if self.transport is not None:
            transport = self.transport if isinstance(self.transport, httpx2.AsyncBaseTransport) else _InPlace(self.transport)
        client = httpx2.AsyncClient(
            timeout=self.timeout,
            limits=LIMITS,
            verify=self.verify,
            proxy=self.proxy,
            mounts=DIRECT,
            transport=transport,
            headers=HEADERS,
        )
        on_asyncio_streams(client)
        return client


def _check_proxy(setting: str, url: str) -> None:
    """A proxy URL httpx2 can use, else a `ConfigurationError` that shows it without its credentials."""
    scheme, sep, _ = url.partition("://")
    try:
        usable = bool(sep) and scheme.lower() in PROXY_SCHEMES and bool(httpx2.Proxy(url).url.host)
    except (ValueError, TypeError, httpx2.InvalidURL):  # their messages may quote the URL, password and all
        usable = False
    if not usable:
        raise ConfigurationError(setting, _PROXY_FORM, repr(_without_password(url)))


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
