"""The panel from Python, as a browser would drive it: grid messages, filter controls, buttons,
and the guard in front of "Mark destroyed in Opus" (against the emulator over HTTP)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.emulator import Emulator
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews._session import ReviewSession
from opus_nb.widgets._panel import PAGE_SIZE, ReviewPanel
from tests.helpers.clicks import click_in_browser, click_in_grid
from tests.helpers.review import destroy_requests, destroyed_keys


@pytest.fixture()
def panel(small: pd.DataFrame, tmp_path: Path) -> ReviewPanel:
    return ReviewPanel(
        ReviewSession(small, sample_connection(), reviewer="Jane Smith", audit=tmp_path / "audit"), exports=tmp_path / "exports"
    )


def test_the_panel_opens_on_the_first_page_with_counts_and_charts(due_frame: pd.DataFrame, conn: Connection) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith")
    assert isinstance(panel, ReviewPanel)
    assert len(panel.grid.rows) == PAGE_SIZE
    assert [r["key"] for r in panel.grid.rows] == list(panel.candidates["rowKey"][:PAGE_SIZE])
    assert f"<b>{len(due_frame):,}</b> candidates" in panel.counts_html.value
    assert "By classification" in panel.charts_html.value and "By due year" in panel.charts_html.value
    assert f"page 1 of {panel.pages}" in panel.page_label.value and panel.pages == -(-len(due_frame) // PAGE_SIZE)
    assert panel.previous_button.disabled and not panel.next_button.disabled
    assert panel.destroy_button.disabled


def test_grid_clicks_decide_and_redraw(panel: ReviewPanel) -> None:
    first = panel.grid.rows[0]["key"]
    click_in_grid(panel, "approve", first)
    assert list(panel.approved["rowKey"]) == [first]
    assert panel.grid.rows[0]["decision"] == "approved"
    assert "<b>1</b> approved" in panel.counts_html.value
    click_in_grid(panel, "reject", panel.grid.rows[1]["key"])
    click_in_grid(panel, "undecide", first)
    assert panel.counts["approved"] == 0 and panel.counts["rejected"] == 1


def test_malformed_grid_messages_change_nothing(panel: ReviewPanel) -> None:
    for content in (
        {"action": "destroy", "keys": ["A1"]},
        {"action": "approve", "keys": "A1"},
        {"action": "approve", "keys": [1]},
        "approve",
    ):
        panel.grid._handle_custom_msg(content, [])
    assert panel.counts["undecided"] == 6


def test_a_click_on_an_unknown_key_shows_the_refusal(panel: ReviewPanel) -> None:
    click_in_grid(panel, "approve", "NOT-A-CANDIDATE")
    assert "UnknownKeys" in panel.message.value and "NOT-A-CANDIDATE" in panel.message.value
    assert panel.counts["approved"] == 0


def test_filter_controls_drive_the_session_and_python_filters_drive_the_controls(panel: ReviewPanel) -> None:
    panel.classification.value = "Human Resources"
    assert set(panel.shown["rowKey"]) == {"B1", "B2"}
    assert {r["key"] for r in panel.grid.rows} == {"B1", "B2"}
    assert "Showing <b>2</b> of 6" in panel.showing.value
    panel.text.value = "bob"
    assert [r["key"] for r in panel.grid.rows] == ["B2"]
    panel.clear_button.click()
    assert panel.classification.value == "" and panel.text.value == ""
    assert len(panel.grid.rows) == 6
    panel.filter(classification="Finance/Audit", due_to="2023-12-31")
    assert panel.classification.value == "Finance/Audit"
    assert str(panel.due_to.value) == "2023-12-31"
    assert [r["key"] for r in panel.grid.rows] == ["A2"]


def test_bulk_buttons_act_on_what_is_shown(panel: ReviewPanel) -> None:
    panel.classification.value = "Finance"
    panel.approve_shown_button.click()
    panel.classification.value = "Legal"
    panel.reason.value = "open matter"
    panel.reject_shown_button.click()
    assert set(panel.approved["rowKey"]) == {"A1", "A2"}
    assert panel.decisions.set_index("rowKey").loc["C1", "reason"] == "open matter"
    panel.classification.value = ""
    panel.decision.value = "approved"
    assert set(panel.shown["rowKey"]) == {"A1", "A2"}
    panel.undo_shown_button.click()
    assert panel.counts["approved"] == 2, "undo asks first: every shown decision is explicit"
    assert panel.override_row.layout.display == "flex" and "<b>2</b>" in panel.override_note.value
    panel.override_yes.click()
    assert panel.counts["approved"] == 0
    assert panel.override_row.layout.display == "none"


def test_pages_move_and_stop_at_the_ends(due_frame: pd.DataFrame, conn: Connection) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith")
    panel.next_button.click()
    assert [r["key"] for r in panel.grid.rows] == list(panel.candidates["rowKey"][PAGE_SIZE : 2 * PAGE_SIZE])
    panel.go_to_page(10_000)
    assert panel.page_number == panel.pages - 1 and panel.next_button.disabled
    panel.classification.value = "Finance/Audit"
    assert panel.page_number == 0, "a filter change goes back to the first page"


def test_export_buttons_write_csv_and_xlsx(panel: ReviewPanel, tmp_path: Path) -> None:
    panel.approve(["A1", "B1"])
    panel.csv_button.click()
    panel.xlsx_button.click()
    written = sorted((tmp_path / "exports").iterdir())
    assert [p.suffix for p in written] == [".csv", ".xlsx"]
    assert sorted(pd.read_csv(written[0])["rowKey"]) == ["A1", "B1"]
    assert "wrote 2 approved records" in panel.export_note.value


def test_the_destroy_button_needs_approval_and_the_typed_number(panel: ReviewPanel) -> None:
    assert panel.destroy_button.disabled
    assert panel.confirm_box.placeholder == "approve records first"
    panel.approve(["A1", "A2", "B1"])
    assert panel.destroy_button.disabled
    assert panel.confirm_box.placeholder == "type 3 to confirm"
    panel.confirm_box.value = "2"
    assert panel.destroy_button.disabled
    panel.confirm_box.value = "3"
    assert not panel.destroy_button.disabled
    assert panel.dry_run_box.value is True
    assert panel.destroy_button.description == "Dry run: check 3 approved"
    panel.dry_run_box.value = False
    assert panel.destroy_button.description == "Mark 3 destroyed in Opus"
    assert panel.destroy_button.button_style == "danger"
    panel.approve(["C1"])
    assert panel.destroy_button.disabled, "approving more asks for the new number"


def test_clicking_destroy_with_the_wrong_number_sends_nothing(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith", audit=tmp_path / "audit")
    panel.approve(list(panel.candidates["rowKey"][:2]))
    panel.dry_run_box.value = False
    panel.confirm_box.value = "20"
    before, sent = destroyed_keys(review_emu), destroy_requests(review_emu)
    panel.destroy_button.click()
    assert "ConfirmationMismatch" in panel.message.value
    assert destroyed_keys(review_emu) == before and destroy_requests(review_emu) == sent
    assert panel.results is None


def test_dry_run_click_then_real_click_destroys_exactly_the_approved(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith", audit=tmp_path / "audit")
    panel.classification.value = "IT/Change Requests"
    keys = [r["key"] for r in panel.grid.rows[:3]]
    for key in keys:
        click_in_grid(panel, "approve", key)
    panel.confirm_box.value = "3"
    before, sent = destroyed_keys(review_emu), destroy_requests(review_emu)
    click_in_browser(panel.destroy_button)
    assert destroyed_keys(review_emu) == before and destroy_requests(review_emu) == sent
    assert "3 would_destroy" in panel.results_html.value
    assert panel.confirm_box.value == "" and panel.destroy_button.disabled, "the number typed for a dry run is gone"
    panel.dry_run_box.value = False
    panel.confirm_box.value = "3"
    panel.destroy_button.click()
    assert "PersonRequired" in panel.message.value and "click" in panel.message.value
    assert destroyed_keys(review_emu) == before and destroy_requests(review_emu) == sent, "a click from Python is not a person's"
    panel.dry_run_box.value = False
    panel.confirm_box.value = "3"
    click_in_browser(panel.destroy_button)
    assert panel.message.value == ""
    assert destroyed_keys(review_emu) - before == set(keys)
    assert "3 destroyed" in panel.results_html.value
    assert panel.progress.value == panel.progress.max == 3
    assert {r["key"]: r["decision"] for r in panel.grid.rows if r["key"] in keys} == dict.fromkeys(keys, "destroyed")
    assert panel.confirm_box.value == "" and panel.dry_run_box.value is True, "the guard is armed again"
    assert panel.destroy_button.disabled


def test_failures_are_listed_first_and_highlighted(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, tmp_path: Path
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith", audit=tmp_path / "audit")
    panel.classification.value = "Human Resources/Personnel Files"
    keys = [r["key"] for r in panel.grid.rows[:2]]
    panel.approve(keys)
    review_emu.hold(keys[1])
    try:
        panel.dry_run_box.value = False
        panel.confirm_box.value = "2"
        click_in_browser(panel.destroy_button)
    finally:
        review_emu.release(keys[1])
    html = panel.results_html.value
    assert html.index(keys[1]) < html.index(keys[0])
    assert "class='opus-not_sent'" in html and "background: #fde7e7" in html


def test_an_exported_notebook_gets_a_static_snapshot(panel: ReviewPanel) -> None:
    bundle = panel._repr_mimebundle_()
    assert bundle is not None
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Disposal review" in bundle["text/html"] and "Invoice 1.pdf" in bundle["text/html"]
    assert bundle["text/plain"].startswith("<ReviewPanel over <ReviewSession 6 candidates")


def test_nothing_due_gives_an_empty_panel_that_refuses_to_destroy() -> None:
    from opus_nb.jobs._due import to_frame

    panel = opus.review(to_frame([], sample_connection()), sample_connection())
    assert panel.counts["candidates"] == 0 and panel.grid.rows == [] and panel.pages == 1
    assert "<i>nothing</i>" in panel.charts_html.value
    assert panel.destroy_button.disabled
    panel.destroy_button.click()
    assert "NothingApproved" in panel.message.value
