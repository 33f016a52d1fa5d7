"""Submitting a sheet: validate, batch by 15, send several at once, one result row per input row.

>>> results = df.opus.submit(conflict="skip")                # after opus.login(..., connection=conn)  # doctest: +SKIP
>>> results.status.value_counts()                                                                    # doctest: +SKIP
submitted    1900
not_sent      100
>>> again = df.opus.submit(resume=True)    # after a crash: confirmed rows are not sent again          # doctest: +SKIP

Results keep the input's index: ``rowKey``, ``status`` (submitted, failed, not_sent),
``http_status``, ``message`` (the server's reason for a failed row; the validation problems
or the reason for a row not sent), ``batch`` and ``attempts``; ``results.run`` says which run
it was (`RunInfo`). Every batch is journalled (see `opus_nb.jobs._journal`). A run stops early,
leaving the rest ``not_sent`` with the reason, when the first batches all fail for one and the
same reason, at the first failure with ``stop_on_error=True``, or when Opus refuses access.

The batches go out through the batch runner (`opus_nb.jobs._runner`), several in flight, each
journalled before it is sent and after its answer.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from opus_nb._errors import JournalError
from opus_nb.client._batches import BatchAnswer
from opus_nb.client._client import FATAL_STATUS, ConcurrentCalls, OpusClient
from opus_nb.client._operations import submit_body
from opus_nb.jobs._journal import DEFAULT_FOLDER, RESULT_COLUMNS, Journal, NothingToResume, fingerprint
from opus_nb.jobs._outcomes import Answered, Outcomes
from opus_nb.jobs._prepare import Prepared, prepare, prepare_report
from opus_nb.jobs._results import Results, RunInfo
from opus_nb.jobs._runner import BATCH_SIZE, BatchJob, chunks, run_batches
from opus_nb.jobs._signin import current_client, current_connection, session_client, tenant_connection
from opus_nb.records._connection import Connection
from opus_nb.records._report import ValidationReport

__all__ = ["BATCH_SIZE", "DEFAULT_CONCURRENCY", "EARLY_BATCHES", "SubmitStopped", "submit"]

DEFAULT_CONCURRENCY = 8
EARLY_BATCHES = 3
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_REQUEST_ID = re.compile(r"\s*\[request-id [^\]]*\]$")
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
    example: str | None = None
    stopped: str | None = None

    def apply(self, outcomes: Outcomes) -> None:
        status, http_status, message, batch, attempts = self.status, self.http_status, self.message, self.batch, self.attempts
        for pos, *values in zip(
            outcomes.pos, outcomes.status, outcomes.http_status, outcomes.message, outcomes.batch, outcomes.attempts, strict=True
        ):
            status[pos], http_status[pos], message[pos], batch[pos], attempts[pos] = values


def _conflict(value: str | None, connection: Connection) -> str:
    option = {"skip": "Skip", "overwrite": "Overwrite"}.get(str(value or connection.conflict_option).strip().lower())
    if option is None:
        raise ValueError(f"conflict must be 'skip' or 'overwrite', not {value!r}")
    return option


def submit(
    df: pd.DataFrame | ValidationReport,
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
) -> Results:
    """Validate ``df`` and send its valid rows to Opus; one result row per input row.

    ``df`` may be a `ValidationReport` (``report.submit(...)`` does this): its valid rows go as they
    were validated, to its connection, without validating again. ``connection``: where to send
    (default: the session's). ``conflict``: "skip" or "overwrite" (default: the connection file's).
    ``concurrency``: batches in flight at once (default 8). ``progress``: show a progress bar. ``resume=True`` continues
    the latest unfinished run of the same rows (or pass its run id). ``dry_run`` sends nothing and
    keeps the exact request bodies in ``results.run.requests``. ``stop_on_error`` stops at the
    first failed row. ``validate=False`` sends the frame as it is (its columns must be internal
    names). ``rename`` maps sheet headers to columns, ``dayfirst`` reads slash dates day first
    (see `opus_nb.validate`). ``journal``: the run journal's folder. ``client``: the client to send
    with (default: the session's, see `opus_nb.login`).
    """
    api = current_client(client) if not dry_run else session_client(client)
    connection, prepared = _prepared(df, connection, api, validate=validate, rename=rename, dayfirst=dayfirst)
    option = _conflict(conflict, connection)
    run = _new_run(prepared)
    if dry_run:
        positions = list(prepared.records)
        bodies = [submit_body(connection.id, option, [prepared.records[p] for p in chunk]) for chunk in chunks(positions)]
        run.apply(Outcomes.same(positions, "not_sent", "dry run: not sent"))
        return Results.of(_frame(prepared, run), RunInfo("submit", requests=bodies))
    assert api is not None
    book = Journal(journal)
    try:
        run_id, done = _open_run(book, prepared, connection, option, resume)
        run.apply(done)
        book.record(run_id, _invalid(prepared))
        confirmed = set(done.pos)
        pending = [p for p in prepared.records if p not in confirmed]
        with tqdm(total=len(pending), unit="row", desc="submit", disable=not progress) as bar:
            job = _job(run, _JournalLedger(book, run_id), connection.id, option, stop_on_error, bar)
            batches = enumerate(chunks(pending), start=book.next_batch(run_id))
            run_batches(api, batches, job, int(concurrency or DEFAULT_CONCURRENCY))
        left = [p for p in pending if run.status[p] == "pending"]
        unsent = Outcomes.same(left, "not_sent", run.stopped or "not sent")
        run.apply(unsent)
        book.record(run_id, unsent)
        book.finish(run_id, run.stopped)
    finally:
        book.close()
    if run.stopped:
        warnings.warn(f"submit stopped: {run.stopped}; {len(left):,} row(s) not sent", SubmitStopped, stacklevel=2)
    return Results.of(_frame(prepared, run), RunInfo("submit", run_id=run_id, journal=book.path, stopped=run.stopped))


def _prepared(
    df: pd.DataFrame | ValidationReport, connection: Connection | None, api: OpusClient | None, **options: Any
) -> tuple[Connection, Prepared]:
    """The connection to send to (in the tenant's date-time format) and the rows, prepared: a report's
    as validated, a frame's validated now by the rules of the client's API generation (the older
    API's Created by and Modified by are optional)."""
    if not isinstance(df, ValidationReport):
        conn = tenant_connection(current_connection(connection), api)
        return conn, prepare(df, conn, api=api.api if api is not None else "graph", **options)
    if connection is not None and connection.id != df.connection.id:
        raise ValueError(
            f"this report was validated against the connection {df.connection.id}; submit it there, not to {connection.id}"
        )
    conn = tenant_connection(df.connection, api)
    return conn, prepare_report(df, datetime_format=conn.datetime_format)


@dataclass(frozen=True)
class _JournalLedger:
    """The journal, as a submit run's ledger."""

    book: Journal
    run_id: str

    def sending(self, batch: int, positions: list[int], after: Answered | None) -> int:
        return self.book.sending(self.run_id, batch, positions, after=after)

    def answered(self, answer: Answered) -> None:
        self.book.answered(self.run_id, answer)


def _job(run: _Run, ledger: _JournalLedger, connection_id: str, option: str, stop_on_error: bool, bar: Any) -> BatchJob:
    """A submit run's batches: the records of their rows, journalled, each answer applied."""
    records = run.prepared.records

    def send(calls: ConcurrentCalls, positions: list[int]) -> Awaitable[BatchAnswer]:
        return calls.submit_batch(connection_id, option, [records[p] for p in positions])

    def on_answer(answer: Answered) -> None:
        run.apply(answer.outcomes)
        bar.update(len(answer.outcomes.pos))
        _check_stop(run, answer, stop_on_error)

    def stop(reason: str) -> None:
        run.stopped = run.stopped or reason

    return BatchJob(send, "submitted", ledger, on_answer, lambda: run.stopped, stop, ahead=records.make_next)


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
        run.example = run.example or (failed[0] if failed else None)
        if len(run.early) == EARLY_BATCHES and all(all_failed for all_failed, _ in run.early):
            common = frozenset.intersection(*(parts for _, rows in run.early for parts in rows))
            if common:
                run.stopped = f"the first {EARLY_BATCHES} batches all failed for the same reason ({run.example}); {_fix(common)}"


def _fix(reasons: frozenset[str]) -> str:
    """What to do about a reason every early row failed for."""
    if any("format" in reason and "date" in reason for reason in reasons):
        return (
            "the tenant's date-time format (Opus > Settings > General settings) may differ from the connection's: "
            "sign in with datetime_format= (or set OPUS_DATETIME_FORMAT) and submit again"
        )
    return "fix it and submit again"


def reason_parts(message: str | None) -> frozenset[str]:
    """A failure message's parts with the values taken out, to tell "the same reason" apart.

    >>> sorted(reason_parts("timeCreated: '03/05/2014' is not a date; _Dept: 9 is not an option [request-id 7c1e-4a]"))
    ['_Dept: # is not an option', "timeCreated: '…' is not a date"]
    """
    parts = (_QUOTED.sub("'…'", part).strip() for part in _REQUEST_ID.sub("", message or "").split(";"))
    return frozenset(_NUMBER.sub("#", part) for part in parts if part)


def _frame(prepared: Prepared, run: _Run) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "rowKey": pd.array(run.prepared.row_keys, dtype="string"),
            "status": run.status,
            "http_status": pd.array(run.http_status, dtype="Int64"),
            "message": pd.array(run.message, dtype="string"),
            "batch": pd.array(run.batch, dtype="Int64"),
            "attempts": pd.array(run.attempts, dtype="Int64"),
        },
        index=pd.Index(prepared.labels),
    )
    frame["status"] = frame["status"].astype("string")
    return frame[RESULT_COLUMNS]
