"""`opus-nb destroy --from approved.csv --yes` against the emulator: one line per key that was not destroyed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb._exports import write_table
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._due import due_records
from opus_nb.records._sheet import read_sheet
from tests.helpers.shell import CONN_ARGS, Shell, run

BEFORE = "2026-01-01"


def test_destroy_from_an_approved_list_reports_each_key(
    client, emu, sheet, shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False).head(6)
    held = due["rowKey"].iloc[2]
    emu.hold(held)
    approved = due[["rowKey", "leafName", "termFullPath"]].copy()
    approved.loc[len(approved)] = [None, "a row without a key", None]
    approved.to_csv(tmp_path / "approved.csv", index=False)
    shell.enter(monkeypatch)
    capsys.readouterr()
    code = run(
        "destroy",
        "--from",
        "approved.csv",
        *CONN_ARGS,
        "--yes",
        "--before",
        BEFORE,
        "--review",
        "R-7",
        "-o",
        "results.csv",
        "--quiet",
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "7 record(s): 5 destroyed, 2 not_sent" in out
    held_line = next(line for line in out.splitlines() if line.strip().startswith(f"{held}:"))
    assert held_line.strip().startswith(f"{held}: not_sent: not sent: ") and "on hold" in held_line
    assert "row 7 (blank rowKey): not_sent: blank rowKey: nothing to destroy" in out
    results = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert len(results) == 7 and results["status"].tolist().count("destroyed") == 5
    log = AuditLog("opus-audit").read()
    assert set(log["review"]) == {"R-7"}
    assert log.loc[log["rowKey"].isna(), "name"].tolist() == ["a row without a key"]  # a blank key's row still named


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_keys_neutralised_in_an_approved_list_are_read_back_exactly(
    client, emu, sheet, shell: Shell, tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = ["=HYPERLINK(1)", "+44-20", "@home", "'quoted", "-7-7"]
    rows = sheet.head(len(hostile)).assign(**{"Row Key": hostile}).reset_index(drop=True)
    assert (rows.opus.submit(progress=False)["status"] == "submitted").all()
    emu.now = dt.datetime(2100, 1, 1)  # every record is due by then
    approved = due_records(before="2100-01-01", progress=False)
    approved = approved[approved["rowKey"].isin(hostile)][["rowKey", "leafName"]]
    written = write_table(approved, tmp_path / f"approved{suffix}")
    assert "'=HYPERLINK(1)" in set(read_sheet(written)["rowKey"])  # what a spreadsheet shows: text, not a formula
    shell.enter(monkeypatch)
    assert run("destroy", "--from", str(written), *CONN_ARGS, "--yes", "--before", "2100-01-01", "--quiet") == 0
    assert {key for key in hostile if emu.record(key).destroyed is not None} == set(hostile)
