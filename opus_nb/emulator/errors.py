"""Errors the emulator raises in Python (HTTP errors go to clients as responses, not these).

```
OpusError
 └── EmulatorError              anything the emulator refuses to do from Python
      ├── EmulatorConfigError   a bad argument: a fault rate out of range, an unknown credential kind
      ├── EmulatorStartError    the server did not come up (port taken, bad --db file)
      ├── UnknownRecordsError   hold/release/approve named row keys the emulator does not have
      └── BadRequest            a request the connector API answers with 400 (raised inside the server)
```
"""

from __future__ import annotations

from collections.abc import Sequence

from opus_nb._errors import OpusError

__all__ = ["BadRequest", "EmulatorConfigError", "EmulatorError", "EmulatorStartError", "UnknownRecordsError"]


class EmulatorError(OpusError):
    """The base class of the emulator's own errors."""


class EmulatorConfigError(EmulatorError, ValueError):
    """An argument the emulator cannot use.

    >>> EmulatorConfigError("error_rate", "a number from 0 to 1", "1.5").argument
    'error_rate'
    """

    def __init__(self, argument: str, expected: str, found: str) -> None:
        self.argument = argument
        self.expected = expected
        self.found = found
        super().__init__(f"{argument}: expected {expected}; found {found}")


class EmulatorStartError(EmulatorError):
    """The emulator's server did not start; `.reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the Opus emulator did not start: {reason}")


class UnknownRecordsError(EmulatorError, KeyError):
    """Row keys that no stored record has; nothing was changed.

    >>> str(UnknownRecordsError("hold", ["r-404"]))
    "hold: no record has the row key(s) 'r-404'"
    """

    def __init__(self, action: str, row_keys: Sequence[str]) -> None:
        self.action = action
        self.row_keys = list(row_keys)
        keys = ", ".join(repr(k) for k in self.row_keys[:10])
        more = f" and {len(self.row_keys) - 10} more" if len(self.row_keys) > 10 else ""
        super().__init__(f"{action}: no record has the row key(s) {keys}{more}")

    def __str__(self) -> str:
        return str(self.args[0])


class BadRequest(EmulatorError):
    """A request the connector API answers with 400; the message goes back to the client.

    `field` names the part of the request at fault (``disposalIds``, ``id``...), None for the body
    as a whole; a ProblemDetails answer files the message under it.

    >>> BadRequest("itemsPerPage must be a whole number from 0 to 100", field="itemsPerPage").field
    'itemsPerPage'
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
