"""The emulator as one ASGI app: connector API, identity service under `/identity`, admin pages.

>>> from opus_nb.emulator.store import Store
>>> app = build_app(Store(None), "http://127.0.0.1:8000")
>>> app.identity.issuer
'http://127.0.0.1:8000/identity'

Admin routes stand in for what a person does in the Opus and AvePoint Online Services web
pages; they are never faulted:

```
GET  /emulator                      what runs here: URLs and connections
GET  /emulator/connections/{id}     the connection JSON, as Opus > Settings > Connector offers it
POST /emulator/apps                 register an app: {"scopes": [...], "certificate": PEM} or {"scopes": [...]}
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from opus_nb.connection import Connection
from opus_nb.emulator import connector, identity
from opus_nb.emulator.errors import EmulatorConfigError
from opus_nb.emulator.faults import FaultInjector
from opus_nb.emulator.store import Store
from opus_nb.emulator.tenant import Tenant
from opus_nb.emulator.tokens import TokenIssuer

__all__ = ["EmulatorApp", "build_app", "connection_download"]

IDENTITY_PREFIX = "/identity"


@dataclass
class EmulatorApp:
    """The ASGI app (`asgi`, fault injection outermost) and the parts behind it."""

    asgi: FaultInjector
    tenant: Tenant
    identity: identity.Identity
    tokens: TokenIssuer
    url: str


def connection_download(conn: Connection) -> dict[str, Any]:
    """A connection in the form Opus lets you download (the conflict key spelled as in its samples)."""
    return {"id": conn.id, "confilictOption": conn.conflict_option, "data": [{c.internal_name: c.type.value for c in conn.columns}]}


def _admin_routes(app: EmulatorApp) -> list[Route]:
    async def info(request: Request) -> Response:
        return JSONResponse({
            "graph_url": app.url, "identity_url": app.identity.issuer,
            "connections": [c.id for c in app.tenant.connections],
            "manual_approval": app.tenant.manual_approval,
        })

    async def download(request: Request) -> Response:
        conn = app.tenant.connection(request.path_params["connection_id"])
        if conn is None:
            return JSONResponse({"statusCode": 404, "message": "no such connection"}, status_code=404)
        headers = {"Content-Disposition": f'attachment; filename="connection-{conn.id}.json"'}
        return Response(json.dumps(connection_download(conn), indent=2), media_type="application/json", headers=headers)

    async def register(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            scopes = body.get("scopes", [connector.REQUIRED_SCOPE])
            pem = body.get("certificate")
            cert = x509.load_pem_x509_certificate(pem.encode()) if isinstance(pem, str) else None
            client_id, secret = app.identity.register(scopes, certificate=cert, name=str(body.get("name", "app")))
        except (ValueError, AttributeError, EmulatorConfigError) as exc:
            message = str(exc) if isinstance(exc, EmulatorConfigError) else "send {'scopes': [...], 'certificate': PEM}"
            return JSONResponse({"statusCode": 400, "message": message}, status_code=400)
        return JSONResponse({"client_id": client_id, "client_secret": secret, "scopes": scopes}, status_code=201)

    return [
        Route("/emulator", info, methods=["GET"]),
        Route("/emulator/connections/{connection_id}", download, methods=["GET"]),
        Route("/emulator/apps", register, methods=["POST"]),
    ]


def build_app(store: Store, url: str, *, token_lifetime_s: int = 3600, tenant: Tenant | None = None) -> EmulatorApp:
    """Assemble the emulator for a server reachable at `url` (scheme, host and port)."""
    url = url.rstrip("/")
    tokens = TokenIssuer(store, url + IDENTITY_PREFIX, lifetime_s=token_lifetime_s)
    idp = identity.Identity(store, tokens)
    tenant = tenant or Tenant(store)
    starlette = Starlette()
    app = EmulatorApp(FaultInjector(starlette), tenant, idp, tokens, url)
    starlette.router.routes.extend([
        *connector.routes(tenant, tokens),
        Mount(IDENTITY_PREFIX, routes=identity.routes(idp)),
        *_admin_routes(app),
    ])
    return app
