"""Access tokens: discovery, the token request, a cache refreshed ahead of expiry, one request at a time.

>>> provider = TokenProvider(cred, "https://identity.avepointonlineservices.com", http)  # doctest: +SKIP
>>> provider.get()          # the bearer token; cached until shortly before it expires  # doctest: +SKIP

Policy (after MSAL and azure-identity, see the certificate notes): refresh once less than five
minutes remain (a tenth of the lifetime for short-lived tokens) or when the server's
``refresh_in`` has passed; while a still-valid token is being refreshed the other threads keep
using it; a failed early refresh keeps serving the valid token; N threads that all need a new
token cause one token request. Every attempt, retries included, signs a new assertion.
``invalid_client`` and the other OAuth errors are never retried, nor a wrong scheme for the identity
service or a proxy that asks for credentials (`opus_nb.client._network.misconfiguration`).

A token's lifetime is counted from just before the request that got it was sent: the identity
service makes the token when the request arrives, so a slow answer must not lengthen its life in
the cache. A redirect (3xx) is never followed: the credential is not sent again to wherever it
points, even on the same host; the error names where, and the ``identity_url`` to set when the
discovery document has moved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from opus_nb._errors import IdentityServiceError, OAuthError, TLSError
from opus_nb._redact import redact
from opus_nb.client._credentials import Credential
from opus_nb.client._endpoints import plain_http_allowed
from opus_nb.client._network import certificate_failure, misconfiguration
from opus_nb.client._retry import RetryPolicy

__all__ = ["DEFAULT_SCOPE", "DISCOVERY_PATH", "AccessToken", "TokenProvider", "refresh_margin"]

DEFAULT_SCOPE = "records.readwrite.all"
DISCOVERY_PATH = "/.well-known/openid-configuration"
_log = logging.getLogger("opus_nb.client._credentials")


def refresh_margin(lifetime: float) -> float:
    """How long before expiry to refresh: five minutes, or a tenth of a short lifetime.

    >>> refresh_margin(3600), refresh_margin(5)
    (300.0, 0.5)
    """
    return 300.0 if lifetime >= 3000 else lifetime / 10


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when to refresh it; its value never shows in a repr."""

    value: str = field(repr=False)
    expires_at: float
    refresh_at: float

    def __str__(self) -> str:
        return f"<access token, expires at {time.strftime('%H:%M:%S', time.localtime(self.expires_at))}>"


