"""The notebook displays that are plain HTML: the grouped validation report, the disposal report
(tables, charts, one self-contained file) and the due dates both compute from the terms."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.records._report_html import report_html
from opus_nb.records._retention import disposal_due_dates
from tests.helpers.review import SAMPLES


@pytest.fixture(scope="module")
def sample_report() -> opus.ValidationReport:
    return opus.read_sheet(SAMPLES / "records.xlsx").opus.validate(sample_connection())


def test_validation_html_reads_at_a_glance_and_groups_by_column_and_rule(sample_report: opus.ValidationReport) -> None:
    page = report_html(sample_report)
    assert "<b>2,400 rows</b>" in page and "2,283 valid" in page and "117 invalid" in page
    assert "117 cell problems in 14 columns" in page
    headings = re.findall(r"<tr class='opus-column'><th colspan='5'>(.*?) &mdash; (\d+) problem", page)
    counts = sample_report.errors.groupby("column").size()
    assert {name: int(n) for name, n in headings} == {str(k): int(v) for k, v in counts.items()}
    assert [int(n) for _, n in headings] == sorted((int(n) for _, n in headings), reverse=True)
    assert "<code>5k</code>" in page, "offending values are shown"
    assert "<code>inf</code> &times;3" in page, "repeated values are counted"


def test_validation_html_escapes_values_and_praises_a_clean_sheet(sample_report: opus.ValidationReport) -> None:
    conn = sample_connection()
    sheet = opus.read_sheet(SAMPLES / "records.xlsx")
    clean = sheet.loc[sample_report.valid.index]
    assert "Every row passes." in report_html(clean.opus.validate(conn))
    hostile = clean.head(3).copy()
    hostile.loc[hostile.index[0], "Department"] = "<script>alert(1)</script>"
    page = report_html(hostile.opus.validate(conn))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_due_dates_follow_each_terms_retention(due: pd.DataFrame, conn: Connection) -> None:
    computed = disposal_due_dates(due, conn)
    terms = {t.full_path: t for t in conn.terms or ()}
    for i in range(0, len(due), 97):
        row = due.iloc[i]
        assert computed.iloc[i] == terms[row["termFullPath"]].due_date(row["timeCreated"], row["timeModified"])
    assert (computed < pd.Timestamp("2026-01-01")).all(), "every listed record is due before the date asked"
    assert disposal_due_dates(due, None).isna().all()
    sent = due.head(3).assign(disposalDueDate=["2020-01-02 00:00:00 ", None, "2021-05-06"])
    got = disposal_due_dates(sent, conn)
    assert got.iloc[0] == pd.Timestamp("2020-01-02") and got.iloc[2] == pd.Timestamp("2021-05-06")
    assert got.iloc[1] == computed.iloc[1], "without a sent date the term's retention gives it"


def test_the_disposal_report_tables_add_up(due: pd.DataFrame, conn: Connection) -> None:
    report = opus.disposal_report(due, conn)
    assert int(report.by_month["records"].sum()) == len(due)
    assert list(report.by_month["month"]) == sorted(report.by_month["month"])
    by_term = report.by_classification.set_index("classification")["records"]
    assert by_term.to_dict() == due["termFullPath"].value_counts().to_dict()
    assert int(report.by_owner["records"].sum()) == len(due)
    assert report.by_owner["records"].is_monotonic_decreasing
    assert report.oldest["due_date"].is_monotonic_increasing
    assert report.oldest["due_date"].iloc[0] == disposal_due_dates(due, conn).min()
    assert report.headline().startswith(f"{len(due):,} records due for disposal, due between")
    assert set(report.figures()) == {"by_month", "by_classification", "by_owner"}


def test_the_disposal_report_is_one_self_contained_html_file(due: pd.DataFrame, conn: Connection, tmp_path: Path) -> None:
    path = opus.disposal_report(due, conn).to_html(tmp_path / "nested" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("src='data:image/png;base64,") == 3
    assert not re.search(r"(src|href)=['\"](?!data:)", page), "nothing is loaded from elsewhere"
    assert "Finance/Accounts Payable" in page


def test_the_disposal_report_without_terms_says_so(due: pd.DataFrame) -> None:
    report = opus.DisposalReport(due.head(50), None)
    assert report.by_month.empty
    assert "due dates unknown" in report.headline()
    assert "due dates unknown (no terms)" in report.html()
    assert int(report.by_classification["records"].sum()) == 50
    assert opus.DisposalReport(due.head(0), None).headline() == "No record is due for disposal."
