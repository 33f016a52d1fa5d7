"""The emulator over https with a self-signed certificate: trusted with `emu.ca_file`, refused without it."""

from __future__ import annotations

import ipaddress
import ssl

import httpx
import pytest
from cryptography import x509

from opus_nb import emulator

pytestmark = pytest.mark.server  # servers of its own, started in the tests


def trusting(emu: emulator.Emulator) -> ssl.SSLContext:
    """What `verify=str(emu.ca_file)` gives in httpx (its non-deprecated spelling), in X.509 strict mode as Python 3.13 is."""
    assert emu.ca_file is not None
    context = ssl.create_default_context(cafile=str(emu.ca_file))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


@pytest.mark.filterwarnings("ignore:`verify=<str>` is deprecated:DeprecationWarning")
def test_tls_serves_https_trusted_by_its_ca_file() -> None:
    with emulator.run(tls=True) as emu:
        assert emu.ca_file is not None and emu.ca_file.is_file()
        base = f"https://127.0.0.1:{emu.port}"
        assert (emu.url, emu.identity_url, emu.token_url) == (base, f"{base}/identity", f"{base}/identity/connect/token")
        with httpx.Client(verify=trusting(emu), timeout=10) as client:
            discovery = client.get(f"{emu.identity_url}/.well-known/openid-configuration").json()
            info = client.get(f"{emu.url}/emulator").json()
        assert discovery["issuer"] == emu.identity_url and discovery["token_endpoint"] == emu.token_url
        assert discovery["jwks_uri"].startswith(base + "/")
        assert info["graph_url"] == emu.url
        assert httpx.get(f"{emu.url}/emulator", verify=str(emu.ca_file), timeout=10).status_code == 200


def test_tls_without_the_ca_file_is_a_certificate_error() -> None:
    with emulator.run(tls=True) as emu:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{emu.url}/emulator", timeout=10)
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{emu.url}/emulator", verify=ssl.create_default_context(), timeout=10)


def test_tls_certificate_names_loopback_and_lives_outside_until_stop() -> None:
    emu = emulator.start(tls=True)
    ca_file = emu.ca_file
    assert ca_file is not None
    try:
        cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
        assert "localhost" in names.get_values_for_type(x509.DNSName)
        with httpx.Client(verify=trusting(emu), timeout=10) as client:
            assert client.get(f"https://localhost:{emu.port}/emulator").status_code == 200
    finally:
        emu.stop()
    assert not ca_file.exists() and not ca_file.parent.exists()


def test_without_tls_there_is_no_ca_file() -> None:
    with emulator.run() as emu:
        assert emu.ca_file is None and emu.url.startswith("http://")
