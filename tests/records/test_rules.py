"""Every rule of the schema: one bad cell gives exactly one report row naming row, column, value and rule;
and the messy-but-unambiguous cells that coercion fixes pass, with their canonical value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.records._schema import RULES
from tests.helpers.rows import sheet

# rule -> (display column, bad raw value)
BAD_CELLS: dict[str, tuple[str, Any]] = {
    "required": ("Name", "   "),
    "single_line": ("Vendor Name", "North\nwind"),
    "datetime": ("Document Date", "next Tuesday"),
    "datetime_ambiguous": ("Document Date", "03/04/2021"),
    "number": ("Contract Value", "1,200 EUR"),
    "finite": ("Contract Value", "inf"),
    "choice": ("Department", "Finanse"),
    "choices": ("Regions", "Europe; Atlantis"),
    "email": ("Record Owner", "ann at contoso"),
    "taxonomy_path": ("Business Area", "Finance//Invoices"),
    "taxonomy_term": ("Classification", "Finance/Unknown Term"),
}


def _only_error(report: opus.ValidationReport) -> pd.Series:
    assert len(report.errors) == 1, report.errors.to_string()
    return report.errors.iloc[0]


@pytest.mark.parametrize("rule, column, value", [(r, *c) for r, c in BAD_CELLS.items()], ids=list(BAD_CELLS))
def test_each_rule_reports_the_bad_cell_once_with_row_column_value_and_rule(
    conn: opus.Connection, rule: str, column: str, value: Any
) -> None:
    df = sheet(3, r1={column: value})
    report = opus.validate(df, conn)
    error = _only_error(report)
    assert error["rule"] == rule
    assert error["row"] == 1
    assert error["rowKey"] == "INV-0001"
    assert error["column"] == column
    assert error["internal_name"] == conn.column(column).internal_name
    assert error["value"] == value
    assert error["message"]
    assert report.invalid.index.tolist() == [1]
    assert report.valid.index.tolist() == [0, 2]


def test_rules_table_names_every_rule_a_cell_can_break() -> None:
    assert set(BAD_CELLS) | {"unique", "modified_before_created"} <= set(RULES)


@pytest.mark.parametrize("rule, column, value", [(r, *c) for r, c in BAD_CELLS.items()], ids=list(BAD_CELLS))
def test_message_shows_the_value_an_analyst_typed(conn: opus.Connection, rule: str, column: str, value: Any) -> None:
    message = _only_error(opus.validate(sheet(1, r0={column: value}), conn))["message"]
    if rule != "required":
        assert repr(value) in message


@pytest.mark.parametrize("column", ["Row key", "Name", "Created time", "Modified time", "Created by", "Modified by"])
@pytest.mark.parametrize("blank", [None, np.nan, "", "  \t "])
def test_required_builtin_may_not_be_blank(conn: opus.Connection, column: str, blank: Any) -> None:
    error = _only_error(opus.validate(sheet(2, r0={column: blank}), conn))
    assert (error["rule"], error["column"], error["row"]) == ("required", column, 0)
    assert column in error["message"]


@pytest.mark.parametrize(
    "column",
    [
        "Classification",
        "Vendor Name",
        "Description",
        "Document Date",
        "Department",
        "Regions",
        "Record Owner",
        "Contract Value",
        "Business Area",
    ],
)
@pytest.mark.parametrize("blank", [None, np.nan, "", "   "])
def test_optional_columns_may_be_blank(conn: opus.Connection, column: str, blank: Any) -> None:
    assert opus.validate(sheet(2, r0={column: blank}), conn).ok


def test_duplicate_row_key_is_reported_on_every_row_that_shares_it(conn: opus.Connection) -> None:
    df = sheet(4, r1={"Row key": "DUP"}, r3={"Row key": "DUP"})
    report = opus.validate(df, conn)
    assert report.errors[["row", "rule", "column", "value"]].values.tolist() == [
        [1, "unique", "Row key", "DUP"],
        [3, "unique", "Row key", "DUP"],
    ]
    assert "2 times" in report.errors["message"].iloc[0]
    assert report.valid.index.tolist() == [0, 2]


def test_row_keys_that_differ_only_by_outer_spaces_are_duplicates(conn: opus.Connection) -> None:
    report = opus.validate(sheet(2, r0={"Row key": "K1"}, r1={"Row key": " K1 "}), conn)
    assert report.errors["rule"].tolist() == ["unique", "unique"]


def test_whole_number_row_keys_from_excel_read_as_text(conn: opus.Connection) -> None:
    report = opus.validate(sheet(2, r0={"Row key": 1001.0}, r1={"Row key": 1002}), conn)
    assert report.ok
    assert report.valid["Row key"].tolist() == ["1001", "1002"]


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\rb", "a\u2028b"])
def test_single_line_text_has_no_line_break(conn: opus.Connection, text: str) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Name": text}), conn))["rule"] == "single_line"


def test_multiple_lines_of_text_may_hold_line_breaks(conn: opus.Connection) -> None:
    report = opus.validate(sheet(1, r0={"Description": "line 1\nline 2\r\nline 3"}), conn)
    assert report.ok
    assert report.valid["Description"].iloc[0] == "line 1\nline 2\r\nline 3"


def test_modified_before_created_is_reported_on_modified_time(conn: opus.Connection) -> None:
    df = sheet(2, r1={"Created time": "2022-05-01 09:00", "Modified time": "2022-04-30 09:00"})
    error = _only_error(opus.validate(df, conn))
    assert (error["rule"], error["column"], error["internal_name"], error["row"]) == (
        "modified_before_created",
        "Modified time",
        "timeModified",
        1,
    )
    assert error["value"] == "2022-04-30 09:00"
    assert "2022-05-01 09:00:00" in error["message"]


def test_modified_equal_to_created_is_fine(conn: opus.Connection) -> None:
    assert opus.validate(sheet(1, r0={"Created time": "2022-05-01", "Modified time": "2022-05-01"}), conn).ok


def test_unreadable_created_time_is_reported_once_and_not_compared(conn: opus.Connection) -> None:
    error = _only_error(opus.validate(sheet(1, r0={"Created time": "someday", "Modified time": "1990-01-01"}), conn))
    assert (error["rule"], error["column"]) == ("datetime", "Created time")


def test_unreadable_required_value_gives_one_report_row_not_also_required(conn: opus.Connection) -> None:
    error = _only_error(opus.validate(sheet(1, r0={"Created time": "not a date"}), conn))
    assert error["rule"] == "datetime"


@pytest.mark.parametrize("value", ["ten", "12,5", "1 200", "$5", "--3", True])
def test_number_must_be_a_number(conn: opus.Connection, value: Any) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Contract Value": value}), conn))["rule"] == "number"


@pytest.mark.parametrize("value", ["inf", "-inf", float("inf"), "Infinity"])
def test_number_must_be_finite(conn: opus.Connection, value: Any) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Contract Value": value}), conn))["rule"] == "finite"


def test_number_column_of_floats_with_infinity_is_reported(conn: opus.Connection) -> None:
    df = sheet(2)
    df["Contract Value"] = pd.Series([1.5, float("-inf")], dtype="float64")
    error = _only_error(opus.validate(df, conn))
    assert (error["rule"], error["row"]) == ("finite", 1)


@pytest.mark.parametrize("value", ["Finanse", "0", "7", "1.5", "Finance; Legal", True])
def test_single_choice_must_be_an_option_name_or_order(conn: opus.Connection, value: Any) -> None:
    error = _only_error(opus.validate(sheet(1, r0={"Department": value}), conn))
    assert error["rule"] == "choice"
    assert "Finance, Human Resources" in error["message"]


@pytest.mark.parametrize("value", ["Europe; Atlantis", "Europe, 9", "0", ["Europe", "Mars"], "[1,7]"])
def test_multiple_choice_entries_must_all_be_options(conn: opus.Connection, value: Any) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Regions": value}), conn))["rule"] == "choices"


@pytest.mark.parametrize(
    "value",
    [
        "ann",
        "ann@contoso",
        "ann@@contoso.com",
        "Ann <ann>",
        "ann@contoso.com; bob",
        "a b@contoso.com",
        "<>",
        ["ann@contoso.com", "nobody"],
    ],
)
def test_people_must_be_email_addresses(conn: opus.Connection, value: Any) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Record Owner": value}), conn))["rule"] == "email"


@pytest.mark.parametrize("value", ["/Finance", "Finance/", "Finance//Invoices", "Finance/ /Invoices", "/"])
def test_taxonomy_path_has_no_blank_segment(conn: opus.Connection, value: str) -> None:
    assert _only_error(opus.validate(sheet(1, r0={"Business Area": value}), conn))["rule"] == "taxonomy_path"
    assert _only_error(opus.validate(sheet(1, r0={"Classification": value}), conn))["rule"] == "taxonomy_path"


def test_classification_must_be_a_known_term_when_terms_are_given(conn: opus.Connection) -> None:
    error = _only_error(opus.validate(sheet(1, r0={"Classification": "Finance/Payroll"}), conn))
    assert (error["rule"], error["column"]) == ("taxonomy_term", "Classification")


def test_classification_is_any_path_when_no_terms_are_given(conn_without_terms: opus.Connection) -> None:
    assert opus.validate(sheet(1, r0={"Classification": "Finance/Payroll"}), conn_without_terms).ok


def test_terms_check_only_the_classification_column(conn: opus.Connection) -> None:
    report = opus.validate(sheet(1, r0={"Business Area": "Not/A/Term"}), conn)
    assert report.ok


def test_every_failure_is_reported_at_once(conn: opus.Connection) -> None:
    spoil = {"Name": "", "Department": "Nope", "Contract Value": "x", "Record Owner": "y"}
    df = sheet(3, r0=spoil, r2={"Regions": "Mars"})
    report = opus.validate(df, conn)
    assert sorted(zip(report.errors["row"], report.errors["rule"], strict=True)) == sorted(
        [(0, "required"), (0, "choice"), (0, "number"), (0, "email"), (2, "choices")]
    )
    assert report.errors.groupby(["row", "column"]).size().max() == 1


# --- coercion: what is unambiguous is fixed, and only that --------------------------------------

COERCED: list[tuple[str, Any, Any]] = [
    ("Name", "  Invoice 7.pdf  ", "Invoice 7.pdf"),
    ("Vendor Name", "\tNorthwind ", "Northwind"),
    ("Department", " finance", "Finance"),
    ("Department", "HUMAN   resources", "Human Resources"),
    ("Department", "2", "Human Resources"),
    ("Department", 3, "Legal"),
    ("Department", 3.0, "Legal"),
    ("Regions", "europe;ASIA PACIFIC", ("Europe", "Asia Pacific")),
    ("Regions", "Europe, Asia Pacific", ("Europe", "Asia Pacific")),
    ("Regions", "[2,4]", ("Europe", "Latin America")),
    ("Regions", "2; 4", ("Europe", "Latin America")),
    ("Regions", ["Europe", 3], ("Europe", "Asia Pacific")),
    ("Regions", "Middle East, Africa", ("Middle East, Africa",)),
    ("Regions", "Europe; Middle East, Africa", ("Europe", "Middle East, Africa")),
    ("Regions", "Europe, Middle East, Africa", ("Europe", "Middle East, Africa")),
    ("Regions", "Europe; europe; 2", ("Europe",)),
    ("Record Owner", " ann@contoso.com ", ("ann@contoso.com",)),
    ("Record Owner", "Lee, Ann <ann@x.com>; b@y.org", ("ann@x.com", "b@y.org")),
    ("Record Owner", "ann@x.com, b@y.org", ("ann@x.com", "b@y.org")),
    ("Record Owner", '"Ann Lee" <ann@x.com>', ("ann@x.com",)),
    ("Record Owner", ["ann@x.com", "Bob <b@y.org>"], ("ann@x.com", "b@y.org")),
    ("Contract Value", " 12.50 ", 12.5),
    ("Contract Value", "1e3", 1000.0),
    ("Contract Value", "-7", -7.0),
    ("Contract Value", 42, 42.0),
    ("Business Area", "Finance / Invoices ", "Finance/Invoices"),
    ("Classification", " finance / accounts payable ", "Finance/Accounts Payable"),
    ("Document Date", "4 March 2021", pd.Timestamp("2021-03-04")),
    ("Document Date", "March 4, 2021 2:30 PM", pd.Timestamp("2021-03-04 14:30")),
    ("Document Date", "2021/03/04", pd.Timestamp("2021-03-04")),
    ("Document Date", "25/12/2023", pd.Timestamp("2023-12-25")),
    ("Document Date", 44259.4375, pd.Timestamp("2021-03-04 10:30")),
    ("Document Date", "44259.4375", pd.Timestamp("2021-03-04 10:30")),
    ("Document Date", "2021-03-04T10:30:00", pd.Timestamp("2021-03-04 10:30")),
    ("Document Date", pd.Timestamp("2021-03-04 10:30"), pd.Timestamp("2021-03-04 10:30")),
]


@pytest.mark.parametrize("column, raw, canonical", COERCED, ids=[f"{c}={r!r}" for c, r, _ in COERCED])
def test_messy_but_unambiguous_cell_is_coerced_and_passes(conn: opus.Connection, column: str, raw: Any, canonical: Any) -> None:
    report = opus.validate(sheet(1, r0={column: raw}), conn)
    assert report.ok, report.errors.to_dict("records")
    assert report.valid[column].iloc[0] == canonical


def test_ambiguous_day_month_date_is_reported_not_guessed(conn: opus.Connection) -> None:
    report = opus.validate(sheet(1, r0={"Created time": "03/04/2021", "Modified time": "2022-01-01"}), conn)
    error = _only_error(report)
    assert error["rule"] == "datetime_ambiguous"
    assert "YYYY-MM-DD" in error["message"]
    assert report.valid.empty


def test_coercion_does_not_change_the_invalid_rows(conn: opus.Connection) -> None:
    df = sheet(2, r1={"Name": "  padded  ", "Department": "Nope"})
    report = opus.validate(df, conn)
    assert report.invalid.loc[1, "Name"] == "  padded  "
    pd.testing.assert_frame_equal(report.invalid, df.iloc[[1]])
