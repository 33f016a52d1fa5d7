"""The run journal on its own: what a run writes, what a resumed run replays, what a reader reloads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from opus_nb._errors import JournalError
from opus_nb.jobs._journal import Journal, JournalSetAside, fingerprint
from opus_nb.jobs._outcomes import Answered, Outcomes


def _answer(
    entry: int,
    batch: int,
    pos: list[int],
    status: str = "submitted",
    *,
    confirmed: bool = True,
    http_status: int = 201,
    message: str | None = None,
) -> Answered:
    outcomes = Outcomes.same(pos, status, message, http_status=http_status, batch=batch, attempts=1, confirmed=confirmed)
    return Answered(entry, batch, http_status, 1, outcomes)


@pytest.fixture()
def book(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal(tmp_path / "opus-journal")
    yield journal
    journal.close()


def test_a_batch_is_sending_before_its_answer_and_done_after(book: Journal) -> None:
    run = book.start("submit", "print", "conn", {}, ["a", "b", "c"], ["k1", "k2", "k3"])
    entry = book.sending(run, 1, [0, 1])
    batches = book.batches(run)
    assert batches[["batch", "state"]].values.tolist() == [[1, "sending"]]
    assert batches.positions[0] == [0, 1]
    assert book.confirmed(run).pos == []
    book.answered(run, _answer(entry, 1, [0, 1]))
    done = book.batches(run)
    assert done[["batch", "state", "http_status", "attempts"]].values.tolist() == [[1, "done", 201, 1]]
    assert done.positions[0] == [0, 1]  # the answer keeps the positions the sending wrote
    assert sorted(book.confirmed(run).pos) == [0, 1]


def test_the_answer_to_one_batch_and_the_sending_of_the_next_are_one_write(book: Journal) -> None:
    run = book.start("submit", "print", "conn", {}, list(range(4)), ["k"] * 4)
    first = book.sending(run, 1, [0, 1])
    second = book.sending(run, 2, [2, 3], after=_answer(first, 1, [0, 1]))
    assert second != first
    assert book.batches(run).state.tolist() == ["done", "sending"]


def test_a_row_counts_its_latest_outcome_and_only_confirmed_rows_are_not_sent_again(book: Journal) -> None:
    run = book.start("submit", "print", "conn", {}, ["a", "b", "c"], ["k1", "k2", "k3"])
    book.record(run, Outcomes.same([0, 1, 2], "not_sent", "invalid: Name: a value is required"))
    entry = book.sending(run, 1, [0, 1])
    book.answered(run, _answer(entry, 1, [0, 1], "failed", confirmed=False, http_status=503, message="HTTP 503"))
    entry = book.sending(run, 2, [0])
    book.answered(run, _answer(entry, 2, [0]))
    confirmed = book.confirmed(run)
    assert confirmed.pos == [0]
    assert confirmed.batch == [2]
    results = book.results(run)
    assert results.status.tolist() == ["submitted", "failed", "not_sent"]
    assert results.message.tolist()[1:] == ["HTTP 503", "invalid: Name: a value is required"]
    assert results.batch.tolist()[:2] == [2, 1]
    assert pd.isna(results.batch.iloc[2])


def test_results_reload_the_input_index_and_keys(book: Journal) -> None:
    labels = [10, "x", 3.5]
    run = book.start("submit", "print", "conn", {"conflict": "Skip"}, labels, ["k1", None, "k3"])
    entry = book.sending(run, 1, [0, 2])
    book.answered(run, _answer(entry, 1, [0, 2]))
    results = book.results()
    assert results.index.tolist() == labels
    assert results.rowKey.tolist()[0] == "k1" and pd.isna(results.rowKey.iloc[1])
    assert results.status.tolist() == ["submitted", "pending", "submitted"]
    assert str(results.http_status.dtype) == "Int64"
    assert results.run.run_id == run


def test_runs_count_rows_by_status(book: Journal) -> None:
    run = book.start("submit", "print", "conn", {}, list(range(5)), ["k"] * 5)
    book.record(run, Outcomes.same([4], "not_sent", "invalid"))
    entry = book.sending(run, 1, [0, 1, 2])
    book.answered(run, _answer(entry, 1, [0, 1, 2]))
    book.finish(run, None)
    row = book.runs().iloc[0]
    assert (row.run_id, row.submitted, row.failed, row.not_sent, row.pending) == (run, 3, 0, 1, 1)
    assert row.finished is not None


def test_resuming_finds_the_latest_run_of_the_same_rows(book: Journal) -> None:
    same = fingerprint("conn", "Skip", keys=["k1", "k2"])
    assert same == fingerprint("conn", "Skip", keys=iter(["k1", "k2"]))
    assert same != fingerprint("conn", "Skip", keys=["k2", "k1"])
    assert book.resumable(same) is None
    run = book.start("submit", same, "conn", {}, [0, 1], ["k1", "k2"])
    assert book.resumable(same) == run
    assert book.next_batch(run) == 1
    book.sending(run, 1, [0])
    assert book.next_batch(run) == 2


def test_unknown_runs_and_empty_journals_are_typed_errors(book: Journal) -> None:
    with pytest.raises(JournalError, match="holds no runs"):
        book.results()
    with pytest.raises(JournalError, match="has no run 'nope'"):
        book.results("nope")
    with pytest.raises(JournalError, match="has no run"):
        book.run_info("nope")


def test_a_journal_from_another_version_is_kept_aside_and_a_new_one_starts(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    with sqlite3.connect(folder / "journal.sqlite") as db:
        db.execute("CREATE TABLE rows (run_id TEXT, pos INTEGER)")
        db.execute("INSERT INTO rows VALUES ('old-run', 1)")
    with pytest.warns(JournalSetAside, match="kept as journal.v0.sqlite"):
        book = Journal(folder)
    run = book.start("submit", "print", "conn", {}, [0], ["k"])
    assert book.runs().run_id.tolist() == [run]
    book.close()
    with sqlite3.connect(folder / "journal.v0.sqlite") as db:
        assert db.execute("SELECT run_id FROM rows").fetchall() == [("old-run",)]


def test_a_journal_that_cannot_be_opened_is_a_typed_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(JournalError, match="cannot be opened"):
        Journal(blocker)


def test_outcomes_pick_rows_column_by_column() -> None:
    outcomes = Outcomes.same([1, 2, 3], "failed", "why", http_status=418, batch=4, attempts=2)
    kept = outcomes.where([True, False, True])
    assert kept.pos == [1, 3]
    assert kept.http_status == [418, 418] and kept.batch == [4, 4] and kept.attempts == [2, 2]
    assert Outcomes.empty().pos == []
