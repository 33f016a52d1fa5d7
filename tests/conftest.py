"""Fixtures every folder shares: certificates made at test time (never stored in the repository), an
emulator per test process with a fresh tenant per test, a signed-in session, and the sample sheet.
No test sees the machine's proxy or CA variables.

The lanes (which tests start a server, ``--offline``, the Hypothesis profiles) are in tests/helpers/lanes.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from opus_nb import emulator
from opus_nb.client._client import OpusClient
from opus_nb.client._retry import RetryPolicy
from opus_nb.emulator import Emulator, RequestLogEntry
from opus_nb.jobs._signin import login_emulator, logout
from tests.helpers import SAMPLES
from tests.helpers.shell import Shell
from tests.helpers.tenant import fresh_tenant

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_NETWORK_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "OPUS_CA_FILE", "OPUS_PROXY")

# the server marker, --offline and the Hypothesis profiles; pytester for the test of those
pytest_plugins = ["tests.helpers.lanes", "pytester"]


@pytest.fixture(autouse=True)
def _no_network_settings_of_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's proxy and CA variables (either case) never reach a test; a proxy test sets its own."""
    for name in _NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def make_certificate(
    *,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
    days_valid: tuple[int, int] = (-1, 365),
    digital_signature: bool | None = True,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    """A self-signed certificate valid from ``now + days_valid[0]`` to ``now + days_valid[1]``."""
    key = key or _KEY
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opus-nb-test")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days_valid[0]))
        .not_valid_after(now + dt.timedelta(days=days_valid[1]))
    )
    if digital_signature is not None:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature, False, digital_signature is False, False, False, False, False, False, False),
            critical=True,
        )
    return builder.sign(key, hashes.SHA256()), key


def write_pfx(path: Path, cert: x509.Certificate, key: object, password: str | None, *, with_key: bool = True) -> Path:
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"test", key if with_key else None, cert, None, enc))  # type: ignore[arg-type]
    return path


def key_pem(key: object, password: str | None = None) -> bytes:
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)  # type: ignore[attr-defined]


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


PASSWORD = "pfx-pa55-Zq81"


class Certs:
    """The helpers above, as a fixture (test modules import nothing from here)."""

    make = staticmethod(make_certificate)
    pfx = staticmethod(write_pfx)
    key_pem = staticmethod(key_pem)
    cert_pem = staticmethod(cert_pem)
    password = PASSWORD


@pytest.fixture
def certs() -> type[Certs]:
    return Certs


@pytest.fixture
def pfx(tmp_path: Path) -> Path:
    cert, key = make_certificate()
    return write_pfx(tmp_path / "app.pfx", cert, key, PASSWORD)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """This test process's emulator, started once: use `emu`, which gives each test a fresh tenant on it.

    A test that needs a server of its own (TLS, a stop or restart, a database file, limits, other
    start options) starts one with ``emulator.run(...)``."""
    with emulator.run() as running:
        yield running


@pytest.fixture
def emu(emulator_server: Emulator) -> Emulator:
    """The emulator with a fresh tenant (tests/helpers/tenant.py): once no earlier test's request is in
    flight, records, connections, faults, the clock, manual approval and the request log are forgotten,
    then the sample connection and terms seeded."""
    return fresh_tenant(emulator_server)


@pytest.fixture
def client(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpusClient]:
    """Signed in to ``emu`` with a certificate (the session), working in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    signed_in = login_emulator(emu, directory=tmp_path / "app", retry=RetryPolicy(attempts=8, base=0.01, cap=0.2))
    yield signed_in
    logout()


@pytest.fixture
def shell(emu: Emulator, tmp_path: Path) -> Shell:
    """The opus-nb shell, signed in to ``emu`` as an app of its own, working in ``tmp_path``."""
    return Shell(emu, tmp_path)


@pytest.fixture
def sheet() -> pd.DataFrame:
    """The sample sheet (about 5% of its rows invalid on purpose), with an index of its own."""
    df = pd.read_csv(SAMPLES / "records.csv", dtype=str, keep_default_na=False, na_values=[""])
    df.index = pd.Index([f"r{i}" for i in range(len(df))])
    return df


def _submits(emu: Emulator) -> list[RequestLogEntry]:
    return [r for r in emu.requests if r.method == "POST" and r.path.endswith(("/connector/records", "SubmitRecords"))]


@pytest.fixture
def submits() -> Callable[[Emulator], list[RequestLogEntry]]:
    """The submit requests an emulator has served (its request log, filtered)."""
    return _submits


@pytest.fixture
def named_reviewer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Destroys are signed by a person: sign as one through OPUS_REVIEWER (subprocesses inherit it).

    The jobs and CLI folders use it for every test."""
    monkeypatch.setenv("OPUS_REVIEWER", "Test Reviewer")
