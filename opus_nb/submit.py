"""Submitting a sheet: validate, batch by 15, send several at once, one result row per input row.

>>> results = df.opus.submit(conflict="skip")                # after opus.login(..., connection=conn)  # doctest: +SKIP
>>> results.status.value_counts()                                                                    # doctest: +SKIP
submitted    1900
not_sent      100
>>> again = df.opus.submit(resume=True)    # after a crash: confirmed rows are not sent again          # doctest: +SKIP

Results keep the input's index: ``rowKey``, ``status`` (submitted, failed, not_sent),
``http_status``, ``message`` (the server's reason for a failed row; the validation problems
or the reason for a row not sent), ``batch`` and ``attempts``. Every batch is journalled
(see `opus_nb.journal`). A run stops early, leaving the rest ``not_sent`` with the reason,
when the first batches all fail for one and the same reason, at the first failure with
``stop_on_error=True``, or when Opus refuses access.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from opus_nb.client import OpusClient, Reply
from opus_nb.connection import Connection
from opus_nb.errors import AuthenticationError, JournalError
from opus_nb.journal import DEFAULT_FOLDER, RESULT_COLUMNS, Journal, RowOutcome, fingerprint
from opus_nb.outcomes import row_outcomes
from opus_nb.prepare import Prepared, prepare
from opus_nb.session import current_client, current_connection

__all__ = ["BATCH_SIZE", "DEFAULT_CONCURRENCY", "EARLY_BATCHES", "SubmitStopped", "submit"]

BATCH_SIZE = 15
DEFAULT_CONCURRENCY = 8
EARLY_BATCHES = 3
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


class SubmitStopped(UserWarning):
    """A submit run stopped before sending every row; the results say which and why."""


@dataclass
class _Run:
    """The state of one run: what is left to send, and every row's outcome so far."""

    prepared: Prepared
    status: np.ndarray
    http_status: np.ndarray
    message: np.ndarray
    batch: np.ndarray
    attempts: np.ndarray
    early: list[tuple[bool, list[frozenset[str]]]] = field(default_factory=list)
    stopped: str | None = None

    def apply(self, outcomes: list[RowOutcome]) -> None:
        for o in outcomes:
            self.status[o.pos], self.http_status[o.pos], self.message[o.pos] = o.status, o.http_status, o.message
            self.batch[o.pos], self.attempts[o.pos] = o.batch, o.attempts


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
    prepared = prepare(df, connection, validate=validate, rename=rename)
    run = _new_run(prepared)
    if dry_run:
        positions = [p for p in range(prepared.n_rows) if p in prepared.records]
        bodies = [_body(connection, option, [prepared.records[p] for p in chunk]) for chunk in _chunks(positions)]
        run.status[positions], run.message[positions] = "not_sent", "dry run: not sent"
        results = _frame(df, run)
        results.attrs["requests"] = bodies
        return results
    api = current_client(client)
    book = Journal(journal)
    try:
        run_id, done = _open_run(book, prepared, connection, option, resume)
        run.apply(list(done.values()))
        invalid = [RowOutcome(p, "not_sent", None, m, None, None, False) for p, m in prepared.reasons.items()]
        book.record(run_id, invalid)
        pending = [p for p in range(prepared.n_rows) if p in prepared.records and p not in done]
        workers = max(1, int(concurrency or DEFAULT_CONCURRENCY))
        with tqdm(total=len(pending), unit="row", desc="submit", disable=not progress) as bar:
            _send_all(api, book, run_id, run, connection, option, pending, workers, stop_on_error, bar)
        left = [p for p in pending if run.status[p] == "pending"]
        reason = run.stopped or "not sent"
        run.apply([RowOutcome(p, "not_sent", None, reason, None, None, False) for p in left])
        book.record(run_id, [RowOutcome(p, "not_sent", None, reason, None, None, False) for p in left])
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
        status=np.full(n, "pending", dtype=object),
        http_status=np.full(n, None, dtype=object),
        message=np.full(n, None, dtype=object),
        batch=np.full(n, None, dtype=object),
        attempts=np.full(n, None, dtype=object),
    )
    for pos, reason in prepared.reasons.items():
        run.status[pos], run.message[pos] = "not_sent", reason
    return run


def _open_run(
    book: Journal, prepared: Prepared, connection: Connection, option: str, resume: bool | str
) -> tuple[str, dict[int, RowOutcome]]:
    print_ = fingerprint(connection.id, option, keys=prepared.row_keys)
    run_id: str | None = None
    if isinstance(resume, str):
        if book.run_info(resume)["fingerprint"] != print_:
            raise JournalError(str(book.path), f"run {resume!r} was for other rows or options; it cannot be resumed with these")
        run_id = resume
    elif resume:
        run_id = book.resumable(print_)
    if run_id is None:
        options = {"conflict": option, "rows": prepared.n_rows}
        return book.start("submit", print_, connection.id, options, prepared.labels, prepared.row_keys), {}
    return run_id, book.confirmed(run_id)


def _chunks(positions: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(positions), BATCH_SIZE):
        yield positions[start : start + BATCH_SIZE]


def _send_all(
    api: OpusClient,
    book: Journal,
    run_id: str,
    run: _Run,
    connection: Connection,
    option: str,
    pending: list[int],
    workers: int,
    stop_on_error: bool,
    bar: Any,
) -> None:
    records, keys = run.prepared.records, run.prepared.row_keys
    number = book.next_batch(run_id)
    chunks = _chunks(pending)
    in_flight: dict[Future[Reply], tuple[int, list[int]]] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opus-submit") as pool:
        def fill() -> None:
            nonlocal number
            while run.stopped is None and len(in_flight) < workers:
                chunk = next(chunks, None)
                if chunk is None:
                    return
                book.sending(run_id, number, chunk)
                body = _body(connection, option, [records[p] for p in chunk])
                in_flight[pool.submit(api.call, "submit", json=body)] = (number, chunk)
                number += 1

        fill()
        while in_flight:
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                batch, chunk = in_flight.pop(future)
                if future.cancelled():
                    continue
                try:
                    reply = future.result()
                except AuthenticationError as exc:
                    run.stopped = run.stopped or f"signing in failed: {exc}"
                    continue
                outcomes = row_outcomes(reply, chunk, [keys[p] or "" for p in chunk], batch=batch)
                book.answered(run_id, batch, reply.status, reply.attempts, outcomes)
                run.apply(outcomes)
                bar.update(len(chunk))
                _check_stop(run, reply, outcomes, batch, stop_on_error)
            if run.stopped is not None:
                for future in list(in_flight):
                    if future.cancel():
                        in_flight.pop(future)
            fill()


def _check_stop(run: _Run, reply: Reply, outcomes: list[RowOutcome], batch: int, stop_on_error: bool) -> None:
    if run.stopped is not None:
        return
    failed = [o for o in outcomes if o.status == "failed"]
    if reply.fatal:
        run.stopped = f"Opus refused access (HTTP {reply.status}: {reply.message})"
    elif stop_on_error and failed:
        run.stopped = f"stop_on_error: batch {batch} had {len(failed)} failed row(s): {failed[0].message}"
    elif len(run.early) < EARLY_BATCHES:
        run.early.append((len(failed) == len(outcomes), [reason_parts(o.message) for o in failed]))
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
