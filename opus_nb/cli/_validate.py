"""`opus-nb validate`: check a sheet against a connection from the shell.

```
opus-nb validate data-samples/records.csv --connection data-samples/connection.json \
    --choices data-samples/choices.json --terms data-samples/terms.json -o errors.csv \
    [--rename "Vendor=Vendor Name" ...] [--dayfirst]
```
Exit status 0 when every row passes, 1 when some do not, 2 on unusable input. The problems
file (.csv or .xlsx) is written by `opus_nb._exports.write_table`, safe from formula injection.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from opus_nb._exports import write_table
from opus_nb.records._connection import Connection, load_connection
from opus_nb.records._sheet import read_sheet
from opus_nb.records._validate import validate

__all__ = ["add_connection_arguments", "add_sheet_arguments", "connection_from_args", "register_validate", "table_path"]


def add_connection_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--connection, --choices, --terms and --datetime-format, shared by the sub-commands."""
    parser.add_argument("--connection", required=required, type=Path, help="the connection JSON file")
    parser.add_argument("--choices", type=Path, help="JSON file: choice column -> option names, in order")
    parser.add_argument("--terms", type=Path, help="terms.json: the classification terms")
    parser.add_argument("--datetime-format", default="%Y-%m-%d %H:%M:%S", help="the tenant's date-time format")


def add_sheet_arguments(parser: argparse.ArgumentParser) -> None:
    """--rename OLD=NEW (repeatable) and --dayfirst: how a sheet's headers and dates are read."""
    parser.add_argument(
        "--rename",
        action="append",
        type=_rename_pair,
        default=[],
        metavar="OLD=NEW",
        help="read the sheet's column OLD as the connection's column NEW (repeatable)",
    )
    parser.add_argument("--dayfirst", action="store_true", help="slash dates are day/month/year (03/04/2021 is 3 April)")


def _rename_pair(text: str) -> tuple[str, str]:
    old, sep, new = text.partition("=")
    if not sep or not old.strip() or not new.strip():
        raise argparse.ArgumentTypeError(f"expected OLD=NEW (a sheet header, '=', a connection column), not {text!r}")
    return old, new.strip()


def table_path(text: str) -> Path:
    """An output path for a table: a .csv or .xlsx file (argparse's ``type=``)."""
    path = Path(text)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise argparse.ArgumentTypeError(f"write to a .csv or .xlsx file, not {path.name!r}")
    return path


def connection_from_args(args: argparse.Namespace) -> Connection:
    return load_connection(args.connection, choices=args.choices, terms=args.terms, datetime_format=args.datetime_format)


def register_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("validate", help="check a sheet against a connection")
    parser.add_argument("sheet", type=Path, help="a .csv or .xlsx file")
    add_connection_arguments(parser)
    add_sheet_arguments(parser)
    parser.add_argument("-o", "--output", type=table_path, help="write every problem to this .csv or .xlsx file")
    parser.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    report = validate(read_sheet(args.sheet), connection_from_args(args), rename=dict(args.rename), dayfirst=args.dayfirst)
    print(report.counts_line())
    if not report.ok:
        print(report.summary().to_string(index=False))
    if args.output:
        write_table(report.errors, args.output, sheet_name="problems")
        print(f"problems written to {args.output}")
    return 0 if report.ok else 1
