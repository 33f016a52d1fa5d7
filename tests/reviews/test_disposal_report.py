"""The disposal report (tables, charts, one self-contained HTML file) and the due dates it computes
from the terms, for the records an emulator lists as due."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import opus_nb as opus
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates


def test_due_dates_follow_each_terms_retention(due_frame: pd.DataFrame, conn: Connection) -> None:
    computed = disposal_due_dates(due_frame, conn)
    terms = {t.full_path: t for t in conn.terms or ()}
    for i in range(0, len(due_frame), 97):
        row = due_frame.iloc[i]
        assert computed.iloc[i] == terms[row["termFullPath"]].due_date(row["timeCreated"], row["timeModified"])
    assert (computed < pd.Timestamp("2026-01-01")).all(), "every listed record is due before the date asked"
    assert disposal_due_dates(due_frame, None).isna().all()
    sent = due_frame.head(3).assign(disposalDueDate=["2020-01-02 00:00:00 ", None, "2021-05-06"])
    got = disposal_due_dates(sent, conn)
    assert got.iloc[0] == pd.Timestamp("2020-01-02") and got.iloc[2] == pd.Timestamp("2021-05-06")
    assert got.iloc[1] == computed.iloc[1], "without a sent date the term's retention gives it"


def test_the_disposal_report_tables_add_up(due_frame: pd.DataFrame, conn: Connection) -> None:
    report = opus.disposal_report(due_frame, conn)
    assert int(report.by_month["records"].sum()) == len(due_frame)
    assert list(report.by_month["month"]) == sorted(report.by_month["month"])
    by_term = report.by_classification.set_index("classification")["records"]
    assert by_term.to_dict() == due_frame["termFullPath"].value_counts().to_dict()
    assert int(report.by_owner["records"].sum()) == len(due_frame)
    assert report.by_owner["records"].is_monotonic_decreasing
    assert report.oldest["due_date"].is_monotonic_increasing
    assert report.oldest["due_date"].iloc[0] == disposal_due_dates(due_frame, conn).min()
    assert report.headline().startswith(f"{len(due_frame):,} records due for disposal, due between")
    assert set(report.figures()) == {"by_month", "by_classification", "by_owner"}


def test_the_disposal_report_is_one_self_contained_html_file(due_frame: pd.DataFrame, conn: Connection, tmp_path: Path) -> None:
    path = opus.disposal_report(due_frame, conn).to_html(tmp_path / "nested" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("src='data:image/png;base64,") == 3
    assert not re.search(r"(src|href)=['\"](?!data:)", page), "nothing is loaded from elsewhere"
    assert "Finance/Accounts Payable" in page


def test_the_disposal_report_without_terms_says_so(due_frame: pd.DataFrame) -> None:
    report = opus.DisposalReport(due_frame.head(50), None)
    assert report.by_month.empty
    assert "due dates unknown" in report.headline()
    assert "due dates unknown (no terms)" in report.html()
    assert int(report.by_classification["records"].sum()) == 50
    assert opus.DisposalReport(due_frame.head(0), None).headline() == "No record is due for disposal."
