"""The connector API over HTTP, both generations, with bearer-token checks.

>>> parse_submit({"id": "6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f", "confilictOption": "skip", "data": [{}]})[1]
'Skip'

```
POST   /records/connector/records              submit (Graph)        201 / 418 / 400
GET    /records/connector/records?id=&...      due records (Graph)   200 / 204 / 400
DELETE /records/connector/records              destroy (Graph)       200 / 418 / 400
POST   /api/connector/SubmitRecords            submit (older)
POST   /api/connector/GetDueRecords            due records (older), paging field `pageIndex`
POST   /api/connector/DestroyRecords           destroy (older; the page omits the path: our choice)
```

Bodies are read the way a .NET service reads them: JSON, with comments, trailing commas and
unquoted property names tolerated (as in AvePoint's own samples), at most 64 levels deep (see
`opus_nb.emulator.bodies`). Every route needs a bearer
token from the identity service (401 when missing, malformed, expired or signed by someone
else) carrying `records.readwrite.all` (403 otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from opus_nb.emulator.answers import AnswerStyle, bad_request, destroy_done, destroy_refused, submit_refused
from opus_nb.emulator.bodies import read_json
from opus_nb.emulator.errors import BadRequest
from opus_nb.emulator.faults import RECORDS_KEY
from opus_nb.emulator.outcomes import DuePage
from opus_nb.emulator.requestids import REQUEST_ID_KEY
from opus_nb.emulator.tenant import Tenant
from opus_nb.emulator.tokens import InvalidToken, TokenIssuer
from opus_nb.emulator.wire import parse_time

__all__ = ["MAX_PAGE", "MAX_RECORDS", "REQUIRED_SCOPE", "parse_destroy", "parse_due", "parse_submit", "routes"]

MAX_RECORDS = 15
MAX_PAGE = 100
REQUIRED_SCOPE = "records.readwrite.all"


def _fail(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status, headers=headers)


def _authorize(request: Request, tokens: TokenIssuer) -> JSONResponse | None:
    header = request.headers.get("authorization")
    if not header:
        return _fail(401, "an access token is required (Authorization: Bearer ...)", {"WWW-Authenticate": "Bearer"})
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        why = "the Authorization header must be 'Bearer <access token>'"
        return _fail(401, why, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    try:
        claims = tokens.verify(token.strip())
    except InvalidToken as exc:
        said = str(exc).replace('"', "'")
        return _fail(401, str(exc), {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{said}"'})
    if REQUIRED_SCOPE not in claims.scopes:
        challenge = f'Bearer error="insufficient_scope", scope="{REQUIRED_SCOPE}"'
        return _fail(403, f"the access token lacks the permission {REQUIRED_SCOPE}", {"WWW-Authenticate": challenge})
    return None


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def parse_submit(body: Any) -> tuple[str, str, list[Any]]:
    """The connection id, conflict option and records of a submit body; `BadRequest` if unusable."""
    body = _object(body)
    conn_id = body.get("id")
    if not isinstance(conn_id, str) or not conn_id.strip():
        raise BadRequest("id: the connection's GUID is required", field="id")
    options = {body[k] for k in ("conflictOption", "confilictOption") if k in body}
    if not options:
        raise BadRequest("conflictOption (or confilictOption) is required: 'Overwrite' or 'Skip'", field="conflictOption")
    if len(options) > 1:
        raise BadRequest("conflictOption and confilictOption disagree", field="conflictOption")
    option = str(options.pop()).strip().capitalize()
    if option not in ("Overwrite", "Skip"):
        raise BadRequest(f"conflictOption must be 'Overwrite' or 'Skip', not {option!r}", field="conflictOption")
    data = body.get("data")
    if not isinstance(data, list) or not data:
        raise BadRequest("data: a list of one or more records is required", field="data")
    if len(data) > MAX_RECORDS:
        raise BadRequest(f"data: at most {MAX_RECORDS} records can be submitted at a time, not {len(data)}", field="data")
    return conn_id, option, data


def parse_due(fields: Mapping[str, Any], tenant: Tenant) -> tuple[str, datetime, str | None, int]:
    """id, disposalDueDate, startIndex and itemsPerPage of a due-records query."""
    lowered = {str(k).lower(): v for k, v in fields.items()}
    conn_id = lowered.get("id")
    if not isinstance(conn_id, str) or not conn_id.strip():
        raise BadRequest("id: the connection's GUID is required", field="id")
    conn = tenant.connection(conn_id)
    if conn is None:
        raise BadRequest(f"there is no connection with the id {conn_id!r}", field="id")
    per_page = lowered.get("itemsperpage")
    if isinstance(per_page, str) and per_page.strip().isdigit():
        per_page = int(per_page)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 0 <= per_page <= MAX_PAGE:
        raise BadRequest(f"itemsPerPage must be a whole number from 0 to {MAX_PAGE}", field="itemsPerPage")
    start = lowered.get("startindex") or None
    if start is not None and not isinstance(start, str):
        raise BadRequest("startIndex must be the token from the previous page", field="startIndex")
    return conn.id, _due_date(lowered.get("disposalduedate"), conn.datetime_format), start, per_page


def _due_date(value: Any, fmt: str) -> datetime:
    text = value.strip() if isinstance(value, str) else ""
    parsed = parse_time(text, fmt) if text else None
    if parsed is None and text:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None:
        why = f"disposalDueDate must be a date-time in the format {fmt} or ISO 8601, not {value!r}"
        raise BadRequest(why, field="disposalDueDate")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_destroy(body: Any) -> list[str]:
    """The row keys of a destroy body."""
    ids = _object(body).get("disposalIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise BadRequest("disposalIds: a list of one or more row keys is required", field="disposalIds")
    if len(ids) > MAX_RECORDS:
        raise BadRequest(
            f"disposalIds: at most {MAX_RECORDS} records can be destroyed at a time, not {len(ids)}", field="disposalIds"
        )
    return ids


def _page_response(head: str, page: DuePage, token_field: str) -> Response:
    """A due-records answer, assembled from the stored item JSON rather than re-encoded; 204 when empty."""
    if not page.items_json:
        return Response(status_code=204)
    body = f"{head}[{','.join(page.items_json)}]{token_field}{json.dumps(page.next_token)}}}"
    return Response(body, media_type="application/json")


def _request_id(request: Request) -> str | None:
    return request.scope.get(REQUEST_ID_KEY)


def routes(tenant: Tenant, tokens: TokenIssuer, style: AnswerStyle) -> list[Route]:
    """Starlette routes for both API generations, answering in `style` (see `opus_nb.emulator.answers`)."""

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            denied = _authorize(request, tokens)
            if denied is not None:
                return denied
            try:
                return await handler(request)
            except BadRequest as exc:
                return bad_request(exc, style, _request_id(request))

        return endpoint

    async def submit(request: Request, *, legacy: bool) -> Response:
        conn_id, option, data = parse_submit(await read_json(request))
        request.scope[RECORDS_KEY] = len(data)
        outcome = tenant.submit(conn_id, option, data, legacy=legacy, atomic=style.atomic)
        if outcome.failed:
            return submit_refused(outcome.failed, len(data), style, _request_id(request), legacy=legacy)
        return JSONResponse({"Message": None} if legacy else {"statusCode": 201, "message": None}, status_code=201)

    async def destroy(request: Request, *, legacy: bool) -> Response:
        ids = parse_destroy(await read_json(request))
        request.scope[RECORDS_KEY] = len(ids)
        outcome = tenant.destroy(ids, atomic=style.atomic)
        if outcome.failed:
            return destroy_refused(outcome.failed, len(ids), style, _request_id(request), legacy=legacy)
        return destroy_done(style, legacy=legacy)

    async def graph_submit(request: Request) -> Response:
        return await submit(request, legacy=False)

    async def graph_due(request: Request) -> Response:
        conn_id, before, start, per_page = parse_due(request.query_params, tenant)
        page = tenant.due_page(conn_id, before, start, per_page)
        request.scope[RECORDS_KEY] = len(page.items_json)
        return _page_response('{"statusCode":200,"message":null,"queriedItems":', page, ',"startIndex":')

    async def graph_destroy(request: Request) -> Response:
        return await destroy(request, legacy=False)

    async def legacy_submit(request: Request) -> Response:
        return await submit(request, legacy=True)

    async def legacy_due(request: Request) -> Response:
        conn_id, before, start, per_page = parse_due(_object(await read_json(request)), tenant)
        page = tenant.due_page(conn_id, before, start, per_page)
        request.scope[RECORDS_KEY] = len(page.items_json)
        return _page_response('{"message":null,"queriedItems":', page, ',"pageIndex":')

    async def legacy_destroy(request: Request) -> Response:
        return await destroy(request, legacy=True)

    return [
        Route("/records/connector/records", guarded(graph_submit), methods=["POST"]),
        Route("/records/connector/records", guarded(graph_due), methods=["GET"]),
        Route("/records/connector/records", guarded(graph_destroy), methods=["DELETE"]),
        Route("/api/connector/SubmitRecords", guarded(legacy_submit), methods=["POST"]),
        Route("/api/connector/GetDueRecords", guarded(legacy_due), methods=["POST"]),
        Route("/api/connector/DestroyRecords", guarded(legacy_destroy), methods=["POST"]),
    ]
