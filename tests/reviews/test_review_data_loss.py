"""Decisions that are not lost or invented: a write the review store refuses changes nothing, a destroy acts on the
store's latest decisions (another kernel's included), and a kill -9 between the store and the audit log is settled
when the review is opened again."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from opus_nb.emulator import Emulator
from opus_nb.jobs._audit import AuditLineUnreadable, AuditLog, AuditWarning
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews import ReviewSession, ReviewStoreError
from tests.helpers import REPO
from tests.helpers.review import destroyed_keys

# 1. a write the store refuses --------------------------------------------------------------------


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """``path`` cannot be written, even by root (an immutable file), for the time of the block."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("no way to make a file read-only for root here (chattr +i)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


@contextmanager
def _broken(path: Path) -> Iterator[None]:
    """``path`` is no longer a database (overwritten by another program), for the time of the block."""
    kept = path.read_bytes()
    path.write_bytes(b"this is not a database " * 400)
    try:
        yield
    finally:
        path.write_bytes(kept)


@pytest.mark.parametrize("refusing", [_read_only, _broken], ids=["read-only", "broken"])
@pytest.mark.parametrize(
    "act",
    [
        lambda s: s.approve(["A2", "B1"]),
        lambda s: s.approve_shown(),
        lambda s: s.reject("A1", reason="keep it"),
        lambda s: s.undecide("A1"),
    ],
    ids=["approve", "approve_shown", "reject", "undecide"],
)
def test_a_decision_the_store_refuses_leaves_the_session_as_it_was(
    small: pd.DataFrame, tmp_path: Path, refusing: Callable[[Path], Iterator[None]], act: Callable[[ReviewSession], int]
) -> None:
    session = ReviewSession(small, sample_connection(), reviewer="Jane Smith", audit=tmp_path / "audit")
    session.approve("A1")
    counts, decisions = session.counts, session.decisions.copy()
    with refusing(tmp_path / "opus-review" / "reviews.sqlite"), pytest.raises(ReviewStoreError, match="reviews.sqlite"):
        act(session)
    assert session.counts == counts
    assert session.decisions.equals(decisions)
    assert list(session.destroyable["rowKey"]) == ["A1"], "destroyable: only what the store holds"
    assert list(pd.read_csv(session.export_approved(tmp_path / "approved.csv"))["rowKey"]) == ["A1"]
    logged = AuditLog(tmp_path / "audit").read()
    assert logged["rowKey"].tolist() == ["A1"], "nothing refused reaches the audit log"
    reopened = ReviewSession(small, sample_connection(), reviewer="Jane Smith")
    assert reopened.counts == counts


def test_an_audit_log_that_cannot_be_written_catches_up_with_the_next_decision(small: pd.DataFrame, tmp_path: Path) -> None:
    session = ReviewSession(small, sample_connection(), reviewer="Jane Smith", audit=tmp_path / "audit")
    session.approve("A1")
    log = tmp_path / "audit" / "destroy-audit.jsonl"
    kept = log.read_bytes()
    log.unlink()
    log.mkdir()  # the audit log cannot be appended to now
    with pytest.warns(AuditWarning, match="2 decision.* kept in the review store") as warned:
        session.approve(["A2", "B1"])
    assert [type(w.message).__name__ for w in warned] == ["AuditPending"]
    assert session.counts["approved"] == 3, "the store holds the decisions: they stand"
    log.rmdir()
    log.write_bytes(kept)
    session.reject("C1", reason="keep")
    entries = AuditLog(tmp_path / "audit").read()
    assert entries["rowKey"].tolist() == ["A1", "A2", "B1", "C1"] and entries["rowKey"].is_unique


# 2. a destroy from a stale view -----------------------------------------------------------------


