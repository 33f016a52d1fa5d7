"""Every error opus_nb raises, under one base class.

```
OpusError
 ├── ConnectionFileError      a connection file (or dict) that cannot be read
 ├── MissingChoicesError      a choice column is used but its options were not supplied
 ├── ValidationFailed         `report.raise_if_invalid()` on a report with errors
 ├── ColumnMappingError       `rename=` names a column the connection does not have
 ├── ConfigurationError       a missing or unusable setting (client id, region, credential)
 ├── AuthenticationError      signing in failed
 │    ├── CertificateError            a certificate that cannot sign (no key, not RSA, ...)
 │    │    ├── CertificatePasswordError     wrong or missing password
 │    │    └── CertificateValidityError     expired, or not valid yet
 │    ├── IdentityServiceError        the identity service is unreachable or unusable
 │    └── OAuthError                  the token endpoint refused (.error, .description)
 ├── OpusHTTPError            Opus answered with an error (.status, .message, .url)
 ├── TLSError                 the server's TLS certificate is not trusted (.url, .reason); never retried
 ├── PagingError              a repeated paging token
 ├── ConfirmationRequired     destroy without confirm=True
 ├── ReviewerRequired         a decision or destroy with no named reviewer
 ├── ReviewError              a review action that cannot be done as asked
 │    ├── UnknownKeys                 row keys that are not among the candidates (.keys)
 │    ├── NothingApproved             mark destroyed with nothing approved at every stage
 │    └── ConfirmationMismatch        the typed number is not the number approved (.expected, .given)
 ├── SheetError               a sheet (CSV or Excel) that cannot be read
 ├── MissingExtra             an optional part (opus_nb[emulator], [notebook]) is not installed
 ├── NotSignedIn              no session
 └── JournalError             the run journal cannot be used
```

Each error carries the context a user needs as attributes, and its message says
what was expected. No error message ever holds a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opus_nb.records._report import ValidationReport

__all__ = [
    "AuthenticationError",
    "CertificateError",
    "CertificatePasswordError",
    "CertificateValidityError",
    "ColumnMappingError",
    "ConfigurationError",
    "ConfirmationRequired",
    "ConnectionFileError",
    "IdentityServiceError",
    "JournalError",
    "MissingChoicesError",
    "MissingExtra",
    "NotSignedIn",
    "OAuthError",
    "OpusError",
    "SheetError",
    "OpusHTTPError",
    "TLSError",
    "PagingError",
    "ReviewerRequired",
    "RuleCheckError",
    "ValidationFailed",
    "ReviewError",
    "UnknownKeys",
    "NothingApproved",
    "ConfirmationMismatch",
]


class OpusError(Exception):
    """The base class of every error raised by opus_nb."""


class ConnectionFileError(OpusError):
    """A connection file that cannot be used.

    >>> ConnectionFileError("conn.json", "id", "a GUID", "'abc'").field
    'id'
    """

    def __init__(self, source: str, field: str, expected: str, found: str | None = None) -> None:
        self.source = source
        self.field = field
        self.expected = expected
        self.found = found
        detail = f"; found {found}" if found is not None else ""
        super().__init__(f"{source}: field {field!r}: expected {expected}{detail}")


class MissingChoicesError(OpusError):
    """Choice columns whose option names were not given to `load_connection(choices=...)`."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        names = ", ".join(repr(c) for c in self.columns)
        super().__init__(
            f"no options were given for the choice column(s) {names}: pass them as "
            f"load_connection(..., choices={{{self.columns[0]!r}: ['first option', ...]}}) "
            "in the order Opus lists them (an option's order is its position, from 1)"
        )


class ColumnMappingError(OpusError):
    """A `rename=` mapping that points at a column the connection does not have."""

    def __init__(self, header: str, target: str) -> None:
        self.header = header
        self.target = target
        super().__init__(
            f"rename={{{header!r}: {target!r}}}: the connection has no column {target!r} (use its display name or internal name)"
        )


class ValidationFailed(OpusError):
    """Raised by `ValidationReport.raise_if_invalid()`; `.report` holds every failure."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        n_rows = len(report.invalid)
        super().__init__(
            f"{len(report.errors)} problem(s) in {n_rows} row(s); see .report.errors\n" + report.summary().to_string()
        )


class RuleCheckError(OpusError):
    """A rule's check could not run, as when a parser reports no mask of the cells that broke the rule
    (or one of the wrong length): a bug in opus_nb, never bad data. `.column` and `.rule` name the check."""

    def __init__(self, column: str, rule: str, reason: str) -> None:
        self.column = column
        self.rule = rule
        self.reason = reason
        super().__init__(f"the {rule!r} check of column {column!r} could not run: {reason} (a bug in opus_nb: please report it)")


class ConfigurationError(OpusError):
    """A setting that is missing or unusable: no client id, an unknown region, no credential.

    >>> ConfigurationError("region", "one of us, au, ...", "'mars'").setting
    'region'
    """

    def __init__(self, setting: str, expected: str, found: str | None = None) -> None:
        self.setting = setting
        self.expected = expected
        self.found = found
        detail = f"; found {found}" if found is not None else ""
        super().__init__(f"{setting}: expected {expected}{detail}")


class AuthenticationError(OpusError):
    """Signing in to the identity service failed (the base of the errors below)."""


class CertificateError(AuthenticationError):
    """A certificate file that cannot sign a client assertion; `.reason` says why.

    >>> str(CertificateError("app.pfx", "it holds no private key"))
    'certificate app.pfx: it holds no private key'
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"certificate {source}: {reason}")


