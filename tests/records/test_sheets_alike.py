"""`read_sheet` reads the same rows alike from a CSV and an XLSX file: `NA`, `N/A`, `null`, `None`, `#N/A`
and `nan` are text, a cell is blank only when it is empty, and validation gives the same report either way.
A damaged workbook is a `SheetError` wherever a sheet is read; a NaN from pandas' own readers gets a hint."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opus_nb as opus
from opus_nb.cli._main import main
from opus_nb.records import is_blank
from tests.helpers import SAMPLES
from tests.helpers.rows import good_row
from tests.helpers.shell import CONN_ARGS

CONN = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")
NA_WORDS = ["NA", "N/A", "null", "None", "#N/A", "nan", "NaN", "NULL", "n/a", " NA ", "-", "#DIV/0!"]
HEADERS = list(good_row())


def write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """The rows as a CSV export holds them: every value as its text, an empty cell for None."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows([["" if row[h] is None else str(row[h]) for h in HEADERS] for row in rows])
    return path


def write_xlsx(rows: list[dict[str, Any]], path: Path, *, errors: bool = False) -> Path:
    """The rows as a workbook holds them: text as text cells (never formulas), numbers and date-times as
    such, nothing for None; with ``errors``, text that names an Excel error is an error cell, as Excel makes it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS, start=1):
            value = row[header]
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "e" if errors and value in ("#N/A", "#DIV/0!") else "s"
    book.save(path)
    return path


# -- the property: the same rows as CSV and as XLSX validate alike ---------------------------------------------

_letters = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]), max_size=8)
_pieces = st.sampled_from(
    [",", ";", '"', "'", "\n", "[", "]", " ", "/", "<", ">", "@", "=", "\u2028", "é", "😀", "Middle East, Africa", "Europe",
     "Finance", "3", "ann@contoso.com", "Lee, Ann <ann@contoso.com>", "2021-03-04", "4 March 2021", "03/04/2021",
     "Finance/Accounts Payable", "1.5", "1e3", "-7", "44259.5"]
)  # fmt: skip
TEXT = st.one_of(st.sampled_from(NA_WORDS), st.lists(st.one_of(_pieces, _letters), max_size=3).map("".join))
# whole numbers as a spreadsheet holds them: at most 15 digits (openpyxl writes 16 significant digits at most)
WHOLE = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)
# numbers as a spreadsheet holds them: a fraction with at most 15 significant digits (what XLSX keeps)
FRACTION = st.integers(min_value=-(10**12), max_value=10**12).filter(lambda n: n % 100).map(lambda n: n / 100)
MOMENT = st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
# an Excel serial: written as text it reads as a date only from five digits on, so only those are alike
SERIAL = st.one_of(
    st.integers(10_000, 2_958_465), st.integers(1_000_000, 295_846_500).filter(lambda n: n % 100).map(lambda n: n / 100)
)


def _cell(header: str) -> st.SearchStrategy[Any]:
    kind = CONN.column(header).type.value
    if header == "Row key":  # a typed date, fraction or bool is no row key, though its text is one: not alike by rule
        return st.one_of(TEXT, WHOLE)
    if kind == "DateTime":
        return st.one_of(TEXT, MOMENT, SERIAL)
    return st.one_of(TEXT, WHOLE, FRACTION, MOMENT, st.booleans())


KEEP = object()
_CHANGES = st.fixed_dictionaries({h: st.one_of(st.just(KEEP), st.just(KEEP), st.none(), _cell(h)) for h in HEADERS})
ROWS = st.lists(_CHANGES, min_size=1, max_size=5).map(
    lambda changes: [
        {h: good_row(**{"Row key": f"K{i}"})[h] if v is KEEP else v for h, v in change.items()}
        for i, change in enumerate(changes)
    ]
)
#: The profile's examples (tests/helpers/lanes.py), with the function-scoped folder each example writes in.
PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _errors(report: opus.ValidationReport) -> pd.DataFrame:
    """The report's errors with each value as its text (a CSV holds text where an XLSX holds a number)."""
    errors = report.errors.drop(columns="message")
    errors["value"] = [None if is_blank(v) else str(v) for v in errors["value"]]
    return errors


@PROPERTY
@given(rows=ROWS)
def test_the_same_rows_as_csv_and_as_xlsx_validate_alike(rows: list[dict[str, Any]], tmp_path: Path) -> None:
    from_csv = opus.read_sheet(write_csv(rows, tmp_path / "sheet.csv")).opus.validate(CONN)
    from_xlsx = opus.read_sheet(write_xlsx(rows, tmp_path / "sheet.xlsx")).opus.validate(CONN)
    pd.testing.assert_frame_equal(from_csv.valid, from_xlsx.valid)
    pd.testing.assert_frame_equal(_errors(from_csv), _errors(from_xlsx))