def test_a_destroy_acts_on_the_latest_decisions_another_kernel_wrote(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    mine = ReviewSession(due_frame, conn, name="two-kernels", reviewer="Ann First", audit=tmp_path / "audit")
    gone = destroyed_keys(review_emu)
    k1, k2, k3, k4 = [k for k in mine.candidates["rowKey"] if k not in gone][:4]
    mine.approve([k1, k2, k3])
    other = ReviewSession(due_frame, conn, name="two-kernels", reviewer="Ann First", audit=tmp_path / "audit")
    other.reject(k2, reason="found an open matter")
    other.approve(k4)
    seen: list[str] = []
    mine.on_change(seen.append)
    checked = mine.destroy(3)  # a dry run: the same three in number, not the same three records
    assert set(checked["rowKey"]) == {k1, k3, k4}
    assert "decisions" in seen and mine.candidates.set_index("rowKey").loc[k2, "decision"] == "rejected"
    results = mine.destroy(3, dry_run=False)
    assert set(results["rowKey"]) == {k1, k3, k4} and set(results["status"]) == {"destroyed"}
    assert destroyed_keys(review_emu) - gone == {k1, k3, k4}, "the record another kernel rejected is not destroyed"


# 3. kill -9 between the store and the audit log ----------------------------------------------------

_BULK_APPROVE = """
import sys
import pandas as pd
from opus_nb.jobs._signin import sample_connection
from opus_nb.reviews import ReviewSession

n, store, audit = int(sys.argv[1]), sys.argv[2], sys.argv[3]
frame = pd.DataFrame({"rowKey": [f"K{i:06d}" for i in range(n)], "leafName": [f"file {i}.pdf" for i in range(n)]})
session = ReviewSession(frame, sample_connection(), name="bulk", reviewer="Jane Smith", store=store, audit=audit)
print("ready", flush=True)
session.approve_shown()
print("done", flush=True)
"""


def _stored(store: Path) -> int:
    """How many decisions the store holds now (0 while another process holds its write lock)."""
    try:
        with sqlite3.connect(f"file:{store / 'reviews.sqlite'}?mode=ro", uri=True, timeout=0.01) as db:
            return int(db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _logged(audit: Path) -> int:
    """How many complete lines the audit log holds now."""
    path = audit / "destroy-audit.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _approve_and_kill(n: int, folder: Path) -> tuple[int, int]:
    """Approve ``n`` records in a child process, SIGKILLed as soon as the store holds them; (stored, logged) then."""
    store, audit = folder / "store", folder / "audit"
    command = [sys.executable, "-c", _BULK_APPROVE, str(n), str(store), str(audit)]
    child = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 120
        while _stored(store) < n:
            assert child.poll() is None, "the child ended before the store held the decisions"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        child.kill()
        return _stored(store), _logged(audit)
    finally:
        child.kill()
        child.wait()


@pytest.mark.slow
def test_a_kill_9_between_the_store_and_the_audit_log_is_settled_on_reopening(tmp_path: Path) -> None:
    n = 50_000
    for attempt in range(5):  # until the kill lands after the store's write and before the audit log's
        folder = tmp_path / f"attempt-{attempt}"
        stored, logged = _approve_and_kill(n, folder)
        if logged < n:
            break
    assert (stored, logged < n) == (n, True), "the kill never landed between the two writes"
    frame = pd.DataFrame({"rowKey": [f"K{i:06d}" for i in range(n)]})
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        session = ReviewSession(frame, sample_connection(), name="bulk", store=folder / "store", audit=folder / "audit")
    assert {type(w.message) for w in warned} <= {AuditLineUnreadable}, "at most the line the kill cut short"
    assert session.counts["approved"] == n
    entries = AuditLog(folder / "audit").read()
    assert len(entries) == n and entries["rowKey"].is_unique, f"{len(entries):,} audit entries for {n:,} decisions"
    assert set(entries["result"]) == {"approved"} and set(entries["reviewer"]) == {"Jane Smith"}
    assert set(entries["rowKey"]) == set(session.history["rowKey"])
    again = ReviewSession(frame, sample_connection(), name="bulk", store=folder / "store", audit=folder / "audit")
    assert len(AuditLog(folder / "audit").read()) == n and again.counts == session.counts, "settled once, not twice"
