"""The identity service: discovery, JWKS, client secrets, client assertions, and every refusal."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import importlib
import json
import pkgutil
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from opus_nb.emulator import AppRegistration, EmulatorConfigError

from .records import SCOPE

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _key(app: AppRegistration) -> rsa.RSAPrivateKey:
    assert app.certificate_pfx is not None and app.password is not None
    key, _, _ = pkcs12.load_key_and_certificates(app.certificate_pfx.read_bytes(), app.password.encode())
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(app: AppRegistration, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": app.client_id,
        "sub": app.client_id,
        "aud": app.token_url,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not ...}


def _assertion(app: AppRegistration, key: Any = None, **changes: Any) -> str:
    return jwt.encode(_claims(app, **changes), key or _key(app), algorithm="RS256", headers={"typ": "JWT"})


def _token(url: str, assertion: str, **extra: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": SCOPE,
        **extra,
    }
    return httpx.post(url, data=form)


def _refused(response: httpx.Response, error: str, fragment: str) -> None:
    assert response.status_code in (400, 401), response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert fragment in body["error_description"]


def _self_signed(key: rsa.RSAPrivateKey, start: dt.datetime, end: dt.datetime, *, signing: bool = True) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    usage = x509.KeyUsage(signing, False, not signing, False, False, False, False, False, False)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def test_discovery_names_the_endpoints_and_methods(emu) -> None:
    doc = httpx.get(f"{emu.identity_url}/.well-known/openid-configuration").json()
    assert doc["issuer"] == emu.identity_url
    assert doc["token_endpoint"] == emu.token_url == f"{emu.identity_url}/connect/token"
    assert {"private_key_jwt", "client_secret_post", "client_secret_basic"} <= set(doc["token_endpoint_auth_methods_supported"])
    assert doc["token_endpoint_auth_signing_alg_values_supported"] == ["RS256"]
    jwks = httpx.get(doc["jwks_uri"]).json()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"]


def test_a_client_secret_in_the_form_gets_a_signed_token_the_jwks_verifies(emu, secret_app) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": secret_app.client_id,
        "client_secret": secret_app.secret,
        "scope": SCOPE,
    }
    asked = time.time()
    response = httpx.post(emu.token_url, data=form)
    answered = time.time()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == SCOPE
    jwk = httpx.get(f"{emu.identity_url}/.well-known/openid-configuration/jwks").json()["keys"][0]
    claims = jwt.decode(body["access_token"], jwt.PyJWK(jwk).key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["client_id"] == secret_app.client_id and claims["iss"] == emu.identity_url
    assert int(asked) <= claims["iat"] <= answered
    assert asked + 3600 <= claims["exp"] < answered + 3601  # whole seconds, rounded up: it lives the full hour


def test_a_client_secret_in_http_basic_works_and_a_wrong_one_is_401(emu, secret_app) -> None:
    good = httpx.post(
        emu.token_url, data={"grant_type": "client_credentials"}, auth=(secret_app.client_id, secret_app.secret or "")
    )
    assert good.status_code == 200
    assert good.json()["scope"] == SCOPE  # no scope asked: all granted
    bad = httpx.post(emu.token_url, data={"grant_type": "client_credentials"}, auth=(secret_app.client_id, "wrong"))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Basic")
    _refused(bad, "invalid_client", "wrong client secret")


def test_a_wrong_secret_or_unknown_client_is_invalid_client_without_echoing_it(emu, secret_app) -> None:
    for client_id, secret in [(secret_app.client_id, "guess-123"), ("no-such-client", secret_app.secret)]:
        response = httpx.post(
            emu.token_url, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert response.status_code == 400
        _refused(response, "invalid_client", "unknown client or wrong client secret")
        assert str(secret) not in response.text


def test_a_certificate_assertion_gets_a_token(emu, cert_app) -> None:
    response = _token(emu.token_url, _assertion(cert_app), client_id=cert_app.client_id)
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 3600


@pytest.mark.parametrize("audience", ["issuer", "issuer/"])
def test_the_issuer_is_also_an_accepted_audience(emu, cert_app, audience: str) -> None:
    aud = emu.identity_url + ("/" if audience.endswith("/") else "")
    assert _token(emu.token_url, _assertion(cert_app, aud=aud)).status_code == 200


def test_the_registration_writes_pfx_pem_cer_and_env(cert_app) -> None:
    assert cert_app.certificate_pfx is not None and cert_app.certificate_pem is not None and cert_app.env_file is not None
    pem = cert_app.certificate_pem.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem and b"BEGIN CERTIFICATE" in pem
    cert = x509.load_pem_x509_certificate(cert_app.certificate.cer.read_bytes())  # type: ignore[union-attr]
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    env = dict(line.split("=", 1) for line in cert_app.env_file.read_text().splitlines() if "=" in line)
    assert env["OPUS_CLIENT_ID"] == cert_app.client_id
    assert env["OPUS_CERTIFICATE_PASSWORD"] == cert_app.password
    assert oct(cert_app.env_file.stat().st_mode & 0o777) == "0o600"
    assert cert_app.password not in repr(cert_app)


ATTACKS = [
    ("wrong audience", {"aud": "https://identity.avepointonlineservices.com/connect/token"}, "aud must be the token endpoint"),
    ("expired", {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900, "nbf": int(time.time()) - 900}, "has expired"),
    ("lives over an hour", {"exp": int(time.time()) + 7200}, "more than an hour away"),
    ("not yet valid", {"nbf": int(time.time()) + 600}, "not valid yet"),
    ("issued in the future", {"iat": int(time.time()) + 600}, "not valid yet"),
    ("no jti", {"jti": ...}, "jti"),
    ("no exp", {"exp": ...}, "exp"),
    ("sub differs from iss", {"sub": "someone-else"}, "iss and sub must both be the client id"),
    ("unknown client", {"iss": "nobody", "sub": "nobody"}, "unknown client"),
]


@pytest.mark.parametrize(("name", "changes", "fragment"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_bad_assertions_are_refused(emu, cert_app, name: str, changes: dict[str, Any], fragment: str) -> None:
    _refused(_token(emu.token_url, _assertion(cert_app, **changes)), "invalid_client", fragment)


NOW = int(time.time())
NOT_NUMERIC_DATES = [
    ("exp", str(NOW + 300)),
    ("exp", True),
    ("exp", None),
    ("exp", [1]),
    ("exp", {"s": 1}),
    ("exp", float("inf")),
    ("exp", float("nan")),
    ("exp", 10**400),
    ("nbf", "yesterday"),
    ("nbf", None),
    ("iat", False),
    ("iat", [NOW]),
]


def _case_id(claim: str, value: Any) -> str:
    """Times are named, not written: each xdist worker collects at its own moment, and all must agree on the ids."""
    text = repr(value).replace(str(NOW + 300), "now+300").replace(str(NOW), "now")
    return f"{claim}={text:.20}"


@pytest.mark.parametrize(("claim", "value"), NOT_NUMERIC_DATES, ids=[_case_id(c, v) for c, v in NOT_NUMERIC_DATES])
def test_a_time_claim_that_is_not_a_numeric_date_is_invalid_client(emu, cert_app, claim: str, value: Any) -> None:
    """RFC 7519: exp, nbf and iat are NumericDates, JSON numbers; anything else is refused, never a 500."""
    response = _token(emu.token_url, _assertion(cert_app, **{claim: value}))
    assert response.status_code == 400, response.text
    _refused(response, "invalid_client", f"the client assertion's {claim} must be a NumericDate")


def test_a_replayed_jti_is_refused(emu, cert_app) -> None:
    assertion = _assertion(cert_app)
    assert _token(emu.token_url, assertion).status_code == 200
    _refused(_token(emu.token_url, assertion), "invalid_client", "already used")
    again = _assertion(cert_app, jti=jwt.decode(assertion, options={"verify_signature": False})["jti"])
    _refused(_token(emu.token_url, again), "invalid_client", "already used")


def test_an_assertion_signed_with_another_key_is_refused(emu, cert_app) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _refused(
        _token(emu.token_url, _assertion(cert_app, key=stranger)), "invalid_client", "does not match the registered certificate"
    )


def test_alg_none_is_refused(emu, cert_app) -> None:
    unsigned = jwt.encode(_claims(cert_app), "", algorithm="none")
    _refused(_token(emu.token_url, unsigned), "invalid_client", "must be signed with RS256, not 'none'")


def test_hs256_signed_with_the_public_certificate_is_refused(emu, cert_app) -> None:
    public_pem = cert_app.certificate.cer.read_bytes()  # type: ignore[union-attr]
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims(cert_app)).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    _refused(_token(emu.token_url, f"{head}.{body}.{_b64(mac)}"), "invalid_client", "must be signed with RS256, not 'HS256'")


def test_a_client_id_that_differs_from_the_assertion_is_refused(emu, cert_app, secret_app) -> None:
    response = _token(emu.token_url, _assertion(cert_app), client_id=secret_app.client_id)
    _refused(response, "invalid_client", "does not match")


def test_an_expired_registered_certificate_is_refused(emu) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    app = emu.register_app(certificate=_self_signed(key, now - dt.timedelta(days=30), now - dt.timedelta(days=1)))
    assert app.certificate is None and app.password is None
    _refused(_token(emu.token_url, _assertion(app, key=key)), "invalid_client", "certificate has expired")


def test_a_certificate_without_digital_signature_cannot_be_registered(emu) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = _self_signed(key, now, now + dt.timedelta(days=9), signing=False)
    with pytest.raises(EmulatorConfigError) as info:
        emu.register_app(certificate=cert.public_bytes(serialization.Encoding.PEM))
    assert "Digital Signature" in str(info.value)


@pytest.mark.parametrize(
    ("form", "error", "fragment"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type", "not 'password'"),
        ({"grant_type": ...}, "invalid_request", "grant_type is required"),
        ({"scope": "records.readwrite.all files.read"}, "invalid_scope", "files.read"),
        ({"client_assertion_type": "urn:example:saml"}, "invalid_client", "client_assertion_type must be"),
        ({"client_secret": "also-a-secret"}, "invalid_request", "exactly one client authentication method"),
    ],
)
def test_token_request_errors_follow_rfc_6749(emu, cert_app, form: dict[str, Any], error: str, fragment: str) -> None:
    fields = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": _assertion(cert_app),
        "scope": SCOPE,
        **form,
    }
    _refused(httpx.post(emu.token_url, data={k: v for k, v in fields.items() if v is not ...}), error, fragment)


def test_no_client_authentication_and_repeated_fields_are_refused(emu) -> None:
    _refused(httpx.post(emu.token_url, data={"grant_type": "client_credentials"}), "invalid_client", "no client authentication")
    repeated = httpx.post(
        emu.token_url,
        content="grant_type=client_credentials&scope=a&scope=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _refused(repeated, "invalid_request", "more than once: scope")
    as_json = httpx.post(emu.token_url, json={"grant_type": "client_credentials"})
    _refused(as_json, "invalid_request", "x-www-form-urlencoded")


def test_a_shorter_token_lifetime_applies_to_new_tokens(emu, secret_app) -> None:
    emu.faults(token_lifetime_s=5)
    form = {"grant_type": "client_credentials", "client_id": secret_app.client_id, "client_secret": secret_app.secret}
    assert httpx.post(emu.token_url, data=form).json()["expires_in"] == 5
    emu.faults()
    assert httpx.post(emu.token_url, data=form).json()["expires_in"] == 3600


def test_the_token_answer_carries_ext_expires_in_as_microsofts_identity_platform_does(emu, secret_app, cert_app) -> None:
    form = {"grant_type": "client_credentials", "client_id": secret_app.client_id, "client_secret": secret_app.secret}
    by_secret = httpx.post(emu.token_url, data=form).json()
    by_certificate = _token(emu.token_url, _assertion(cert_app), client_id=cert_app.client_id).json()
    for body in (by_secret, by_certificate):
        assert set(body) == {"access_token", "token_type", "expires_in", "ext_expires_in", "scope"}
        assert body["ext_expires_in"] == body["expires_in"] == 3600
    emu.faults(token_lifetime_s=5)
    assert httpx.post(emu.token_url, data=form).json()["ext_expires_in"] == 5


def test_an_app_without_the_scope_gets_a_token_the_api_refuses_with_403(emu) -> None:
    app = emu.register_app(credential="secret", scopes=["other.read"])
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret}
    _refused(httpx.post(emu.token_url, data={**form, "scope": SCOPE}), "invalid_scope", SCOPE)
    token = httpx.post(emu.token_url, data=form).json()["access_token"]
    response = httpx.get(f"{emu.url}/records/connector/records", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_bad_registration_arguments_are_typed_errors(emu) -> None:
    with pytest.raises(EmulatorConfigError):
        emu.register_app(credential="password")
    with pytest.raises(EmulatorConfigError):
        emu.register_app(credential="secret", scopes=[])


def test_oauth_error_has_one_definition_the_clients_and_the_services_refusal_is_named_for_what_it_is() -> None:
    import opus_nb
    from opus_nb.emulator import identity

    defined = set()
    for info in pkgutil.walk_packages(opus_nb.__path__, "opus_nb."):
        if info.name.endswith(".__main__"):
            continue
        module = importlib.import_module(info.name)
        defined |= {
            f"{c.__module__}.{c.__qualname__}" for c in vars(module).values() if isinstance(c, type) and "OAuth" in c.__name__
        }
    assert defined == {"opus_nb._errors.OAuthError", "opus_nb.emulator.identity.OAuthRefusal"}
    assert not issubclass(identity.OAuthRefusal, opus_nb.OpusError)  # an answer the service sends, not a client's error
