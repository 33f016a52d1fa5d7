"""The validation report: errors, valid and invalid rows, summary, ok, raising, display."""

from __future__ import annotations

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.records._report import ERROR_COLUMNS
from tests.helpers.rows import good_row, sheet


@pytest.fixture
def messy() -> pd.DataFrame:
    df = sheet(5, r1={"Department": "Nope", "Contract Value": "x"}, r3={"Regions": "<b>Mars</b>"})
    df.index = ["a", "b", "c", "d", "e"]
    return df.assign(Notes="extra")


def test_errors_have_the_documented_columns(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    assert (
        report.errors.columns.tolist()
        == ERROR_COLUMNS
        == ["row", "rowKey", "column", "internal_name", "value", "rule", "message"]
    )


def test_errors_name_rows_by_their_label_in_the_sheet(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    cells = report.errors[report.errors["rule"] != "unknown_column"]
    assert cells[["row", "rowKey", "column", "rule"]].values.tolist() == [
        ["b", "INV-0001", "Department", "choice"],
        ["b", "INV-0001", "Contract Value", "number"],
        ["d", "INV-0003", "Regions", "choices"],
    ]


def test_error_rows_keep_integer_labels_as_they_are_in_the_sheet(conn: opus.Connection) -> None:
    df = sheet(3, r1={"Department": "Nope"}).assign(Notes="extra")
    df.index = [10, 20, 30]
    rows = opus.validate(df, conn).errors["row"].tolist()
    assert rows[0] is None or rows[0] != rows[0]
    assert rows[1:] == [20]
    assert type(rows[1]) is int, f"row label {rows[1]!r} should be the sheet's label 20, not a {type(rows[1]).__name__}"


def test_sheet_level_problems_come_first_with_a_blank_row(conn: opus.Connection, messy: pd.DataFrame) -> None:
    first = opus.validate(messy, conn).errors.iloc[0]
    assert first["rule"] == "unknown_column"
    assert pd.isna(first["row"]) and pd.isna(first["rowKey"])


def test_valid_rows_are_coerced_under_display_names_with_their_original_index(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy.assign(Department=" legal "), conn)
    assert report.valid.index.tolist() == ["a", "c", "e"]
    assert report.valid.columns.tolist() == [c.display_name for c in conn.columns]
    assert report.valid["Department"].tolist() == ["Legal"] * 3
    assert pd.api.types.is_datetime64_any_dtype(report.valid["Created time"])


def test_valid_internal_holds_the_same_rows_under_internal_names(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    assert report.valid_internal.columns.tolist() == [c.internal_name for c in conn.columns]
    assert report.valid_internal.index.equals(report.valid.index)


def test_invalid_rows_are_unchanged_from_the_sheet(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    pd.testing.assert_frame_equal(report.invalid, messy.loc[["b", "d"]])


def test_every_row_is_either_valid_or_invalid(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    assert sorted(report.valid.index.tolist() + report.invalid.index.tolist()) == sorted(messy.index.tolist())


def test_summary_counts_failures_by_column_and_rule(conn: opus.Connection) -> None:
    df = sheet(6, r0={"Department": "x"}, r2={"Department": "y"}, r4={"Department": "z", "Name": ""})
    summary = opus.validate(df, conn).summary()
    assert summary.columns.tolist() == ["column", "rule", "count"]
    assert summary.values.tolist() == [["Department", "choice", 3], ["Name", "required", 1]]


def test_clean_sheet_is_ok_with_an_empty_summary_and_no_raise(conn: opus.Connection) -> None:
    report = opus.validate(sheet(3), conn)
    assert report.ok
    assert report.errors.empty and report.invalid.empty
    assert report.summary().empty
    report.raise_if_invalid()
    assert "Every row passes" in report._repr_html_()


def test_raise_if_invalid_raises_validation_failed_carrying_the_report(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    assert not report.ok
    with pytest.raises(opus.ValidationFailed) as caught:
        report.raise_if_invalid()
    assert caught.value.report is report
    assert isinstance(caught.value, opus.OpusError)
    assert "2 row(s)" in str(caught.value)


def test_html_display_escapes_cell_values(conn: opus.Connection, messy: pd.DataFrame) -> None:
    html = opus.validate(messy, conn)._repr_html_()
    assert "<b>Mars</b>" not in html
    assert "&lt;b&gt;Mars&lt;/b&gt;" in html
    assert "Department" in html and "choice" in html


def test_repr_counts_rows_and_problems(conn: opus.Connection, messy: pd.DataFrame) -> None:
    text = repr(opus.validate(messy, conn))
    assert "5 rows: 3 valid, 2 invalid (3 cell problems)" in text
    assert "1 sheet-level problem" in text


def test_accessor_validate_matches_the_function(conn: opus.Connection, messy: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(messy.opus.validate(conn).errors, opus.validate(messy, conn).errors)


def test_validate_does_not_modify_the_sheet(conn: opus.Connection, messy: pd.DataFrame) -> None:
    before = messy.copy()
    opus.validate(messy, conn)
    pd.testing.assert_frame_equal(messy, before)


def test_rows_with_a_repeated_index_label_are_kept_apart(conn: opus.Connection) -> None:
    df = sheet(3, r1={"Name": ""})
    df.index = ["x", "x", "y"]
    report = opus.validate(df, conn)
    assert len(report.valid) == 2 and len(report.invalid) == 1
    assert report.invalid["Row key"].tolist() == ["INV-0001"]


def test_validate_needs_a_dataframe(conn: opus.Connection) -> None:
    with pytest.raises(TypeError):
        opus.validate([good_row()], conn)  # type: ignore[arg-type]


def test_report_records_are_the_batches_records_by_row_position(conn: opus.Connection, messy: pd.DataFrame) -> None:
    report = opus.validate(messy, conn)
    records = report.records()
    assert list(records) == [0, 2, 4]  # rows b and d fail
    batched = [record for _, chunk in report.batches(15) for record in chunk]
    assert [records[pos] for pos in records] == batched
    assert 1 not in records and records[2]["rowKey"] == "INV-0002"
