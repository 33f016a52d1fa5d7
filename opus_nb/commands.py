"""`opus-nb validate`: check a sheet against a connection from the shell.

```
opus-nb validate data-samples/records.csv --connection data-samples/connection.json \
    --choices data-samples/choices.json --terms data-samples/terms.json -o errors.csv
```
Exit status 0 when every row passes, 1 when some do not, 2 on unusable input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from opus_nb.connection import Connection, load_connection
from opus_nb.sheets import read_sheet
from opus_nb.validation import validate

__all__ = ["add_connection_arguments", "connection_from_args", "register_validate"]


def add_connection_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--connection, --choices, --terms and --datetime-format, shared by the sub-commands."""
    parser.add_argument("--connection", required=required, type=Path, help="the connection JSON file")
    parser.add_argument("--choices", type=Path, help="JSON file: choice column -> option names, in order")
    parser.add_argument("--terms", type=Path, help="terms.json: the classification terms")
    parser.add_argument("--datetime-format", default="%Y-%m-%d %H:%M:%S", help="the tenant's date-time format")


def connection_from_args(args: argparse.Namespace) -> Connection:
    return load_connection(args.connection, choices=args.choices, terms=args.terms,
                           datetime_format=args.datetime_format)


def register_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("validate", help="check a sheet against a connection")
    parser.add_argument("sheet", type=Path, help="a .csv or .xlsx file")
    add_connection_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, help="write every problem to this CSV file")
    parser.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    report = validate(read_sheet(args.sheet), connection_from_args(args))
    print(report.counts_line())
    if not report.ok:
        print(report.summary().to_string(index=False))
    if args.output:
        report.errors.to_csv(args.output, index=False)
        print(f"problems written to {args.output}")
    return 0 if report.ok else 1
