"""Where to talk: a data-center code gives the Graph API and identity service URLs.

>>> endpoints("us").graph_url
'https://graph-us.avepointonlineservices.com'
>>> endpoints("gov").identity_url
'https://identity-gov.avepointonlineservices.com'
>>> endpoints(graph_url="http://127.0.0.1:8000", identity_url="http://127.0.0.1:8000/identity").graph_url
'http://127.0.0.1:8000'

The older "API for Connector" has a base URL per data center that its page does not give,
so with ``api="legacy"`` the caller supplies ``api_url``.

Secrets and bearer tokens travel over https only: an ``http://`` URL is refused unless its host
is loopback (127.0.0.0/8, ::1, localhost), where the emulator runs. A region and an explicit
``graph_url`` or ``identity_url`` on another host than the region's are refused too (which one
was meant cannot be told); a URL on the region's own host is accepted. A URL no request can go
to (``https://0177.0.0.1``, a port beyond 65535) is refused as it is given, never halfway through
a run; messages show URLs without a user name or password.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit

import httpx2

from opus_nb._errors import ConfigurationError

__all__ = ["API_GENERATIONS", "REGIONS", "Endpoints", "endpoints", "plain_http_allowed", "region_conflict"]

Api = Literal["graph", "legacy"]
API_GENERATIONS: tuple[str, ...] = ("graph", "legacy")

_COMMERCIAL_IDENTITY = "https://identity.avepointonlineservices.com"
_COMMERCIAL = (
    "au",
    "sg",
    "ca",
    "ne",
    "we",
    "fr",
    "de",
    "jp",
    "kr",
    "ch",
    "uk",
    "us",
    "uae",
    "za",
    "qa",
    "gcp-au",
    "gcp-jp",
    "gcp-us",
    "gcp-we",
    "gcp-kr",
)

REGIONS: dict[str, tuple[str, str]] = {
    **{dc: (f"https://graph-{dc}.avepointonlineservices.com", _COMMERCIAL_IDENTITY) for dc in _COMMERCIAL},
    "gov": ("https://graph-gov.avepointonlineservices.com", "https://identity-gov.avepointonlineservices.com"),
    "aos2": ("https://graph-aos2.avepointonlineservices.com", "https://identity-aos2.avepointonlineservices.com"),
    "fedramp": ("https://graphusgovapi.online15.net", "https://identity.online15.net"),
}


@dataclass(frozen=True)
class Endpoints:
    """The base URLs of one tenant: Graph (or legacy) API and identity service; ``api_setting`` names the
    setting the API's URL came from (``graph_url``, or ``api_url``), for messages that say what to fix."""

    api: Api
    graph_url: str
    identity_url: str
    api_setting: str = "graph_url"

    def url(self, operation: Literal["submit", "due", "destroy"]) -> tuple[str, str]:
        """The HTTP method and URL of one operation in this API generation."""
        if self.api == "graph":
            method = {"submit": "POST", "due": "GET", "destroy": "DELETE"}[operation]
            return method, f"{self.graph_url}/records/connector/records"
        path = {"submit": "SubmitRecords", "due": "GetDueRecords", "destroy": "DestroyRecords"}[operation]
        return "POST", f"{self.graph_url}/api/connector/{path}"


def plain_http_allowed(host: str) -> bool:
    """Whether plain http may carry secrets to ``host``: loopback only.

    >>> plain_http_allowed("127.0.0.1"), plain_http_allowed("[::1]"), plain_http_allowed("graph.example")
    (True, True, False)
    """
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def region_conflict(region: str, *, graph_url: str | None = None, identity_url: str | None = None) -> str | None:
    """The URL setting (``graph_url`` or ``identity_url``) whose host is not the region's, if any.

    >>> region_conflict("us", graph_url="https://graph-au.avepointonlineservices.com")
    'graph_url'
    >>> region_conflict("us", graph_url="https://graph-us.avepointonlineservices.com/") is None
    True
    """
    table = REGIONS.get(region.strip().lower())
    if table is None:
        return None
    for name, url, expected in (("graph_url", graph_url, table[0]), ("identity_url", identity_url, table[1])):
        if url and _host(url) != _host(expected):
            return name
    return None


def _check_url(setting: str, url: str) -> None:
    """A URL requests can go to, over https (or plain http to loopback), else a `ConfigurationError`."""
    parts = urlsplit(url)
    try:
        httpx2.URL(url)
        usable = parts.port is None or parts.port > 0
    except (httpx2.InvalidURL, ValueError) as exc:  # ValueError: a port beyond 65535
        raise ConfigurationError(
            setting, "a URL of a host and an optional port", f"{_shown(parts)!r} ({_scrubbed(exc, parts)})"
        ) from None
    if not usable:
        raise ConfigurationError(setting, "a URL of a host and an optional port", repr(_shown(parts)))
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and plain_http_allowed(parts.hostname):
        return
    raise ConfigurationError(
        setting, "an https:// URL (plain http only on loopback: 127.0.0.1, ::1, localhost)", repr(_shown(parts))
    )


def _shown(parts: SplitResult) -> str:
    """A URL as a message may show it: without its user name and password."""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}" if "@" in parts.netloc else host).geturl()


def _scrubbed(exc: Exception, parts: SplitResult) -> str:
    """An error's message with the URL's password, if it quotes it, cut out."""
    text = str(exc)
    return text.replace(parts.password, "***") if parts.password else text


def endpoints(
    region: str | None = None,
    *,
    graph_url: str | None = None,
    identity_url: str | None = None,
    api: str = "graph",
    api_url: str | None = None,
) -> Endpoints:
    """The endpoints for a region code; explicit URLs override the table.

    ``api_url`` is the base URL of the chosen API generation (required for ``api="legacy"``
    unless ``graph_url`` is given, as the emulator serves both on one base URL).
    """
    if api not in API_GENERATIONS:
        raise ConfigurationError("api", "'graph' or 'legacy'", repr(api))
    table_graph = table_identity = None
    if region is not None:
        code = region.strip().lower()
        if code not in REGIONS:
            raise ConfigurationError("region", "one of " + ", ".join(REGIONS), repr(region))
        table_graph, table_identity = REGIONS[code]
        conflict = region_conflict(code, graph_url=graph_url, identity_url=identity_url)
        if conflict is not None:
            given = graph_url if conflict == "graph_url" else identity_url
            table = table_graph if conflict == "graph_url" else table_identity
            raise ConfigurationError(
                f"region and {conflict}",
                f"one of them, or a {conflict} on the region's host",
                f"region={region!r} (whose {conflict} is {table}) and {conflict}={given!r}",
            )
    base = api_url or graph_url or (table_graph if api == "graph" else None)
    ident = identity_url or table_identity
    if base is None:
        expected = "api_url (the legacy API's base URL for your data center)" if api == "legacy" else "a region code or graph_url"
        raise ConfigurationError("api_url" if api == "legacy" else "region", expected)
    if ident is None:
        raise ConfigurationError("identity_url", "a region code or identity_url")
    api_setting = "api_url" if api_url else "graph_url"
    _check_url(api_setting, base)
    _check_url("identity_url", ident)
    return Endpoints(api, base.rstrip("/"), ident.rstrip("/"), api_setting)  # type: ignore[arg-type]
