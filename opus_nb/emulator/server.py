"""A running emulator: a uvicorn server in a background thread, and the Python handle to it.

>>> emu = start(seed="data-samples/")                       # doctest: +SKIP
>>> app = emu.register_app(credential="certificate")        # doctest: +SKIP
>>> emu.url, emu.identity_url                                # doctest: +SKIP
('http://127.0.0.1:50123', 'http://127.0.0.1:50123/identity')
>>> emu.stop()                                               # doctest: +SKIP

With ``tls=True`` it serves https with a self-signed certificate for 127.0.0.1 and localhost,
made at start and removed on stop; a client trusts ``emu.ca_file``:

>>> with run(tls=True) as emu:                               # doctest: +SKIP
...     httpx.get(f"{emu.url}/emulator", verify=str(emu.ca_file)).status_code
200

The thread runs its own event loop, so this works in a plain script and inside a running
Jupyter kernel alike. The Python methods stand in for what people do in the Opus web pages
(create a connection, set terms, hold, approve) and for test set-up (clock, faults, log).
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec

import uvicorn
from cryptography import x509

from opus_nb.emulator.answers import AnswerStyle
from opus_nb.emulator.app import EmulatorApp, build_app
from opus_nb.emulator.bodies import MAX_BODY_BYTES, REQUEST_TIMEOUT_S
from opus_nb.emulator.certs import (
    ServerCertificate,
    write_server_certificate,
)
from opus_nb.emulator.connector import REQUIRED_SCOPE
from opus_nb.emulator.errors import EmulatorStartError
from opus_nb.emulator.faults import FaultPlan, RequestLogEntry
from opus_nb.emulator.options import bind, check_limits, check_port, check_token_lifetime, seed_files
from opus_nb.emulator.protocol import server_config
from opus_nb.emulator.registration import AppRegistration, register_here
from opus_nb.emulator.store import Store
from opus_nb.emulator.tenant import StoredRecord
from opus_nb.records._connection import DEFAULT_DATETIME_FORMAT, Connection, load_connection
from opus_nb.records._terms import Term

__all__ = ["Emulator", "run", "start"]

START_TIMEOUT_S = 15.0
P = ParamSpec("P")


class Emulator:
    """A local Opus and identity service on 127.0.0.1; see `start` and `run`.

    ``host`` and ``port`` (0: any free port) are where it listens; ``db`` is a SQLite file that
    survives restarts (default: in memory); ``seed`` a folder holding connection.json (as Opus lets
    you download it, or the explicit form), choices.json and terms.json, such as data-samples/ or
    one of your own; ``terms`` a terms.json to load (after the seed's); ``manual_approval`` lets only
    approved records be destroyed; ``token_lifetime_s`` is the access tokens' lifetime (1 s or
    more); ``tls`` serves https with a self-signed certificate (trust ``emu.ca_file``);
    ``max_body_bytes`` is the largest request body (413 beyond), ``request_timeout_s`` the time a
    request has to arrive in full (408 beyond); ``destroy_status`` (200 or 204) and ``answer_shape``
    ("keys", "objects", "problem") choose how destroy and refusals are answered
    (`opus_nb.emulator.answers`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | Path | None = None,
        seed: str | Path | None = None,
        terms: str | Path | Iterable[Any] | None = None,
        manual_approval: bool | None = None,
        token_lifetime_s: int = 3600,
        tls: bool = False,
        max_body_bytes: int = MAX_BODY_BYTES,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        destroy_status: int = 200,
        answer_shape: str = "keys",
    ) -> None:
        check_limits(max_body_bytes, request_timeout_s)
        check_port(port)
        check_token_lifetime(token_lifetime_s)
        self._style_at_start = (destroy_status, answer_shape)
        style = AnswerStyle(destroy_status=destroy_status, shape=answer_shape)
        self.host = host
        self._request_timeout_s = float(request_timeout_s)
        self._sock = bind(host, port)
        self.port = int(self._sock.getsockname()[1])
        self._token_lifetime_s = token_lifetime_s
        try:
            self._store = Store(db)
        except Exception as exc:
            self._sock.close()
            raise EmulatorStartError(f"cannot open the database {db}: {exc}") from None
        self._tls: ServerCertificate | None = None
        if tls:
            self._tls = write_server_certificate(Path(tempfile.mkdtemp(prefix="opus-emulator-tls-")))
        shown_host = f"[{host}]" if ":" in host else host
        scheme = "https" if tls else "http"
        self._app: EmulatorApp = build_app(
            self._store,
            f"{scheme}://{shown_host}:{self.port}",
            token_lifetime_s=token_lifetime_s,
            style=style,
            max_body_bytes=max_body_bytes,
            body_timeout_s=self._request_timeout_s,
        )
        self.connection: Connection | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        try:
            if seed is not None:
                self.seed(seed)
            if terms is not None:
                self.set_terms(terms)
            if manual_approval is not None:
                self.manual_approval = manual_approval
        except BaseException:
            self.stop()
            raise

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Opus emulator {self.url} ({state}, {self._store.count_records()} records)>"

    # lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The connector API's base URL (the Graph API host)."""
        return self._app.url

    @property
    def identity_url(self) -> str:
        """The identity service's base URL (its issuer); discovery is below it."""
        return self._app.identity.issuer

    @property
    def token_url(self) -> str:
        return self._app.identity.token_endpoint

    @property
    def ca_file(self) -> Path | None:
        """The PEM certificate a client must trust to reach this emulator over https; None without TLS."""
        return self._tls.cert if self._tls is not None else None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Emulator:
        """Serve in a background thread; returns when the server accepts connections."""
        if self._thread is not None:
            return self
        config = server_config(self._app.asgi, head_timeout_s=self._request_timeout_s, tls=self._tls)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._sock]}, name=f"opus-emulator-{self.port}", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError(f"the server on port {self.port} did not come up")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the database (a file database keeps everything for next time)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()
        self._store.close()
        self._server = None
        if self._tls is not None:
            shutil.rmtree(self._tls.cert.parent, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # set-up, as in the Opus and AvePoint Online Services pages --------------------------------

    def seed(self, folder: str | Path) -> Connection | None:
        """Load `terms.json`, and `connection.json` with `choices.json`, from a folder: data-samples/
        or one of your own (see `opus_nb.emulator.options.seed_files`); returns the connection."""
        files = seed_files(folder)
        if files.terms is not None:
            self.set_terms(files.terms)
        if files.connection is not None:
            self.connection = self.create_connection(files.connection, choices=files.choices)
        return self.connection

    def create_connection(
        self,
        connection_json: str | Path | Mapping[str, Any] | Connection,
        *,
        choices: Mapping[str, Sequence[str]] | str | Path | None = None,
        datetime_format: str = DEFAULT_DATETIME_FORMAT,
    ) -> Connection:
        """Create (or replace) a connection from its JSON (either form), with choice options."""
        conn = (
            connection_json
            if isinstance(connection_json, Connection)
            else load_connection(connection_json, choices=choices, datetime_format=datetime_format)
        )
        return self._app.tenant.create_connection(conn)

    @property
    def connections(self) -> list[Connection]:
        return self._app.tenant.connections

    @property
    def terms(self) -> list[Term]:
        return self._app.tenant.terms

    def set_terms(self, terms: str | Path | Iterable[Any] | Mapping[str, Any]) -> list[Term]:
        """Replace the classification terms (terms.json, its content, or Terms); due dates follow."""
        return self._app.tenant.set_terms(terms)

    def register_app(
        self,
        *,
        scopes: Sequence[str] = (REQUIRED_SCOPE,),
        credential: str = "certificate",
        directory: str | Path | None = None,
        password: str | None = None,
        certificate: x509.Certificate | bytes | str | Path | None = None,
        valid_days: int = 365,
    ) -> AppRegistration:
        """Register an app with a fresh self-signed certificate (or the `certificate` given) or a secret."""
        return register_here(
            self._app.identity,
            (self.url, self.identity_url),
            scopes=scopes,
            credential=credential,
            directory=directory,
            password=password,
            certificate=certificate,
            valid_days=valid_days,
        )

    def issue_token(
        self, client_id: str = "test-client", scopes: Sequence[str] = (REQUIRED_SCOPE,), lifetime_s: int = 3600
    ) -> str:
        """An access token as the identity service would sign it, without signing in (for tests).

        A negative `lifetime_s` gives a token that has already expired.
        """
        return self._app.tokens.mint(client_id, list(scopes), lifetime_s)[0]

    # what reviewers do in Opus ----------------------------------------------------------------

    def hold(self, row_keys: str | Iterable[str]) -> int:
        """Place records on hold: they are not listed as due and cannot be destroyed."""
        return self._app.tenant.set_flag("hold", row_keys, "on_hold", True)

    def release(self, row_keys: str | Iterable[str]) -> int:
        """Release records from hold."""
        return self._app.tenant.set_flag("release", row_keys, "on_hold", False)

    def approve(self, row_keys: str | Iterable[str]) -> int:
        """Approve records for disposal (needed in manual-approval mode)."""
        return self._app.tenant.set_flag("approve", row_keys, "approved", True)

    def reject(self, row_keys: str | Iterable[str]) -> int:
        """Withdraw approval."""
        return self._app.tenant.set_flag("reject", row_keys, "approved", False)

    @property
    def manual_approval(self) -> bool:
        """When on, only approved records can be destroyed."""
        return self._app.tenant.manual_approval

    @manual_approval.setter
    def manual_approval(self, value: bool) -> None:
        self._app.tenant.manual_approval = bool(value)

    # how the connector API words its answers (opus_nb.emulator.answers) ------------------------

    @property
    def destroy_status(self) -> int:
        """A destroy of every key is answered 200 with a body (destroy's page), or 204 (the status table)."""
        return self._app.style.destroy_status

    @destroy_status.setter
    def destroy_status(self, value: int) -> None:
        self._app.style.destroy_status = value

    @property
    def answer_shape(self) -> str:
        """How refusals are shaped: "keys" (failed row keys, reasons in `message`), "objects"
        (``{"item", "message"}`` per key) or "problem" (ASP.NET ProblemDetails, request refused whole)."""
        return self._app.style.shape

    @answer_shape.setter
    def answer_shape(self, value: str) -> None:
        self._app.style.shape = value

    @property
    def now(self) -> datetime:
        """The emulator's time (naive UTC) for due dates and destroy; set it to freeze, None to follow the real clock."""
        return self._app.tenant.clock.now()

    @now.setter
    def now(self, value: datetime | str | None) -> None:
        self._app.tenant.clock.set(value)

    # inspection and faults, for tests and demos -----------------------------------------------

    def records(self, connection_id: str | None = None) -> list[StoredRecord]:
        """Every stored record (of one connection, if given), in the order first stored."""
        return self._app.tenant.records(connection_id)

    def record(self, row_key: str) -> StoredRecord:
        return self._app.tenant.record(row_key)

    def faults(
        self,
        *,
        latency_ms: float = 0.0,
        jitter_ms: float = 0.0,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        retry_after_s: float = 1.0,
        drop_rate: float = 0.0,
        token_lifetime_s: int | None = None,
        seed: int = 0,
    ) -> FaultPlan:
        """Replace the fault plan (no arguments: no faults); tokens issued from now on get the lifetime.

        ``latency_ms`` (plus up to ``jitter_ms``) is the least time each answer takes; see `opus_nb.emulator.faults`.
        """
        plan = FaultPlan(latency_ms, jitter_ms, error_rate, throttle_rate, retry_after_s, drop_rate, token_lifetime_s, seed)
        self._app.faults.plan = plan
        base = self._token_lifetime_s
        self._app.tokens.lifetime_s = min(base, token_lifetime_s) if token_lifetime_s else base
        return plan

    @property
    def requests(self) -> deque[RequestLogEntry]:
        """Every request served (the newest 100,000): method, path, status, records, time, fault, request id."""
        return self._app.faults.log

    def reset(self) -> None:
        """Forget records, connections, faults, the fixed clock, manual approval and the log (apps
        stay); answers go back to the style the emulator started with."""
        self._app.tenant.reset()
        self.connection = None
        self.faults()
        self.now = None
        self.manual_approval = False
        self.destroy_status, self.answer_shape = self._style_at_start
        self.requests.clear()


def _started(make: Callable[P, Emulator]) -> Callable[P, Emulator]:
    """A function of ``make``'s keywords that returns the emulator made, started (one signature, kept once)."""

    def start(*args: P.args, **kwargs: P.kwargs) -> Emulator:
        """Start an emulator in a background thread (an ephemeral port, in-memory storage by default);
        returns when it accepts connections. The options are `Emulator`'s."""
        return make(*args, **kwargs).start()

    start.__signature__ = inspect.signature(make).replace(return_annotation=Emulator)  # type: ignore[attr-defined]
    start.__qualname__ = "start"
    return start


start = _started(Emulator)


@contextmanager
def run(**options: Any) -> Iterator[Emulator]:
    """`with run(seed="data-samples/") as emu:`: an emulator for the length of a block (options as `start`)."""
    emu = start(**options)
    try:
        yield emu
    finally:
        emu.stop()
