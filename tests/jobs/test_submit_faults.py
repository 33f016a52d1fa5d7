"""The two fault tests of issue 4: a faulty service, and a submit process killed with SIGKILL then resumed."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb.client._retry import RetryPolicy
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._signin import login, login_emulator, logout
from opus_nb.jobs._submit import submit
from opus_nb.records._connection import load_connection
from tests.helpers.shell import CONN_ARGS, SAMPLES, Shell


def _connection():
    return load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")


def _rows(sheet: pd.DataFrame, n: int) -> pd.DataFrame:
    tiles = []
    for k in range(-(-n // len(sheet))):
        tile = sheet.copy()
        tile["Row Key"] = tile["Row Key"].map(lambda v, k=k: v if pd.isna(v) or not str(v).strip() else f"{str(v).strip()}-{k}")
        tiles.append(tile)
    return pd.concat(tiles, ignore_index=True).head(n)


@pytest.mark.slow
def test_faulty_service_ends_with_exactly_the_valid_rows(emu, sheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    conn = _connection()
    rows = _rows(sheet, 20_000)
    n_valid = len(rows.opus.validate(conn).valid_internal)
    assert 0.9 * len(rows) < n_valid < 0.98 * len(rows)
    # 40 ms a request keeps the run longer than a token's 5 s life, so tokens must be renewed mid-run
    emu.faults(latency_ms=40, error_rate=0.10, throttle_rate=0.05, retry_after_s=0.2, drop_rate=0.01, token_lifetime_s=5, seed=7)
    login_emulator(emu, connection=conn, retry=RetryPolicy(attempts=12, base=0.02, cap=0.5), directory=tmp_path / "app")
    try:
        results = rows.opus.submit(progress=False)
    finally:
        logout()
    stored = [r.row_key for r in emu.records()]
    submitted = results[results.status == "submitted"]
    assert len(stored) == len(set(stored)) == n_valid
    assert set(submitted["rowKey"]) == set(stored)
    assert len(submitted) == n_valid
    assert (results.status == "not_sent").sum() == len(rows) - n_valid
    assert results.status.isin(["submitted", "not_sent"]).all()
    faults = pd.Series([r.fault for r in emu.requests if r.fault]).value_counts()
    assert len(faults) >= 3, faults
    assert sum(r.path.endswith("/connect/token") and r.status == 200 for r in emu.requests) > 1
    assert results["attempts"].max() > 1


def test_killed_submit_resumes_without_resending_confirmed_batches(
    emu, sheet, tmp_path: Path, submits, shell: Shell, done_batches
) -> None:
    emu.faults(latency_ms=40)
    journal = tmp_path / "opus-journal"
    child = shell.start(
        "submit", str(SAMPLES / "records.csv"), *CONN_ARGS, "--concurrency", "2", "--journal", str(journal), "--quiet"
    )
    child.wait_until(lambda: done_batches(journal) >= 40, seconds=90)
    child.kill()
    book = Journal(journal)
    killed_run = book.runs().run_id[0]
    confirmed = len(book.confirmed(killed_run).pos)
    done = int((book.batches(killed_run).state == "done").sum())
    book.close()
    assert 40 <= done < 150
    time.sleep(0.2)
    requests_before = len(submits(emu))
    conn = _connection()
    n_valid = len(sheet.opus.validate(conn).valid_internal)
    login(
        client_id=shell.app.client_id,
        certificate=shell.app.certificate.pfx,
        password=shell.app.password,
        graph_url=emu.url,
        identity_url=emu.identity_url,
        env_file=None,
        connection=conn,
    )
    try:
        results = submit(sheet.reset_index(drop=True), resume=True, journal=journal, progress=False)
    finally:
        logout()
    after = submits(emu)[requests_before:]
    assert sum(r.records for r in after) == n_valid - confirmed
    stored = [r.row_key for r in emu.records()]
    assert len(stored) == len(set(stored)) == n_valid
    assert (results.status == "submitted").sum() == n_valid
    assert set(results[results.status == "submitted"].rowKey) == set(stored)
