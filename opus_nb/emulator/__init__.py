"""A local AvePoint Opus: identity service and connector API over real HTTP, backed by SQLite.

>>> import opus_nb.emulator
>>> with opus_nb.emulator.run(seed="data-samples/") as emu:          # doctest: +SKIP
...     app = emu.register_app(credential="certificate", directory="my-app")
...     emu.url, emu.identity_url, app.client_id, app.certificate_pfx

From the shell: ``opus-nb emulator --seed data-samples/`` (or ``python -m opus_nb.emulator``),
then ``opus-nb emulator register-app --url URL``. A seed folder may be one of your own: the
connection file Opus lets you download (``connection.json``, or the one ``connection*.json``),
``choices.json`` and ``terms.json`` (see `opus_nb.emulator.options`).

Where it lives (one server, one port):

- connector API (Graph): ``{url}/records/connector/records``: POST submit, GET due, DELETE destroy;
- older API: ``{url}/api/connector/SubmitRecords``, ``.../GetDueRecords``, ``.../DestroyRecords``;
- identity service: ``{url}/identity``: ``/.well-known/openid-configuration``, its ``/jwks``,
  ``/connect/token``;
- admin pages (what people do in the web pages): ``{url}/emulator``, ``/emulator/connections/{id}``
  (the downloadable connection JSON), ``POST /emulator/apps``.

``run(tls=True)`` serves all of it over https (``https://127.0.0.1:PORT``) with a self-signed
certificate for 127.0.0.1 and localhost, made at start in a temporary folder removed on stop; a
client trusts ``emu.ca_file``.

What it assumes where AvePoint's documents are silent (a client should not lean on these more
than it must):

- The older page gives no path for destroy: ``POST api/connector/DestroyRecords`` with
  ``{"disposalIds": [...]}``. Its answers use the field names its tables show (``Message``,
  ``FailedItems`` of ``Item``/``Message`` for submit; ``message``, ``pageIndex``,
  ``queriedItems``; ``message``, ``failedItems`` for destroy), and the Graph status codes.
- Graph answers: submit 201 ``{"statusCode": 201, "message": null}``, or 418 with
  ``failedItems: [{"item": record, "message": why}]`` (why names each failing column); due records
  200 ``{"statusCode", "message", "queriedItems", "startIndex"}``, or 204 with no body when the
  page is empty; destroy 200 ``{"statusCode": 200, "message": null}``, or 418 with ``failedItems``
  (row keys) and ``message`` (a list of ``"key: why"``, the Graph page types it as a list).
- Destroy's success is 200 with that body in both generations (destroy's own page and sample);
  ``destroy_status=204`` answers 204 No Content instead, as the Graph status-code table says.
  ``answer_shape="objects"`` gives destroy's ``failedItems`` as ``{"item": key, "message": why}``
  (``Item``/``Message`` in the older API); ``answer_shape="problem"`` answers every request that
  fails validation as ASP.NET Core does, 400 ProblemDetails (``errors`` by field:
  ``disposalIds[2]``, ``data[0].timeCreated``, ``itemsPerPage``) with the request refused as a
  whole. Both are settable on a running emulator (``emu.destroy_status``, ``emu.answer_shape``);
  see `opus_nb.emulator.answers`.
- Each key a destroy refuses has its own reason: "no record has this row key", "the record was
  already destroyed on <when>", "the record is on hold", "the record is not yet due for disposal
  (due <when>)", "the record is never due for disposal: ..." (no classification, a
  classification without retention or no longer a term), "manual approval is on and no reviewer
  approved this record". Times are the emulator's clock (naive UTC) as ``YYYY-MM-DD HH:MM:SS``.
  The wording is the emulator's own: AvePoint documents none.
- Due items hold the record as submitted, every built-in present (null when not given), and
  ``timeCreated``/``timeModified`` in the connection's format followed by one space, as the
  documented sample shows. ``startIndex``/``pageIndex`` is an opaque signed token; ``null`` ends
  the listing. Pages walk records in the order first stored, up to the newest record when the
  first page was served: records submitted meanwhile show in the next listing, none repeats.
  ``itemsPerPage`` 0 gives an empty page (204). Query parameter names are matched ignoring case
  (the Graph sample writes ``itemsPerpage``). ``disposalDueDate`` may be in the connection's
  format or ISO 8601.
- Bodies are read as .NET's JSON reader does: comments, trailing commas and unquoted property
  names are tolerated (AvePoint's own samples have them), in bodies of at most 64 KiB (larger
  ones must be strict JSON); at most 64 levels of nesting (.NET's default ``MaxDepth``), else 400.
- Limits against hostile clients (AvePoint documents none): a request body of at most
  ``max_body_bytes`` (4 MiB; a larger declared ``Content-Length`` is 413 before the body is read,
  a streamed body 413 once it passes the limit); a request line and headers of at most 64 KiB
  (431); ``request_timeout_s`` (10 s) for the head to arrive from the connection or the request's
  first byte, and again for the body (408, or closed silently when no byte came); idle
  keep-alive connections closed after 5 s; at most 256 connections at once (503 beyond).
- Admin routes (``/emulator...``) answer only to a loopback ``Host`` (127.0.0.1, localhost,
  [::1], or the host the emulator was started on), else 403 (DNS rebinding), and take bodies only
  as ``Content-Type: application/json``, else 415 (so no cross-site form can post one).
- Row keys are unique across the tenant (destroy names records by row key alone): a row key
  held by another connection fails that item. ``Skip`` keeps an existing record and counts as
  success; ``Overwrite`` replaces its data and due date but keeps its place, hold and approval;
  a destroyed record cannot be overwritten.
- Date-times must be written exactly in the connection's format (two-digit fields, as .NET's
  ``ParseExact``). A custom Date and Time column also takes the format's date part alone (the
  submit page: "a date and/or time"; ``2021-03-04`` for ``%Y-%m-%d %H:%M:%S``), read as midnight,
  stored and given back by due records in the full format (``2021-03-04 00:00:00``), as a service
  that parses the value into a date-time would; a time alone is refused, and so are the built-in
  ``timeCreated``/``timeModified`` without their time (the older page: they "must follow the
  date and time format").
- ``createdBy``/``modifiedBy`` are required by the Graph API, optional in the older one; a
  choice order's range is checked only when the options are known; a ``termFullPath`` must be a
  known term once any terms are loaded.
- Held records are not listed as due and cannot be destroyed; in manual-approval mode unapproved
  records are listed but cannot be destroyed. "Not due" is judged by the emulator's clock
  (``emu.now``, naive UTC, settable); tokens and certificates follow the real clock.
- Identity: ``invalid_client`` is 401 (with a Basic challenge) when the client used HTTP Basic,
  400 otherwise, as RFC 6749 allows; with no ``scope``, every scope the app holds is granted.
  A token answer carries ``ext_expires_in`` as Microsoft's identity platform does, equal to
  ``expires_in`` (AvePoint documents only ``expires_in``).
  Access tokens are RS256 JWTs for the audience ``opus.graph``, signed with a key kept in the
  database. Client assertions may be addressed to the token endpoint or the issuer; their
  ``exp``, ``nbf`` and ``iat`` must be NumericDates (JSON numbers), else ``invalid_client``.
- Every answer carries a fresh ``request-id`` header (a GUID, as the Graph page's "response
  headers" describe), errors and injected faults included, and echoes a ``client-request-id``
  the client sent (up to 256 printable ASCII characters); ``emu.requests`` keeps both.
- A 429 carries ``Retry-After`` in whole seconds unless fractions were asked for (tests).
- Injected latency is the least time an answer takes from the request's arrival: the request is
  handled at once and its answer held back (the emulator's single thread should not add its
  own serving time to a latency a benchmark asks for). Faulted requests wait the latency too.
"""

from __future__ import annotations

from opus_nb._errors import MissingExtra

try:  # the emulator's web server is an optional part of opus_nb
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as missing:
    raise MissingExtra("the emulator", "emulator", missing.name or "uvicorn") from None

from opus_nb.emulator.errors import EmulatorConfigError, EmulatorError, EmulatorStartError, UnknownRecordsError
from opus_nb.emulator.faults import FaultPlan, RequestLogEntry
from opus_nb.emulator.registration import AppRegistration
from opus_nb.emulator.server import Emulator, run, start
from opus_nb.emulator.tenant import StoredRecord

__all__ = [
    "AppRegistration",
    "Emulator",
    "EmulatorConfigError",
    "EmulatorError",
    "EmulatorStartError",
    "FaultPlan",
    "RequestLogEntry",
    "StoredRecord",
    "UnknownRecordsError",
    "run",
    "start",
]
