"""How fast the emulator ingests and lists records, against the bare HTTP stack it runs on.

    .venv/bin/python bench/emulator.py [--records 30000] [--clients 4]

The emulator runs as its own process (`python -m opus_nb.emulator --seed data-samples/`), as a
user would run it; the clients are plain httpx, one thread and one connection each, no injected
latency. Printed: seconds from launch until the emulator prints its URLs, records/s ingested (15 records
a request), due-record pages of 100 per second, and, as the baseline, requests/s to the emulator's smallest route (`GET /emulator`) on the same
server and clients, with the ratio of each figure to it (in requests).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BATCH = 15
PAGE = 100


def start_emulator() -> tuple[subprocess.Popen[str], str, float]:
    """Start `python -m opus_nb.emulator --seed data-samples/`; its URL and seconds until it printed it."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "opus_nb.emulator", "--seed", "data-samples/"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    seconds = time.perf_counter() - started
    match = re.search(r"http://127\.0\.0\.1:\d+", first)
    if match is None:
        proc.kill()
        raise SystemExit(f"the emulator did not start: {first!r}")
    return proc, match.group(0), seconds


def sign_in(url: str) -> dict[str, str]:
    app = httpx.post(f"{url}/emulator/apps", json={"scopes": ["records.readwrite.all"]}).json()
    form = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "scope": "records.readwrite.all",
    }
    token = httpx.post(f"{url}/identity/connect/token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def record(i: int) -> dict[str, Any]:
    return {
        "rowKey": f"bench-{i:08d}",
        "leafName": f"invoice-{i}.pdf",
        "termFullPath": "Finance/Accounts Payable",
        "timeCreated": "2012-03-04 05:06:07",
        "timeModified": "2013-03-04 05:06:07",
        "createdBy": "ann@contoso.com",
        "modifiedBy": "bob@contoso.com",
        "_Department": 1 + i % 6,
        "_Regions": "[1,3]",
        "_Record_%20_Owner": "[ann@contoso.com,legal@contoso.com]",
        "Contract%20_Value": i * 1.5,
    }


def in_threads(clients: int, work: Callable[[httpx.Client, int], int]) -> tuple[int, float]:
    """Run `work(client, index)` in `clients` threads; total of what they return, and seconds."""
    counts = [0] * clients
    limits = httpx.Limits(max_connections=1)

    def run(index: int) -> None:
        with httpx.Client(limits=limits, timeout=30) as client:
            counts[index] = work(client, index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pages", type=int, default=2_000, help="due-record pages to fetch in all")
    args = parser.parse_args()
    proc, url, startup_s = start_emulator()
    try:
        headers = sign_in(url)
        conn_id = httpx.get(f"{url}/emulator").json()["connections"][0]
        api = f"{url}/records/connector/records"
        n_requests = args.records // BATCH

        def baseline(client: httpx.Client, index: int) -> int:
            for _ in range(index, n_requests, args.clients):
                client.get(f"{url}/emulator").raise_for_status()
            return len(range(index, n_requests, args.clients))

        def submit(client: httpx.Client, index: int) -> int:
            sent = 0
            for batch in range(index, n_requests, args.clients):
                body = {
                    "id": conn_id,
                    "conflictOption": "Skip",
                    "confilictOption": "Skip",
                    "data": [record(batch * BATCH + j) for j in range(BATCH)],
                }
                response = client.post(api, json=body, headers=headers)
                if response.status_code != 201:
                    raise SystemExit(f"submit answered {response.status_code}: {response.text[:200]}")
                sent += BATCH
            return sent

        def pages(client: httpx.Client, index: int) -> int:
            return walk_pages(client, api, conn_id, headers, len(range(index, args.pages, args.clients)))

        base_n, base_s = in_threads(args.clients, baseline)
        rec_n, rec_s = in_threads(args.clients, submit)
        page_n, page_s = in_threads(args.clients, pages)
        one_n, one_s = in_threads(1, lambda client, _: walk_pages(client, api, conn_id, headers, args.pages // 4))
        base_rps = base_n / base_s
        print(f"emulator benchmark: {args.clients} clients, server in its own process, no injected latency")
        print(f"  start with --seed data-samples/: {startup_s:.2f} s until the URLs are printed")
        print(f"  baseline GET /emulator:    {base_rps:9.0f} requests/s")
        print(
            f"  submit, {BATCH} per request:    {rec_n / rec_s:9.0f} records/s  ({rec_n / BATCH / rec_s:6.0f} requests/s, "
            f"{rec_n / BATCH / rec_s / base_rps:.2f} x baseline)"
        )
        print(f"  due pages of {PAGE}:         {page_n / page_s:9.0f} pages/s    ({page_n / page_s / base_rps:.2f} x baseline)")
        print(f"  due pages, one client:     {one_n / one_s:9.0f} pages/s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def walk_pages(client: httpx.Client, api: str, conn_id: str, headers: dict[str, str], count: int) -> int:
    """Fetch `count` due-record pages of 100, following the paging token, starting over at the end."""
    token = None
    for _ in range(count):
        params: dict[str, Any] = {"id": conn_id, "disposalDueDate": "2030-01-01 00:00:00", "itemsPerPage": PAGE}
        if token:
            params["startIndex"] = token
        body = client.get(api, params=params, headers=headers).raise_for_status().json()
        if len(body["queriedItems"]) != PAGE and body["startIndex"] is not None:
            raise SystemExit("a short page before the end of the listing")
        token = body["startIndex"]
    return count


if __name__ == "__main__":
    main()
