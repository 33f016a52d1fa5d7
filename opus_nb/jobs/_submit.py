"""Submitting a sheet: validate, batch by 15, send several at once, one result row per input row.

>>> results = df.opus.submit(conflict="skip")                # after opus.login(..., connection=conn)  # doctest: +SKIP
>>> results.status.value_counts()                                                                    # doctest: +SKIP
submitted    1900
not_sent      100
>>> again = df.opus.submit(resume=True)    # after a crash: confirmed rows are not sent again          # doctest: +SKIP

Results keep the input's index: ``rowKey``, ``status`` (submitted, failed, not_sent),
``http_status``, ``message`` (the server's reason for a failed row; the validation problems
or the reason for a row not sent), ``batch`` and ``attempts``. Every batch is journalled
(see `opus_nb.jobs._journal`). A run stops early, leaving the rest ``not_sent`` with the reason,
when the first batches all fail for one and the same reason, at the first failure with
``stop_on_error=True``, or when Opus refuses access.

The batches go out from one helper thread running an event loop, several in flight over the
kept-alive connections of one `httpx2.AsyncClient` (see `opus_nb.client._network`): one thread, so the
client spends its CPU on the batches rather than on threads contending for the interpreter.
"""

from __future__ import annotations

import asyncio
import re
import threading
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from opus_nb._errors import AuthenticationError, JournalError, TLSError
from opus_nb.client._client import FATAL_STATUS, ConcurrentCalls, OpusClient
from opus_nb.jobs._journal import DEFAULT_FOLDER, RESULT_COLUMNS, Journal, NothingToResume, fingerprint
from opus_nb.jobs._outcomes import Answered, Outcomes, batch_outcomes
from opus_nb.jobs._prepare import Prepared, prepare
from opus_nb.jobs._signin import current_client, current_connection
from opus_nb.records._connection import Connection

__all__ = ["BATCH_SIZE", "DEFAULT_CONCURRENCY", "EARLY_BATCHES", "SubmitStopped", "submit"]

BATCH_SIZE = 15
DEFAULT_CONCURRENCY = 8
EARLY_BATCHES = 3
#: Seconds between two blocks of records made ahead (see `_send_batches`).
MAKE_AHEAD_EVERY_S = 0.001
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


class SubmitStopped(UserWarning):
    """A submit run stopped before sending every row; the results say which and why."""


@dataclass
class _Run:
    """The state of one run: what is left to send, and every row's outcome so far."""

    prepared: Prepared
    status: list[str]
    http_status: list[int | None]
    message: list[str | None]
    batch: list[int | None]
    attempts: list[int | None]
    early: list[tuple[bool, list[frozenset[str]]]] = field(default_factory=list)
    stopped: str | None = None

    def apply(self, outcomes: Outcomes) -> None:
        status, http_status, message, batch, attempts = self.status, self.http_status, self.message, self.batch, self.attempts
        for pos, *values in zip(
            outcomes.pos, outcomes.status, outcomes.http_status, outcomes.message, outcomes.batch, outcomes.attempts, strict=True
        ):
            status[pos], http_status[pos], message[pos], batch[pos], attempts[pos] = values


