"""Sign-in settings from arguments, environment variables and a ``.env`` file.

>>> s = Settings.from_env(environ={"OPUS_CLIENT_ID": "app", "OPUS_CLIENT_SECRET": "x", "OPUS_REGION": "us"})
>>> s
Settings(client_id='app', region='us', api='graph', certificate=None, secret=***)
>>> s.credential()
ClientSecretCredential(client_id='app', secret=***)

Variables: ``OPUS_CLIENT_ID``, ``OPUS_CERTIFICATE`` (a .pfx/.p12/.pem path),
``OPUS_CERTIFICATE_KEY`` (the key's .pem, when apart), ``OPUS_CERTIFICATE_PASSWORD``,
``OPUS_CLIENT_SECRET``, ``OPUS_REGION``, ``OPUS_API`` (graph or legacy), and the explicit URLs
``OPUS_GRAPH_URL``, ``OPUS_IDENTITY_URL``, ``OPUS_API_URL``. Arguments win over the environment,
which wins over the ``.env`` file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from opus_nb.auth import CertificateCredential, ClientSecretCredential, Credential, Secret
from opus_nb.errors import ConfigurationError

__all__ = ["ENV_VARS", "Settings"]

ENV_VARS: dict[str, str] = {
    "client_id": "OPUS_CLIENT_ID",
    "certificate": "OPUS_CERTIFICATE",
    "key": "OPUS_CERTIFICATE_KEY",
    "password": "OPUS_CERTIFICATE_PASSWORD",
    "secret": "OPUS_CLIENT_SECRET",
    "region": "OPUS_REGION",
    "api": "OPUS_API",
    "graph_url": "OPUS_GRAPH_URL",
    "identity_url": "OPUS_IDENTITY_URL",
    "api_url": "OPUS_API_URL",
}
_HIDDEN = {"password", "secret"}


@dataclass(frozen=True)
class Settings:
    """Where and as whom to sign in. Passwords and secrets never show in its repr."""

    client_id: str | None = None
    region: str | None = None
    api: str = "graph"
    certificate: str | None = None
    key: str | None = None
    password: Secret | None = field(default=None, repr=False)
    secret: Secret | None = field(default=None, repr=False)
    graph_url: str | None = None
    identity_url: str | None = None
    api_url: str | None = None

    def __repr__(self) -> str:
        shown = ["client_id", "region", "api", "certificate"]
        parts = [f"{name}={getattr(self, name)!r}" for name in shown]
        parts += [f"{name}=***" for name in sorted(_HIDDEN) if getattr(self, name)]
        parts += [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                  if f.name not in shown and f.name not in _HIDDEN and getattr(self, f.name) is not None]
        return f"Settings({', '.join(parts)})"

    @classmethod
    def from_env(
        cls,
        env_file: str | Path | None = ".env",
        *,
        environ: Mapping[str, str] | None = None,
        **given: Any,
    ) -> Settings:
        """Arguments (``given``, None meaning "not given"), then the environment, then ``env_file``."""
        env = dict(os.environ) if environ is None else dict(environ)
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file and Path(env_file).is_file() else {}
        values: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            value = given.get(name)
            if value is None:
                value = env.get(var) or from_file.get(var) or None
            if value is not None:
                text = value if isinstance(value, str | Secret) else str(value)
                values[name] = Secret(text) if name in _HIDDEN and isinstance(text, str) else text
        unknown = set(given) - set(ENV_VARS)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def credential(self) -> Credential:
        """A certificate credential when a certificate is set, else a client-secret one."""
        if not self.client_id:
            raise ConfigurationError("client_id", f"the app's client id (argument client_id= or {ENV_VARS['client_id']})")
        if self.certificate:
            password = self.password.reveal() if self.password is not None else None
            return CertificateCredential(self.client_id, self.certificate, password, key=self.key)
        if self.secret:
            return ClientSecretCredential(self.client_id, self.secret.reveal())
        raise ConfigurationError(
            "credential",
            f"a certificate (certificate= or {ENV_VARS['certificate']}) or a client secret (secret= or {ENV_VARS['secret']})",
        )
