"""Decisions that last: the review store resumes a review, a second stage confirms the first one's approvals,
and the audit log and the proof document show every decision and every destroy outcome."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from starlette.requests import Request

from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.client._retry import RetryPolicy
from opus_nb.emulator import Emulator
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews._session import NothingApproved, ReviewError, ReviewSession
from opus_nb.reviews._store import ReviewStoreError
from tests.helpers.proxy import Answer, RewritingProxy
from tests.helpers.review import destroyed_keys


def reopen(small: pd.DataFrame, **options: object) -> ReviewSession:
    """What a restarted kernel does: the same candidates, a new session."""
    return ReviewSession(small, sample_connection(), **options)  # type: ignore[arg-type]


# 4. durable decisions and stages ----------------------------------------------------------------


def test_reopening_the_review_resumes_its_decisions(small: pd.DataFrame) -> None:
    first = reopen(small, reviewer="Jane Smith")
    first.approve(["A1", "A2"])
    first.reject("C1", reason="open matter")
    first.undecide("A2")
    again = reopen(small)
    assert again.counts == first.counts
    assert again.decisions.drop(columns="decided_at").equals(first.decisions.drop(columns="decided_at"))
    assert again.candidates.set_index("rowKey").loc["C1", "reason"] == "open matter"
    assert list(again.history["decision"]) == ["approved", "approved", "rejected", "undecided"]
    other = reopen(small, name="another review")
    assert other.counts["undecided"] == 6


def test_a_bulk_action_is_one_transaction_in_the_store(small: pd.DataFrame, tmp_path: Path) -> None:
    session = reopen(small, reviewer="Jane Smith")
    session.approve_shown()
    with sqlite3.connect(tmp_path / "opus-review" / "reviews.sqlite") as db:
        rows = db.execute("SELECT rowKey, stage, decision, reviewer, time, comment FROM decisions").fetchall()
    assert len(rows) == 6 and len({r[4] for r in rows}) == 1 and {r[3] for r in rows} == {"Jane Smith"}


def test_a_review_keeps_its_stages(small: pd.DataFrame) -> None:
    reopen(small, name="two", stages=2, reviewer="Ann First")
    with pytest.raises(ReviewStoreError, match="2 stage"):
        reopen(small, name="two", stages=1)
    assert reopen(small, name="two").stages == 2
    with pytest.raises(ReviewError, match="stage must be"):
        reopen(small, name="two", stage=3)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"stage": 2}, ReviewStoreError),
        ({"stages": 0}, ReviewError),
        ({"stages": -1}, ReviewError),
        ({"stages": 2, "stage": 3}, ReviewError),
    ],
)
def test_a_review_with_impossible_stages_is_refused_and_not_stored(
    small: pd.DataFrame, options: dict[str, int], error: type[Exception]
) -> None:
    with pytest.raises(error, match="stage"):
        reopen(small, name="fresh", reviewer="Ann First", **options)
    assert reopen(small, name="fresh", stages=2, reviewer="Ann First").stages == 2  # nothing was kept of the refused one


def test_a_second_stage_confirms_only_what_the_first_approved(small: pd.DataFrame) -> None:
    first = reopen(small, name="two", stages=2, reviewer="Ann First")
    first.approve(["A1", "A2", "B1"])
    first.reject("B2", reason="still in use")
    assert first.counts["approved"] == 3 and first.counts["destroyable"] == 0
    with pytest.raises(NothingApproved, match="every one of the 2 stages"):
        first.destroy(0)
    second = reopen(small, name="two", stage=2, reviewer="Bob Second")
    assert set(second.undecided["rowKey"]) == {"A1", "A2", "B1", "C1", "C2"}, "C1 and C2 wait for stage 1"
    assert second.candidates.set_index("rowKey").loc["B2", ["decision", "reason"]].tolist() == ["rejected", "still in use"]
    with pytest.raises(ReviewError, match="earlier stage approved"):
        second.approve("C1")
    second.approve("A1")
    second.reject("A2", reason="second look: keep")
    assert second.approve_shown() == 1, "a bulk action at stage 2 touches only stage-1 approvals"
    second.undecide("B1")
    assert list(second.destroyable["rowKey"]) == ["A1"]
    assert list(reopen(small, name="two", reviewer="Ann First").destroyable["rowKey"]) == ["A1"]
    same = reopen(small, name="two", stage=2, reviewer="Ann First")
    with pytest.raises(ReviewError, match="another reviewer"):
        same.approve("B1")


def test_a_two_stage_review_destroys_only_the_doubly_approved(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    first = ReviewSession(due_frame, conn, name="two-stage", stages=2, reviewer="Ann First", audit=tmp_path / "audit")
    first.filter(classification="Finance/Audit")
    keys = list(first.shown["rowKey"][:3])
    first.approve(keys)
    second = ReviewSession(due_frame, conn, name="two-stage", stage=2, reviewer="Bob Second", audit=tmp_path / "audit")
    second.approve(keys[0])
    second.reject(keys[1], reason="not yet")
    before = destroyed_keys(review_emu)
    results = second.destroy(1, dry_run=False)
    assert list(results["rowKey"]) == [keys[0]] and destroyed_keys(review_emu) - before == {keys[0]}
    resumed = ReviewSession(due_frame, conn, name="two-stage", stage=2, reviewer="Bob Second")
    assert list(resumed.destroyed["rowKey"]) == [keys[0]] and resumed.counts["destroyable"] == 0
    log = AuditLog(tmp_path / "audit").read()
    destroyed = log[(log["stage"] == "destroy") & (log["result"] == "destroyed")].set_index("rowKey")
    expected = first.candidates.set_index("rowKey").loc[keys[0]]
    assert destroyed.loc[keys[0], ["review", "name", "classification", "due_date"]].tolist() == [
        second.review.id,
        expected["leafName"],
        expected["termFullPath"],
        f"{expected['due_date']:%Y-%m-%d}",
    ]


# 5. proof of disposition ------------------------------------------------------------------------


def test_every_decision_goes_to_the_audit_log_with_the_record_details(small: pd.DataFrame, tmp_path: Path) -> None:
    session = reopen(small, name="two", stages=2, reviewer="Ann First", audit=tmp_path / "audit")
    session.approve(["A2"])
    session.reject("B2", reason="still in use")
    log = AuditLog(tmp_path / "audit").read().set_index("rowKey")
    assert log.loc["A2", ["reviewer", "review", "stage", "name", "classification", "due_date", "result"]].tolist() == [
        "Ann First",
        session.review.id,
        "1",
        "Invoice 2.pdf",
        "Finance/Audit",
        "2023-03-01",
        "approved",
    ]
    assert log.loc["B2", ["result", "message", "due_date"]].tolist() == ["rejected", "still in use", "2019-07-01"]


def test_the_proof_lists_each_decision_and_outcome_safely(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    session = ReviewSession(due_frame, conn, name="proof", reviewer="Jane <b>Smith</b>", audit=tmp_path / "audit")
    session.filter(classification="Legal/Contracts")
    approve, reject = list(session.shown["rowKey"][:2]), str(session.shown["rowKey"].iloc[2])
    session.approve(approve)
    session.reject(reject, reason='=HYPERLINK("http://evil") <script>x</script>')
    session.destroy(2, dry_run=False)
    csv_file, html_file = session.export_proof(tmp_path / "out" / "proof")
    proof = pd.read_csv(csv_file, dtype=str)
    destroyed = proof[(proof["event"] == "destroy") & (proof["result"] == "destroyed")]
    assert sorted(destroyed["rowKey"]) == sorted(approve)
    decided = proof[proof["event"] == "decision"].set_index("rowKey")
    assert decided.loc[reject, "comment"].startswith("'=HYPERLINK"), "formula-looking text is neutralised"
    assert set(decided["reviewer"]) == {"Jane <b>Smith</b>"} and decided["due_date"].notna().all()
    page = html_file.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "Jane &lt;b&gt;Smith&lt;/b&gt;" in page
    assert page.count("<tr class='destroy'>") == 2 and page.count("<tr class='decision'>") == 3


def test_the_approved_export_is_formula_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "rowKey": ["X1"],
            "leafName": ["=cmd|' /C calc'!A0"],
            "termFullPath": ["Finance/Audit"],
            "createdBy": ["@ann"],
            "timeModified": pd.to_datetime(["2012-01-01"]),
        }
    )
    session = ReviewSession(frame, sample_connection(), reviewer="Jane Smith")
    session.approve("X1")
    csv_row = pd.read_csv(session.export_approved(tmp_path / "a.csv")).iloc[0]
    assert csv_row["leafName"] == "'=cmd|' /C calc'!A0" and csv_row["createdBy"] == "'@ann"
    sheet = openpyxl.load_workbook(session.export_approved(tmp_path / "a.xlsx")).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'=cmd|' /C calc'!A0" in [c.value for c in cells]


def test_the_second_stage_panel_locks_what_the_first_did_not_approve(small: pd.DataFrame) -> None:
    from opus_nb.widgets._panel import ReviewPanel

    reopen(small, name="two", stages=2, reviewer="Ann First").approve(["A1", "B1"])
    panel = ReviewPanel(reopen(small, name="two", stage=2, reviewer="Bob Second"))
    locked = {r["key"]: r["locked"] for r in panel.grid.rows}
    assert locked == {"A1": False, "B1": False, "A2": True, "B2": True, "C1": True, "C2": True}
    assert "stage 2 of 2" in panel.stage_label.value
    assert panel.confirm_box.placeholder == "approve at all 2 stages first"


def test_batches_opus_answers_500_to_keep_the_outcomes_before_them_and_settle_on_the_next_destroy(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path, scripted_demo: None
) -> None:
    """Opus destroys every batch but answers 500 to all after the first: those stay approved, unconfirmed,
    and the next destroy records them destroyed."""

    def later_deletes_fail(request: Request, answer: Answer) -> Answer:
        if request.method != "DELETE":
            return answer
        deletes.append(request)
        return answer if len(deletes) == 1 else Answer(500, b'{"message": "internal error"}')

    deletes: list[Request] = []
    app = review_emu.register_app(credential="secret")
    with RewritingProxy(review_emu.url, later_deletes_fail) as proxy:
        quick = OpusClient(
            ClientSecretCredential(app.client_id, app.client_secret),
            graph_url=proxy.url,
            identity_url=review_emu.identity_url,
            retry=RetryPolicy(attempts=2, base=0.01, cap=0.02),
        )
        session = ReviewSession(due_frame, conn, name="chunks", reviewer="Ann First", audit=tmp_path / "audit", client=quick)
        gone = destroyed_keys(review_emu)
        keys = [k for k in session.candidates["rowKey"] if k not in gone][:40]  # 3 batches of at most 15
        session.approve(keys)
        with quick:
            results = session.destroy(40, dry_run=False)
    by_key = results.set_index("rowKey")
    first = [k for k in keys if by_key.loc[k, "status"] == "destroyed"]
    assert len(first) == 15 and set(by_key["status"]) <= {"destroyed", "failed", "not_sent"}
    unsettled = by_key.loc[by_key["status"] == "failed", "message"]
    assert len(unsettled) >= 15 and unsettled.str.startswith("unconfirmed: Opus answered HTTP 500").all()
    assert set(session.destroyed["rowKey"]) == set(first)
    resumed = ReviewSession(due_frame, conn, name="chunks", reviewer="Ann First", audit=tmp_path / "audit")
    assert set(resumed.destroyed["rowKey"]) == set(first) and resumed.counts["destroyable"] == 25
    settled = resumed.destroy(25, dry_run=False).set_index("rowKey")
    assert (settled["status"] == "destroyed").all()
    assert settled.loc[unsettled.index, "message"].str.startswith("already destroyed").all()
    assert destroyed_keys(review_emu) >= set(keys) and resumed.counts["destroyed"] == 40
