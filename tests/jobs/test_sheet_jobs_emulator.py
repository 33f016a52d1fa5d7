"""Through the real emulator: dayfirst= and --rename/--dayfirst reach Opus, due_records(before=...) takes
ISO dates, and the files the shell writes (due.csv, results.csv) neutralise formula-looking cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.cli._main import main
from opus_nb.emulator import Emulator
from tests.helpers.rows import sheet
from tests.helpers.shell import CONN_ARGS, Shell

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def signed_in(emu: Emulator, client: object, shell: Shell, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """A session for the Python API, and the OPUS_* variables for the shell."""
    shell.enter(monkeypatch)
    return emu


def _day_first_sheet() -> pd.DataFrame:
    return sheet(
        2,
        r0={"Document Date": "03/04/2021", "Name": HOSTILE, "Row key": "@KEY-0"},
        r1={"Document Date": "25/12/2021 14:30", "Row key": "-KEY-1"},
    )


def test_submit_with_dayfirst_stores_day_first_dates(signed_in: Emulator, tmp_path: Path) -> None:
    results = opus.submit(_day_first_sheet(), dayfirst=True, progress=False, journal=tmp_path / "journal")
    assert results["status"].tolist() == ["submitted", "submitted"]
    stored = {r.row_key: r.data for r in signed_in.records()}
    assert stored["@KEY-0"]["_Document_%20_Date"] == "2021-04-03 00:00:00"
    assert stored["-KEY-1"]["_Document_%20_Date"] == "2021-12-25 14:30:00"


def test_submit_without_dayfirst_sends_no_ambiguous_row(signed_in: Emulator, tmp_path: Path) -> None:
    results = opus.submit(_day_first_sheet(), progress=False, journal=tmp_path / "journal")
    assert results["status"].tolist() == ["not_sent", "submitted"]
    assert "day-first or month-first" in results["message"].iloc[0]
    assert [r.row_key for r in signed_in.records()] == ["-KEY-1"]


def test_shell_submit_and_due_take_rename_dayfirst_and_write_neutralised_files(signed_in: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    _day_first_sheet().rename(columns={"Vendor Name": "Supplier"}).to_csv(path, index=False)
    code = main(
        ["submit", str(path), *CONN_ARGS, "--rename", "Supplier=Vendor Name", "--dayfirst", "--quiet", "-o", "results.csv"]
    )
    assert code == 0
    assert signed_in.record("@KEY-0").data["_Document_%20_Date"] == "2021-04-03 00:00:00"
    results = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert results["rowKey"].tolist() == ["'@KEY-0", "'-KEY-1"]

    assert main(["due", "--before", "2100-01-01", *CONN_ARGS, "--quiet", "-o", "due.csv"]) == 0
    due = pd.read_csv(tmp_path / "due.csv", dtype=str)
    assert "'" + HOSTILE in due["leafName"].tolist()
    assert HOSTILE not in due.to_numpy().ravel().tolist()
    assert set(due["rowKey"]) == {"'@KEY-0", "'-KEY-1"}


def test_shell_due_refuses_an_ambiguous_before(signed_in: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--before", "03/04/2026", *CONN_ARGS, "--quiet"]) == 2
    assert "day-first or month-first" in capsys.readouterr().err
    assert not [r for r in signed_in.requests if "due" in r.path.lower() or "disposal" in r.path.lower()]


@pytest.mark.parametrize("before", ["2100-01-01", "1 January 2100", pd.Timestamp("2100-01-01")])
def test_due_records_takes_iso_and_written_dates(signed_in: Emulator, tmp_path: Path, before: object) -> None:
    opus.submit(_day_first_sheet(), dayfirst=True, progress=False, journal=tmp_path / "journal")
    due = opus.due_records(before=before, progress=False)  # type: ignore[arg-type]
    assert set(due["rowKey"]) == {"@KEY-0", "-KEY-1"}
