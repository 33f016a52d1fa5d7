"""Certificate and secret credentials: loading, checks, the client assertion, secrets kept out of sight."""

from __future__ import annotations

import base64
import pickle
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from opus_nb._errors import CertificateError, CertificatePasswordError, CertificateValidityError, ConfigurationError
from opus_nb.client._credentials import CertificateCredential, ClientSecretCredential

TOKEN_URL = "https://identity.example.test/connect/token"


def test_assertion_has_the_shape_identity_server_expects(pfx: Path, certs) -> None:
    cred = CertificateCredential("app-1", pfx, certs.password)
    token = cred.assertion(TOKEN_URL, now=1_700_000_000)
    header = jwt.get_unverified_header(token)
    cert = pytest.importorskip("cryptography.hazmat.primitives.serialization.pkcs12").load_key_and_certificates(
        pfx.read_bytes(), certs.password.encode()
    )[1]
    sha1 = cert.fingerprint(hashes.SHA1())
    assert header["alg"] == "RS256"
    assert header["kid"] == sha1.hex().upper()
    assert header["x5t"] == base64.urlsafe_b64encode(sha1).rstrip(b"=").decode()
    assert header.get("typ") != "client-authentication+jwt"
    claims = jwt.decode(
        token,
        cert.public_key(),
        algorithms=["RS256"],
        audience=TOKEN_URL,
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == "app-1"
    assert claims["aud"] == TOKEN_URL
    assert claims["iat"] == claims["nbf"] == 1_700_000_000
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert all(isinstance(claims[k], int) for k in ("iat", "nbf", "exp"))


def test_every_assertion_has_a_new_jti(pfx: Path, certs) -> None:
    cred = CertificateCredential("app-1", pfx, certs.password)
    jtis = {
        jwt.decode(cred.token_form(TOKEN_URL)["client_assertion"], options={"verify_signature": False})["jti"] for _ in range(5)
    }
    assert len(jtis) == 5
    form = cred.token_form(TOKEN_URL)
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["client_id"] == "app-1"


def test_pem_in_one_file_and_in_two_files_and_encrypted(tmp_path: Path, certs) -> None:
    cert, key = certs.make()
    both = tmp_path / "both.pem"
    both.write_bytes(certs.cert_pem(cert) + certs.key_pem(key, "k3y-pw"))
    cert_only, key_only = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_only.write_bytes(certs.cert_pem(cert))
    key_only.write_bytes(certs.key_pem(key))
    a = CertificateCredential("app", both, "k3y-pw")
    b = CertificateCredential("app", cert_only, key=key_only)
    assert a.thumbprint == b.thumbprint == cert.fingerprint(hashes.SHA1()).hex().upper()


@pytest.mark.parametrize("password, reason", [("wrong-pw", "password is wrong"), (None, "needs a password")])
def test_pfx_password_problems_are_named(pfx: Path, password: str | None, reason: str) -> None:
    with pytest.raises(CertificatePasswordError, match=reason) as info:
        CertificateCredential("app", pfx, password)
    assert "wrong-pw" not in str(info.value)


def test_encrypted_pem_without_password_fails_at_load(tmp_path: Path, certs) -> None:
    cert, key = certs.make()
    path = tmp_path / "app.pem"
    path.write_bytes(certs.cert_pem(cert) + certs.key_pem(key, "k3y-pw"))
    with pytest.raises(CertificatePasswordError, match="encrypted"):
        CertificateCredential("app", path)
    with pytest.raises(CertificatePasswordError, match="wrong"):
        CertificateCredential("app", path, "nope")


def test_files_without_a_key_or_certificate(tmp_path: Path, certs) -> None:
    cert, key = certs.make()
    no_key = certs.pfx(tmp_path / "nokey.pfx", cert, key, None, with_key=False)
    with pytest.raises(CertificateError, match="no private key"):
        CertificateCredential("app", no_key)
    key_only = tmp_path / "key.pem"
    key_only.write_bytes(certs.key_pem(key))
    with pytest.raises(CertificateError, match="no certificate"):
        CertificateCredential("app", key_only)
    junk = tmp_path / "junk.pfx"
    junk.write_bytes(b"not a certificate at all")
    with pytest.raises(CertificateError, match="not a PKCS#12"):
        CertificateCredential("app", junk)
    with pytest.raises(CertificateError, match="cannot be read"):
        CertificateCredential("app", tmp_path / "missing.pfx")


@pytest.mark.parametrize("days, words", [((-30, -1), "expired"), ((2, 30), "not valid until")])
def test_certificate_dates_are_checked_at_load(tmp_path: Path, certs, days: tuple[int, int], words: str) -> None:
    cert, key = certs.make(days_valid=days)
    with pytest.raises(CertificateValidityError, match=words):
        CertificateCredential("app", certs.pfx(tmp_path / "c.pfx", cert, key, None))


def test_key_usage_without_digital_signature_is_refused(tmp_path: Path, certs) -> None:
    cert, key = certs.make(digital_signature=False)
    with pytest.raises(CertificateError, match="Digital Signature"):
        CertificateCredential("app", certs.pfx(tmp_path / "c.pfx", cert, key, None))
    cert, key = certs.make(digital_signature=None)
    assert CertificateCredential("app", certs.pfx(tmp_path / "d.pfx", cert, key, None)).thumbprint


def test_non_rsa_and_mismatched_keys_are_refused(tmp_path: Path, certs) -> None:
    ec_cert, ec_key = certs.make(key=ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(CertificateError, match="RSA"):
        CertificateCredential("app", certs.pfx(tmp_path / "ec.pfx", ec_cert, ec_key, None))
    cert, _ = certs.make()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "c.pem").write_bytes(certs.cert_pem(cert))
    (tmp_path / "k.pem").write_bytes(certs.key_pem(other))
    with pytest.raises(CertificateError, match="does not belong"):
        CertificateCredential("app", tmp_path / "c.pem", key=tmp_path / "k.pem")


def test_secrets_never_show(pfx: Path, certs) -> None:
    cred = CertificateCredential("app", pfx, certs.password)
    secret = ClientSecretCredential("app", "sUp3r-s3cret-value")
    for text in (repr(cred), str(cred), repr(secret), str(secret), repr(vars(secret)), repr(vars(cred))):
        assert certs.password not in text
        assert "sUp3r-s3cret-value" not in text
        assert "PRIVATE KEY" not in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(cred)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_secret_credential_form_and_missing_values() -> None:
    assert ClientSecretCredential("app", "s").token_form(TOKEN_URL) == {"client_id": "app", "client_secret": "s"}
    with pytest.raises(ConfigurationError, match="client id"):
        ClientSecretCredential("", "s")
    with pytest.raises(ConfigurationError, match="secret"):
        ClientSecretCredential("app", "")
