"""`opus-nb validate`: exit 0 when every row passes, 1 when some do not, 2 (one line on stderr) on unusable input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opus_nb.cli._main import main
from tests.helpers import SAMPLES
from tests.helpers.rows import good_row, sheet
from tests.helpers.shell import CONN_ARGS


def _args(sheet_path: Path, *extra: str) -> list[str]:
    return ["validate", str(sheet_path), *CONN_ARGS, *extra]


def test_clean_sheet_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean.csv"
    sheet(3).to_csv(path, index=False)
    assert main(_args(path)) == 0
    assert "3 rows: 3 valid, 0 invalid" in capsys.readouterr().out


def test_sheet_with_bad_rows_exits_one_and_writes_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = tmp_path / "bad.csv", tmp_path / "errors.csv"
    sheet(4, r1={"Department": "Nope"}, r2={"Contract Value": "ten"}).to_csv(path, index=False)
    assert main(_args(path, "-o", str(out))) == 1
    text = capsys.readouterr().out
    assert "2 invalid" in text and "choice" in text and "number" in text
    written = out.read_text(encoding="utf-8")
    assert "Nope" in written and "ten" in written


def test_bad_connection_file_exits_two_with_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, conn = tmp_path / "s.csv", tmp_path / "conn.json"
    sheet(1).to_csv(path, index=False)
    conn.write_text(json.dumps({"id": "not-a-guid", "data": [{}]}), encoding="utf-8")
    code = main(["validate", str(path), "--connection", str(conn)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "conn.json" in err and "'id'" in err


def test_missing_choices_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.csv"
    sheet(1).to_csv(path, index=False)
    assert main(["validate", str(path), "--connection", str(SAMPLES / "connection.json")]) == 2
    assert "Department" in capsys.readouterr().err


def test_missing_sheet_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(tmp_path / "absent.csv")) == 2
    assert "absent.csv" in capsys.readouterr().err


def test_excel_sheet_is_read(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "s.xlsx"
    sheet(2, r1={"Name": ""}).to_excel(path, index=False)
    assert main(_args(path)) == 1
    assert good_row()  # the sample row itself stays untouched
