"""How the connector API words its answers to submit and destroy: a destroy's success status, and
the shape of a refusal, each switchable so a client's reading of every shape is tested over HTTP.

>>> style = AnswerStyle(destroy_status=204, shape="objects")
>>> style.destroy_status, style.shape
(204, 'objects')
>>> problem_errors([Failure(2, "K-3", ((None, "the record is on hold"),))], "disposalIds")
{'disposalIds[2]': ['the record is on hold']}

AvePoint's pages leave both open. Destroy's own page shows success as 200 with a body, while the
Graph status-code table says destroy answers 204 No Content: `destroy_status` is 200 (the
endpoint's own page and sample) unless set to 204. A destroy that fails some keys is 418 with
``failedItems``, which the page shows as row keys without saying why each failed. `shape`:

- ``"keys"`` (the default): ``failedItems`` are the row keys, and ``message`` (typed a list on
  the Graph page; one ``"; "``-joined text in the older API) holds ``"key: why"`` for each;
- ``"objects"``: ``failedItems`` are ``{"item": key, "message": why}`` (``Item``/``Message`` in
  the older API, as its page writes submit's failed items), ``message`` a count;
- ``"problem"``: every request that fails validation is answered as ASP.NET Core answers one,
  400 ``application/problem+json`` with ``type``, ``title``, ``status``, ``errors`` by field
  (``disposalIds[2]``, ``data[0].timeCreated``, ``itemsPerPage``; ``$`` for the body as a
  whole) and ``traceId`` (W3C form, its trace id the request's ``request-id``); the request is
  refused as a whole, so nothing of it is stored or destroyed.

Submit's failed items are always ``{"item": record, "message": why}`` outside ``"problem"``, as
its page shows them. Both API generations follow the same style.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from starlette.responses import JSONResponse, Response

from opus_nb.emulator.errors import BadRequest, EmulatorConfigError
from opus_nb.emulator.outcomes import Failure

__all__ = [
    "ANSWER_SHAPES",
    "DESTROY_STATUSES",
    "PROBLEM_TITLE",
    "PROBLEM_TYPE",
    "AnswerStyle",
    "bad_request",
    "destroy_done",
    "destroy_refused",
    "problem_errors",
    "submit_refused",
]

ANSWER_SHAPES = ("keys", "objects", "problem")
DESTROY_STATUSES = (200, 204)
PROBLEM_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
PROBLEM_TITLE = "One or more validation errors occurred."


class AnswerStyle:
    """How answers are worded: `destroy_status` (200 or 204) and the refusal `shape` (see the module)."""

    def __init__(self, *, destroy_status: int = 200, shape: str = "keys") -> None:
        self.destroy_status = destroy_status
        self.shape = shape

    @property
    def destroy_status(self) -> int:
        return self._destroy_status

    @destroy_status.setter
    def destroy_status(self, value: int) -> None:
        if isinstance(value, bool) or value not in DESTROY_STATUSES:
            raise EmulatorConfigError("destroy_status", "200 or 204", repr(value))
        self._destroy_status = int(value)

    @property
    def shape(self) -> str:
        return self._shape

    @shape.setter
    def shape(self, value: str) -> None:
        if value not in ANSWER_SHAPES:
            raise EmulatorConfigError("answer_shape", " or ".join(repr(s) for s in ANSWER_SHAPES), repr(value))
        self._shape = value

    @property
    def atomic(self) -> bool:
        """Whether a request with any failed item is refused whole (ProblemDetails answers)."""
        return self._shape == "problem"


def _trace_id(request_id: str | None) -> str:
    """A W3C trace context id, as ASP.NET Core writes ``traceId``: its trace id the request's id."""
    trace = uuid.UUID(request_id).hex if request_id else secrets.token_hex(16)
    return f"00-{trace}-{secrets.token_hex(8)}-00"


def _problem(errors: dict[str, list[str]], request_id: str | None) -> JSONResponse:
    body = {"type": PROBLEM_TYPE, "title": PROBLEM_TITLE, "status": 400, "errors": errors, "traceId": _trace_id(request_id)}
    return JSONResponse(body, status_code=400, media_type="application/problem+json")


def problem_errors(failures: Sequence[Failure], collection: str) -> dict[str, list[str]]:
    """ProblemDetails ``errors`` for failed items of the request's `collection` (``data``, ``disposalIds``)."""
    errors: dict[str, list[str]] = {}
    for failure in failures:
        for name, why in failure.problems:
            key = f"{collection}[{failure.index}]" + (f".{name}" if name else "")
            errors.setdefault(key, []).append(why)
    return errors


def bad_request(exc: BadRequest, style: AnswerStyle, request_id: str | None) -> JSONResponse:
    """A 400: ``{"statusCode", "message"}``, or ProblemDetails with the message under its field."""
    if style.shape == "problem":
        return _problem({exc.field or "$": [str(exc)]}, request_id)
    return JSONResponse({"statusCode": 400, "message": str(exc)}, status_code=400)


def submit_refused(
    failures: Sequence[Failure], total: int, style: AnswerStyle, request_id: str | None, *, legacy: bool
) -> JSONResponse:
    """A submit some of whose records failed: 418 with each record and why, or ProblemDetails."""
    if style.shape == "problem":
        return _problem(problem_errors(failures, "data"), request_id)
    summary = f"{len(failures)} of {total} records failed"
    if legacy:
        items = [{"Item": f.item, "Message": f.message} for f in failures]
        return JSONResponse({"Message": summary, "FailedItems": items}, status_code=418)
    items = [{"item": f.item, "message": f.message} for f in failures]
    return JSONResponse({"statusCode": 418, "message": summary, "failedItems": items}, status_code=418)


def destroy_done(style: AnswerStyle, *, legacy: bool) -> Response:
    """A destroy of every key: 204 with no body, or 200 with the page's body."""
    if style.destroy_status == 204:
        return Response(status_code=204)
    return JSONResponse({"message": None} if legacy else {"statusCode": 200, "message": None})


def destroy_refused(
    failures: Sequence[Failure], total: int, style: AnswerStyle, request_id: str | None, *, legacy: bool
) -> JSONResponse:
    """A destroy some of whose keys failed, in the style's shape (see the module)."""
    if style.shape == "problem":
        return _problem(problem_errors(failures, "disposalIds"), request_id)
    if style.shape == "objects":
        item, message = ("Item", "Message") if legacy else ("item", "message")
        items: list[object] = [{item: f.item, message: f.message} for f in failures]
        summary: object = f"{len(failures)} of {total} records were not destroyed"
    else:
        items = [f.item for f in failures]
        reasons = [f"{f.item}: {f.message}" for f in failures]
        summary = "; ".join(reasons) if legacy else reasons
    body = {"message": summary, "failedItems": items} if legacy else {"statusCode": 418, "message": summary, "failedItems": items}
    return JSONResponse(body, status_code=418)
