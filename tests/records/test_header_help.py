"""Help with headers and dates: did-you-mean for unknown headers, dayfirst= for day-first sheets, --rename
and --dayfirst in the shell, and due_records(before=...) refusing a date that reads either way."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb._errors import ConfigurationError
from opus_nb.cli._main import main
from opus_nb.client._operations import DueQuery
from opus_nb.jobs._due import due_records
from opus_nb.records._dates import read_moment
from tests.helpers.rows import frame, good_row, sheet
from tests.helpers.shell import CONN_ARGS

# --- did you mean -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, meant",
    [
        ("Vendr Name", "Vendor Name"),
        ("contract_valeu", "Contract Value"),
        ("Departmnet", "Department"),
        ("_Record_%20_Ownr", "Record Owner"),
    ],
)
def test_an_unknown_header_suggests_the_columns_it_is_close_to(conn: opus.Connection, header: str, meant: str) -> None:
    row = good_row()
    row[header] = row.pop(meant)
    errors = opus.validate(frame(row), conn).errors
    unknown = errors[errors["rule"] == "unknown_column"].iloc[0]
    assert unknown["column"] == header
    assert f"did you mean {meant!r}" in unknown["message"]
    assert f"rename={{{header!r}: {meant!r}}}" in unknown["message"]


def test_a_header_close_to_nothing_gets_no_suggestion(conn: opus.Connection) -> None:
    errors = opus.validate(frame(good_row(Zzyzx=1)), conn).errors
    assert "did you mean" not in errors.iloc[0]["message"]


# --- dayfirst -----------------------------------------------------------------------------


def _ambiguous_sheet() -> pd.DataFrame:
    return sheet(2, r0={"Document Date": "03/04/2021"}, r1={"Document Date": "25/12/2021 14:30"})


def test_by_default_a_date_that_reads_either_way_is_reported_ambiguous(conn: opus.Connection) -> None:
    errors = opus.validate(_ambiguous_sheet(), conn).errors
    assert errors[["row", "rule"]].values.tolist() == [[0, "datetime_ambiguous"]]


def test_dayfirst_reads_slash_dates_day_first(conn: opus.Connection) -> None:
    report = opus.validate(_ambiguous_sheet(), conn, dayfirst=True)
    assert report.ok, report.errors
    dates = report.valid_internal["_Document_%20_Date"].tolist()
    assert dates == [pd.Timestamp("2021-04-03"), pd.Timestamp("2021-12-25 14:30")]


def test_dayfirst_reaches_the_accessor_to_records_and_iter_records(conn: opus.Connection) -> None:
    df = _ambiguous_sheet()
    assert df.opus.validate(conn, dayfirst=True).ok
    assert not df.opus.validate(conn).ok
    expected = ["2021-04-03 00:00:00", "2021-12-25 14:30:00"]
    assert [r["_Document_%20_Date"] for r in opus.to_records(df, conn, dayfirst=True)] == expected
    assert [r["_Document_%20_Date"] for r in df.opus.to_records(conn, dayfirst=True)] == expected
    chunks = list(df.opus.iter_records(conn, chunk_size=1, dayfirst=True))
    assert [c[0]["_Document_%20_Date"] for c in chunks] == expected
    with pytest.raises(opus.ValidationFailed):
        opus.to_records(df, conn)


def test_under_dayfirst_a_date_valid_only_month_first_is_not_a_date(conn: opus.Connection) -> None:
    errors = opus.validate(sheet(1, r0={"Document Date": "12/25/2021"}), conn, dayfirst=True).errors
    assert errors["rule"].tolist() == ["datetime"]
    assert opus.validate(sheet(1, r0={"Document Date": "12/25/2021"}), conn).ok


def test_dayfirst_reaches_a_dry_run_submit(conn: opus.Connection) -> None:
    results = opus.submit(_ambiguous_sheet(), conn, dry_run=True, dayfirst=True, progress=False)
    data = results.run.requests[0]["data"]
    assert [r["_Document_%20_Date"] for r in data] == ["2021-04-03 00:00:00", "2021-12-25 14:30:00"]


# --- due_records(before=...) --------------------------------------------------------------


@pytest.mark.parametrize("before", ["03/04/2026", "04/03/2026 10:00", "soon", "", 5])
def test_before_that_is_ambiguous_or_not_a_date_is_refused_before_any_request(conn: opus.Connection, before: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        due_records(conn, before=before, progress=False)  # type: ignore[arg-type]
    assert caught.value.setting == "before"
    if before == "03/04/2026":
        assert "day-first or month-first" in str(caught.value)


@pytest.mark.parametrize(
    "before, expected",
    [
        ("2026-04-03", "2026-04-03 00:00:00"),
        ("2026-04-03T10:30:00+02:00", "2026-04-03 08:30:00"),
        ("3 April 2026", "2026-04-03 00:00:00"),
        ("25/12/2026", "2026-12-25 00:00:00"),
        (dt.date(2026, 4, 3), "2026-04-03 00:00:00"),
        (pd.Timestamp("2026-04-03 12:00", tz="UTC"), "2026-04-03 12:00:00"),
    ],
)
def test_iso_dates_datetimes_and_unambiguous_written_dates_are_accepted(before: object, expected: str) -> None:
    moment = read_moment(before, "before").to_pydatetime()
    assert DueQuery("c", moment, fmt="%Y-%m-%d %H:%M:%S").due_date == expected
    assert DueQuery("c", moment).due_date == expected.replace(" ", "T")  # ISO 8601 unless a tenant format is set


# --- the shell: --rename, --dayfirst, -o ----------------------------------------------------


def _renamed_sheet(tmp_path: Path) -> Path:
    df = _ambiguous_sheet().rename(columns={"Vendor Name": "Supplier", "Contract Value": "Amount"})
    path = tmp_path / "sheet.csv"
    df.to_csv(path, index=False)
    return path


def test_validate_takes_rename_and_dayfirst(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _renamed_sheet(tmp_path)
    assert main(["validate", str(path), *CONN_ARGS]) == 1
    assert "unknown_column" in capsys.readouterr().out
    code = main(
        ["validate", str(path), *CONN_ARGS, "--rename", "Supplier=Vendor Name", "--rename", "Amount=Contract Value", "--dayfirst"]
    )
    assert code == 0, capsys.readouterr().out


def test_submit_dry_run_takes_rename_and_dayfirst(tmp_path: Path) -> None:
    path, bodies = _renamed_sheet(tmp_path), tmp_path / "bodies.json"
    code = main(
        [
            "submit",
            str(path),
            *CONN_ARGS,
            "--rename",
            "Supplier=Vendor Name",
            "--rename",
            "Amount=Contract Value",
            "--dayfirst",
            "--dry-run",
            "--quiet",
            "-o",
            str(bodies),
            "--journal",
            str(tmp_path / "journal"),
        ]
    )
    assert code == 0
    data = json.loads(bodies.read_text(encoding="utf-8"))[0]["data"]
    assert [r["_Document_%20_Date"] for r in data] == ["2021-04-03 00:00:00", "2021-12-25 14:30:00"]
    assert {r["_Vendor_%20_Name"] for r in data} == {"Northwind"}


@pytest.mark.parametrize("pair", ["Supplier", "=Vendor Name", "Supplier="])
def test_a_rename_without_old_and_new_is_a_usage_error(tmp_path: Path, pair: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate", str(_renamed_sheet(tmp_path)), *CONN_ARGS, "--rename", pair])
    assert caught.value.code == 2


def test_a_rename_to_no_column_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(_renamed_sheet(tmp_path)), *CONN_ARGS, "--rename", "Supplier=Nope"]) == 2
    assert "Nope" in capsys.readouterr().err


HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_validate_output_neutralises_formula_cells(tmp_path: Path, suffix: str) -> None:
    path, out = tmp_path / "bad.csv", tmp_path / f"errors{suffix}"
    df = sheet(2, r0={"Department": HOSTILE}, r1={"Contract Value": "+1+cmd|' /C calc'!A0"})
    df["@SUM(A1)"] = "x"
    df.to_csv(path, index=False)
    assert main(["validate", str(path), *CONN_ARGS, "-o", str(out)]) == 1
    written = pd.read_csv(out, dtype=str) if suffix == ".csv" else pd.read_excel(out, dtype=str)
    cells = set(written.to_numpy().ravel().tolist())
    assert "'" + HOSTILE in cells and HOSTILE not in cells
    assert "'+1+cmd|' /C calc'!A0" in cells
    assert "'@SUM(A1)" in cells and "@SUM(A1)" not in cells
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet_cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
        assert not [c for c in sheet_cells if c.data_type == "f"]


def test_validate_output_must_be_a_csv_or_xlsx_file(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    sheet(1).to_csv(path, index=False)
    with pytest.raises(SystemExit) as caught:
        main(["validate", str(path), *CONN_ARGS, "-o", str(tmp_path / "errors.txt")])
    assert caught.value.code == 2
