"""Sign-in settings from arguments, environment variables and a ``.env`` file.

>>> s = Settings.from_env(environ={"OPUS_CLIENT_ID": "app", "OPUS_CLIENT_SECRET": "x", "OPUS_REGION": "us"})
>>> s
Settings(client_id='app', region='us', api='graph', certificate=None, secret=***)
>>> s.credential()
ClientSecretCredential(client_id='app', secret=***)

Variables: ``OPUS_CLIENT_ID``, ``OPUS_CERTIFICATE`` (a .pfx/.p12/.pem path),
``OPUS_CERTIFICATE_KEY`` (the key's .pem, when apart), ``OPUS_CERTIFICATE_PASSWORD``,
``OPUS_CLIENT_SECRET``, ``OPUS_REGION``, ``OPUS_API`` (graph or legacy), the explicit URLs
``OPUS_GRAPH_URL``, ``OPUS_IDENTITY_URL``, ``OPUS_API_URL``, and for company networks
``OPUS_CA_FILE`` (CA certificates to trust besides the OS store) and ``OPUS_PROXY`` (else the
usual ``HTTPS_PROXY``/``NO_PROXY`` apply), and ``OPUS_DATETIME_FORMAT``, the tenant's date-time
format (Opus > Settings > General settings) that submit and due records then both use.

Which value wins:

1. Each setting comes from its argument, else its environment variable, else the ``.env`` file.
2. Where to connect (``region``, ``graph_url``, ``identity_url``, ``api_url``) is one choice: when
   any of these is given as an argument, all four come from the arguments alone, and the
   environment's and the file's are ignored. So an explicit ``region="us"`` is never overridden
   by an ``OPUS_GRAPH_URL`` left in ``.env``.
3. A region together with a ``graph_url`` or ``identity_url`` on another host than the region's
   is a `ConfigurationError` naming both and where each came from, whatever their sources: which
   one was meant cannot be told. A URL on the region's own host is accepted.

The ``.env`` file is UTF-8 (a byte order mark is allowed); one that is not is a `ConfigurationError`
naming the file and the position of its first byte that is not UTF-8 (never the byte: it may be
part of a secret).
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from opus_nb._errors import ConfigurationError
from opus_nb.client._credentials import CertificateCredential, ClientSecretCredential, Credential, Secret
from opus_nb.client._endpoints import region_conflict

__all__ = ["ENV_VARS", "LOCATION", "Settings"]

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
    "ca_file": "OPUS_CA_FILE",
    "proxy": "OPUS_PROXY",
    "datetime_format": "OPUS_DATETIME_FORMAT",
}
#: The settings that say where to connect, taken together from one kind of source (rule 2 above).
LOCATION = ("region", "graph_url", "identity_url", "api_url")
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
    ca_file: str | None = None
    proxy: str | None = field(default=None, repr=False)
    datetime_format: str | None = None

    def __repr__(self) -> str:
        shown = ["client_id", "region", "api", "certificate"]
        parts = [f"{name}={getattr(self, name)!r}" for name in shown]
        parts += [f"{name}=***" for name in sorted(_HIDDEN) if getattr(self, name)]
        quiet = {*shown, *_HIDDEN, "proxy"}  # a proxy URL may hold a user name and password
        parts += [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name not in quiet and getattr(self, f.name) is not None
        ]
        parts += ["proxy=***"] if self.proxy else []
        return f"Settings({', '.join(parts)})"

    @classmethod
    def from_env(
        cls,
        env_file: str | Path | None = ".env",
        *,
        environ: Mapping[str, str] | None = None,
        **given: Any,
    ) -> Settings:
        """Arguments (``given``, None meaning "not given"), then the environment, then ``env_file``
        (the rules above)."""
        unknown = set(given) - set(ENV_VARS)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        env = dict(os.environ) if environ is None else dict(environ)
        from_file = _read_env_file(Path(env_file)) if env_file and Path(env_file).is_file() else {}
        location_given = any(given.get(name) is not None for name in LOCATION)
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for name, var in ENV_VARS.items():
            value, source = given.get(name), f"the argument {name}="
            if value is None and not (location_given and name in LOCATION):
                from_env = bool(env.get(var))
                value = env.get(var) if from_env else from_file.get(var)
                source = f"the environment's {var}" if from_env else f"{var} in {env_file}"
            if value is not None and value != "":
                text = value if isinstance(value, str | Secret) else str(value)
                values[name] = Secret(text) if name in _HIDDEN and isinstance(text, str) else text
                sources[name] = source
        _check_location(values, sources)
        return cls(**values)

    def client_options(self) -> dict[str, Any]:
        """The keyword arguments of `OpusClient` that these settings give (all but the credential)."""
        return {
            "region": self.region,
            "graph_url": self.graph_url,
            "identity_url": self.identity_url,
            "api": self.api,
            "api_url": self.api_url,
            "ca_file": self.ca_file,
            "proxy": self.proxy,
            "datetime_format": self.datetime_format,
        }

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


def _read_env_file(path: Path) -> dict[str, str]:
    """The settings a ``.env`` file holds (UTF-8, with or without a byte order mark)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError("env_file", "a readable .env file", f"{str(path)!r} ({exc.strerror})") from None
    skip = len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0
    try:
        text = content[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        position = skip + exc.start
        line = content.count(b"\n", 0, position) + 1
        raise ConfigurationError(
            "env_file",
            "a .env file in UTF-8 (save it as UTF-8)",
            f"{str(path)!r}, whose byte at position {position} (line {line}) is not UTF-8",
        ) from None
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def _check_location(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Rule 3: a region and a URL on another host are refused, naming both and their sources."""
    region = values.get("region")
    if not region:
        return
    conflict = region_conflict(str(region), graph_url=values.get("graph_url"), identity_url=values.get("identity_url"))
    if conflict is not None:
        raise ConfigurationError(
            f"region and {conflict}",
            f"one of them, or a {conflict} on the region's host",
            f"region={region!r} (from {sources['region']}) and {conflict}={values[conflict]!r} (from {sources[conflict]})",
        )