class CertificatePasswordError(CertificateError):
    """The certificate's password is wrong, or one is needed and none was given."""


class CertificateValidityError(CertificateError):
    """The certificate has expired or is not valid yet (the server would only say invalid_client)."""


class IdentityServiceError(AuthenticationError):
    """The identity service could not be reached, or its discovery document is unusable."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"identity service {url}: {reason}")


class OAuthError(AuthenticationError):
    """The token endpoint refused: `.error` is the OAuth code (invalid_client, invalid_scope, ...).

    >>> OAuthError("invalid_client", "bad assertion", status=400).error
    'invalid_client'
    """

    HINTS = {
        "invalid_client": "check the client id, and that this certificate (or secret) is the one registered for the app",
        "invalid_scope": "check that the app has the records.readwrite.all permission",
        "unauthorized_client": "the app may not use the client-credentials grant",
        "invalid_grant": "the grant was refused",
        "invalid_request": "the token request was malformed",
    }

    def __init__(self, error: str, description: str | None = None, *, status: int | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        hint = self.HINTS.get(error)
        text = f"the identity service refused to issue a token: {error}"
        if description:
            text += f" ({description})"
        if hint:
            text += f"; {hint}"
        super().__init__(text)


class OpusHTTPError(OpusError):
    """Opus answered with an error status: `.status`, `.message` (the server's), `.url`, and `.request_id`
    (the answer's ``request-id``, to quote to AvePoint support).

    >>> str(OpusHTTPError(403, "forbidden", "https://graph-us.example/records", request_id="7c1e"))
    'https://graph-us.example/records: HTTP 403: forbidden [request-id 7c1e]'
    """

    def __init__(self, status: int | None, message: str | None, url: str, *, request_id: str | None = None) -> None:
        self.status = status
        self.message = message
        self.url = url
        self.request_id = request_id
        what = f"HTTP {status}" if status is not None else "no response"
        text = f"{url}: {what}" + (f": {message}" if message else "")
        super().__init__(text + (f" [request-id {request_id}]" if request_id else ""))


class TLSError(OpusError):
    """The server's TLS certificate could not be verified (`.url`, `.reason`): retrying cannot help.

    >>> str(TLSError("https://graph-us.example", "self-signed certificate")).split(";")[0]
    "https://graph-us.example: the server's TLS certificate is not trusted (self-signed certificate)"
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"{url}: the server's TLS certificate is not trusted ({reason}); on a company network that inspects "
            "TLS, pass ca_file= (or set OPUS_CA_FILE) to the company's CA certificate, a PEM file"
        )


class PagingError(OpusError):
    """The due-records paging token repeated: following it again would loop for ever."""

    def __init__(self, token: str, page: int) -> None:
        self.token = token
        self.page = page
        super().__init__(f"page {page} returned the paging token {token!r} again; stopping instead of looping")


class ConfirmationRequired(OpusError):
    """`destroy` was called without `confirm=True`: marking records Destroyed cannot be undone."""


class ReviewerRequired(OpusError):
    """A decision or a destroy was asked for before the reviewer's name is known (never the OS login)."""


class MissingExtra(OpusError, ImportError):
    """A feature needs an optional part of opus_nb that is not installed: ``.extra`` names it.

    >>> str(MissingExtra("the emulator", "emulator", "uvicorn"))
    "the emulator needs uvicorn, which is not installed: pip install 'opus_nb[emulator]'"
    """

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(f"{feature} needs {module}, which is not installed: pip install 'opus_nb[{extra}]'", name=module)


class NotSignedIn(OpusError):
    """No session: call `opus_nb.login(...)` or `opus_nb.login_emulator()` first, or pass `client=`."""


class JournalError(OpusError):
    """The run journal cannot be used: `.path` and `.reason`."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"journal {path}: {reason}")


class SheetError(OpusError):
    """A spreadsheet that cannot be read (missing, not a CSV or Excel file, corrupt)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: cannot read the sheet: {reason}")


class ReviewError(OpusError):
    """A review action that cannot be done as asked."""


class UnknownKeys(ReviewError, KeyError):
    """Row keys that are not among the candidates (`.keys` holds them)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        shown = ", ".join(repr(k) for k in keys[:5]) + (" ..." if len(keys) > 5 else "")
        super().__init__(f"{len(keys)} row key(s) are not among the candidates: {shown}")

    def __str__(self) -> str:
        return str(self.args[0])


class NothingApproved(ReviewError):
    """Mark destroyed was asked for while no record is approved at every stage."""


class ConfirmationMismatch(ReviewError):
    """The typed confirmation is not the number of records approved at every stage."""

    def __init__(self, expected: int, given: object) -> None:
        self.expected = expected
        self.given = given
        super().__init__(f"type the number of approved records ({expected}) to confirm; got {str(given)!r}. Nothing was sent.")
