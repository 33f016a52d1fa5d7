"""Due records: 50,000 due records in pages of 100 into a DataFrame, against the emulator.

    python bench/due.py [--records 50000] [--latency-ms 20]

Prints the time, the time per page beyond the injected latency (the client's overhead: request,
JSON, paging, and building the typed frame), the part of it that building the typed frame
takes (timed again on the same items, best of 3), and the same overhead for a bare httpx page
loop that only follows the paging tokens (the baseline), with their ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import timeit
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.served_emulator import served  # noqa: E402
from bench.submit import wire_frame  # noqa: E402
from opus_nb.client._answers import due_items, paging_token  # noqa: E402
from opus_nb.client._client import OpusClient  # noqa: E402
from opus_nb.client._credentials import ClientSecretCredential  # noqa: E402
from opus_nb.jobs._due import due_records, to_frame  # noqa: E402
from opus_nb.jobs._signin import sample_connection  # noqa: E402
from opus_nb.jobs._submit import submit  # noqa: E402
from opus_nb.records._connection import Connection  # noqa: E402

BEFORE = "2100-01-01"


def bare_pages(site: dict, token: str, conn_id: str) -> int:
    """Follow the paging tokens with plain httpx calls; the number of pages."""
    pages, start = 0, ""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            body = http.get(
                f"{site['url']}/records/connector/records",
                params={"id": conn_id, "disposalDueDate": f"{BEFORE} 00:00:00", "startIndex": start, "itemsPerPage": 100},
            ).json()
            pages += 1
            start = body.get("startIndex") or ""
            if not start or not body.get("queriedItems"):
                return pages


def raw_items(site: dict, client: OpusClient, conn: Connection) -> list[dict]:
    """The due items as the API returns them (no latency), to time the typed frame alone."""
    site["ask"]({"do": "latency", "ms": 0})
    items: list[dict] = []
    token = ""
    while True:
        reply = client.call(
            "due", params={"id": conn.id, "disposalDueDate": f"{BEFORE} 00:00:00", "startIndex": token, "itemsPerPage": 100}
        )
        items.extend(due_items(reply.body))
        token = paging_token(reply.body) or ""
        if not token:
            return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    conn = sample_connection()
    with served(0) as site, tempfile.TemporaryDirectory() as tmp:
        client = OpusClient(
            ClientSecretCredential(site["client_id"], site["secret"]), graph_url=site["url"], identity_url=site["identity_url"]
        )
        seeded = submit(
            wire_frame(args.records, "due"), conn, validate=False, progress=False, concurrency=4, journal=Path(tmp), client=client
        )
        assert (seeded.status == "submitted").all()
        site["ask"]({"do": "latency", "ms": args.latency_ms})
        start = time.perf_counter()
        due = due_records(conn, before=BEFORE, page_size=100, progress=False, client=client)
        wall = time.perf_counter() - start
        pages = -(-len(due) // 100) + (1 if len(due) % 100 == 0 else 0)
        items = raw_items(site, client, conn)
        frame = min(timeit.repeat(lambda: to_frame(items, conn), number=1, repeat=3))
        site["ask"]({"do": "latency", "ms": args.latency_ms})
        start = time.perf_counter()
        bare = bare_pages(site, client.tokens.get(), conn.id)
        bare_wall = time.perf_counter() - start
        client.close()
    ours = (wall - pages * latency) / pages * 1e3
    base = (bare_wall - bare * latency) / bare * 1e3
    typed = frame / pages * 1e3
    print(f"due records: {len(due):,} rows in {pages} pages of 100, {args.latency_ms:.0f} ms latency a page")
    print(
        f"  due_records(): {wall:6.2f} s; overhead beyond latency {ours:5.2f} ms/page: paging {ours - typed:5.2f}, "
        f"the typed frame {typed:4.2f}"
    )
    print(
        f"  bare httpx page loop: {bare_wall:6.2f} s; overhead {base:5.2f} ms/page; ratio {ours / base if base > 0 else float('nan'):4.2f}"
    )


if __name__ == "__main__":
    main()