# -- the words pandas takes for missing are text ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_words_pandas_reads_as_missing_are_text_and_only_an_empty_cell_is_blank(tmp_path: Path, suffix: str) -> None:
    rows = [good_row(**{"Row key": f"K{i}", "Vendor Name": word, "Created by": word}) for i, word in enumerate(NA_WORDS)]
    rows.append(good_row(**{"Row key": "EMPTY", "Vendor Name": None, "Created by": None}))
    write = write_csv if suffix == ".csv" else write_xlsx
    sheet = opus.read_sheet(write(rows, tmp_path / f"sheet{suffix}"))
    assert sheet["Vendor Name"].tolist() == [*NA_WORDS, ""]
    report = sheet.opus.validate(CONN)
    assert report.valid["Vendor Name"].tolist() == [w.strip() for w in NA_WORDS]
    assert report.errors[["row", "column", "rule"]].values.tolist() == [[len(NA_WORDS), "Created by", "required"]]


def test_an_excel_error_cell_reads_as_its_text_as_a_csv_export_of_it_does(tmp_path: Path) -> None:
    rows = [good_row(**{"Row key": "K1", "Vendor Name": "#N/A", "Description": "#DIV/0!"})]
    sheet = opus.read_sheet(write_xlsx(rows, tmp_path / "errors.xlsx", errors=True))
    assert openpyxl.load_workbook(tmp_path / "errors.xlsx")["Sheet"]["H2"].data_type == "e"
    assert sheet.loc[0, ["Vendor Name", "Description"]].tolist() == ["#N/A", "#DIV/0!"]


def test_numbers_and_dates_of_a_workbook_keep_their_values(tmp_path: Path) -> None:
    moment = dt.datetime(2021, 3, 4, 10, 30, 15)
    rows = [good_row(**{"Row key": 2**60, "Contract Value": 1234.56, "Document Date": moment, "Vendor Name": None})]
    sheet = opus.read_sheet(write_xlsx(rows, tmp_path / "typed.xlsx"))
    assert sheet.loc[0, ["Row key", "Contract Value", "Document Date"]].tolist() == [2**60, 1234.56, moment]
    assert sheet.loc[0, "Vendor Name"] == "", "an empty cell of a text column is empty text"


def test_a_header_only_sheet_has_no_rows_and_trailing_empty_rows_and_columns_are_not_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Row key", "Name", None])
    sheet.append(["K1", "NA", None])
    sheet["A5"].number_format = "0.00"  # formatting after the last value makes no row
    sheet["E1"].number_format = "0.00"
    book.save(tmp_path / "s.xlsx")
    (tmp_path / "s.csv").write_text("Row key,Name,\r\nK1,NA,\r\n,,\r\n", encoding="utf-8")
    for name in ("s.xlsx", "s.csv"):
        read = opus.read_sheet(tmp_path / name)
        assert read.to_dict("list") == {"Row key": ["K1"], "Name": ["NA"]}, name


# -- a damaged workbook is a SheetError wherever a sheet is read ---------------------------------------------------


def _damaged(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.xlsx"
    if kind == "not-a-zip":
        path.write_bytes(b"name,value\r\nNA,1\r\n")
        return path
    good = write_xlsx([good_row()], tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as out:
        for name in source.namelist():
            body = source.read(name)
            out.writestr(name, body[: len(body) // 2] if name.endswith("sheet1.xml") else body)
    return path


@pytest.mark.parametrize("kind", ["not-a-zip", "broken-xml"])
def test_a_damaged_workbook_is_a_sheet_error(tmp_path: Path, kind: str) -> None:
    path = _damaged(tmp_path, kind)
    with pytest.raises(opus.SheetError, match="not a workbook, or a damaged one") as caught:
        opus.read_sheet(path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("kind", ["not-a-zip", "broken-xml"])
@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{sheet}", *CONN_ARGS],
        ["submit", "{sheet}", *CONN_ARGS, "--dry-run", "--quiet"],
        ["destroy", "--from", "{sheet}", "--no-recheck", "--yes", "--quiet", "--reviewer", "Ann Lee"],
    ],
    ids=["validate", "submit", "destroy"],
)
def test_the_shell_says_a_damaged_workbook_in_one_line_and_exits_two(
    tmp_path: Path, kind: str, command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _damaged(tmp_path, kind)
    assert main([str(path) if part == "{sheet}" else part for part in command]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}: cannot read the sheet: not a workbook" in err


# -- a NaN where text belongs: the message says how pandas made it, and how to keep the text ------------------------


def test_a_required_nan_from_read_excel_says_how_to_keep_na_as_text(tmp_path: Path) -> None:
    path = write_xlsx([good_row(**{"Name": "NA", "Created by": "N/A"})], tmp_path / "s.xlsx")
    report = pd.read_excel(path, engine="openpyxl").opus.validate(CONN)
    assert report.errors["rule"].tolist() == ["required", "required"]
    for message in report.errors["message"]:
        assert "pandas read it as missing" in message and "keep_default_na=False" in message
    assert opus.read_sheet(path).opus.validate(CONN).ok, "read_sheet keeps them as the text they are"


def test_an_empty_required_cell_from_read_sheet_has_no_such_hint(tmp_path: Path) -> None:
    path = write_csv([good_row(Name=None)], tmp_path / "s.csv")
    (message,) = opus.read_sheet(path).opus.validate(CONN).errors["message"]
    assert message == "Name is required, and this row has no value"
