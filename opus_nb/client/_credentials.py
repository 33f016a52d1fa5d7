"""Credentials: a certificate (.pfx/.p12/.pem) or a client secret, and the form fields they sign in with.

>>> cred = ClientSecretCredential("my-app-id", "s3cret")
>>> cred
ClientSecretCredential(client_id='my-app-id', secret=***)
>>> sorted(cred.token_form("https://id.example/connect/token"))
['client_id', 'client_secret']

A certificate credential builds a new client assertion for every token request (servers
remember each ``jti`` and refuse a replay): RS256, headers ``kid`` (upper-case hex SHA-1
thumbprint, as AvePoint's samples) and ``x5t`` (base64url SHA-1), claims ``iss`` = ``sub`` =
client id, ``aud`` = the token endpoint, a fresh ``jti``, ``exp`` five minutes ahead.
Its validity dates and key usage are checked when the file is loaded.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

from opus_nb._errors import CertificateError, CertificatePasswordError, CertificateValidityError, ConfigurationError

__all__ = ["ASSERTION_TYPE", "CertificateCredential", "ClientSecretCredential", "Credential", "Secret", "load_certificate"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300


class Credential(Protocol):
    """What the token provider needs: a client id and the auth fields of one token request."""

    client_id: str

    def token_form(self, token_endpoint: str) -> dict[str, str]: ...


class Secret:
    """A string that never shows itself: repr and str give ``***``; `reveal` gives the value.

    >>> Secret("hunter2")
    ***
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a secret cannot be pickled")


class _NoPickle:
    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds a secret and cannot be pickled")


class ClientSecretCredential(_NoPickle):
    """Sign in with the app's client secret (posted in the form body): ``client_id`` is the app
    registration's id, ``secret`` its client secret (never shown)."""

    def __init__(self, client_id: str, secret: str) -> None:
        if not client_id or not str(client_id).strip():
            raise ConfigurationError("client_id", "the app's client id")
        if not secret:
            raise ConfigurationError("secret", "the app's client secret")
        self.client_id = str(client_id).strip()
        self.__secret = Secret(secret)

    def __repr__(self) -> str:
        return f"ClientSecretCredential(client_id={self.client_id!r}, secret=***)"

    def token_form(self, token_endpoint: str) -> dict[str, str]:
        """The fields that authenticate one token request."""
        return {"client_id": self.client_id, "client_secret": self.__secret.reveal()}


@dataclass(frozen=True, repr=False)
class LoadedCertificate:
    """A certificate and its RSA private key, checked and ready to sign."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def sha1(self) -> bytes:
        return self.certificate.fingerprint(hashes.SHA1())  # noqa: S303 - a thumbprint, not a security hash

    @property
    def thumbprint(self) -> str:
        """Upper-case hex SHA-1, as Windows and AvePoint show it."""
        return self.sha1.hex().upper()

    @property
    def x5t(self) -> str:
        return base64.urlsafe_b64encode(self.sha1).rstrip(b"=").decode()

    def __repr__(self) -> str:
        return f"<certificate {self.certificate.subject.rfc4514_string()} thumbprint {self.thumbprint}>"


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or password == "":
        return None
    return password.encode("utf-8") if isinstance(password, str) else password


def _looks_like_pfx(data: bytes) -> bool:
    """A DER SEQUENCE whose first element is INTEGER 3: the PFX version."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    n = data[1]
    start = 2 + (n & 0x7F if n & 0x80 else 0)
    return data[start : start + 3] == b"\x02\x01\x03"


def _load_pfx(source: str, data: bytes, password: bytes | None) -> tuple[Any, list[x509.Certificate]]:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        if not _looks_like_pfx(data):
            raise CertificateError(source, "not a PKCS#12 (.pfx/.p12) or PEM file") from None
        reason = "the password is wrong" if password else "it needs a password (password=...)"
        raise CertificatePasswordError(source, reason) from None
    return key, [c for c in [cert, *extra] if c is not None]


def _load_pem_key(source: str, data: bytes, password: bytes | None) -> Any:
    if b"PRIVATE KEY-----" not in data:
        return None
    try:
        return load_pem_private_key(data, password)
    except TypeError:
        if password is None:
            raise CertificatePasswordError(source, "the private key is encrypted: it needs a password (password=...)") from None
        raise CertificatePasswordError(source, "a password was given but the private key is not encrypted") from None
    except ValueError as exc:
        if "password" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise CertificatePasswordError(source, "the password is wrong") from None
        raise CertificateError(source, "the private key cannot be read") from None


