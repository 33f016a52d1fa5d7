"""Benchmark: the README's main path, validate -> report.submit, against validate -> report.valid -> submit.

    .venv/bin/python bench/main_path.py [--rows 200000] [--repeat 3]

Both paths start from the same sheet (bench/validate.py's CSV-like frame of the sample connection)
and end with the same request bodies (a dry run, so the network is not timed). The first sends the
report's valid rows as validated; the second, as the README's path was written before, takes the
coerced valid rows under display names and hands them to ``submit``, which maps the headers back and
validates every cell again. Each is timed ``--repeat`` times, best run counts; the ratio is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import opus_nb as opus  # noqa: E402
from bench.validate import SAMPLES, synthetic  # noqa: E402


def best(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, sent = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        sent = run()
        times.append(time.perf_counter() - start)
    return min(times), sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    conn = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")
    sheet = synthetic(args.rows, conn)

    def report_submit() -> int:
        report = sheet.opus.validate(conn)
        return sum(len(b["data"]) for b in report.submit(dry_run=True, progress=False).run.requests)

    def valid_then_submit() -> int:
        report = sheet.opus.validate(conn)
        return sum(len(b["data"]) for b in opus.submit(report.valid, conn, dry_run=True, progress=False).run.requests)

    fast, sent = best(report_submit, args.repeat)
    slow, sent_before = best(valid_then_submit, args.repeat)
    assert sent == sent_before, (sent, sent_before)
    print(f"{args.rows:,} rows, {sent:,} records in the request bodies (best of {args.repeat})")
    print(f"validate -> report.submit:          {fast:6.2f} s  {args.rows / fast:>10,.0f} rows/s")
    print(f"validate -> report.valid -> submit: {slow:6.2f} s  {args.rows / slow:>10,.0f} rows/s")
    print(f"ratio: the main path takes {fast / slow:.2f} of the time ({slow / fast:.2f}x as fast)")


if __name__ == "__main__":
    main()
