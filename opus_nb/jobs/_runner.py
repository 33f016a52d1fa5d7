"""The one batch runner under submit and destroy: batches of 15, several in flight, each written to a ledger.

>>> run_batches(client, chunks, job, workers=8)      # see opus_nb.jobs._submit and _destroy  # doctest: +SKIP

A job (`BatchJob`) says what one batch sends (a typed call of the client), the word for a row
done ("submitted", "destroyed"), its ledger (the journal, the audit log: written before each
request goes out and after its answer), and what it does with each answer (apply it, report
progress, decide to stop). The runner sends every batch from one helper thread running its own
event loop (a Jupyter kernel's loop is already running in the calling thread), ``workers``
coroutines at a time over the kept-alive connections of one async client: one thread, so the
client spends its CPU on the batches rather than on threads contending for the interpreter.

A batch whose call raises stops the run: signing in again failed (every key unknown: an earlier
attempt may have reached Opus), or the server's certificate was refused (every key not sent). An interrupt lets no new batch go out;
those in flight are answered and written first.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from opus_nb._errors import AuthenticationError, TLSError
from opus_nb.client._batches import BatchAnswer, KeyAnswer, KeyState
from opus_nb.client._client import ConcurrentCalls, OpusClient
from opus_nb.jobs._outcomes import Answered, batch_outcomes

__all__ = ["BATCH_SIZE", "BatchJob", "Ledger", "chunks", "run_batches"]

BATCH_SIZE = 15
#: Seconds between two blocks of work done ahead (see `BatchJob.ahead`).
AHEAD_EVERY_S = 0.001


class Ledger(Protocol):
    """Where a run writes each batch before its request goes out, and its answer after."""

    def sending(self, batch: int, positions: list[int], after: Answered | None) -> int:
        """Write that ``batch`` goes out (and ``after``, this worker's previous answer, in the same write); its entry."""

    def answered(self, answer: Answered) -> None:
        """Write an answer no later batch carried."""


@dataclass
class BatchJob:
    """One run's batches: what a batch sends, how its rows are told, where it is written, what follows.

    ``send`` makes the call for the rows at these positions; ``on_answer`` applies an answer (and
    may stop the run through ``stop``); ``ahead``, when given, does one block of later work
    (making records) between answers and says whether more is left.
    """

    send: Callable[[ConcurrentCalls, list[int]], Awaitable[BatchAnswer]]
    done: str
    ledger: Ledger
    on_answer: Callable[[Answered], None]
    stopped: Callable[[], str | None]
    stop: Callable[[str], None]
    ahead: Callable[[], bool] | None = None


def chunks(positions: list[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """``positions`` in batches of ``size``.

    >>> list(chunks(list(range(7)), 3))
    [[0, 1, 2], [3, 4, 5], [6]]
    """
    for start in range(0, len(positions), size):
        yield positions[start : start + size]


def run_batches(client: OpusClient, batches: Iterator[tuple[int, list[int]]], job: BatchJob, workers: int) -> None:
    """Send every ``(number, positions)`` batch, ``workers`` at a time, and hand each answer to the job."""
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
                runner.run(_send(client, batches, job, max(1, workers)))
        except BaseException as exc:  # raised again in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=drive, name=f"opus-{job.done}", daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:
        if job.stopped() is None:
            job.stop("interrupted")
        thread.join()
        raise
    if errors:
        raise errors[0]


async def _send(client: OpusClient, batches: Iterator[tuple[int, list[int]]], job: BatchJob, workers: int) -> None:
    """``workers`` coroutines each take the next batch, send it, and write and apply its answer.

    A coroutine writes the answer to its last batch and the sending of its next in one write.
    """

    async def work(calls: ConcurrentCalls) -> None:
        last: Answered | None = None
        while True:
            if last is not None:
                job.on_answer(last)
            number, positions = next(batches, (0, [])) if job.stopped() is None else (0, [])
            if not positions:
                if last is not None:
                    job.ledger.answered(last)
                return
            entry = job.ledger.sending(number, positions, last)
            try:
                answer = await job.send(calls, positions)
            except AuthenticationError as exc:  # signing in again, maybe after an attempt Opus answered 5xx
                job.stop(f"signing in failed: {exc}")
                answer = _unanswered(positions, KeyState.UNKNOWN, f"signing in failed: {exc}")
            except TLSError as exc:  # refused in the TLS handshake: nothing was sent
                job.stop(str(exc))
                answer = _unanswered(positions, KeyState.NOT_DONE, str(exc))
            outcomes = batch_outcomes(answer, positions, batch=number, done=job.done)
            last = Answered(entry, number, answer.status, answer.attempts, outcomes)

    async def ahead(more: Callable[[], bool]) -> None:
        """Work for later batches while the first are in flight: a block a millisecond, far ahead of
        the batches' needs, and never long in the way of the first requests."""
        while job.stopped() is None and more():
            await asyncio.sleep(AHEAD_EVERY_S)

    async with client.concurrent() as calls:
        extra = [ahead(job.ahead)] if job.ahead is not None else []
        await asyncio.gather(*(work(calls) for _ in range(workers)), *extra)


def _unanswered(positions: list[int], state: KeyState, why: str) -> BatchAnswer:
    """The answer of a batch whose call raised, no attempt counted: unknown, or not done (nothing sent)."""
    return BatchAnswer(None, 0, "", None, why, ("",) * len(positions), (KeyAnswer(state, why),) * len(positions))


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (it is not made for Windows): it spends about a
    sixth less CPU a batch than asyncio's own; None for asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
