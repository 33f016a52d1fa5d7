"""The journal under misuse: two processes on one run, a resume with nothing to resume, a damaged file."""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from pathlib import Path

import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb._errors import JournalError
from opus_nb.jobs._journal import Journal, NothingToResume, fingerprint
from opus_nb.jobs._outcomes import Outcomes
from opus_nb.jobs._submit import submit
from tests.helpers.shell import CONN_ARGS, SAMPLES, Shell


def test_a_run_being_sent_by_another_process_cannot_be_resumed_at_the_same_time(
    client, emu, sheet, tmp_path, submits, shell: Shell, done_batches
) -> None:
    emu.faults(latency_ms=40)
    journal = tmp_path / "opus-journal"
    other = shell.start(
        "submit", str(SAMPLES / "records.csv"), *CONN_ARGS, "--concurrency", "1", "--journal", str(journal), "--quiet"
    )
    try:
        other.wait_until(lambda: done_batches(journal) >= 5, seconds=60)
        with pytest.raises(JournalError, match="being sent by another process"):
            submit(sheet.reset_index(drop=True), resume=True, journal=journal, progress=False)
    finally:
        other.kill()
    time.sleep(0.3)  # the emulator logs a request when its (held back) answer leaves
    with Journal(journal) as book:
        confirmed = len(book.confirmed(book.runs().run_id[0]).pos)
    sent_before = sum(r.records for r in submits(emu))
    assert sent_before - confirmed <= 15  # only the batch in flight at the kill: the refused resume sent nothing
    emu.faults(latency_ms=0)
    results = submit(sheet.reset_index(drop=True), resume=True, journal=journal, progress=False)  # the lock died with it
    n_valid = int((results.status == "submitted").sum())
    assert sum(r.records for r in submits(emu)) - sent_before == n_valid - confirmed
    assert len(emu.records()) == n_valid


def test_resume_with_no_run_to_resume_says_so_and_starts_a_new_run(client, emu, sheet, tmp_path) -> None:
    with pytest.warns(NothingToResume, match="no earlier run of these rows"):
        results = submit(sheet, resume=True, journal=tmp_path / "j", progress=False)
    assert (results.status == "submitted").sum() == len(emu.records()) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", NothingToResume)
        again = submit(sheet, resume=True, journal=tmp_path / "j", progress=False)
    assert again.run.run_id == results.run.run_id


def test_one_run_is_claimed_by_one_journal_at_a_time(tmp_path: Path) -> None:
    first = Journal(tmp_path / "j")
    run = first.start("submit", fingerprint("c", keys=["k"]), "c", {}, [0], ["k"])
    second = Journal(tmp_path / "j")
    with pytest.raises(JournalError, match=f"run '{run}' is being sent by another process"):
        second.claim(run)
    first.close()
    second.claim(run)
    second.close()


def _damage(path: Path) -> None:
    """Overwrite every third page after the first two with random bytes."""
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    for start in range(2 * page, len(data) - page, 3 * page):
        data[start : start + page] = os.urandom(page)
    path.write_bytes(bytes(data))


def test_a_damaged_journal_is_a_journal_error_not_a_sqlite_error(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    with Journal(folder) as book:
        run = book.start("submit", "print", "c", {}, list(range(3000)), [f"k{i}" for i in range(3000)])
        for batch in range(1, 201):
            book.sending(run, batch, list(range(15)))
            book.record(run, Outcomes.same(list(range(15)), "not_sent", "x" * 200))
    _damage(folder / "journal.sqlite")
    with pytest.raises(JournalError, match="damaged") as raised:
        with Journal(folder) as book:
            book.results(run)
            book.runs()
    assert not isinstance(raised.value, sqlite3.Error)
    assert str(folder / "journal.sqlite") in str(raised.value)


def test_resuming_from_a_damaged_journal_is_a_journal_error(client, sheet, tmp_path: Path) -> None:
    folder = tmp_path / "j"
    submit(sheet, journal=folder, progress=False)
    _damage(folder / "journal.sqlite")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NothingToResume)
        with pytest.raises(JournalError, match="damaged"):
            submit(sheet, resume=True, journal=folder, progress=False)
