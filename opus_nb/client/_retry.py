"""When to try a request again, and how long to wait: exponential backoff, full jitter, Retry-After.

>>> policy = RetryPolicy(attempts=4, base=0.5, cap=8.0)
>>> policy.retryable_status(503), policy.retryable_status(400)
(True, False)
>>> 0.0 <= policy.delay(2) <= 2.0
True
>>> policy.delay(1, retry_after="3")
3.0
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

import httpx2

from opus_nb.client._network import certificate_failure

__all__ = ["RETRYABLE_STATUS", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> parse_retry_after("2")
    2.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all (first try included); waits ``uniform(0, min(cap, base * 2**n))``.

    A server's ``Retry-After`` is honoured (up to ``max_retry_after`` seconds) in place of
    the backoff. Tests and benchmarks pass a small ``base`` to keep runs short.
    """

    attempts: int = 8
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def retryable_status(self, status: int) -> bool:
        return status in RETRYABLE_STATUS

    @staticmethod
    def retryable_error(exc: Exception) -> bool:
        """Timeouts and dropped or refused connections (the request may be sent again); never a
        certificate that failed verification (`opus_nb._errors.TLSError`)."""
        return isinstance(exc, httpx2.TransportError) and certificate_failure(exc) is None

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """The wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        told = parse_retry_after(retry_after)
        if told is not None:
            return min(told, self.max_retry_after)
        return self.rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))
