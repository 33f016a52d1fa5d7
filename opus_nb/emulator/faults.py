"""Faults on request, reproducible from a seed, and the request log tests assert on.

>>> plan = FaultPlan(latency_ms=50, error_rate=0.1, throttle_rate=0.05, retry_after_s=2, seed=7)
>>> plan.active
True

`FaultInjector` wraps the whole ASGI app. For each request (the admin routes under `/emulator`
excepted) it draws from one seeded random stream: first the latency (`latency_ms` plus up to
`jitter_ms`), then whether to drop the connection without answering, answer 429 with
`Retry-After` (whole seconds, unless a test asks for fractions), or answer a 5xx (500, 502 or
503), in that order of rates; otherwise the request goes through. A faulted request is never
processed. The same seed and the same order of requests give the same faults.

The latency is the time an answer takes at least, counted from the request's arrival (its first
byte read, where the server notes it: `ARRIVED_KEY`): a
request that goes through is handled at once and its answer held back until then, as a
service whose work is small next to the network's round trip would answer. So the emulator's
own work (one Python thread for every client) does not add to the latency a benchmark asks for.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opus_nb.emulator.errors import EmulatorConfigError
from opus_nb.emulator.requestids import CLIENT_REQUEST_ID_KEY, REQUEST_ID_KEY

__all__ = ["ARRIVED_KEY", "RECORDS_KEY", "FaultInjector", "FaultPlan", "RequestLogEntry"]

#: Handlers put the number of records a request carried (or returned) under this scope key.
RECORDS_KEY = "opus_nb.records"
#: The server puts the `time.perf_counter` time a request began to arrive under this scope key
#: (see `opus_nb.emulator.protocol`); without it, a request is taken to arrive when the app is called.
ARRIVED_KEY = "opus_nb.arrived"
LOG_LIMIT = 100_000


@dataclass(frozen=True)
class FaultPlan:
    """What to inject; all zero means a well-behaved service."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after_s: float = 1.0
    drop_rate: float = 0.0
    token_lifetime_s: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms", "retry_after_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise EmulatorConfigError(name, "a number >= 0", repr(value))
        for name in ("error_rate", "throttle_rate", "drop_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise EmulatorConfigError(name, "a rate from 0 to 1", repr(value))
        if self.error_rate + self.throttle_rate + self.drop_rate > 1:
            raise EmulatorConfigError("error_rate + throttle_rate + drop_rate", "at most 1", "more")
        if self.token_lifetime_s is not None and (not isinstance(self.token_lifetime_s, int) or self.token_lifetime_s < 1):
            raise EmulatorConfigError("token_lifetime_s", "a whole number of seconds >= 1", repr(self.token_lifetime_s))

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.jitter_ms or self.error_rate or self.throttle_rate or self.drop_rate)


@dataclass(frozen=True, slots=True)
class RequestLogEntry:
    """One request as the emulator saw it; `status` is None for a dropped connection.

    `request_id` is the ``request-id`` the answer carried (a GUID; None for a request served
    without `RequestIds` around the app), `client_request_id` the ``client-request-id`` the
    client sent and the answer echoed.
    """

    method: str
    path: str
    status: int | None
    records: int | None
    time: datetime
    duration_ms: float
    fault: str | None = None
    request_id: str | None = None
    client_request_id: str | None = None


class FaultInjector:
    """ASGI middleware: injects the current `FaultPlan` and logs every request."""

    def __init__(self, app: ASGIApp, *, exempt: str = "/emulator") -> None:
        self.app = app
        self.exempt = exempt
        self.log: deque[RequestLogEntry] = deque(maxlen=LOG_LIMIT)
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._rng = random.Random(0)

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    @plan.setter
    def plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._rng = random.Random(plan.seed)

    def _draw(self) -> tuple[float, str | None, int]:
        plan = self._plan
        with self._lock:
            delay = plan.latency_ms + (self._rng.uniform(0, plan.jitter_ms) if plan.jitter_ms else 0.0)
            roll = self._rng.random()
            status = self._rng.choice((500, 502, 503))
        if roll < plan.drop_rate:
            return delay, "drop", 0
        if roll < plan.drop_rate + plan.throttle_rate:
            return delay, "throttle", 429
        if roll < plan.drop_rate + plan.throttle_rate + plan.error_rate:
            return delay, "error", status
        return delay, None, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, when = scope.get(ARRIVED_KEY) or time.perf_counter(), datetime.now(UTC)
        status: list[int | None] = [None]
        fault: str | None = None

        def log() -> None:
            self.log.append(
                RequestLogEntry(
                    scope["method"],
                    scope["path"],
                    status[0],
                    scope.get(RECORDS_KEY),
                    when,
                    (time.perf_counter() - started) * 1000,
                    fault,
                    scope.get(REQUEST_ID_KEY),
                    scope.get(CLIENT_REQUEST_ID_KEY),
                )
            )

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                log()  # before the last byte leaves, so a client that has its answer finds it logged
            await send(message)

        path: str = scope["path"]
        if self._plan.active and path != self.exempt and not path.startswith(self.exempt + "/"):
            delay, fault, code = self._draw()
            if fault is not None:
                await _pause(delay / 1000)
                await _drain(receive)
                if fault == "drop":
                    log()
                    await _drop(send)
                else:
                    await _fault_response(logged_send, code, self._plan.retry_after_s)
                return
            if delay:
                await self.app(scope, receive, _held_until(started + delay / 1000, logged_send))
                return
        await self.app(scope, receive, logged_send)


async def _pause(seconds: float) -> None:
    """`asyncio.sleep` made to last at least ``seconds`` (uvloop's timers count whole
    milliseconds and may fire a little early; the rest is slept again)."""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        await asyncio.sleep(left)


def _held_until(deadline: float, send: Send) -> Send:
    """``send``, holding the answer back until ``deadline`` (a `time.perf_counter` time)."""

    async def held(message: Message) -> None:
        if message["type"] == "http.response.start":
            await _pause(deadline - time.perf_counter())
        await send(message)

    return held


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _fault_response(send: Send, status: int, retry_after_s: float) -> None:
    message = "Too many requests (injected by the emulator)" if status == 429 else "Server error (injected by the emulator)"
    body = json.dumps({"statusCode": status, "message": message}).encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", format(retry_after_s, "g").encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    """Close the connection without a response (uvicorn), or cut a response short (elsewhere)."""
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.close()
        for _ in range(3):
            await asyncio.sleep(0)
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
