"""The identity service: app registrations and `client_credentials` tokens, IdentityServer style.

>>> from opus_nb.emulator.store import Store
>>> from opus_nb.emulator.tokens import TokenIssuer
>>> store = Store(None)
>>> idp = Identity(store, TokenIssuer(store, "http://127.0.0.1:8000/identity"))
>>> idp.discovery()["token_endpoint"]
'http://127.0.0.1:8000/identity/connect/token'

A client signs in with a client secret (form fields or HTTP Basic) or with an RS256 client
assertion verified against its registered certificate: signature, `iss` = `sub` = client id,
`aud` the token endpoint (or the issuer, as newer IdentityServer versions allow), `exp` in the
future and at most an hour away, `nbf`/`iat` not in the future (with a small leeway), each of the
three a NumericDate (a finite JSON number, RFC 7519 §2: not a string, boolean or null), a `jti`
never seen before (remembered until the assertion expires plus five minutes), and a
certificate that is valid today. `alg: none`, HMAC and every other algorithm are refused.
A token answer holds ``access_token``, ``token_type`` (Bearer), ``expires_in``, ``scope`` and, as
Microsoft's identity platform answers, ``ext_expires_in`` (the token's extended lifetime for
when the identity service is out of reach; here the same as ``expires_in``).
Errors are RFC 6749 §5.2 bodies: `{"error": "invalid_client", "error_description": "..."}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from opus_nb.emulator.certs import cert_has_digital_signature
from opus_nb.emulator.errors import EmulatorConfigError
from opus_nb.emulator.store import AppRow, Store
from opus_nb.emulator.tokens import TokenIssuer

__all__ = ["ASSERTION_TYPE", "Identity", "OAuthRefusal", "hash_secret", "routes"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIME_CLAIMS = ("exp", "nbf", "iat")
LEEWAY_S = 60
MAX_ASSERTION_LIFETIME_S = 3600
REPLAY_MARGIN_S = 300


class OAuthRefusal(Exception):
    """The identity service refusing a token request: the RFC 6749 error answer it sends (`error`
    code, a description safe to send, the status), raised inside the service and answered by its
    route. It never leaves the emulator; a client meets the refusal as `opus_nb.OAuthError`.

    >>> OAuthRefusal("invalid_scope", "the app was not granted x").body()
    {'error': 'invalid_scope', 'error_description': 'the app was not granted x'}
    """

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def hash_secret(secret: str) -> str:
    """How client secrets are stored: never as themselves."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _invalid_client(description: str) -> OAuthRefusal:
    return OAuthRefusal("invalid_client", description)