def _read(path: str | Path | bytes, what: str) -> tuple[str, bytes]:
    if isinstance(path, bytes):
        return f"({what} bytes)", path
    try:
        return str(path), Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise CertificateError(str(path), f"cannot be read ({exc.strerror})") from None


def _check(source: str, key: Any, certs: list[x509.Certificate], now: dt.datetime) -> LoadedCertificate:
    if key is None:
        raise CertificateError(source, "it holds no private key (export the .pfx with its private key, or pass key=...)")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(source, f"the private key is {type(key).__name__.lstrip('_')}, but RS256 needs an RSA key")
    public = key.public_key().public_numbers()
    match = [c for c in certs if isinstance(c.public_key(), rsa.RSAPublicKey) and c.public_key().public_numbers() == public]  # type: ignore[union-attr]
    if not certs:
        raise CertificateError(source, "it holds no certificate")
    if not match:
        raise CertificateError(source, "the private key does not belong to the certificate")
    cert = match[0]
    if now < cert.not_valid_before_utc:
        raise CertificateValidityError(source, f"it is not valid until {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if now > cert.not_valid_after_utc:
        raise CertificateValidityError(source, f"it expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.digital_signature:
        raise CertificateError(source, "its Key Usage lacks Digital Signature, so it may not sign a client assertion")
    return LoadedCertificate(cert, key)


def load_certificate(
    certificate: str | Path | bytes,
    password: str | bytes | None = None,
    *,
    key: str | Path | bytes | None = None,
    now: dt.datetime | None = None,
) -> LoadedCertificate:
    """Load and check a .pfx/.p12, or a .pem holding key and certificate (or the key in ``key=``).

    >>> load_certificate("app.pfx", "pa55").thumbprint      # doctest: +SKIP
    '3A1F...'
    """
    source, data = _read(certificate, "certificate")
    secret = _password_bytes(password)
    now = now or dt.datetime.now(dt.UTC)
    if b"-----BEGIN" not in data:
        pfx_key, certs = _load_pfx(source, data, secret)
        return _check(source, pfx_key, certs, now)
    try:
        certs = x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
    except ValueError:
        raise CertificateError(source, "the certificate in this PEM file cannot be read") from None
    key_source, key_data = _read(key, "key") if key is not None else (source, data)
    pem_key = _load_pem_key(key_source, key_data, secret)
    if not certs and key is None and pem_key is not None:
        raise CertificateError(source, "it holds a private key but no certificate (pass the certificate, and key=this file)")
    return _check(source, pem_key, certs, now)


class CertificateCredential(_NoPickle):
    """Sign in with a certificate registered for the app (AvePoint's recommended way).

    ``client_id``: the app registration's id. ``certificate``: a .pfx/.p12 or .pem file (or its
    bytes) holding the certificate and, unless ``key`` names a .pem of its own, its private key;
    ``password``: the file's password, when it has one. The key is loaded at once and never shown.

    >>> cred = CertificateCredential("my-app-id", "app.pfx", password="pa55")   # doctest: +SKIP
    >>> cred                                                                  # doctest: +SKIP
    CertificateCredential(client_id='my-app-id', thumbprint='3A1F...')
    """

    def __init__(
        self,
        client_id: str,
        certificate: str | Path | bytes,
        password: str | bytes | None = None,
        *,
        key: str | Path | bytes | None = None,
    ) -> None:
        if not client_id or not str(client_id).strip():
            raise ConfigurationError("client_id", "the app's client id")
        self.client_id = str(client_id).strip()
        self.__loaded = load_certificate(certificate, password, key=key)

    @property
    def thumbprint(self) -> str:
        return self.__loaded.thumbprint

    @property
    def not_valid_after(self) -> dt.datetime:
        return self.__loaded.certificate.not_valid_after_utc

    def __repr__(self) -> str:
        return f"CertificateCredential(client_id={self.client_id!r}, thumbprint={self.thumbprint!r})"

    def assertion(self, audience: str, *, now: float | None = None) -> str:
        """A new signed client assertion for this token endpoint (a fresh ``jti`` every call)."""
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": str(uuid.uuid4()),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ASSERTION_LIFETIME,
        }
        headers = {"kid": self.__loaded.thumbprint, "x5t": self.__loaded.x5t}
        return jwt.encode(claims, self.__loaded.key, algorithm="RS256", headers=headers)

    def token_form(self, token_endpoint: str) -> dict[str, str]:
        """The fields that authenticate one token request (a new assertion each time)."""
        return {
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(token_endpoint),
        }
