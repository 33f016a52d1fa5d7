"""Matching a sheet's headers to the connection: by internal or display name, case, spaces and underscores
ignored, `rename=` for the rest; unknown, doubled and missing columns are reported, never guessed."""

from __future__ import annotations

import pytest

import opus_nb as opus
from opus_nb.records._headers import map_headers
from tests.helpers.rows import frame, good_row, sheet


@pytest.mark.parametrize(
    "header, internal",
    [
        ("Row key", "rowKey"),
        ("rowKey", "rowKey"),
        ("ROW_KEY", "rowKey"),
        (" row  key ", "rowKey"),
        ("Name", "leafName"),
        ("leafname", "leafName"),
        ("Created_Time", "timeCreated"),
        ("TIMECREATED", "timeCreated"),
        ("Vendor Name", "_Vendor_%20_Name"),
        ("_Vendor_%20_Name", "_Vendor_%20_Name"),
        ("vendor_name", "_Vendor_%20_Name"),
        ("Contract Value", "Contract%20_Value"),
        ("Contract%20_Value", "Contract%20_Value"),
        ("classification", "termFullPath"),
        ("termFullPath", "termFullPath"),
    ],
)
def test_header_matches_internal_or_display_name_ignoring_case_spaces_and_underscores(
    conn: opus.Connection, header: str, internal: str
) -> None:
    assert map_headers([header], conn).columns == {header: internal}


def test_sheet_with_variant_headers_validates_and_encodes(conn: opus.Connection) -> None:
    df = frame(good_row()).rename(
        columns={
            "Row key": "ROW_KEY",
            "Name": "leafName",
            "Created time": "created_time",
            "Modified time": "TimeModified",
            "Contract Value": "contract value",
        }
    )
    report = opus.validate(df, conn)
    assert report.ok
    assert "Row key" in report.valid.columns and "Contract Value" in report.valid.columns
    record = opus.to_records(df, conn)[0]
    assert record["rowKey"] == "INV-0001" and record["Contract%20_Value"] == 1200.5


def test_unknown_header_is_reported_as_a_sheet_level_problem(conn: opus.Connection) -> None:
    df = sheet(2).assign(Notes="x")
    report = opus.validate(df, conn)
    assert len(report.errors) == 1
    error = report.errors.iloc[0]
    assert error["rule"] == "unknown_column"
    assert error["row"] is None or error["row"] != error["row"]  # blank: no row
    assert error["column"] == "Notes" and error["value"] == "Notes"
    assert "rename=" in error["message"]
    assert not report.ok


def test_unknown_header_does_not_make_the_rows_invalid(conn: opus.Connection) -> None:
    report = opus.validate(sheet(2).assign(Notes="x"), conn)
    assert report.valid.index.tolist() == [0, 1]
    assert "Notes" not in report.valid.columns
    assert report.invalid.empty


def test_near_miss_header_is_not_guessed(conn: opus.Connection) -> None:
    df = sheet(1).rename(columns={"Vendor Name": "Vendor"})
    report = opus.validate(df, conn)
    assert report.errors[["column", "rule"]].values.tolist() == [["Vendor", "unknown_column"]]


@pytest.mark.parametrize("missing", ["Row key", "Name", "Created time", "Modified time", "Created by", "Modified by"])
def test_missing_required_column_is_reported_and_makes_every_row_invalid(conn: opus.Connection, missing: str) -> None:
    df = sheet(3).drop(columns=[missing])
    report = opus.validate(df, conn)
    assert report.errors[["row", "column", "rule"]].values.tolist() == [[None, missing, "missing_column"]]
    assert report.errors["internal_name"].iloc[0] == conn.column(missing).internal_name
    assert report.valid.empty
    assert report.invalid.index.tolist() == [0, 1, 2]
    with pytest.raises(opus.ValidationFailed):
        opus.to_records(df, conn)


def test_missing_optional_column_is_fine(conn: opus.Connection) -> None:
    df = sheet(2).drop(columns=["Classification", "Department", "Contract Value"])
    report = opus.validate(df, conn)
    assert report.ok
    assert "Department" not in report.valid.columns


