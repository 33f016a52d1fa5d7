"""A stranger's connection and sheet, written here (nothing from data-samples/): a contracts team's export
goes through validate -> submit -> due records -> review -> destroy against the emulator serving their own
connection, and every value and every reason is checked on the way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb import emulator
from opus_nb.emulator import Emulator
from tests.helpers.contracts import COLUMNS

CONNECTION = {
    "id": "a3c1e2d4-5b6f-4a7e-8c9d-0e1f2a3b4c5d",
    "conflictOption": "Overwrite",
    "data": [COLUMNS],
}
CHOICES = {
    "Region": ["North America", "Middle East, Africa", "Europe", 'Asia "APAC" [East]'],
    "Business Units": ["Legal", "Procurement", "Sales, EMEA"],
}
TERMS = {
    "terms": [
        {"fullPath": "Contracts/Signed", "retention": {"years": 1, "after": "timeCreated"}},
        {"fullPath": "Contracts/Framework", "retention": {"years": 40, "after": "timeCreated"}},
        {"fullPath": "Contracts/Master"},
    ]
}
pytestmark = pytest.mark.server
OWNERS = ["cwei@contoso.com", "ann.lee@contoso.com", "legal@contoso.com"]
REGIONS = [None, "Middle East, Africa", "North America", "europe", 'Asia "APAC" [East]', None]


def _sheet(n: int = 45) -> pd.DataFrame:
    """The export: every 15th row broken on purpose (an unknown region), blanks where the team left them."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "Contract ID": f"CT-{1000 + i}",
                "Name": f"Contract {i} (v{i % 3}).pdf",
                "Classification": ["Contracts/Signed", "Contracts/Framework", "Contracts/Master"][i % 3],
                "Created time": f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10} 09:30:00",
                "Modified time": f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10} 17:00:00",
                "Created by": OWNERS[i % 3],
                "Modified by": OWNERS[(i + 1) % 3],
                "Region": "Antarctica" if i % 15 == 7 else REGIONS[i % len(REGIONS)],
                "Business Units": [None, "Legal", "Legal; Procurement", "3"][i % 4],
                "Counter Party": None if i % 5 == 0 else f"Fabrikam, Inc. #{i}",
                "Contract Owners": None if i % 4 == 1 else "; ".join(OWNERS[: 1 + i % 3]),
                "Signed On": None if i % 6 == 0 else f"2015-03-{10 + i % 18} 12:00:00",
                "Contract Value USD": None if i % 7 == 0 else (str(2**53 + i) if i % 11 == 0 else 1250.5 * i),
            }
        )
    return pd.DataFrame(rows)


def _blank(value: object) -> bool:
    return not isinstance(value, tuple) and bool(pd.isna(value))


@pytest.fixture
def contracts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, opus.Connection]]:
    """The team's files in a folder of their own, an emulator serving no connection, and a session signed in to it."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    for name, content in (("connection.json", CONNECTION), ("choices.json", CHOICES), ("terms.json", TERMS)):
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    conn = opus.load_connection(folder / "connection.json", choices=folder / "choices.json", terms=folder / "terms.json")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPUS_NB_SCRIPTED_DESTROY", "emulator")
    with emulator.run() as emu:
        opus.login_emulator(emu, connection=conn, directory=tmp_path / "app")
        yield emu, conn
        opus.logout()


def test_a_contracts_export_goes_in_comes_back_the_same_and_is_destroyed_with_every_reason(contracts, tmp_path: Path) -> None:
    emu, conn = contracts
    _sheet().astype(object).to_csv(tmp_path / "contracts.csv", index=False)
    sheet = opus.read_sheet(tmp_path / "contracts.csv")
    report = sheet.opus.validate(conn, rename={"Contract ID": "Row key"})
    bad = report.errors
    assert bad["rule"].tolist() == ["choice"] * 3 and set(bad["value"]) == {"Antarctica"}
    results = report.submit(progress=False)
    assert results["status"].value_counts().to_dict() == {"submitted": 42, "not_sent": 3}
    assert results.loc[results["status"] == "not_sent", "message"].str.contains("Antarctica").all()

    due = opus.due_records(before="2100-01-01", progress=False, page_size=7)
    valid = report.valid.set_index("Row key")
    assert set(due["rowKey"]) == set(valid.index[valid["Classification"] != "Contracts/Master"])
    back = due.set_index("rowKey")
    for column in ["Name", "Classification", "Created time", "Modified time", "Created by", "Modified by"]:
        internal = conn.column(column).internal_name
        assert (back[internal] == valid.loc[back.index, column]).all(), column
    for column in ["Region", "Business Units", "Counter Party", "Contract Owners", "Signed On", "Contract Value USD"]:
        for key in back.index:
            sent, got = valid.at[key, column], back.at[key, column]
            assert _blank(got) if _blank(sent) else sent == got, (column, key, sent, got)
    assert back.at["CT-1033", "Contract Value USD"] == 2**53 + 33 and type(back.at["CT-1033", "Contract Value USD"]) is int
    assert back.at["CT-1001", "Region"] == "Middle East, Africa" and back.at["CT-1003", "Region"] == "Europe"
    assert back.at["CT-1006", "Business Units"] == ("Legal", "Procurement")
    assert back.at["CT-1003", "Business Units"] == ("Sales, EMEA",)

    now_due = opus.due_records(before=pd.Timestamp.now(), progress=False)
    session = opus.ReviewSession(now_due, conn, reviewer="Alex Reviewer", name="contracts-2026")
    held = now_due["rowKey"].iloc[0]
    session.approve(list(now_due["rowKey"]))
    emu.hold(held)
    outcome = session.destroy(len(now_due), dry_run=False).set_index("rowKey")
    assert outcome.loc[held, "status"] == "not_sent"
    assert "Opus no longer lists it as due: placed on hold" in outcome.loc[held, "message"]
    assert (outcome.drop(index=held)["status"] == "destroyed").all()

    later = sorted(set(due["rowKey"]) - set(now_due["rowKey"]))
    again = opus.destroy([later[0], now_due["rowKey"].iloc[1], "CT-9999"], confirm=True, reviewer="Alex Reviewer")
    reasons = dict(zip(again["rowKey"], again["message"], strict=True))
    due_on = valid.at[later[0], "Created time"] + pd.DateOffset(years=40)  # Contracts/Framework: 40 years after created
    assert reasons[later[0]] == f"not sent: not yet due (due on {due_on:%Y-%m-%d})"
    assert reasons[now_due["rowKey"].iloc[1]].startswith("not sent: already destroyed (")
    assert "by Alex Reviewer in review" in reasons[now_due["rowKey"].iloc[1]]
    assert "unknown to Opus" in reasons["CT-9999"]
    assert (again["status"] == "not_sent").all()
