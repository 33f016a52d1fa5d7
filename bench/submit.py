"""Submit throughput and client CPU against the emulator with 50 ms latency a request.

    python bench/submit.py [--rows 20000] [--latency-ms 50] [--concurrency 8 32] [--repeat 3]

For each concurrency: records/s and the ratio to the ideal 15 x concurrency / latency, held to
the bar of 0.9; and, as a figure only, the client's CPU microseconds per record, user and
system (the emulator runs in another process). Each figure is the best of ``--repeat`` runs
(one run at concurrency 1, which takes a minute), after a short warm-up run, since these
machines are shared and noisy. Two baselines run in the same process: threads of bare
`http.client` posting the same bodies (the rate this machine allows), and a bare httpx2 loop
(the CPU the same HTTP library spends with no journal and no results).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import opus_nb  # noqa: E402
from bench.served_emulator import REPO, served  # noqa: E402
from opus_nb.client._client import OpusClient  # noqa: E402
from opus_nb.client._credentials import ClientSecretCredential  # noqa: E402
from opus_nb.jobs._signin import sample_connection  # noqa: E402
from opus_nb.jobs._submit import DEFAULT_CONCURRENCY, submit  # noqa: E402

#: The least share of the ideal rate a run must reach, at every concurrency measured.
RATE_BAR = 0.9


def cpu() -> tuple[float, float]:
    """This process's user and system CPU seconds so far (all threads)."""
    t = os.times()
    return t.user, t.system


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = cpu()
    return now[0] - start[0], now[1] - start[1]


def wire_frame(rows: int, tag: str) -> pd.DataFrame:
    """``rows`` valid records (wire form, internal names) with fresh row keys."""
    conn = sample_connection()
    sheet = pd.read_csv(REPO / "data-samples" / "records.csv", dtype=str, keep_default_na=False, na_values=[""])
    records = opus_nb.to_records(sheet.loc[sheet.opus.validate(conn).valid_internal.index], conn)
    out = [dict(records[i % len(records)], rowKey=f"{tag}-{i:06d}") for i in range(rows)]
    return pd.DataFrame(out)


def run(site: dict, frame: pd.DataFrame, concurrency: int, journal: Path) -> tuple[float, tuple[float, float]]:
    client = OpusClient(
        ClientSecretCredential(site["client_id"], site["secret"]), graph_url=site["url"], identity_url=site["identity_url"]
    )
    client.sign_in()
    conn = sample_connection()
    start_wall, start_cpu = time.perf_counter(), cpu()
    results = submit(frame, conn, validate=False, concurrency=concurrency, progress=False, journal=journal, client=client)
    wall, used = time.perf_counter() - start_wall, since(start_cpu)
    client.close()
    assert (results.status == "submitted").all(), results.status.value_counts()
    return wall, used


def baseline_cpu(site: dict, frame: pd.DataFrame) -> tuple[float, float]:
    """CPU of a bare sequential httpx2 loop sending the same bodies."""
    client = OpusClient(
        ClientSecretCredential(site["client_id"], site["secret"]), graph_url=site["url"], identity_url=site["identity_url"]
    )
    token = client.tokens.get()
    records = [{k: v for k, v in r.items() if not pd.isna(v)} for r in frame.to_dict("records")]
    conn_id = site["connection_id"]
    with httpx2.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        start = cpu()
        for i in range(0, len(records), 15):
            http.post(
                f"{site['url']}/records/connector/records",
                json={"id": conn_id, "conflictOption": "Overwrite", "data": records[i : i + 15]},
            ).raise_for_status()
        used = since(start)
    client.close()
    return used


def baseline_rate(site: dict, frame: pd.DataFrame, concurrency: int) -> float:
    """Records/s of ``concurrency`` threads posting the same bodies over bare `http.client` (no journal, no retries)."""
    token = OpusClient(
        ClientSecretCredential(site["client_id"], site["secret"]), graph_url=site["url"], identity_url=site["identity_url"]
    ).tokens.get()
    records = [{k: v for k, v in r.items() if not pd.isna(v)} for r in frame.to_dict("records")]
    bodies = [
        json.dumps({"id": site["connection_id"], "conflictOption": "Overwrite", "data": records[i : i + 15]}).encode()
        for i in range(0, len(records), 15)
    ]
    address = httpx2.URL(site["url"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(chunk: list[bytes]) -> None:
        conn = http.client.HTTPConnection(address.host, address.port)
        for body in chunk:
            conn.request("POST", "/records/connector/records", body=body, headers=headers)
            conn.getresponse().read()
        conn.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(post, [bodies[i::concurrency] for i in range(concurrency)]))
    return len(records) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[DEFAULT_CONCURRENCY, 32])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    with served(args.latency_ms) as site, tempfile.TemporaryDirectory() as tmp:
        print(f"submit: {args.rows:,} valid records, {args.latency_ms:.0f} ms latency a request")
        run(site, wire_frame(600, "warm-up"), DEFAULT_CONCURRENCY, Path(tmp) / "warm-up")
        cpu_per_record = {}
        for n in args.concurrency:
            runs = [
                run(site, wire_frame(args.rows, f"c{n}-{k}"), n, Path(tmp) / f"journal-{n}-{k}")
                for k in range(1 if n == 1 else args.repeat)
            ]
            rate = max(args.rows / wall for wall, _ in runs)
            user, system = min(((u / args.rows * 1e6, s / args.rows * 1e6) for _, (u, s) in runs), key=sum)
            cpu_per_record[n] = user + system
            ideal = 15 * n / latency
            verdict = "meets" if rate / ideal >= RATE_BAR else "MISSES"
            print(
                f"  concurrency {n:>2}: {rate:8.0f} records/s  ideal {ideal:6.0f}  ratio {rate / ideal:5.2f} "
                f"({verdict} the bar of {RATE_BAR})  client CPU {user:5.1f} us/record user + {system:4.1f} system "
                f"= {user + system:5.1f}  (best of {len(runs)})"
            )
        n = max(args.concurrency)
        rate = baseline_rate(site, wire_frame(args.rows, f"bare{n}"), n)
        print(
            f"  baseline, {n} thread(s) of bare http.client: {rate:8.0f} records/s  ratio {rate / (15 * n / latency):5.2f}"
            "  (the rate this machine, with the emulator on it, allows)"
        )
        frame = wire_frame(min(args.rows, 3000), "base")
        base_user, base_system = (u / len(frame) * 1e6 for u in baseline_cpu(site, frame))
        print(
            f"  baseline, a bare httpx2 loop (no journal, no results): {base_user:5.1f} us/record user + "
            f"{base_system:4.1f} system = {base_user + base_system:5.1f}; "
            f"submit at concurrency {n} spends {cpu_per_record[n] / (base_user + base_system):4.2f} of it"
        )
        print("  (system time on loopback includes kernel work done for the emulator's side of each socket)")


if __name__ == "__main__":
    main()
