"""Benchmark: validate + encode a large sheet, against a naive per-row loop in the same run.

    .venv/bin/python bench/validate.py [--rows 1000000] [--naive-rows 100000]

The frame looks like a CSV export of the sample connection (every cell text, ~5% of rows
broken in one way or another, messy-but-valid cells elsewhere). The library path is the public
API: ``df.opus.validate(conn)`` then every record of ``report.batches(10_000)``. The naive path
checks each cell and builds each dict in a Python loop, as a hand-written script would; it runs
on fewer rows (it is slow) and is compared by rows per second. Each is timed ``--repeat`` times and
the best run counts, as `timeit` does. Peak memory is the largest rise in resident memory during
one library run, against the input frame's own size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import opus_nb as opus  # noqa: E402

SAMPLES = ROOT / "data-samples"
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")


def synthetic(n: int, conn: opus.Connection, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    terms = sorted(conn.term_paths or ())
    created = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 13 * 365 * 86400, n), unit="s")
    modified = created + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")
    departments = np.array(list(conn.column("Department").choices or ()) + ["finance", " it ", "3"])
    regions = np.array(["Europe", "Europe; Asia Pacific", "1,3", "[2,4]", "North America", ""])
    owners = np.array([f"user{i}@contoso.com" for i in range(300)] + ["Ann Lee <ann.lee@contoso.com>"])
    frame = pd.DataFrame(
        {
            "Row Key": pd.Series(np.arange(n)).map("R{:07d}".format),
            "Name": pd.Series(rng.integers(0, 10**6, n)).map("Document {}.pdf".format),
            "Classification": np.array(terms, dtype=object)[rng.integers(0, len(terms), n)],
            "Created time": created.strftime("%Y-%m-%d %H:%M:%S"),
            "Modified time": modified.strftime("%Y-%m-%d %H:%M:%S"),
            "Created by": np.array(["ann", "bob", "carla", "dev"])[rng.integers(0, 4, n)],
            "Modified by": np.array(["ann", "bob", "carla", "dev"])[rng.integers(0, 4, n)],
            "Vendor Name": np.array(["Contoso Ltd", "Fabrikam", "Northwind ", "Tailspin"])[rng.integers(0, 4, n)],
            "Description": "Scanned copy of the signed original",
            "Document Date": created.strftime("%Y-%m-%d"),
            "Department": departments[rng.integers(0, len(departments), n)],
            "Regions": regions[rng.integers(0, len(regions), n)],
            "Record Owner": owners[rng.integers(0, len(owners), n)],
            "Contract Value": pd.Series(rng.integers(100, 10**7, n) / 100).astype(str),
            "Business Area": np.array(["Corporate/Finance", "Corporate / Legal", "Field/Sales"])[rng.integers(0, 3, n)],
        }
    )
    bad = rng.choice(n, size=n // 20, replace=False)
    faults = [
        ("Department", "Finanse"),
        ("Created time", "next Tuesday"),
        ("Contract Value", "12 EUR"),
        ("Record Owner", "bob"),
        ("Classification", "Finance//Audit"),
        ("Regions", "Mars"),
        ("Name", ""),
        ("Modified time", "2001-01-01 00:00:00"),
    ]
    for i, (column, value) in enumerate(faults):
        frame.loc[bad[i :: len(faults)], column] = value
    return frame.astype("str")


def naive(frame: pd.DataFrame, conn: opus.Connection) -> tuple[int, int]:
    """A hand-written script: check each cell of each row, build each record."""
    by_header = {h: conn.column(h) for h in frame.columns}
    choice_maps = {c.internal_name: {o.lower(): i + 1 for i, o in enumerate(c.choices or ())} for c in conn.columns if c.choices}
    terms = {t.lower() for t in conn.term_paths or ()}
    good = bad = 0
    seen: set[str] = set()
    for row in frame.itertuples(index=False):
        record: dict[str, object] = {}
        ok = True
        for header, value in zip(frame.columns, row, strict=True):
            col = by_header[header]
            text = value.strip()
            if not text:
                ok &= not col.required
                continue
            kind = col.type.value
            try:
                if kind == "DateTime":
                    record[col.internal_name] = dt.datetime.fromisoformat(text).strftime(conn.datetime_format)
                elif kind == "Number":
                    record[col.internal_name] = float(text)
                elif kind == "SingleChoice":
                    record[col.internal_name] = choice_maps[col.internal_name].get(text.lower()) or int(text)
                elif kind == "MultipleChoice":
                    items = [i.strip() for i in text.strip("[]").replace(";", ",").split(",")]
                    record[col.internal_name] = (
                        "[" + ",".join(str(choice_maps[col.internal_name].get(i.lower()) or int(i)) for i in items) + "]"
                    )
                elif kind == "PeopleOrGroup":
                    found = EMAIL.findall(text)
                    ok &= bool(found)
                    record[col.internal_name] = "[" + ",".join(found) + "]"
                elif kind == "Taxonomy":
                    parts = [p.strip() for p in text.split("/")]
                    ok &= all(parts) and (col.internal_name != "termFullPath" or "/".join(parts).lower() in terms)
                    record[col.internal_name] = "/".join(parts)
                else:
                    ok &= "\n" not in text
                    record[col.internal_name] = text
            except ValueError:
                ok = False
        key = str(record.get("rowKey"))
        ok &= key not in seen and str(record.get("timeModified", "")) >= str(record.get("timeCreated", ""))
        seen.add(key)
        good += ok
        bad += not ok
    return good, bad


def library(frame: pd.DataFrame, conn: opus.Connection) -> tuple[int, int]:
    report = frame.opus.validate(conn)
    sent = sum(len(records) for _, records in report.batches(10_000))
    return sent, len(report.invalid)


class PeakRSS:
    """Samples resident memory in a thread; `.peak` is the highest rise above the start."""

    def __enter__(self) -> PeakRSS:
        self._proc = psutil.Process()
        self._start = self._proc.memory_info().rss
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss - self._start)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; the best counts (shared machines are noisy)")
    args = parser.parse_args()
    conn = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")
    frame = synthetic(args.rows, conn)
    size = frame.memory_usage(deep=True).sum()
    print(f"input: {len(frame):,} rows x {frame.shape[1]} columns, {size / 2**20:,.0f} MiB")

    with PeakRSS() as memory:
        sent, rejected = library(frame, conn)
    times = [_timed(library, frame, conn) for _ in range(args.repeat)]
    lib_rate = len(frame) / min(times)
    print(
        f"opus_nb validate + encode: best of {args.repeat} {min(times):.2f} s, {lib_rate:,.0f} rows/s "
        f"({sent:,} records, {rejected:,} invalid rows)"
    )
    print(f"peak memory rise: {memory.peak / 2**20:,.0f} MiB = {memory.peak / size:.2f}x the input frame")

    sample = frame.iloc[: args.naive_rows]
    good, bad = naive(sample, conn)
    naive_times = [_timed(naive, sample, conn) for _ in range(args.repeat)]
    naive_rate = len(sample) / min(naive_times)
    print(
        f"naive per-row loop on {len(sample):,} rows: best of {args.repeat} {min(naive_times):.2f} s, "
        f"{naive_rate:,.0f} rows/s ({good:,} records, {bad:,} invalid rows)"
    )
    print(f"ratio: {lib_rate / naive_rate:.1f}x the naive loop")


def _timed(work: Callable[[pd.DataFrame, opus.Connection], object], frame: pd.DataFrame, conn: opus.Connection) -> float:
    start = time.perf_counter()
    work(frame, conn)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
