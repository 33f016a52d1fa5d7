"""What keeps a review from destroying by accident: a person's click for a real destroy, bulk actions that
leave explicit decisions alone, a guard that re-arms on every change, and a named reviewer."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.emulator import Emulator
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews._guard import PersonRequired, ReviewerRequired, scripted_destroy_allowed
from opus_nb.reviews._session import ReviewSession
from opus_nb.widgets._panel import ReviewPanel
from tests.helpers.clicks import click_in_browser, click_in_grid
from tests.helpers.review import destroy_requests, destroyed_keys


@pytest.fixture()
def session(small: pd.DataFrame) -> ReviewSession:
    return ReviewSession(small, sample_connection(), reviewer="Jane Smith")


# 1. a real destroy needs a person ---------------------------------------------------------------


def test_a_scripted_real_destroy_is_refused_and_sends_nothing(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith")
    panel.approve(list(panel.candidates["rowKey"][:2]))
    before, sent = destroyed_keys(review_emu), destroy_requests(review_emu)
    with pytest.raises(PersonRequired, match="click"):
        panel.session.destroy("2", dry_run=False)
    for attempt in (lambda: panel.destroy(2, dry_run=False), panel.click_destroy):
        panel.dry_run_box.value = False
        panel.confirm_box.value = "2"
        with pytest.raises(PersonRequired, match="click"):
            attempt()
        assert panel.dry_run_box.value is True and panel.confirm_box.value == "", "a refused attempt re-arms the guard"
    panel.dry_run_box.value = False
    panel.confirm_box.value = "2"
    panel.destroy_button.click()
    assert "PersonRequired" in panel.message.value
    assert destroyed_keys(review_emu) == before and destroy_requests(review_emu) == sent
    assert panel.results is None


@pytest.mark.parametrize(
    ("url", "setting", "allowed"),
    [
        ("http://127.0.0.1:8123/records", "emulator", True),
        ("http://localhost:8123/records", "emulator", True),
        ("http://[::1]:8123/records", "emulator", True),
        ("http://127.0.0.1:8123/records", None, False),
        ("http://127.0.0.1:8123/records", "yes", False),
        ("https://graph.avepointonlineservices.com/opus", "emulator", False),
        ("http://10.0.0.5/records", "emulator", False),
        ("http://127.0.0.1.example.com/records", "emulator", False),
    ],
)
def test_a_script_may_destroy_only_on_a_loopback_emulator_under_the_demo(url: str, setting: str | None, allowed: bool) -> None:
    environ = {} if setting is None else {"OPUS_NB_SCRIPTED_DESTROY": setting}
    assert scripted_destroy_allowed(url, environ) is allowed


def test_the_demo_setting_does_not_open_a_tenant_to_scripts(small: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPUS_NB_SCRIPTED_DESTROY", "emulator")
    seen: list[httpx2.Request] = []
    tenant = OpusClient(
        ClientSecretCredential("app", "not-a-real-secret"),
        graph_url="https://opus.contoso.example",
        identity_url="https://login.contoso.example",
        transport=httpx2.MockTransport(lambda request: seen.append(request) or httpx2.Response(500)),
    )
    session = ReviewSession(small, sample_connection(), reviewer="Jane Smith", client=tenant)
    session.approve(["A1"])
    with pytest.raises(PersonRequired):
        session.destroy(1, dry_run=False)
    assert seen == [], "refused before any request"


# 2. bulk actions and explicit decisions ---------------------------------------------------------


def test_approve_shown_leaves_a_rejection_and_its_reason_unless_asked(session: ReviewSession) -> None:
    session.reject("A1", reason="open audit")
    session.approve("A2")
    session.filter(classification="Finance")
    assert session.approve_shown() == 0
    assert session.overrides("approve") == 1
    assert session.candidates.set_index("rowKey").loc["A1", ["decision", "reason"]].tolist() == ["rejected", "open audit"]
    session.clear_filters()
    assert session.approve_shown() == 4, "the undecided ones are approved"
    assert session.reject_shown(reason="bulk") == 0 and session.overrides("reject") == 5
    assert session.candidates.set_index("rowKey").loc["A1", "reason"] == "open audit"
    assert session.approve_shown(override=True) == 1
    assert session.counts["approved"] == 6


def test_the_panel_asks_before_overriding_and_keeps_the_reason_on_screen(small: pd.DataFrame) -> None:
    panel = ReviewPanel(ReviewSession(small, sample_connection(), reviewer="Jane Smith"))
    panel.reason.value = "legal hold pending"
    click_in_grid(panel, "reject", "C1")
    panel.approve_shown_button.click()
    row = {r["key"]: r for r in panel.grid.rows}["C1"]
    assert row["decision"] == "rejected" and row["cells"]["reason"] == "legal hold pending"
    assert panel.counts == {**panel.counts, "approved": 5, "rejected": 1}
    assert panel.override_row.layout.display == "flex" and "Override 1 explicit" in panel.override_note.value
    panel.override_no.click()
    assert panel.override_row.layout.display == "none" and panel.counts["rejected"] == 1
    panel.approve_shown_button.click()
    panel.override_yes.click()
    assert panel.counts["approved"] == 6


# 3. the guard re-arms; the reviewer is a named person -------------------------------------------


def test_the_typed_number_is_cleared_by_every_change(small: pd.DataFrame) -> None:
    panel = ReviewPanel(ReviewSession(small, sample_connection(), reviewer="Jane Smith"))
    panel.approve(["A1", "A2"])
    changes = [
        lambda: setattr(panel.dry_run_box, "value", not panel.dry_run_box.value),
        lambda: panel.approve(["B1"]),
        lambda: panel.undecide(["B1"]),
        lambda: panel.filter(text="invoice"),
        lambda: setattr(panel.text, "value", ""),
        lambda: panel.reject(["C2"], reason="keep"),
    ]
    for change in changes:
        n = panel.counts["destroyable"]
        panel.confirm_box.value = str(n)
        assert not panel.destroy_button.disabled
        change()
        assert panel.confirm_box.value == "" and panel.destroy_button.disabled


def test_the_number_typed_for_a_dry_run_does_not_arm_a_real_one(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith")
    panel.approve(list(panel.candidates["rowKey"][:2]))
    panel.confirm_box.value = "2"
    click_in_browser(panel.destroy_button)
    assert "2 would_destroy" in panel.results_html.value
    panel.dry_run_box.value = False
    assert panel.confirm_box.value == "" and panel.destroy_button.disabled
    assert panel.destroy_button.description == "Mark 2 destroyed in Opus"


def test_no_decision_without_a_named_reviewer_and_never_the_os_login(
    small: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    session = ReviewSession(small, sample_connection())
    assert session.reviewer is None
    with pytest.raises(ReviewerRequired):
        session.approve(["A1"])
    panel = ReviewPanel(session)
    assert not panel.reviewer.disabled and panel.reviewer.value == ""
    click_in_grid(panel, "approve", "A1")
    assert "ReviewerRequired" in panel.message.value and panel.counts["approved"] == 0
    panel.reviewer.value = "  Jane   Smith "
    click_in_grid(panel, "approve", "A1")
    assert panel.decisions["reviewer"].tolist() == ["Jane Smith"]
    panel.reviewer.value = " "
    assert "ReviewerRequired" in panel.message.value and session.reviewer == "Jane Smith"


def test_the_reviewer_can_come_from_the_environment(small: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPUS_REVIEWER", "Ravi Patel")
    panel = ReviewPanel(ReviewSession(small, sample_connection()))
    assert panel.reviewer.value == "Ravi Patel" and panel.reviewer.disabled
    panel.approve("A1")
    assert panel.decisions["reviewer"].tolist() == ["Ravi Patel"]


def test_reviews_are_kept_beside_the_notebook(session: ReviewSession, tmp_path: Path) -> None:
    session.approve("A1")
    assert (tmp_path / "opus-review" / "reviews.sqlite").is_file()
    assert session.review.id == f"{sample_connection().id}/default"