class TokenProvider:
    """Hands out a valid bearer token for ``scope``, fetching it from the identity service."""

    def __init__(
        self,
        credential: Credential,
        identity_url: str,
        http: httpx2.Client,
        *,
        scope: str = DEFAULT_SCOPE,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credential = credential
        self.identity_url = identity_url.rstrip("/")
        self.scope = scope
        self.requests = 0
        self._http = http
        self._retry = retry or RetryPolicy(attempts=4)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._token_endpoint: str | None = None
        self._quiet_until = 0.0

    def __repr__(self) -> str:
        return f"<TokenProvider {self.credential!r} at {self.identity_url}>"

    @property
    def token_endpoint(self) -> str:
        """The token endpoint named by the discovery document (fetched once)."""
        if self._token_endpoint is None:
            url = f"{self.identity_url}{DISCOVERY_PATH}"
            response, _ = self._send("GET", url)
            try:
                endpoint = response.json()["token_endpoint"]
            except (ValueError, KeyError, TypeError):
                raise IdentityServiceError(self.identity_url, "its discovery document has no token_endpoint") from None
            self._token_endpoint = self._checked(str(endpoint))
        return self._token_endpoint

    def _checked(self, endpoint: str) -> str:
        """The discovered token endpoint, if the credential may be sent there."""
        own = httpx2.URL(self.identity_url)
        try:
            url = httpx2.URL(endpoint)
        except httpx2.InvalidURL:
            url = None
        named = f"its discovery document names the token endpoint {redact(endpoint)!r}"
        if url is None or url.host.lower() != own.host.lower():
            raise IdentityServiceError(self.identity_url, f"{named}, which is not on {own.host}; no credential was sent")
        if url.scheme != "https" and not (url.scheme == "http" and plain_http_allowed(url.host)):
            raise IdentityServiceError(self.identity_url, f"{named}, which is not https; no credential was sent")
        return endpoint

    def get(self) -> str:
        """A valid bearer token: cached, refreshed ahead of expiry, one fetch however many threads ask."""
        token = self._token
        now = self._clock()
        if token is not None and now < token.refresh_at:
            return token.value
        if token is not None and now < token.expires_at:
            return self._refresh_early(token, now)
        with self._lock:
            current = self._token
            if current is None or self._clock() >= current.expires_at:
                current = self._token = self._fetch()
            return current.value

    def invalidate(self, value: str) -> None:
        """Forget this token (the API said 401); the next `get` fetches a new one."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _refresh_early(self, token: AccessToken, now: float) -> str:
        if now < self._quiet_until or not self._lock.acquire(blocking=False):
            return token.value
        try:
            if self._token is not token and self._token is not None:
                return self._token.value
            try:
                self._token = self._fetch()
            except (OAuthError, IdentityServiceError) as exc:
                _log.warning("early token refresh failed, still using the current token: %s", exc)
                self._quiet_until = now + min(30.0, (token.expires_at - now) / 2)
                return token.value
            return self._token.value
        finally:
            self._lock.release()

    def _fetch(self) -> AccessToken:
        endpoint = self.token_endpoint
        response, issued = self._send(
            "POST",
            endpoint,
            form=lambda: {"grant_type": "client_credentials", "scope": self.scope, **self.credential.token_form(endpoint)},
        )
        body = _json(response)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise IdentityServiceError(self.identity_url, "the token response has no access_token")
        lifetime = float(body.get("expires_in") or 3600)
        refresh_at = issued + lifetime - refresh_margin(lifetime)
        if body.get("refresh_in"):
            refresh_at = min(refresh_at, issued + float(body["refresh_in"]))
        _log.info("signed in as %s; token valid for %.0f s", self.credential.client_id, lifetime)
        return AccessToken(value, issued + lifetime, refresh_at)

    def _send(self, method: str, url: str, form: Callable[[], dict[str, str]] | None = None) -> tuple[httpx2.Response, float]:
        """The answer, and the time (by the provider's clock) just before the request that got it was sent."""
        attempt = 0
        while True:
            attempt += 1
            problem: str
            retry_after = None
            sent = self._clock()
            if form is not None:
                self.requests += 1
            try:
                response = self._http.request(method, url, data=form() if form is not None else None)
            except httpx2.TransportError as exc:
                problem = self._unreachable(exc, url, probe=attempt == 1)
            else:
                if 300 <= response.status_code < 400:
                    raise self._redirected(url, response)
                if response.status_code < 400:
                    return response, sent
                if not self._retry.retryable_status(response.status_code):
                    raise _oauth_error(response, self.identity_url)
                problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After")
            if attempt >= self._retry.attempts:
                raise IdentityServiceError(self.identity_url, f"{problem} after {attempt} attempt(s)")
            self._sleep(self._retry.delay(attempt, retry_after))

    def _unreachable(self, exc: httpx2.TransportError, url: str, *, probe: bool) -> str:
        """Why ``url`` could not be reached, to retry; a certificate refused or a wrong scheme raises at once."""
        failure = certificate_failure(exc)
        if failure is not None:
            raise TLSError(url, failure) from None
        misconfigured = misconfiguration(exc, "identity_url", self.identity_url, probe=probe)
        if misconfigured is not None:
            raise misconfigured from None
        return f"cannot be reached ({type(exc).__name__})"

    def _redirected(self, url: str, response: httpx2.Response) -> IdentityServiceError:
        """A redirect, refused: where it pointed, and for a discovery document that moved, the identity_url to set."""
        location = redact(response.headers.get("Location", ""))
        what = "its discovery document" if url.endswith(DISCOVERY_PATH) else f"the token endpoint {url}"
        fix = "if the identity service has moved, set identity_url= (or OPUS_IDENTITY_URL) to its new address"
        if url.endswith(DISCOVERY_PATH) and location.endswith(DISCOVERY_PATH):
            fix = f"set identity_url={location.removesuffix(DISCOVERY_PATH)!r} (or OPUS_IDENTITY_URL)"
        return IdentityServiceError(
            self.identity_url,
            f"{what} redirected (HTTP {response.status_code}) to {location or 'nowhere'}; redirects are not followed, "
            f"so that no credential goes where they point: {fix}",
        )


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_error(response: httpx2.Response, identity_url: str) -> Exception:
    body = _json(response)
    error = body.get("error")
    if isinstance(error, str) and error:
        description = body.get("error_description")
        text = redact(description) if isinstance(description, str) else None
        return OAuthError(redact(error), text, status=response.status_code)
    return IdentityServiceError(identity_url, f"HTTP {response.status_code} from {response.request.url.path}")
