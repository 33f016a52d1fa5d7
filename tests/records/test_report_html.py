"""The validation report as a notebook shows it: plain HTML, grouped by column and rule, values escaped."""

from __future__ import annotations

import re

import pytest

import opus_nb as opus
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._report_html import report_html
from tests.helpers import SAMPLES


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
