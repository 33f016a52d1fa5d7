"""`opus-nb demo` (and `make demo`): the main job end to end on the sample data.

It loads `data-samples/connection.json`, validates `data-samples/records.xlsx`, prints the
validation summary and a few of the records that would be submitted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from opus_nb.connection import load_connection
from opus_nb.sheets import read_sheet
from opus_nb.validation import validate

__all__ = ["register", "run_demo"]

SAMPLES = Path(__file__).resolve().parent.parent / "data-samples"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run the main job end to end on the sample data")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder with the sample files")
    parser.set_defaults(run=lambda args: run_demo(args.samples))


def run_demo(samples: Path = SAMPLES) -> int:
    """Validate the sample sheet and show what would be sent."""
    conn = load_connection(samples / "connection.json", choices=samples / "choices.json",
                           terms=samples / "terms.json")
    print(f"connection {conn.id}: {len(conn.columns)} columns")
    df = read_sheet(samples / "records.xlsx")
    report = validate(df, conn)
    print(f"\n== validation of records.xlsx\n{report.counts_line()}")
    print(report.summary().to_string(index=False))
    print("\n== first problems")
    print(report.errors[["row", "column", "value", "rule"]].head(8).to_string(index=False))
    _, first = next(report.batches(3))
    print("\n== the first records as they would be submitted")
    print(json.dumps(first, indent=2, ensure_ascii=False))
    return 0
