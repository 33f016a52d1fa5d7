"""Certificates for app registrations: make a self-signed one, write it out, read one back.

>>> cert, key = make_certificate("opus-nb demo app")
>>> cert_has_digital_signature(cert)
True

As in AvePoint Online Services, an app registration holds only the public certificate (the
`.cer` a user uploads); the private key stays with the user, in a password-protected `.pfx` and
a `.pem` holding the key (encrypted with the same password) and the certificate.

`write_server_certificate` makes what the emulator serves https with: a self-signed certificate
for 127.0.0.1 and localhost, and its key, in a folder the emulator removes when it stops.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from opus_nb.emulator.errors import EmulatorConfigError

__all__ = [
    "CertificateFiles",
    "ServerCertificate",
    "cert_has_digital_signature",
    "load_public_certificate",
    "make_certificate",
    "write_certificate",
    "write_server_certificate",
]


@dataclass(frozen=True)
class CertificateFiles:
    """Where a made certificate was written: `.pfx` (key + cert), `.pem` (key + cert), `.cer` (cert)."""

    pfx: Path
    pem: Path
    cer: Path


def make_certificate(
    common_name: str, *, valid_from: dt.datetime | None = None, valid_days: int = 365
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A fresh RSA 2048 key and a self-signed certificate for it, Key Usage Digital Signature."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = valid_from or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


@dataclass(frozen=True)
class ServerCertificate:
    """The emulator's https certificate (`cert`, also what a client trusts) and its unencrypted `key`."""

    cert: Path
    key: Path


def write_server_certificate(directory: Path, *, valid_days: int = 30) -> ServerCertificate:
    """A self-signed certificate for 127.0.0.1 (SAN IP 127.0.0.1, ::1 and DNS localhost) with its key, in `directory`.

    >>> import tempfile
    >>> files = write_server_certificate(Path(tempfile.mkdtemp()))                # doctest: +SKIP
    >>> files.cert.name, files.key.name                                            # doctest: +SKIP
    ('server.crt', 'server.key')

    It is its own trust anchor (CA:TRUE, path length 0), so a client trusts it with `verify=cert`.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opus-nb emulator (127.0.0.1)")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    public = key.public_key()
    names = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "::1")] + [x509.DNSName("localhost")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    files = ServerCertificate(directory / "server.crt", directory / "server.key")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    files.key.touch(mode=0o600)
    files.key.chmod(0o600)
    files.key.write_bytes(key_pem)
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def write_certificate(
    cert: x509.Certificate, key: rsa.RSAPrivateKey, directory: Path, password: str, stem: str = "app"
) -> CertificateFiles:
    """Write `stem.pfx`, `stem.pem` (both protected by `password`) and `stem.cer` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    secret = password.encode()
    files = CertificateFiles(directory / f"{stem}.pfx", directory / f"{stem}.pem", directory / f"{stem}.cer")
    pfx = pkcs12.serialize_key_and_certificates(stem.encode(), key, cert, None, serialization.BestAvailableEncryption(secret))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(secret)
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    for path, content in ((files.pfx, pfx), (files.pem, key_pem + cert_pem), (files.cer, cert_pem)):
        path.write_bytes(content)
        path.chmod(0o600 if path.suffix != ".cer" else 0o644)
    return files


def load_public_certificate(source: x509.Certificate | bytes | str | Path, password: str | None = None) -> x509.Certificate:
    """A certificate from an object, PEM/DER bytes, or a .cer/.pem/.pfx file (the key is not kept)."""
    if isinstance(source, x509.Certificate):
        return source
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            cert = pkcs12.load_key_and_certificates(data, password.encode() if password else None)[1]
            if cert is None:
                raise ValueError("no certificate in the PKCS#12 file") from None
            return cert
    except ValueError:
        shown = "certificate bytes" if isinstance(source, bytes) else str(source)
        raise EmulatorConfigError("certificate", "a PEM or DER certificate, or a .pfx with its password", shown) from None


def cert_has_digital_signature(cert: x509.Certificate) -> bool:
    """Whether the certificate may sign (no Key Usage extension means no restriction)."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.digital_signature)
