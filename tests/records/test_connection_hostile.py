"""Hostile connection files: encodings, depth, duplicate keys, odd paths, formats and choices.

Every one must end in a `ConnectionFileError` naming the field, never a raw error from the
decoder, the JSON reader or the interpreter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import opus_nb as opus
from tests.helpers import SAMPLES
from tests.helpers.rows import GUID, downloaded


def _bytes_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "conn.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_with_a_byte_order_mark_load(tmp_path: Path, encoding: str) -> None:
    text = json.dumps(downloaded(_Notes="MultipleText"))
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path = _bytes_file(tmp_path, bom + text.encode(encoding))
    assert opus.load_connection(path).column("Notes").type is opus.ColumnType.MULTIPLE_TEXT


def test_utf16_choices_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "choices.json"
    path.write_bytes(json.dumps({"Department": ["Finance", "Ré"]}, ensure_ascii=False).encode("utf-16"))
    conn = opus.load_connection(SAMPLES / "connection.json", choices=path)
    assert conn.column("Department").choices == ("Finance", "Ré")


def test_latin1_file_is_an_error_naming_the_encoding(tmp_path: Path) -> None:
    text = json.dumps({"id": GUID, "data": [{"_Caf\u00e9": "SingleText"}]}, ensure_ascii=False)
    path = _bytes_file(tmp_path, text.encode("latin-1"))
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(path)
    assert caught.value.field == "(file)"
    assert "UTF-8" in str(caught.value) and "latin-1" in str(caught.value)


def test_latin1_terms_file_is_an_error_naming_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "terms.json"
    path.write_bytes(json.dumps({"terms": ["Caf\u00e9"]}, ensure_ascii=False).encode("latin-1"))
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", terms=path)
    assert "UTF-8" in str(caught.value)


@pytest.mark.parametrize("brackets", ["[", '{"a":'])
def test_very_deep_json_is_an_error_not_a_recursion_error(tmp_path: Path, brackets: str) -> None:
    path = _bytes_file(tmp_path, (brackets * 100_000).encode())
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(path)
    assert caught.value.field == "(file)"
    assert "deep" in str(caught.value)


def test_very_deep_content_given_as_a_dict_is_an_error() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection({"id": GUID, "data": deep})
    assert caught.value.field == "data"


def test_nul_character_in_a_path_is_an_error() -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection("conn\x00.json")
    assert caught.value.field == "(file)"
    assert "NUL" in str(caught.value)


def test_json_text_passed_as_the_path_says_pass_a_path_or_a_dict() -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(json.dumps(downloaded(_A="Number")))
    assert "pass a path or a dict" in str(caught.value)
    assert "No such file" not in str(caught.value)


@pytest.mark.parametrize("key", ["data", "_A"])
def test_duplicate_json_keys_are_an_error_naming_the_key(tmp_path: Path, key: str) -> None:
    text = (
        '{"id": "%s", "data": [{"_A": "Number", "_A": "SingleText"}]}' % GUID
        if key == "_A"
        else '{"id": "%s", "data": [{"_A": "Number"}], "data": [{"_B": "Number"}]}' % GUID
    )
    path = _bytes_file(tmp_path, text.encode())
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(path)
    assert caught.value.field == key
    assert "twice" in str(caught.value)


def test_disagreeing_conflict_spellings_are_an_error() -> None:
    data = {"id": GUID, "conflictOption": "Overwrite", "confilictOption": "Skip", "data": [{}]}
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(data)
    assert caught.value.field == "conflictOption"
    assert "confilictOption" in str(caught.value)


def test_agreeing_conflict_spellings_load() -> None:
    data = {"id": GUID, "conflictOption": "overwrite", "confilictOption": "Overwrite", "data": [{}]}
    assert opus.load_connection(data).conflict_option == "Overwrite"


@pytest.mark.parametrize("fmt", ["%Q", "%H:%M:%S", "%Y %Q", "%Y-%m-%d\x00", "%"])
def test_invalid_datetime_format_is_an_error(fmt: str) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection({"id": GUID, "datetimeFormat": fmt, "data": [{}]})
    assert caught.value.field == "datetimeFormat"
    with pytest.raises(opus.ConnectionFileError):
        opus.load_connection(downloaded(), datetime_format=fmt)


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%y", "%d %B %Y %I:%M %p"])
def test_valid_datetime_formats_load(fmt: str) -> None:
    assert opus.load_connection(downloaded(), datetime_format=fmt).datetime_format == fmt


@pytest.mark.parametrize("choices", [["Finance", "HR"], 7, {"Department"}])
def test_choices_of_the_wrong_shape_are_an_error(choices: Any) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices=choices)
    assert caught.value.field == "choices"


def test_choices_string_that_is_not_a_file_is_an_error_naming_choices() -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices="Finance;HR")
    assert caught.value.field == "choices"
    assert "Finance;HR" in str(caught.value)


@pytest.mark.parametrize("options", [[1, 2], ["Finance", None], [{"name": "HR"}], {"a": "b"}, [["HR"]], [True]])
def test_non_text_choice_options_are_an_error(options: Any) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(SAMPLES / "connection.json", choices={"Department": options})
    assert caught.value.field == "Department"


def test_non_text_options_of_the_explicit_form_are_an_error() -> None:
    data = {"id": GUID, "columns": [{"internalName": "_A", "type": "SingleChoice", "choices": [1, 2]}]}
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(data)
    assert caught.value.field == "columns[0].choices"


@pytest.mark.parametrize("internal", ["%20", "_%00_", "_%09_", "_A%0A", "_%E2%80%8B_", "_\u0007"])
def test_internal_names_decoding_to_blank_or_control_characters_are_an_error(internal: str) -> None:
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(downloaded(**{internal: "SingleText"}))
    assert caught.value.field == f"data[0].{internal}"


def test_display_name_with_a_control_character_is_an_error() -> None:
    data = {"id": GUID, "columns": [{"internalName": "_A", "type": "Number", "displayName": "A\x00"}]}
    with pytest.raises(opus.ConnectionFileError) as caught:
        opus.load_connection(data)
    assert caught.value.field == "columns[0].displayName"
