"""The emulator as one ASGI app: connector API, identity service under `/identity`, admin pages.

>>> from opus_nb.emulator.store import Store
>>> app = build_app(Store(None), "http://127.0.0.1:8000")
>>> app.identity.issuer
'http://127.0.0.1:8000/identity'

Admin routes stand in for what a person does in the Opus and AvePoint Online Services web
pages; they are never faulted. Against DNS rebinding they answer only to a loopback Host header
(127.0.0.1, localhost, [::1], with any port, or the host the emulator was started on), else 403;
a body must be ``Content-Type: application/json``, else 415 (so no cross-site form can post one):

```
GET  /emulator                      what runs here: URLs and connections
GET  /emulator/connections/{id}     the connection JSON, as Opus > Settings > Connector offers it
POST /emulator/apps                 register an app: {"scopes": [...], "certificate": PEM} or {"scopes": [...]}
```
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from opus_nb.emulator import connector, identity
from opus_nb.emulator.answers import AnswerStyle
from opus_nb.emulator.bodies import MAX_BODY_BYTES, REQUEST_TIMEOUT_S, BodyLimit, read_json
from opus_nb.emulator.errors import BadRequest, EmulatorConfigError
from opus_nb.emulator.faults import FaultInjector
from opus_nb.emulator.requestids import RequestIds
from opus_nb.emulator.store import Store
from opus_nb.emulator.tenant import Tenant
from opus_nb.emulator.tokens import TokenIssuer
from opus_nb.records._connection import Connection

__all__ = ["LOOPBACK_HOSTS", "EmulatorApp", "build_app", "connection_download"]

IDENTITY_PREFIX = "/identity"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class EmulatorApp:
    """The ASGI app (`asgi`: request ids outermost, then fault injection) and the parts behind it."""

    asgi: RequestIds
    faults: FaultInjector
    style: AnswerStyle
    tenant: Tenant
    identity: identity.Identity
    tokens: TokenIssuer
    url: str


def connection_download(conn: Connection) -> dict[str, Any]:
    """A connection in the form Opus lets you download (the conflict key spelled as in its samples)."""
    return {
        "id": conn.id,
        "confilictOption": conn.conflict_option,
        "data": [{c.internal_name: c.type.value for c in conn.columns}],
    }


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status)


def _host_allowed(header: str | None, allowed: Collection[str]) -> bool:
    """Whether a Host header ('127.0.0.1:8000', '[::1]:8000', 'localhost') names one of `allowed`."""
    if not header or "@" in header:
        return False
    try:
        name = urlsplit(f"//{header}").hostname
    except ValueError:
        return False
    return name in allowed


def _admin(handler: Endpoint, allowed_hosts: Collection[str], *, json_body: bool = False) -> Endpoint:
    """`handler` behind the admin checks: a loopback Host (403), and for a body, JSON (415)."""

    async def endpoint(request: Request) -> Response:
        if not _host_allowed(request.headers.get("host"), allowed_hosts):
            return _refuse(403, "the emulator's admin pages answer only to a loopback Host (127.0.0.1, localhost, [::1])")
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if json_body and media_type != "application/json":
            return _refuse(415, "send the body as Content-Type: application/json")
        return await handler(request)

    return endpoint


def _admin_routes(app: EmulatorApp) -> list[Route]:
    async def info(request: Request) -> Response:
        return JSONResponse(
            {
                "graph_url": app.url,
                "identity_url": app.identity.issuer,
                "connections": [c.id for c in app.tenant.connections],
                "manual_approval": app.tenant.manual_approval,
            }
        )

    async def download(request: Request) -> Response:
        conn = app.tenant.connection(request.path_params["connection_id"])
        if conn is None:
            return _refuse(404, "no such connection")
        headers = {"Content-Disposition": f'attachment; filename="connection-{conn.id}.json"'}
        return Response(json.dumps(connection_download(conn), indent=2), media_type="application/json", headers=headers)

    async def register(request: Request) -> Response:
        try:
            body = await read_json(request)
            scopes = body.get("scopes", [connector.REQUIRED_SCOPE])
            pem = body.get("certificate")
            cert = x509.load_pem_x509_certificate(pem.encode()) if isinstance(pem, str) else None
            client_id, secret = app.identity.register(scopes, certificate=cert, name=str(body.get("name", "app")))
        except (ValueError, AttributeError, EmulatorConfigError, BadRequest) as exc:
            known = isinstance(exc, EmulatorConfigError | BadRequest)
            return _refuse(400, str(exc) if known else "send {'scopes': [...], 'certificate': PEM}")
        return JSONResponse({"client_id": client_id, "client_secret": secret, "scopes": scopes}, status_code=201)

    hosts = LOOPBACK_HOSTS | {urlsplit(app.url).hostname or ""}
    return [
        Route("/emulator", _admin(info, hosts), methods=["GET"]),
        Route("/emulator/connections/{connection_id}", _admin(download, hosts), methods=["GET"]),
        Route("/emulator/apps", _admin(register, hosts, json_body=True), methods=["POST"]),
    ]


def build_app(
    store: Store,
    url: str,
    *,
    token_lifetime_s: int = 3600,
    tenant: Tenant | None = None,
    style: AnswerStyle | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    body_timeout_s: float = REQUEST_TIMEOUT_S,
) -> EmulatorApp:
    """Assemble the emulator for a server reachable at `url` (scheme, host and port), with its body
    limits; `style` is how the connector API words its answers (`opus_nb.emulator.answers`)."""
    url = url.rstrip("/")
    tokens = TokenIssuer(store, url + IDENTITY_PREFIX, lifetime_s=token_lifetime_s)
    idp = identity.Identity(store, tokens)
    tenant = tenant or Tenant(store)
    starlette = Starlette(middleware=[Middleware(BodyLimit, max_bytes=max_body_bytes, timeout_s=body_timeout_s)])
    faults = FaultInjector(starlette)
    style = style or AnswerStyle()
    app = EmulatorApp(RequestIds(faults), faults, style, tenant, idp, tokens, url)
    starlette.router.routes.extend(
        [
            *connector.routes(tenant, tokens, style),
            Mount(IDENTITY_PREFIX, routes=identity.routes(idp)),
            *_admin_routes(app),
        ]
    )
    return app