def test_sheet_with_no_columns_reports_every_required_column(conn: opus.Connection) -> None:
    report = opus.validate(frame(), conn)
    required = [c.display_name for c in conn.columns if c.required]
    assert report.errors["column"].tolist() == required
    assert set(report.errors["rule"]) == {"missing_column"}


def test_two_headers_for_one_column_are_reported_as_duplicate(conn: opus.Connection) -> None:
    df = sheet(2).assign(department_="HR")
    report = opus.validate(df, conn)
    error = report.errors.iloc[0]
    assert len(report.errors) == 1
    assert (error["column"], error["rule"]) == ("Department", "duplicate_column")
    assert "Department" in error["value"] and "department_" in error["value"]


def test_two_headers_for_a_required_column_make_every_row_invalid(conn: opus.Connection) -> None:
    df = sheet(2).assign(leafName="other name")
    report = opus.validate(df, conn)
    assert report.errors["rule"].tolist() == ["duplicate_column"]
    assert report.valid.empty


def test_rename_maps_a_header_to_a_display_or_internal_name(conn: opus.Connection) -> None:
    df = sheet(1).rename(columns={"Name": "Title", "Vendor Name": "Supplier"})
    report = opus.validate(df, conn, rename={"Title": "leafName", "Supplier": "Vendor Name"})
    assert report.ok
    assert report.valid["Name"].iloc[0] == "Invoice 1.pdf"
    assert report.valid["Vendor Name"].iloc[0] == "Northwind"


def test_rename_is_available_on_the_accessor_and_when_encoding(conn: opus.Connection) -> None:
    df = sheet(1).rename(columns={"Name": "Title"})
    assert df.opus.validate(conn, rename={"Title": "Name"}).ok
    assert df.opus.to_records(conn, rename={"Title": "Name"})[0]["leafName"] == "Invoice 1.pdf"


def test_rename_to_an_unknown_column_raises_a_column_mapping_error(conn: opus.Connection) -> None:
    df = sheet(1).rename(columns={"Name": "Title"})
    with pytest.raises(opus.ColumnMappingError) as caught:
        opus.validate(df, conn, rename={"Title": "Headline"})
    assert (caught.value.header, caught.value.target) == ("Title", "Headline")
    assert "Headline" in str(caught.value)
    assert isinstance(caught.value, opus.OpusError)


def test_rename_onto_a_column_that_another_header_already_fills_is_a_duplicate(conn: opus.Connection) -> None:
    report = opus.validate(sheet(1).assign(Title="t"), conn, rename={"Title": "Name"})
    assert report.errors[["column", "rule"]].values.tolist() == [["Name", "duplicate_column"]]


def test_header_mapping_lists_what_did_not_fit(conn: opus.Connection) -> None:
    mapping = map_headers(["Row Key", "name", "Notes", "Dept", "department"], conn, rename={"Dept": "Department"})
    assert mapping.columns == {"Row Key": "rowKey", "name": "leafName"}
    assert mapping.unknown == ["Notes"]
    assert mapping.duplicates == {"_Department": ["Dept", "department"]}
    assert [c.internal_name for c in mapping.missing] == ["timeCreated", "timeModified", "createdBy", "modifiedBy"]


@pytest.mark.parametrize("header", [0, 3.5, ("a", "b")])
def test_non_text_headers_are_reported_as_unknown(conn: opus.Connection, header: object) -> None:
    df = sheet(1)
    df[header] = 1
    report = opus.validate(df, conn)
    assert report.errors["rule"].tolist() == ["unknown_column"]
    assert report.valid.index.tolist() == [0]


def test_every_sheet_level_rule_is_listed_in_the_rules_table(conn: opus.Connection) -> None:
    from opus_nb.records._schema import RULES

    report = opus.validate(sheet(1).assign(Notes="x", department_="HR").drop(columns=["Name"]), conn)
    assert set(report.errors["rule"]) == {"unknown_column", "duplicate_column", "missing_column"}
    assert set(report.errors["rule"]) <= set(RULES)
