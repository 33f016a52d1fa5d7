"""`opus-nb submit`, `opus-nb due` and `opus-nb destroy`: the Opus jobs from the shell.

```
opus-nb submit data-samples/records.csv --connection data-samples/connection.json \
    --choices data-samples/choices.json -o results.csv [--resume] [--dry-run]
opus-nb due --before 2026-01-01 --connection data-samples/connection.json -o due.csv
opus-nb destroy --from approved.csv --connection data-samples/connection.json --yes
```
Sign-in settings come from the environment or a ``.env`` file (``OPUS_CLIENT_ID``,
``OPUS_CERTIFICATE``, ``OPUS_CERTIFICATE_PASSWORD`` or ``OPUS_CLIENT_SECRET``, ``OPUS_REGION``
or ``OPUS_GRAPH_URL`` and ``OPUS_IDENTITY_URL``; on a company network ``OPUS_CA_FILE`` or
``--ca-file``, and ``HTTPS_PROXY`` or ``--proxy``). Exit status 0 when every row went through,
1 when some did not, 2 on unusable input or a failed sign-in. The files a command writes (``-o``,
``--audit``) and the reviewer's name are checked before anything is sent, so a path that cannot be
written never leaves a submit or destroy done and its results lost.
"""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from opus_nb._errors import ConfigurationError, ConfirmationRequired, SheetError
from opus_nb._exports import restore, write_table
from opus_nb.cli._validate import add_connection_arguments, add_sheet_arguments, connection_from_args
from opus_nb.client._client import OpusClient
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER, REVIEWER_VARIABLE, reviewer_from_env, reviewer_name
from opus_nb.jobs._destroy import destroy
from opus_nb.jobs._due import due_records
from opus_nb.jobs._journal import DEFAULT_FOLDER
from opus_nb.jobs._signin import login
from opus_nb.jobs._submit import submit
from opus_nb.records._sheet import read_sheet

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``submit``, ``due`` and ``destroy`` sub-commands."""
    p = sub.add_parser("submit", help="validate a sheet and submit its valid rows to Opus")
    p.add_argument("sheet", type=Path, help="a .csv or .xlsx file")
    add_connection_arguments(p)
    add_sheet_arguments(p)
    p.add_argument("--conflict", choices=["skip", "overwrite"], help="when a rowKey exists (default: the connection's)")
    p.add_argument("--concurrency", type=int, help="batches in flight at once")
    p.add_argument("--resume", action="store_true", help="continue the last unfinished run of this sheet")
    p.add_argument("--dry-run", action="store_true", help="send nothing; write the request bodies with -o")
    p.add_argument("--stop-on-error", action="store_true", help="stop at the first failed row")
    p.add_argument("--journal", type=Path, default=Path(DEFAULT_FOLDER), help="the run journal's folder")
    _common(p)
    p.set_defaults(run=_run_submit)

    p = sub.add_parser("due", help="the records due for disposal, as CSV")
    p.add_argument("--before", required=True, help="due before this date (and time)")
    add_connection_arguments(p)
    p.add_argument("--page-size", type=_page_size, default=100, help="records a page, from 1 to 100 (default 100)")
    _common(p)
    p.set_defaults(run=_run_due)

    p = sub.add_parser("destroy", help="mark approved records Destroyed in Opus")
    p.add_argument("--from", dest="source", type=Path, required=True, help="a CSV or xlsx with a rowKey column")
    add_connection_arguments(p, required=False)
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    p.add_argument("--reviewer", help="who approved: a person's name (default: OPUS_REVIEWER)")
    p.add_argument("--review", help="the review these records were approved in (written to every audit entry)")
    p.add_argument("--no-recheck", action="store_true", help="do not check again that each record is still due")
    p.add_argument("--before", help="re-check against records due before this (default: now)")
    p.add_argument("--audit", type=Path, default=Path(DEFAULT_AUDIT_FOLDER), help="the audit log's folder")
    p.add_argument("--concurrency", type=int, help="requests in flight at once (default 4)")
    _common(p)
    p.set_defaults(run=_run_destroy)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=Path, help="write the results to this CSV file")
    p.add_argument("--env-file", type=Path, default=Path(".env"), help="sign-in settings (default: .env)")
    p.add_argument("--region", help="data center code, e.g. us, au, gov")
    p.add_argument("--api", choices=["graph", "legacy"], help="API generation (default: graph)")
    p.add_argument("--ca-file", type=Path, help="CA certificates (PEM) to trust besides the OS store (default: OPUS_CA_FILE)")
    p.add_argument("--proxy", help="a proxy URL for every request (default: OPUS_PROXY, else HTTPS_PROXY)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _page_size(text: str) -> int:
    """``--page-size``: a whole number from 1 to 100, as Opus's itemsPerPage takes."""
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 100, not {text!r}")
    return size


