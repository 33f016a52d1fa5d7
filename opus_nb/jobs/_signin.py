"""The session: who is signed in, and the default connection, for the module-level calls.

>>> opus.login(region="us", client_id=app_id, certificate="app.pfx", password=pw,   # doctest: +SKIP
...            connection=conn)
>>> opus.login_emulator()      # a local emulator, signed in with a certificate   # doctest: +SKIP
>>> opus.due_records(before="2026-01-01")                                            # doctest: +SKIP

Scripts that want no global state build an `OpusClient` and pass ``client=`` instead.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from opus_nb._errors import NotSignedIn
from opus_nb.client._client import OpusClient
from opus_nb.client._retry import RetryPolicy
from opus_nb.client._settings import Settings
from opus_nb.records._connection import Connection, load_connection

if TYPE_CHECKING:
    from opus_nb.emulator import Emulator

__all__ = [
    "current_client",
    "current_connection",
    "login",
    "login_emulator",
    "logout",
    "sample_connection",
    "session_client",
    "tenant_connection",
]

_lock = threading.Lock()
_state: dict[str, Any] = {"client": None, "connection": None, "emulator": None}


def login(
    region: str | None = None,
    client_id: str | None = None,
    certificate: str | Path | None = None,
    password: str | None = None,
    secret: str | None = None,
    *,
    key: str | Path | None = None,
    graph_url: str | None = None,
    identity_url: str | None = None,
    api: str | None = None,
    api_url: str | None = None,
    ca_file: str | Path | None = None,
    proxy: str | None = None,
    connection: Connection | None = None,
    env_file: str | Path | None = ".env",
    retry: RetryPolicy | None = None,
    datetime_format: str | None = None,
) -> OpusClient:
    """Sign in (settings not given come from the environment or ``.env``; see `opus_nb.client._settings`)
    and make it the session.

    Signs in at once, so a wrong certificate, password or client id fails here.

    ``region`` (``OPUS_REGION``): the data center's code (us, au, ...); ``client_id``
    (``OPUS_CLIENT_ID``): the app registration's id; ``certificate`` (``OPUS_CERTIFICATE``): its
    .pfx/.p12/.pem file, with ``password`` (``OPUS_CERTIFICATE_PASSWORD``) and, when the key is
    apart, ``key`` (``OPUS_CERTIFICATE_KEY``); or ``secret`` (``OPUS_CLIENT_SECRET``), a client
    secret. ``graph_url``, ``identity_url`` and ``api_url`` (``OPUS_GRAPH_URL``, ...) replace the
    region's URLs; ``api`` (``OPUS_API``): "graph" (default) or "legacy". ``ca_file``
    (``OPUS_CA_FILE``): CA certificates to trust besides the OS store, for a company network that
    inspects TLS; ``proxy`` (``OPUS_PROXY``): a proxy for every request, else ``HTTPS_PROXY``.
    ``connection``: the default connection of the module-level calls. ``env_file``: the ``.env``
    file to read (None: none). ``retry``: how to retry (default `RetryPolicy()`).
    ``datetime_format`` (``OPUS_DATETIME_FORMAT``): the tenant's date-time format (Opus >
    Settings > General settings), which submit and due records then both use.
    """
    settings = Settings.from_env(
        env_file,
        client_id=client_id,
        certificate=certificate,
        key=key,
        password=password,
        secret=secret,
        region=region,
        api=api,
        graph_url=graph_url,
        identity_url=identity_url,
        api_url=api_url,
        ca_file=ca_file,
        proxy=proxy,
        datetime_format=datetime_format,
    )
    client = OpusClient(settings.credential(), **settings.client_options(), retry=retry)
    try:
        client.sign_in()
    except BaseException:
        client.close()
        raise
    _set(client, connection)
    return client


def login_emulator(
    emu: Emulator | None = None,
    *,
    connection: Connection | None = None,
    api: str = "graph",
    retry: RetryPolicy | None = None,
    directory: str | Path | None = None,
) -> OpusClient:
    """Sign in to a local emulator with a certificate, as a real user would.

    Without ``emu``, starts one (it stops on `logout`): seeded with the sample connection and terms,
    or, when ``connection`` is given, serving that connection with its choices and terms. A
    ``connection`` the emulator does not have yet is created in it (with its choice options; its
    terms are added to the emulator's), so your own connection works at once; it becomes the
    default connection (else the emulator's own, or the sample). ``api``: "graph" or "legacy".
    ``retry``: how to retry. The app's certificate goes to ``directory`` (default: the
    emulator's). An emulator served over TLS (``emulator.run(tls=True)``) is trusted through its
    ``ca_file``.
    """
    from opus_nb import emulator

    started = emu is None
    if emu is None:
        emu = emulator.start() if connection is not None else emulator.start(seed=str(_samples()))
    if connection is not None:
        _serve(emu, connection)
    app = emu.register_app(credential="certificate", directory=directory)
    assert app.certificate is not None
    client = login(
        client_id=app.client_id,
        certificate=app.certificate.pfx,
        password=app.password,
        graph_url=emu.url,
        identity_url=emu.identity_url,
        api=api,
        env_file=None,
        retry=retry,
        ca_file=emu.ca_file,
        connection=connection or _emulator_connection(emu),
    )
    with _lock:
        old, _state["emulator"] = _state["emulator"], emu if started else None
    if old is not None and old is not emu:
        old.stop()
    return client


def _serve(emu: Emulator, connection: Connection) -> None:
    """Have ``emu`` serve ``connection``: created when it has no connection of that id, its terms added."""
    if all(c.id != connection.id for c in emu.connections):
        emu.create_connection(connection)
    if emu.connection is None:
        emu.connection = connection
    if connection.terms:
        mine = {t.full_path for t in connection.terms}
        emu.set_terms([*(t for t in emu.terms if t.full_path not in mine), *connection.terms])


def logout() -> None:
    """End the session (and stop an emulator that `login_emulator` started)."""
    with _lock:
        client, emu = _state["client"], _state["emulator"]
        _state.update(client=None, connection=None, emulator=None)
    if client is not None:
        client.close()
    if emu is not None:
        emu.stop()


def current_client(client: OpusClient | None = None) -> OpusClient:
    """``client`` if given, else the session's; `NotSignedIn` when there is neither."""
    found = client or _state["client"]
    if found is None:
        raise NotSignedIn("not signed in: call opus_nb.login(...) or opus_nb.login_emulator() first, or pass client=")
    return found


def session_client(client: OpusClient | None = None) -> OpusClient | None:
    """``client`` if given, else the session's, else None (for what works without signing in)."""
    found: OpusClient | None = client or _state["client"]
    return found


@overload
def current_connection(connection: Connection | None = None, *, required: Literal[True] = True) -> Connection: ...
@overload
def current_connection(connection: Connection | None = None, *, required: bool) -> Connection | None: ...
def current_connection(connection: Connection | None = None, *, required: bool = True) -> Connection | None:
    """``connection`` if given, else the session's default (set by ``login(..., connection=)``)."""
    found: Connection | None = connection or _state["connection"]
    if found is None and required:
        raise NotSignedIn("no connection: pass connection=, or sign in with opus_nb.login(..., connection=conn)")
    return found


def tenant_connection(connection: Connection, client: OpusClient | None) -> Connection:
    """``connection`` in the tenant's date-time format when the client has one (``datetime_format=``,
    ``OPUS_DATETIME_FORMAT``), else as it is."""
    fmt = client.datetime_format if client is not None else None
    return connection if fmt is None or fmt == connection.datetime_format else replace(connection, datetime_format=fmt)


def sample_connection() -> Connection:
    """The sample connection in ``data-samples/``, with its choices and terms."""
    folder = _samples()
    return load_connection(folder / "connection.json", choices=folder / "choices.json", terms=folder / "terms.json")


def _emulator_connection(emu: Emulator) -> Connection:
    """The emulator's connection, with its terms (so validation checks classifications too)."""
    if emu.connection is None:
        return sample_connection()
    return replace(emu.connection, terms=tuple(emu.terms) or emu.connection.terms)


def _samples() -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (base / "data-samples" / "connection.json").is_file():
            return base / "data-samples"
    raise NotSignedIn("the sample files (data-samples/) were not found; pass emu= and connection=")


def _set(client: OpusClient, connection: Connection | None) -> None:
    with _lock:
        old = _state["client"]
        _state.update(client=client, connection=connection)
    if old is not None and old is not client:
        old.close()
