"""Spreadsheet-safe tables and redacted server text: what users open and read must carry no formula and no secret."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from opus_nb._exports import neutralise, write_csv_rows, write_table
from opus_nb._redact import redact

HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_looking_text_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["-5", "+1.5", "-3e2", "Invoice 7", "ann@contoso.com", 12, None])
def test_harmless_values_are_left_alone(value: object) -> None:
    assert neutralise(value) == value


def test_csv_cells_and_headers_are_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame({"leafName": HOSTILE, "=bad header": range(len(HOSTILE))})
    path = write_table(frame, tmp_path / "out.csv")
    header, *rows = list(csv.reader(path.open(newline="")))
    assert header == ["leafName", "'=bad header"]
    assert rows == [["'" + text, str(i)] for i, text in enumerate(HOSTILE)]


def test_xlsx_holds_strings_never_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"leafName": HOSTILE, "people": [("a@x.com", "b@x.com")] * len(HOSTILE), "n": range(len(HOSTILE))})
    path = write_table(frame, tmp_path / "out.xlsx", sheet_name="approved")
    sheet = openpyxl.load_workbook(path)["approved"]
    cells = [row for row in sheet.iter_rows(min_row=2)]
    assert all(row[0].data_type == "s" and str(row[0].value).startswith("'") for row in cells)
    assert {row[1].value for row in cells} == {'["a@x.com","b@x.com"]'}, "several values: one JSON array"
    assert [row[2].value for row in cells] == list(range(len(HOSTILE)))


def test_appended_csv_rows_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write_csv_rows(path, ["rowKey", "message"], [{"rowKey": "=A1", "message": "ok"}], header=True)
    write_csv_rows(path, ["rowKey", "message"], [{"rowKey": "B", "message": "@x"}], header=False)
    assert list(csv.reader(path.open(newline=""))) == [["rowKey", "message"], ["'=A1", "ok"], ["B", "'@x"]]


def test_other_suffixes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.json")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("401: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2ln is expired", "eyJhbGciOiJSUzI1NiJ9"),
        ("invalid form client_id=app&client_secret=hunter2&scope=x", "hunter2"),
        ('echo {"client_assertion": "aaa.bbb.ccc", "scope": "x"}', "aaa.bbb.ccc"),
        ("assertion eyJ0eXAi.eyJpc3Mi.sig was replayed", "eyJ0eXAi.eyJpc3Mi.sig"),
        ("password=pfx-pa55 is wrong", "pfx-pa55"),
        ("access_token: abc123def", "abc123def"),
    ],
)
def test_redact_takes_secrets_out(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "***" in cleaned


@pytest.mark.parametrize("text", ["timeCreated: '03/05/2014' is not a date", "the token has expired", "rowKey: A-1 failed"])
def test_redact_keeps_ordinary_messages(text: str) -> None:
    assert redact(text) == text