def _check_output(path: Path | None, option: str, *, table: bool) -> None:
    """Raise `ConfigurationError` unless ``path`` (when given) can be written: before anything is sent."""
    if path is None:
        return
    if "\x00" in str(path):
        raise ConfigurationError(option, "a file path", f"{str(path)!r}, which holds a NUL character")
    if table and path.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigurationError(option, "a .csv or .xlsx file", repr(path.name))
    if path.is_dir():
        raise ConfigurationError(option, "a file to write", f"{path}, a folder")
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        raise ConfigurationError(option, "a file that can be written", f"{path} ({exc.strerror or exc})") from None
    if not existed:
        path.unlink()


def _check_audit(folder: Path) -> None:
    """Raise `ConfigurationError` unless the audit log can be written in ``folder``: before anything is sent."""
    if "\x00" in str(folder):
        raise ConfigurationError("--audit", "a folder", f"{str(folder)!r}, which holds a NUL character")
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError("--audit", "a folder for the audit log", f"{folder}, a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError("--audit", "a folder that can be written", f"{folder} ({exc.strerror or exc})") from None
    for name in ("destroy-audit.jsonl", "destroy-audit.csv"):
        _check_output(folder / name, "--audit", table=False)


def _client(args: argparse.Namespace) -> OpusClient:
    return login(region=args.region, api=args.api, env_file=args.env_file, ca_file=args.ca_file, proxy=args.proxy)


def _write(frame: pd.DataFrame, output: Path | None, what: str) -> None:
    if output is not None:
        try:
            write_table(frame, output)
        except ValueError as exc:
            raise SheetError(str(output), str(exc)) from None
        print(f"{what} written to {output}")


def _counts(frame: pd.DataFrame) -> str:
    counts = frame["status"].value_counts()
    return ", ".join(f"{n:,} {status}" for status, n in counts.items())


def _run_submit(args: argparse.Namespace) -> int:
    _check_output(args.output, "-o", table=not args.dry_run)
    connection = connection_from_args(args)
    df = read_sheet(args.sheet)
    with nullcontext() if args.dry_run else _client(args) as client:
        results = submit(
            df,
            connection,
            conflict=args.conflict,
            concurrency=args.concurrency,
            progress=not args.quiet,
            resume=args.resume,
            dry_run=args.dry_run,
            stop_on_error=args.stop_on_error,
            journal=args.journal,
            rename=dict(args.rename),
            dayfirst=args.dayfirst,
            client=client,
        )
    print(f"{len(results):,} rows: {_counts(results)}")
    if results.run.stopped:
        print(f"stopped early: {results.run.stopped}")
    if args.dry_run and args.output is not None:
        args.output.write_text(json.dumps(results.run.requests, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"{len(results.run.requests)} request bodies written to {args.output}")
    else:
        _write(results.reset_index(names="row"), args.output, "results")
    if results.run.run_id is not None:
        print(f"run {results.run.run_id} journalled in {results.run.journal}")
    return 0 if (results["status"] == "submitted").sum() + int(args.dry_run) * len(results) == len(results) else 1


def _run_due(args: argparse.Namespace) -> int:
    connection = connection_from_args(args)
    with _client(args) as client:
        due = due_records(connection, before=args.before, page_size=args.page_size, progress=not args.quiet, client=client)
    print(f"{len(due):,} record(s) due before {args.before}")
    _write(due, args.output, "due records")
    return 0


def _run_destroy(args: argparse.Namespace) -> int:
    if not args.yes:
        raise ConfirmationRequired("destroy marks records Destroyed in Opus, which cannot be undone: add --yes to go ahead")
    if not args.no_recheck and args.connection is None:
        raise ConfigurationError(
            "--connection", "the connection file (to re-check that each record is still due), or --no-recheck"
        )
    reviewer = reviewer_name(
        args.reviewer if args.reviewer is not None else reviewer_from_env(),
        how=f'give --reviewer "Your Name" (or set {REVIEWER_VARIABLE})',
    )
    _check_output(args.output, "-o", table=True)
    _check_audit(args.audit)
    frame = read_sheet(args.source).map(restore)  # a list opus_nb wrote (approved, due) had its cells neutralised
    connection = connection_from_args(args) if args.connection is not None else None
    with _client(args) as client:
        results = destroy(
            frame,
            connection,
            confirm=True,
            reviewer=reviewer,
            review=args.review,
            recheck=not args.no_recheck,
            before=args.before,
            audit=args.audit,
            concurrency=args.concurrency,
            progress=not args.quiet,
            client=client,
        )
    print(f"{len(results):,} record(s): {_counts(results)}; audit log {results.run.audit}")
    outcomes = zip(results["rowKey"], results["status"], results["message"], strict=True)
    for row, (key, status, message) in enumerate(outcomes, start=1):
        if status != "destroyed":
            print(f"  {f'row {row} (blank rowKey)' if pd.isna(key) else key}: {status}: {message}")
    _write(results, args.output, "results")
    return 0 if (results["status"] == "destroyed").all() else 1
