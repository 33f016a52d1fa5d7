"""App registrations as a user receives them: client id, certificate files or secret, a `.env`.

>>> reg = AppRegistration("0b6f...", ("records.readwrite.all",), "secret", "http://127.0.0.1:8000",
...                       "http://127.0.0.1:8000/identity", client_secret="s3cret")
>>> "s3cret" in repr(reg)
False

With a certificate, the key pair is made on the user's side and only the public certificate is
registered (as in AvePoint Online Services, where a `.cer` is uploaded). The files land in
`directory` (by default `~/.opus_nb/emulator-apps/<client id>/`): `app.pfx` and `app.pem`
protected by the password, `app.cer`, and `.env` with the `OPUS_*` variables the client reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from opus_nb.emulator.certs import CertificateFiles, load_public_certificate, make_certificate, write_certificate
from opus_nb.emulator.errors import EmulatorConfigError, EmulatorError
from opus_nb.emulator.identity import Identity

__all__ = [
    "AppRegistration",
    "Credential",
    "default_directory",
    "describe",
    "register_here",
    "register_over_http",
    "write_env",
]

Credential = Literal["certificate", "secret"]


@dataclass(frozen=True)
class AppRegistration:
    """A registered app. `password` (of the .pfx/.pem) and `client_secret` never show in its repr."""

    client_id: str
    scopes: tuple[str, ...]
    credential: Credential
    graph_url: str
    identity_url: str
    certificate: CertificateFiles | None = None
    password: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    env_file: Path | None = None

    @property
    def token_url(self) -> str:
        return f"{self.identity_url}/connect/token"

    @property
    def certificate_pfx(self) -> Path | None:
        return self.certificate.pfx if self.certificate else None

    @property
    def certificate_pem(self) -> Path | None:
        return self.certificate.pem if self.certificate else None

    @property
    def secret(self) -> str | None:
        """The client secret (same as `client_secret`)."""
        return self.client_secret


def default_directory(client_id: str) -> Path:
    """Where an app's files go unless told otherwise: under the user's home, never the repository."""
    return Path.home() / ".opus_nb" / "emulator-apps" / client_id


def check_credential(credential: str) -> Credential:
    if credential not in ("certificate", "secret"):
        raise EmulatorConfigError("credential", "'certificate' or 'secret'", repr(credential))
    return credential  # type: ignore[return-value]


def write_env(reg: AppRegistration, directory: Path) -> Path:
    """Write `directory/.env` (owner-only) with the variables that sign in as this app."""
    lines = [
        f"# An app registered with the Opus emulator at {reg.graph_url}",
        f"OPUS_CLIENT_ID={reg.client_id}",
        f"OPUS_GRAPH_URL={reg.graph_url}",
        f"OPUS_IDENTITY_URL={reg.identity_url}",
    ]
    if reg.certificate is not None:
        lines += [f"OPUS_CERTIFICATE={reg.certificate.pfx.resolve()}", f"OPUS_CERTIFICATE_PASSWORD={reg.password}"]
    if reg.client_secret is not None:
        lines.append(f"OPUS_CLIENT_SECRET={reg.client_secret}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".env"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def register_here(
    identity: Identity,
    urls: tuple[str, str],
    *,
    scopes: Sequence[str],
    credential: str = "certificate",
    directory: str | Path | None = None,
    password: str | None = None,
    certificate: x509.Certificate | bytes | str | Path | None = None,
    valid_days: int = 365,
) -> AppRegistration:
    """Register an app with the identity service of this process (`Emulator.register_app`);
    `urls` are the Graph and identity URLs its files name."""
    kind = check_credential(credential)
    scopes = tuple(scopes)
    if kind == "secret":
        client_id, secret = identity.register(scopes)
        reg = AppRegistration(client_id, scopes, kind, *urls, client_secret=secret)
        return replace(reg, env_file=write_env(reg, Path(directory))) if directory is not None else reg
    if certificate is not None:
        client_id, _ = identity.register(scopes, certificate=load_public_certificate(certificate, password))
        return AppRegistration(client_id, scopes, kind, *urls)
    cert, key = make_certificate("opus-nb emulator app", valid_days=valid_days)
    client_id, _ = identity.register(scopes, certificate=cert)
    target = Path(directory) if directory is not None else default_directory(client_id)
    password = password or secrets.token_urlsafe(16)
    reg = AppRegistration(client_id, scopes, kind, *urls, write_certificate(cert, key, target, password), password)
    return replace(reg, env_file=write_env(reg, target))


def register_over_http(
    url: str,
    *,
    scopes: Sequence[str],
    credential: str = "certificate",
    directory: Path | None = None,
    password: str | None = None,
    valid_days: int = 365,
) -> AppRegistration:
    """Register an app with an emulator running at `url` (what `opus-nb emulator register-app` does)."""
    kind = check_credential(credential)
    made = make_certificate("opus-nb emulator app", valid_days=valid_days) if kind == "certificate" else None
    body: dict[str, object] = {"scopes": list(scopes), "name": "opus-nb emulator app"}
    if made is not None:
        body["certificate"] = made[0].public_bytes(serialization.Encoding.PEM).decode()
    try:
        response = httpx.post(f"{url.rstrip('/')}/emulator/apps", json=body, timeout=10)
    except httpx.HTTPError as exc:
        raise EmulatorError(f"no Opus emulator answered at {url} ({type(exc).__name__})") from None
    if response.status_code != 201:
        raise EmulatorError(f"the emulator at {url} refused the registration: {response.text[:200]}")
    answer = response.json()
    info = httpx.get(f"{url.rstrip('/')}/emulator", timeout=10).json()
    client_id = str(answer["client_id"])
    target = directory or default_directory(client_id)
    files, secret_pw = None, None
    if made is not None:
        secret_pw = password or secrets.token_urlsafe(16)
        files = write_certificate(made[0], made[1], target, secret_pw)
    reg = AppRegistration(
        client_id,
        tuple(scopes),
        kind,
        str(info["graph_url"]),
        str(info["identity_url"]),
        files,
        secret_pw,
        answer.get("client_secret"),
    )
    return replace(reg, env_file=write_env(reg, target))


def describe(reg: AppRegistration) -> str:
    """What to tell a user about a new registration (no secrets: they are in the .env file)."""
    lines = [f"Registered app {reg.client_id} with scopes {' '.join(reg.scopes)}"]
    if reg.certificate is not None:
        lines += [f"  certificate: {reg.certificate.pfx} (and .pem, .cer beside it)"]
    if reg.env_file is not None:
        lines += [f"  password, secret and URLs: {reg.env_file} (readable by you only)"]
    return "\n".join(lines)
