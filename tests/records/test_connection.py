"""Loading a connection: both file forms, display names, built-ins, choices, and every bad file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import opus_nb as opus
from opus_nb.records._columns import BUILTIN_COLUMNS, ColumnType, decode_display_name
from tests.helpers import SAMPLES
from tests.helpers.rows import GUID, REGIONS, downloaded, frame, good_row

BUILTIN_DISPLAY = {
    "rowKey": "Row key",
    "leafName": "Name",
    "termFullPath": "Classification",
    "timeCreated": "Created time",
    "timeModified": "Modified time",
    "createdBy": "Created by",
    "modifiedBy": "Modified by",
}


# --- the downloaded form ------------------------------------------------------------------


def test_sample_file_loads_with_its_id_conflict_option_and_every_type(conn: opus.Connection) -> None:
    assert conn.id == "6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f"
    assert conn.conflict_option == "Skip"
    assert {c.type for c in conn.columns} == set(ColumnType)
    assert conn.source.endswith("connection.json")


@pytest.mark.parametrize("key", ["confilictOption", "conflictOption"])
@pytest.mark.parametrize("given, expected", [("Overwrite", "Overwrite"), ("skip", "Skip"), (" OVERWRITE ", "Overwrite")])
def test_conflict_option_is_read_under_either_spelling(key: str, given: str, expected: str) -> None:
    data = {"id": GUID, key: given, "data": [{"_Notes": "MultipleText"}]}
    assert opus.load_connection(data).conflict_option == expected


def test_conflict_option_defaults_to_skip_when_absent() -> None:
    assert opus.load_connection({"id": GUID, "data": [{}]}).conflict_option == "Skip"


@pytest.mark.parametrize(
    "internal, display",
    [
        ("_Multiple_%20_Text_%20_Column", "Multiple Text Column"),
        ("Multiple%20_Text_%20_Column", "Multiple Text Column"),
        ("_Department", "Department"),
        ("Contract%20_Value", "Contract Value"),
        ("_Record_%20_Owner", "Record Owner"),
        ("Plain", "Plain"),
    ],
)
def test_display_name_is_decoded_from_both_internal_name_spellings(internal: str, display: str) -> None:
    assert decode_display_name(internal) == display
    conn = opus.load_connection(downloaded(**{internal: "SingleText"}))
    assert conn.column(internal).display_name == display
    assert conn.column(display).internal_name == internal


def test_builtins_keep_their_api_names_and_get_their_documented_display_names(conn: opus.Connection) -> None:
    shown = {c.internal_name: c.display_name for c in conn.columns if c.builtin}
    assert shown == BUILTIN_DISPLAY


def test_builtins_are_added_when_the_file_lists_only_custom_columns() -> None:
    conn = opus.load_connection(downloaded(_Notes="MultipleText"))
    names = [c.internal_name for c in conn.columns]
    assert names[: len(BUILTIN_COLUMNS)] == list(BUILTIN_DISPLAY)
    assert names[-1] == "_Notes"


@pytest.mark.parametrize(
    "internal, required",
    [
        ("rowKey", True),
        ("leafName", True),
        ("termFullPath", False),
        ("timeCreated", True),
        ("timeModified", True),
        ("createdBy", True),
        ("modifiedBy", True),
    ],
)
def test_required_builtins_are_marked_required(conn: opus.Connection, internal: str, required: bool) -> None:
    assert conn.column(internal).required is required


def test_custom_columns_are_optional(conn: opus.Connection) -> None:
    assert not any(c.required for c in conn.columns if not c.builtin)


def test_column_is_found_by_internal_or_display_name_ignoring_case_spaces_and_underscores(conn: opus.Connection) -> None:
    for name in ["Contract Value", "contract_value", "CONTRACTVALUE", " contract  value ", "Contract%20_Value"]:
        assert conn.column(name).internal_name == "Contract%20_Value"
    assert conn.find("no such column") is None
    with pytest.raises(KeyError):
        conn.column("no such column")


def test_datetime_format_comes_from_the_argument_or_the_file() -> None:
    assert opus.load_connection(downloaded()).datetime_format == "%Y-%m-%d %H:%M:%S"
    assert opus.load_connection(downloaded(), datetime_format="%d/%m/%Y %H:%M").datetime_format == "%d/%m/%Y %H:%M"
    data = downloaded() | {"datetimeFormat": "%m/%d/%Y"}
    assert opus.load_connection(data).datetime_format == "%m/%d/%Y"


def test_to_json_gives_back_the_downloaded_form_under_both_spellings(conn: opus.Connection) -> None:
    data = conn.to_json()
    assert data["conflictOption"] == data["confilictOption"] == "Skip"
    again = opus.load_connection(data)
    assert [(c.internal_name, c.type) for c in again.columns] == [(c.internal_name, c.type) for c in conn.columns]


# --- the explicit form --------------------------------------------------------------------


def test_explicit_form_gives_display_names_and_choice_options() -> None:
    conn = opus.load_connection(
        {
            "id": GUID,
            "columns": [
                {"internalName": "_Dept", "type": "SingleChoice", "displayName": "Department", "choices": ["A", "B"]},
                {"internalName": "_Amount", "type": "Number"},
            ],
        }
    )
    assert conn.column("Department").internal_name == "_Dept"
    assert conn.column("_Dept").choices == ("A", "B")
    assert conn.column("_Amount").display_name == "Amount"
    assert [c.internal_name for c in conn.columns if c.builtin] == list(BUILTIN_DISPLAY)


def test_choices_argument_overrides_options_of_the_explicit_form() -> None:
    data = {"id": GUID, "columns": [{"internalName": "_Dept", "type": "SingleChoice", "choices": ["A"]}]}
    assert opus.load_connection(data, choices={"Dept": ["X", "Y"]}).column("Dept").choices == ("X", "Y")


# --- choices --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["Regions", "_Regions", "regions", " REGIONS "])
def test_choices_are_keyed_by_display_or_internal_name(key: str) -> None:
    conn = opus.load_connection(SAMPLES / "connection.json", choices={key: REGIONS, "Department": ["A"]})
    assert conn.column("Regions").choices == tuple(REGIONS)


def test_choices_are_read_from_a_json_file(conn: opus.Connection) -> None:
    expected = json.loads((SAMPLES / "choices.json").read_text(encoding="utf-8"))
    assert conn.column("Department").choices == tuple(expected["Department"])
    assert conn.column("Regions").choices == tuple(expected["Regions"])


def test_option_order_is_its_one_based_position(conn: opus.Connection) -> None:
    records = opus.to_records(frame(good_row(Department="Finance", Regions="Europe; Middle East, Africa")), conn)
    assert records[0]["_Department"] == 1
    assert records[0]["_Regions"] == "[2,5]"


def test_option_names_are_trimmed() -> None:
    conn = opus.load_connection(downloaded(_Dept="SingleChoice"), choices={"Dept": [" A ", "B"]})
    assert conn.column("Dept").choices == ("A", "B")


# --- choice columns without options -----------------------------------------------------------


def test_choice_column_without_options_loads_but_fails_validation_of_a_frame_holding_it(
    conn_without_choices: opus.Connection,
) -> None:
    with pytest.raises(opus.MissingChoicesError) as caught:
        opus.validate(frame(good_row()), conn_without_choices)
    assert set(caught.value.columns) == {"Department", "Regions"}
    assert "Department" in str(caught.value)
    assert isinstance(caught.value, opus.OpusError)


@pytest.mark.parametrize("column", ["Department", "Regions"])
def test_each_choice_column_without_options_is_an_error_on_its_own(conn_without_choices: opus.Connection, column: str) -> None:
    row = {k: v for k, v in good_row().items() if k not in {"Department", "Regions"} - {column}}
    with pytest.raises(opus.MissingChoicesError) as caught:
        opus.validate(frame(row), conn_without_choices)
    assert caught.value.columns == [column]


def test_choice_column_without_options_is_an_error_when_encoding(conn_without_choices: opus.Connection) -> None:
    with pytest.raises(opus.MissingChoicesError):
        opus.to_records(frame(good_row()), conn_without_choices)
    with pytest.raises(opus.MissingChoicesError):
        frame(good_row()).opus.to_records(conn_without_choices)


def test_choice_column_without_options_is_an_error_even_when_every_cell_is_blank(conn_without_choices: opus.Connection) -> None:
    with pytest.raises(opus.MissingChoicesError):
        opus.validate(frame(good_row(Department=None, Regions=None)), conn_without_choices)


def test_frame_without_the_choice_columns_needs_no_options(conn_without_choices: opus.Connection) -> None:
    row = {k: v for k, v in good_row().items() if k not in ("Department", "Regions")}
    assert opus.validate(frame(row), conn_without_choices).ok


# --- bad files ------------------------------------------------------------------------------


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "conn.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


BAD_FILES = {
    "not json": ("{'id': nope", "(file)"),
    "empty file": ("", "(file)"),
    "json list at top level": ([{"rowKey": "SingleText"}], "(top level)"),
    "no data": ({"id": GUID}, "data"),
    "data is an object": ({"id": GUID, "data": {"rowKey": "SingleText"}}, "data"),
    "data is an empty list": ({"id": GUID, "data": []}, "data"),
    "data holds a string": ({"id": GUID, "data": ["rowKey"]}, "data"),
    "no id": ({"data": [{"_A": "SingleText"}]}, "id"),
    "blank id": ({"id": "  ", "data": [{"_A": "SingleText"}]}, "id"),
    "numeric id": ({"id": 12, "data": [{"_A": "SingleText"}]}, "id"),
    "malformed guid": ({"id": "2f1c7f0e-7d6a-4d1e-9f4b", "data": [{"_A": "SingleText"}]}, "id"),
    "guid with a bad digit": ({"id": "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d1g", "data": [{"_A": "SingleText"}]}, "id"),
    "unknown type name": ({"id": GUID, "data": [{"_A": "Text"}]}, "data[0]._A"),
    "type name in the wrong case": ({"id": GUID, "data": [{"_A": "singletext"}]}, "data[0]._A"),
    "type is not a string": ({"id": GUID, "data": [{"_A": 3}]}, "data[0]._A"),
    "duplicate display names": ({"id": GUID, "data": [{"_Dept": "SingleText", "Dept": "Number"}]}, None),
    "display name of a built-in": ({"id": GUID, "data": [{"_Name": "SingleText"}]}, None),
    "wrong type for a built-in": ({"id": GUID, "data": [{"rowKey": "Number"}]}, "data[0].rowKey"),
    "wrong type for a built-in date": ({"id": GUID, "data": [{"timeCreated": "SingleText"}]}, "data[0].timeCreated"),
    "unknown conflict option": ({"id": GUID, "conflictOption": "Merge", "data": [{}]}, "conflictOption"),
    "datetime format without a directive": ({"id": GUID, "datetimeFormat": "YYYY-MM-DD", "data": [{}]}, "datetimeFormat"),
    "explicit columns not a list": ({"id": GUID, "columns": {"_A": "SingleText"}}, "columns"),
    "explicit column not an object": ({"id": GUID, "columns": ["_A"]}, "columns[0]"),
    "explicit column without internal name": ({"id": GUID, "columns": [{"type": "Number"}]}, "columns[0]"),
    "explicit column with blank display name": (
        {"id": GUID, "columns": [{"internalName": "_A", "type": "Number", "displayName": " "}]},
        "columns[0].displayName",
    ),
    "explicit column with unknown type": (
        {"id": GUID, "columns": [{"internalName": "_A", "type": "Money", "displayName": "A"}]},
        "columns[0].type",
    ),
    "explicit column with unknown type, no display name": (
        {"id": GUID, "columns": [{"internalName": "_A", "type": "Money"}]},
        None,
    ),
    "explicit duplicate display names": (
        {
            "id": GUID,
            "columns": [
                {"internalName": "_A", "type": "Number", "displayName": "Same"},
                {"internalName": "_B", "type": "Number", "displayName": "same"},
            ],
        },
        None,
    ),
    "explicit choices not a list": (
        {"id": GUID, "columns": [{"internalName": "_A", "type": "SingleChoice", "choices": "A;B"}]},
        "columns[0].choices",
    ),
}


@pytest.mark.parametrize("content, field", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_connection_file_raises_a_typed_error_naming_file_field_and_expectation(
    tmp_path: Path, content: Any, field: str | None
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(path)
    err = caught.value
    assert isinstance(err, opus.OpusError)
    assert err.source == str(path)
    if field is not None:
        assert err.field == field
    assert err.expected
    message = str(err)
    assert str(path) in message and repr(err.field) in message and err.expected in message


BAD_DICTS = {name: case for name, case in BAD_FILES.items() if isinstance(case[0], dict)}


@pytest.mark.parametrize("content, field", BAD_DICTS.values(), ids=BAD_DICTS.keys())
def test_bad_connection_content_given_as_a_dict_raises_the_same_typed_error(content: Any, field: str | None) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(content)  # type: ignore[arg-type]
    if field is not None:
        assert caught.value.field == field


def test_missing_connection_file_is_a_connection_file_error(tmp_path: Path) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(tmp_path / "absent.json")
    assert caught.value.field == "(file)"
    assert "absent.json" in str(caught.value)


def test_guid_is_accepted_in_upper_case_with_spaces_and_normalised() -> None:
    conn = opus.load_connection({"id": f"  {GUID.upper()} ", "data": [{}]})
    assert conn.id == GUID


def test_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(downloaded(_A="Number")), encoding="utf-8-sig")
    assert opus.load_connection(path).column("A").type is ColumnType.NUMBER


BAD_CHOICES = {
    "unknown column": ({"Nope": ["A"]}, "Nope"),
    "not a choice column": ({"Vendor Name": ["A"]}, "Vendor Name"),
    "empty option list": ({"Department": []}, "Department"),
    "string instead of a list": ({"Department": "Finance;HR"}, "Department"),
    "duplicate options": ({"Department": ["HR", "hr"]}, "Department"),
    "blank option": ({"Department": ["HR", " "]}, "Department"),
}


@pytest.mark.parametrize("choices, field", BAD_CHOICES.values(), ids=BAD_CHOICES.keys())
def test_bad_choices_raise_a_connection_file_error_naming_the_column(choices: dict[str, Any], field: str) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices=choices)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_choices_file_that_is_not_json_is_a_connection_file_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "choices.json"
    path.write_text("Department: Finance", encoding="utf-8")
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices=path)
    assert caught.value.source == str(path)


def test_choices_file_holding_a_list_is_a_connection_file_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "choices.json"
    path.write_text(json.dumps(["Finance", "HR"]), encoding="utf-8")
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices=path)
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)


def test_bad_terms_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "terms.json"
    path.write_text(json.dumps({"terms": [{"fullPath": "Finance//Audit"}]}), encoding="utf-8")
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", terms=path)
    assert caught.value.field == "terms[0].fullPath"


def test_terms_are_read_from_terms_json(conn: opus.Connection) -> None:
    assert "Finance/Accounts Payable" in conn.term_paths
    assert "Legal/Litigation" in conn.term_paths


def test_terms_may_be_a_plain_list_of_paths() -> None:
    conn = opus.load_connection(downloaded(), terms=["A/B", "C"])
    assert conn.term_paths == frozenset({"A/B", "C"})
