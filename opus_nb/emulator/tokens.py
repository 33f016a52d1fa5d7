"""Access tokens: RS256 JWTs the identity service signs and the connector API checks.

>>> from opus_nb.emulator.store import Store
>>> issuer = TokenIssuer(Store(None), "http://127.0.0.1:8000/identity")
>>> token, expires_in = issuer.mint("client-1", ["records.readwrite.all"])
>>> issuer.verify(token).scopes
('records.readwrite.all',)

The signing key is made once per store (so a file-backed emulator keeps honouring its tokens
after a restart) and published as a JWKS. Verified tokens are remembered, so a client that
sends the same token with every request pays for one signature check.
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from opus_nb.emulator.store import Store

__all__ = ["AUDIENCE", "AccessClaims", "InvalidToken", "TokenIssuer"]

AUDIENCE = "opus.graph"
_CACHE_LIMIT = 4096


class InvalidToken(Exception):
    """A bearer token the API does not accept; the message is safe to send back."""


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token grants."""

    client_id: str
    scopes: tuple[str, ...]
    expires: float


class TokenIssuer:
    """Signs access tokens with the emulator's key, and checks them."""

    def __init__(self, store: Store, issuer: str, *, lifetime_s: int = 3600) -> None:
        self.issuer = issuer
        self.lifetime_s = lifetime_s
        pem = store.setting("signing_key")
        if pem is None:
            new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = new_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            store.set_setting("signing_key", pem)
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._key = key
        self._public = key.public_key()
        der = self._public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha256(der).hexdigest()[:16].upper()
        self._verified: dict[str, AccessClaims] = {}

    def __repr__(self) -> str:
        return f"<TokenIssuer {self.issuer} kid={self.kid}>"

    def jwks(self) -> dict[str, Any]:
        """The public signing key as a JSON Web Key Set."""
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._public, as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def mint(self, client_id: str, scopes: Sequence[str], lifetime_s: int | None = None) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds (negative lifetimes make expired ones)."""
        lifetime = self.lifetime_s if lifetime_s is None else lifetime_s
        issued = time.time()
        now = int(issued)
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "client_id": client_id,
            "sub": client_id,
            "scope": " ".join(scopes),
            "iat": now,
            "nbf": min(now, now + lifetime),
            "exp": math.ceil(issued + lifetime),  # whole seconds, and never less than the lifetime said
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "at+jwt"})
        return token, lifetime

    def verify(self, token: str) -> AccessClaims:
        """The claims of a token this issuer signed and that has not expired, else `InvalidToken`."""
        known = self._verified.get(token)
        if known is None:
            known = self._check(token)
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = known
        if known.expires <= time.time():
            raise InvalidToken("the access token has expired")
        return known

    def _check(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "client_id"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the access token has expired") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the access token was not signed by this identity service") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the access token is not valid: {exc}") from None
        return AccessClaims(str(claims["client_id"]), tuple(str(claims.get("scope", "")).split()), float(claims["exp"]))
