"""The review model from Python: candidates, filters, decisions, export, and the destroy guard,
against the emulator over HTTP where Opus is involved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import opus_nb
from opus_nb.emulator import Emulator
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews._session import ConfirmationMismatch, NothingApproved, ReviewError, ReviewSession, UnknownKeys
from tests.helpers.review import destroy_requests, destroyed_keys


@pytest.fixture()
def session(small: pd.DataFrame) -> ReviewSession:
    return ReviewSession(small, sample_connection(), reviewer="j.smith")


def test_candidates_get_due_dates_from_the_terms_and_come_oldest_due_first(session: ReviewSession) -> None:
    frame = session.candidates
    assert list(frame["rowKey"]) == ["B2", "B1", "A1", "A2", "C1", "C2"]
    due = dict(zip(frame["rowKey"], frame["due_date"], strict=True))
    assert due["B2"] == pd.Timestamp("2019-07-01")  # recruitment: 1 year 6 months after created
    assert due["A2"] == pd.Timestamp("2023-03-01")  # audit: 10 years after modified
    assert pd.isna(due["C2"])  # no classification, no due date
    assert set(frame["decision"]) == {"undecided"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"classification": "Finance"}, {"A1", "A2"}),
        ({"classification": "Finance/Audit"}, {"A2"}),
        ({"classification": ["Legal", "Human Resources/Recruitment"]}, {"B1", "B2", "C1"}),
        ({"classification": "Fin"}, set()),
        ({"owner": "ANN"}, {"A1", "A2", "B1"}),
        ({"owner": "bkelly"}, {"A2", "C1"}),
        ({"due_from": "2020-12-01", "due_to": "2023-03-01"}, {"B1", "A1", "A2"}),
        ({"text": "cv"}, {"B1", "B2"}),
        ({"classification": "Human Resources", "owner": "bob"}, {"B2"}),
    ],
)
def test_filters_show_what_they_say(session: ReviewSession, changes: dict[str, object], expected: set[str]) -> None:
    shown = session.filter(**changes)
    assert shown == len(expected)
    assert set(session.shown["rowKey"]) == expected
    assert session.clear_filters() == 6


def test_filters_add_up_and_one_can_be_cleared(session: ReviewSession) -> None:
    session.filter(classification="Human Resources")
    session.filter(owner="carol")
    assert set(session.shown["rowKey"]) == {"B1", "B2"}
    session.filter(text="ann")
    assert set(session.shown["rowKey"]) == {"B1"}
    session.filter(text=None)
    assert set(session.shown["rowKey"]) == {"B1", "B2"}
    with pytest.raises(TypeError):
        session.filter(colour="red")
    with pytest.raises(ValueError):
        session.filter(decision="maybe")


def test_decisions_counts_and_the_decision_filter(session: ReviewSession) -> None:
    assert session.approve(["A1", "B2"]) == 2
    assert session.reject("C1", reason="keep: open matter") == 1
    assert session.counts == {
        "candidates": 6,
        "undecided": 3,
        "approved": 2,
        "rejected": 1,
        "destroyed": 0,
        "destroyable": 2,
        "shown": 6,
    }
    assert set(session.approved["rowKey"]) == {"A1", "B2"}
    decided = session.decisions.set_index("rowKey")
    assert decided.loc["C1", "reason"] == "keep: open matter"
    assert set(decided["reviewer"]) == {"j.smith"}
    assert decided["decided_at"].notna().all()
    session.filter(decision="undecided")
    assert set(session.shown["rowKey"]) == {"B1", "A2", "C2"}
    session.approve("B1")
    assert set(session.shown["rowKey"]) == {"A2", "C2"}, "a decision taken under a decision filter updates what is shown"
    assert session.undecide(["A1"]) == 1
    assert "A1" in set(session.undecided["rowKey"])


def test_bulk_actions_only_touch_what_the_filters_show(session: ReviewSession) -> None:
    session.filter(classification="Finance")
    assert session.approve_shown() == 2
    session.filter(classification="Human Resources")
    assert session.reject_shown(reason="still needed") == 2
    session.clear_filters()
    assert set(session.approved["rowKey"]) == {"A1", "A2"}
    assert set(session.rejected["rowKey"]) == {"B1", "B2"}
    assert session.counts["undecided"] == 2
    session.filter(classification="Finance")
    assert session.undecide_shown() == 0, "taking back explicit decisions needs override=True"
    assert session.undecide_shown(override=True) == 2
    assert session.counts["approved"] == 0


def test_unknown_keys_are_refused_and_change_nothing(session: ReviewSession) -> None:
    with pytest.raises(UnknownKeys) as caught:
        session.approve(["A1", "NOPE", "ALSO-NOPE"])
    assert caught.value.keys == ["NOPE", "ALSO-NOPE"]
    assert "NOPE" in str(caught.value)
    assert session.counts["approved"] == 0


def test_candidates_need_unique_row_keys(small: pd.DataFrame) -> None:
    with pytest.raises(ReviewError, match="unique"):
        ReviewSession(pd.concat([small, small.head(1)]), sample_connection())
    with pytest.raises(ReviewError, match="rowKey"):
        ReviewSession(small.drop(columns="rowKey"), sample_connection())


def test_listeners_hear_every_change(session: ReviewSession) -> None:
    heard: list[str] = []
    session.on_change(heard.append)
    session.filter(text="cv")
    session.approve_shown()
    session.clear_filters()
    assert heard == ["filters", "decisions", "filters"]


def test_breakdown_counts_each_decision_per_group(session: ReviewSession) -> None:
    session.approve(["B1", "B2"])
    session.reject(["A1"])
    by_term = session.breakdown("classification")
    assert by_term.loc["Human Resources/Recruitment", "approved"] == 2
    assert by_term.loc["Finance/Accounts Payable", "rejected"] == 1
    assert int(by_term["total"].sum()) == 6
    by_year = session.breakdown("due_year")
    assert by_year.loc["2019", "approved"] == 1
    assert by_year.loc["(unknown)", "total"] == 1
    with pytest.raises(ValueError):
        session.breakdown("colour")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_approved_writes_exactly_the_approved_list(session: ReviewSession, tmp_path: Path, suffix: str) -> None:
    session.approve(["A1", "C1"])
    path = session.export_approved(tmp_path / "out" / f"approved{suffix}")
    read = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path)
    assert sorted(read["rowKey"]) == ["A1", "C1"]
    assert {"leafName", "termFullPath", "due_date", "reviewer", "decided_at"} <= set(read.columns)
    assert set(read["reviewer"]) == {"j.smith"}
    with pytest.raises(ReviewError, match=".csv or .xlsx"):
        session.export_approved(tmp_path / "approved.json")


def test_nothing_is_sent_without_approval_or_the_typed_number(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path
) -> None:
    session = ReviewSession(due_frame, conn, reviewer="r.manager", audit=tmp_path / "audit")
    before, sent = destroyed_keys(review_emu), destroy_requests(review_emu)
    with pytest.raises(NothingApproved):
        session.destroy(0, dry_run=False)
    session.approve(list(due_frame["rowKey"][:3]))
    for wrong in (None, "", "2", "three", 4, "30"):
        with pytest.raises(ConfirmationMismatch):
            session.destroy(wrong, dry_run=False)
    assert destroyed_keys(review_emu) == before
    assert destroy_requests(review_emu) == sent
    assert session.results is None


def test_a_dry_run_is_the_default_and_destroys_nothing(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path
) -> None:
    session = ReviewSession(due_frame, conn, reviewer="r.manager", audit=tmp_path / "audit")
    keys = list(session.candidates["rowKey"][:4])
    session.approve(keys)
    review_emu.hold(keys[0])
    try:
        before, sent = destroyed_keys(review_emu), destroy_requests(review_emu)
        progress: list[tuple[int, int]] = []
        results = session.destroy("4", on_progress=lambda done, total: progress.append((done, total)))
    finally:
        review_emu.release(keys[0])
    assert destroyed_keys(review_emu) == before
    assert destroy_requests(review_emu) == sent
    status = dict(zip(results["rowKey"], results["status"], strict=True))
    assert status == {keys[0]: "not_sent", **{k: "would_destroy" for k in keys[1:]}}
    assert progress[-1] == (4, 4)
    assert session.counts["approved"] == 4 and session.counts["destroyed"] == 0
    log = AuditLog(tmp_path / "audit").read()
    assert set(log["result"]) == {"approved"}, "a dry run writes no destroy entries, only the decisions are there"


def test_destroy_rechecks_marks_exactly_the_approved_and_audits(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    session = ReviewSession(due_frame, conn, reviewer="r.manager", audit=tmp_path / "audit")
    session.filter(classification="Finance/Accounts Receivable")
    session.approve_shown()
    approved = set(session.approved["rowKey"])
    held = sorted(approved)[0]
    review_emu.hold(held)
    before = destroyed_keys(review_emu)
    progress: list[tuple[int, int]] = []
    try:
        results = session.destroy(len(approved), dry_run=False, on_progress=lambda d, t: progress.append((d, t)))
    finally:
        review_emu.release(held)
    assert destroyed_keys(review_emu) - before == approved - {held}
    assert destroyed_keys(review_emu) >= before
    status = dict(zip(results["rowKey"], results["status"], strict=True))
    assert status.pop(held) == "not_sent"
    assert set(status.values()) == {"destroyed"}
    assert progress[0] == (0, len(approved)) and progress[-1] == (len(approved), len(approved))
    assert session.counts["destroyed"] == len(approved) - 1
    assert list(session.approved["rowKey"]) == [held], "a record not destroyed stays approved"
    log = AuditLog(tmp_path / "audit").read()
    assert set(log["reviewer"]) == {"r.manager"}
    assert set(log.loc[log["result"] == "destroyed", "rowKey"]) == approved - {held}
    assert set(log.loc[log["result"] == "approved", "rowKey"]) == approved
    with pytest.raises(ReviewError, match="already marked destroyed"):
        session.undecide(sorted(approved - {held})[:1])


def test_a_review_destroy_lists_the_due_records_once_and_reports_progress(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    session = ReviewSession(due_frame, conn, reviewer="r.manager", audit=tmp_path / "audit")
    session.filter(classification="Operations/Correspondence")
    n = session.approve_shown()
    assert n > 150
    pages = -(-len(opus_nb.due_records(conn, before=pd.Timestamp.now(), progress=False, client=session.client)) // 100)
    start = len(review_emu.requests)
    progress: list[tuple[int, int]] = []
    results = session.destroy(n, dry_run=False, on_progress=lambda done, total: progress.append((done, total)))
    assert (results["status"] == "destroyed").all()
    listings = [r for r in list(review_emu.requests)[start:] if r.method == "GET" and r.path == "/records/connector/records"]
    assert len(listings) == pages, "the still-due set is fetched once, not once per chunk"
    assert progress[0] == (0, n) and progress[-1] == (n, n) and len(progress) <= 102
    assert np.all(np.diff([done for done, _ in progress]) > 0)