def _body(connection: Connection, conflict: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": connection.id, "conflictOption": conflict, "confilictOption": conflict, "data": records}


def _conflict(value: str | None, connection: Connection) -> str:
    option = {"skip": "Skip", "overwrite": "Overwrite"}.get(str(value or connection.conflict_option).strip().lower())
    if option is None:
        raise ValueError(f"conflict must be 'skip' or 'overwrite', not {value!r}")
    return option


def submit(
    df: pd.DataFrame,
    connection: Connection | None = None,
    *,
    conflict: str | None = None,
    concurrency: int | None = None,
    progress: bool = True,
    resume: bool | str = False,
    dry_run: bool = False,
    stop_on_error: bool = False,
    validate: bool = True,
    rename: Mapping[Hashable, str] | None = None,
    dayfirst: bool = False,
    journal: str | Path = DEFAULT_FOLDER,
    client: OpusClient | None = None,
) -> pd.DataFrame:
    """Validate ``df`` and send its valid rows to Opus; one result row per input row.

    ``conflict``: "skip" or "overwrite" (default: the connection file's). ``resume=True``
    continues the latest unfinished run of the same rows (or pass its run id). ``dry_run``
    sends nothing and puts the exact request bodies in ``results.attrs["requests"]``.
    ``validate=False`` sends the frame as it is (its columns must be internal names).
    """
    connection = current_connection(connection)
    option = _conflict(conflict, connection)
    prepared = prepare(df, connection, validate=validate, rename=rename, dayfirst=dayfirst)
    run = _new_run(prepared)
    if dry_run:
        positions = list(prepared.records)
        bodies = [_body(connection, option, [prepared.records[p] for p in chunk]) for chunk in _chunks(positions)]
        run.apply(Outcomes.same(positions, "not_sent", "dry run: not sent"))
        results = _frame(df, run)
        results.attrs["requests"] = bodies
        return results
    api = current_client(client)
    book = Journal(journal)
    try:
        run_id, done = _open_run(book, prepared, connection, option, resume)
        run.apply(done)
        book.record(run_id, _invalid(prepared))
        confirmed = set(done.pos)
        pending = [p for p in prepared.records if p not in confirmed]
        workers = max(1, int(concurrency or DEFAULT_CONCURRENCY))
        with tqdm(total=len(pending), unit="row", desc="submit", disable=not progress) as bar:
            _send_all(_Sending(api, book, run_id, run, connection, option, stop_on_error, bar), pending, workers)
        left = [p for p in pending if run.status[p] == "pending"]
        reason = run.stopped or "not sent"
        unsent = Outcomes.same(left, "not_sent", reason)
        run.apply(unsent)
        book.record(run_id, unsent)
        book.finish(run_id, run.stopped)
    finally:
        book.close()
    if run.stopped:
        warnings.warn(f"submit stopped: {run.stopped}; {len(left):,} row(s) not sent", SubmitStopped, stacklevel=2)
    results = _frame(df, run)
    results.attrs.update(run_id=run_id, journal=str(book.path), stopped=run.stopped)
    return results


def _new_run(prepared: Prepared) -> _Run:
    n = prepared.n_rows
    run = _Run(
        prepared,
        status=["pending"] * n,
        http_status=[None] * n,
        message=[None] * n,
        batch=[None] * n,
        attempts=[None] * n,
    )
    run.apply(_invalid(prepared))
    return run


def _invalid(prepared: Prepared) -> Outcomes:
    """Rows that will not be sent, each with its reason."""
    return Outcomes.same(list(prepared.reasons), "not_sent")._replace(message=list(prepared.reasons.values()))


def _open_run(book: Journal, prepared: Prepared, connection: Connection, option: str, resume: bool | str) -> tuple[str, Outcomes]:
    """The run to send (claimed, so no other process sends it at the same time) and its confirmed rows."""
    print_ = fingerprint(connection.id, option, keys=prepared.row_keys)
    run_id: str | None = None
    if isinstance(resume, str):
        if book.run_info(resume)["fingerprint"] != print_:
            raise JournalError(str(book.path), f"run {resume!r} was for other rows or options; it cannot be resumed with these")
        run_id = resume
    elif resume:
        run_id = book.resumable(print_)
        if run_id is None:
            warnings.warn(
                f"resume=True: {book.path} holds no earlier run of these rows with these options; starting a new run",
                NothingToResume,
                stacklevel=3,
            )
    if run_id is None:
        options = {"conflict": option, "rows": prepared.n_rows}
        return book.start("submit", print_, connection.id, options, prepared.labels, prepared.row_keys), Outcomes.empty()
    book.claim(run_id)
    return run_id, book.confirmed(run_id)


def _chunks(positions: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(positions), BATCH_SIZE):
        yield positions[start : start + BATCH_SIZE]


@dataclass(frozen=True)
class _Sending:
    """What the batches of one run are sent with and written to."""

    api: OpusClient
    book: Journal
    run_id: str
    run: _Run
    connection: Connection
    option: str
    stop_on_error: bool
    bar: Any


def _send_all(sending: _Sending, pending: list[int], workers: int) -> None:
    """Send every batch, ``workers`` at a time, from one helper thread running its own event loop
    (a Jupyter kernel's loop is already running in this one). An interrupt here lets no new batch
    go out; those in flight are answered and journalled first."""
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
                runner.run(_send_batches(sending, pending, workers))
        except BaseException as exc:  # raised again in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=drive, name="opus-submit", daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:
        sending.run.stopped = sending.run.stopped or "interrupted"
        thread.join()
        raise
    if errors:
        raise errors[0]


async def _send_batches(sending: _Sending, pending: list[int], workers: int) -> None:
    """``workers`` coroutines each take the next batch, send it, and journal and apply its answer.

    A coroutine journals the answer to its last batch and the sending of its next in one write.
    The records not made yet are made meanwhile, a block between answers (see `Records`).
    """
    book, run_id, run = sending.book, sending.run_id, sending.run
    records, keys = run.prepared.records, run.prepared.row_keys
    chunks = enumerate(_chunks(pending), start=book.next_batch(run_id))

    async def work(calls: ConcurrentCalls) -> None:
        last: Answered | None = None
        while True:
            if last is not None:
                _apply(run, last, sending.stop_on_error, sending.bar)
            batch, chunk = next(chunks, (0, [])) if run.stopped is None else (0, [])
            if not chunk:
                if last is not None:
                    book.answered(run_id, last)
                return
            entry = book.sending(run_id, batch, chunk, after=last)
            body = _body(sending.connection, sending.option, [records[p] for p in chunk])
            try:
                reply = await calls.call("submit", json=body)
            except AuthenticationError as exc:
                run.stopped = run.stopped or f"signing in failed: {exc}"
                return
            except TLSError as exc:
                run.stopped = run.stopped or str(exc)
                return
            outcomes = batch_outcomes(reply, chunk, [keys[p] or "" for p in chunk], batch=batch)
            last = Answered(entry, batch, reply.status, reply.attempts, outcomes)

    async def make_ahead() -> None:
        """Make the records of later batches while the first are in flight: a block a millisecond,
        far ahead of the batches' needs, and never long in the way of the first requests."""
        while run.stopped is None and records.make_next():
            await asyncio.sleep(MAKE_AHEAD_EVERY_S)

    async with sending.api.concurrent() as calls:
        await asyncio.gather(*(work(calls) for _ in range(workers)), make_ahead())


def _apply(run: _Run, answer: Answered, stop_on_error: bool, bar: Any) -> None:
    run.apply(answer.outcomes)
    bar.update(len(answer.outcomes.pos))
    _check_stop(run, answer, stop_on_error)


def _check_stop(run: _Run, answer: Answered, stop_on_error: bool) -> None:
    if run.stopped is not None:
        return
    batch, status, outcomes = answer.batch, answer.http_status, answer.outcomes
    failed = [message for state, message in zip(outcomes.status, outcomes.message, strict=True) if state == "failed"]
    if status in FATAL_STATUS:
        run.stopped = f"Opus refused access (HTTP {status}: {failed[0] if failed else 'no reason given'})"
    elif stop_on_error and failed:
        run.stopped = f"stop_on_error: batch {batch} had {len(failed)} failed row(s): {failed[0]}"
    elif len(run.early) < EARLY_BATCHES:
        run.early.append((len(failed) == len(outcomes.pos), [reason_parts(message) for message in failed]))
        if len(run.early) == EARLY_BATCHES and all(all_failed for all_failed, _ in run.early):
            common = frozenset.intersection(*(parts for _, rows in run.early for parts in rows))
            if common:
                run.stopped = (
                    f"the first {EARLY_BATCHES} batches all failed for the same reason ({min(common)}); "
                    "fix it (for instance the date-time format) and submit again"
                )


def reason_parts(message: str | None) -> frozenset[str]:
    """A failure message's parts with the values taken out, to tell "the same reason" apart.

    >>> sorted(reason_parts("timeCreated: '03/05/2014' is not a date; _Dept: 9 is not an option"))
    ['_Dept: # is not an option', "timeCreated: '…' is not a date"]
    """
    parts = (_QUOTED.sub("'…'", part).strip() for part in (message or "").split(";"))
    return frozenset(_NUMBER.sub("#", part) for part in parts if part)


def _frame(df: pd.DataFrame, run: _Run) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "rowKey": pd.array(run.prepared.row_keys, dtype="string"),
            "status": run.status,
            "http_status": pd.array(run.http_status, dtype="Int64"),
            "message": pd.array(run.message, dtype="string"),
            "batch": pd.array(run.batch, dtype="Int64"),
            "attempts": pd.array(run.attempts, dtype="Int64"),
        },
        index=df.index,
    )
    frame["status"] = frame["status"].astype("string")
    return frame[RESULT_COLUMNS]


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (it is not made for Windows): it spends about a
    sixth less CPU a batch than asyncio's own; None for asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