class Identity:
    """Issues tokens to registered apps; knows its issuer URL and endpoints."""

    def __init__(self, store: Store, tokens: TokenIssuer) -> None:
        self.store = store
        self.tokens = tokens

    @property
    def issuer(self) -> str:
        return self.tokens.issuer

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/connect/token"

    def discovery(self) -> dict[str, Any]:
        """The OpenID Connect discovery document."""
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/openid-configuration/jwks",
            "token_endpoint": self.token_endpoint,
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": ["token"],
            "scopes_supported": ["records.readwrite.all"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "claims_supported": ["sub", "client_id", "scope"],
        }

    def register(
        self, scopes: Sequence[str], *, certificate: x509.Certificate | None = None, name: str = "app"
    ) -> tuple[str, str | None]:
        """Register an app: with a certificate (returns the client id, None) or a new secret (id, secret)."""
        if isinstance(scopes, str) or not scopes or not all(isinstance(s, str) and s.strip() and " " not in s for s in scopes):
            raise EmulatorConfigError("scopes", "a list of scope names such as ['records.readwrite.all']", repr(scopes))
        if certificate is not None and not cert_has_digital_signature(certificate):
            raise EmulatorConfigError("certificate", "a certificate whose Key Usage includes Digital Signature", "one without")
        client_id = str(uuid.uuid4())
        secret = None if certificate is not None else secrets.token_urlsafe(32)
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode() if certificate is not None else None
        row = AppRow(client_id, name, tuple(scopes), hash_secret(secret) if secret else None, pem)
        self.store.add_app(row, datetime.now(UTC).isoformat(timespec="seconds"))
        return client_id, secret

    def issue(self, form: Mapping[str, Sequence[str]], authorization: str | None, posted_to: str) -> dict[str, Any]:
        """Answer a token request (parsed form fields, Authorization header); raises `OAuthRefusal`."""
        fields = self._single_values(form)
        app = self._authenticate(fields, authorization, posted_to)
        grant = fields.get("grant_type")
        if not grant:
            raise OAuthRefusal("invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise OAuthRefusal("unsupported_grant_type", f"this service supports client_credentials, not {grant!r}")
        requested = fields.get("scope", "").split()
        missing = [s for s in requested if s not in app.scopes]
        if missing:
            raise OAuthRefusal("invalid_scope", f"the app was not granted {' '.join(missing)}")
        scopes = requested or list(app.scopes)
        token, expires_in = self.tokens.mint(app.client_id, scopes)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "scope": " ".join(scopes),
        }

    @staticmethod
    def _single_values(form: Mapping[str, Sequence[str]]) -> dict[str, str]:
        repeated = sorted(k for k, v in form.items() if len(v) > 1)
        if repeated:
            raise OAuthRefusal("invalid_request", f"parameters sent more than once: {', '.join(repeated)}")
        return {k: v[0] for k, v in form.items()}

    def _authenticate(self, fields: dict[str, str], authorization: str | None, posted_to: str) -> AppRow:
        basic = authorization is not None and authorization[:6].lower() == "basic "
        has_assertion = "client_assertion" in fields or "client_assertion_type" in fields
        methods = int(basic) + int("client_secret" in fields) + int(has_assertion)
        if methods > 1:
            raise OAuthRefusal("invalid_request", "use exactly one client authentication method")
        if basic:
            client_id, secret = self._basic(authorization or "")
            return self._secret_client(client_id, secret, status=401)
        if "client_secret" in fields:
            return self._secret_client(fields.get("client_id", ""), fields["client_secret"])
        if has_assertion:
            if fields.get("client_assertion_type") != ASSERTION_TYPE:
                raise _invalid_client(f"client_assertion_type must be {ASSERTION_TYPE}")
            return self._assertion_client(fields.get("client_assertion", ""), fields.get("client_id"), posted_to)
        raise _invalid_client("no client authentication: send a client secret or a client assertion")

    @staticmethod
    def _basic(authorization: str) -> tuple[str, str]:
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise OAuthRefusal("invalid_client", "the Basic authorization header is malformed", 401) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise OAuthRefusal("invalid_client", "the Basic authorization header is malformed", 401)
        return unquote_plus(client_id), unquote_plus(secret)

    def _secret_client(self, client_id: str, secret: str, status: int = 400) -> AppRow:
        app = self.store.app(client_id) if client_id else None
        if app is None or app.secret_hash is None or not hmac.compare_digest(app.secret_hash, hash_secret(secret)):
            raise OAuthRefusal("invalid_client", "unknown client or wrong client secret", status)
        return app

    def _assertion_client(self, assertion: str, form_client_id: str | None, posted_to: str) -> AppRow:
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _invalid_client("the client assertion is not a well-formed JWT") from None
        if header.get("alg") != "RS256":
            raise _invalid_client(f"client assertions must be signed with RS256, not {header.get('alg')!r}")
        _check_numeric_dates(unverified)
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or not client_id or unverified.get("sub") != client_id:
            raise _invalid_client("the client assertion's iss and sub must both be the client id")
        if form_client_id and form_client_id != client_id:
            raise _invalid_client("client_id does not match the client assertion's issuer")
        app = self.store.app(client_id)
        if app is None or app.certificate is None:
            raise _invalid_client("unknown client, or no certificate is registered for it")
        cert = x509.load_pem_x509_certificate(app.certificate.encode())
        now = datetime.now(UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise _invalid_client("the registered certificate has expired or is not yet valid")
        if not cert_has_digital_signature(cert):
            raise _invalid_client("the registered certificate's key usage does not allow digital signatures")
        claims = self._verify(assertion, cert, client_id, posted_to)
        if not self.store.remember_jti(client_id, claims["jti"], float(claims["exp"]) + REPLAY_MARGIN_S, time.time()):
            raise _invalid_client("the client assertion was already used (jti replay)")
        return app

    def _verify(self, assertion: str, cert: x509.Certificate, client_id: str, posted_to: str) -> dict[str, Any]:
        audiences = sorted({self.token_endpoint, self.issuer, self.issuer + "/", posted_to})
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise _invalid_client("the registered certificate's key is not RSA, so it cannot verify RS256")
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=audiences,
                issuer=client_id,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "sub", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid_client("the client assertion has expired") from None
        except jwt.InvalidAudienceError:
            raise _invalid_client(f"the client assertion's aud must be the token endpoint {self.token_endpoint}") from None
        except jwt.InvalidSignatureError:
            raise _invalid_client("the client assertion's signature does not match the registered certificate") from None
        except jwt.ImmatureSignatureError:
            raise _invalid_client("the client assertion is not valid yet (nbf or iat in the future)") from None
        except jwt.PyJWTError as exc:
            raise _invalid_client(f"the client assertion is not valid: {exc}") from None
        now = time.time()
        if float(claims["exp"]) > now + MAX_ASSERTION_LIFETIME_S + LEEWAY_S:
            raise _invalid_client("the client assertion's exp is more than an hour away")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and value > now + LEEWAY_S:
                raise _invalid_client(f"the client assertion's {name} is not a time in the past")
        if not isinstance(claims["jti"], str) or not claims["jti"].strip():
            raise _invalid_client("the client assertion needs a jti")
        return claims


def _check_numeric_dates(claims: Mapping[str, Any]) -> None:
    """exp, nbf and iat, where present, must be NumericDates: finite JSON numbers of seconds since 1970."""
    for name in TIME_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            shown = repr(value) if len(repr(value)) <= 40 else f"a value of type {type(value).__name__}"
            why = f"the client assertion's {name} must be a NumericDate (a number of seconds since 1970), not {shown}"
            raise _invalid_client(why)


def _finite(number: float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float
        return False


def routes(identity: Identity) -> list[Route]:
    """Discovery, JWKS and the token endpoint, relative to the identity service's root."""

    async def discovery(request: Request) -> Response:
        return JSONResponse(identity.discovery())

    async def jwks(request: Request) -> Response:
        return JSONResponse(identity.tokens.jwks())

    async def token(request: Request) -> Response:
        no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            error = OAuthRefusal("invalid_request", "send the token request as application/x-www-form-urlencoded")
            return JSONResponse(error.body(), status_code=error.status, headers=no_store)
        form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        posted_to = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        try:
            body = identity.issue(form, request.headers.get("authorization"), posted_to)
        except OAuthRefusal as exc:
            headers = dict(no_store)
            if exc.status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="opus-emulator"'
            return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
        return JSONResponse(body, headers=no_store)

    return [
        Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route("/.well-known/openid-configuration/jwks", jwks, methods=["GET"]),
        Route("/connect/token", token, methods=["POST"]),
    ]
