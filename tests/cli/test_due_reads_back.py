"""`opus-nb due -o due.csv` against the emulator, read back through validate: several choices (options holding a
comma, a semicolon, brackets, quotes) and several people come back as the values that were submitted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.cli._main import main
from opus_nb.client._client import OpusClient
from opus_nb.emulator import Emulator
from tests.helpers import SAMPLES
from tests.helpers.shell import Shell

CONNECTION_ID = "7b1d5c2e-4f6a-4b8c-9d0e-1f2a3b4c5d6e"
DOWNLOADED = {
    "id": CONNECTION_ID,
    "confilictOption": "Skip",
    "data": [{"_Regions": "MultipleChoice", "_Owners": "PeopleOrGroup", "_Tier": "SingleChoice", "_Note": "SingleText"}],
}
CHOICES = {
    "Regions": ["Europe", "Middle East, Africa", "R&D; Ops", "[Draft]", 'The "Core"', "Asia, Pacific"],
    "Tier": ["Gold, Plus", "Silver"],
}
ROWS = [
    ("Middle East, Africa", "Europe"),
    ("R&D; Ops", "[Draft]", 'The "Core"'),
    ("Asia, Pacific",),
    None,
]
OWNERS = [("ann@contoso.com", "bo@contoso.com"), ("cy@contoso.com",), None, ("ann@contoso.com",)]


@pytest.fixture
def files(emu: Emulator, tmp_path: Path) -> Path:
    """The connection (with options of every awkward kind) in the emulator, and its files for the shell."""
    emu.create_connection(DOWNLOADED, choices=CHOICES)
    (tmp_path / "connection.json").write_text(json.dumps(DOWNLOADED), encoding="utf-8")
    (tmp_path / "choices.json").write_text(json.dumps(CHOICES), encoding="utf-8")
    return tmp_path


def _args(folder: Path) -> list[str]:
    return [
        "--connection",
        str(folder / "connection.json"),
        "--choices",
        str(folder / "choices.json"),
        "--terms",
        str(SAMPLES / "terms.json"),
    ]


def test_due_csv_reads_back_through_validate_as_the_values_submitted(
    files: Path, client: OpusClient, shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = opus.load_connection(files / "connection.json", choices=files / "choices.json", terms=SAMPLES / "terms.json")
    sheet = pd.DataFrame(
        {
            "Row key": [f"RB-{i}" for i in range(len(ROWS))],
            "Name": ["a, b", 'say "hi"', "[x]", "plain"],
            "Classification": "Finance/Accounts Payable",
            "Created time": ["2012-01-02 03:04:05", "2012-02-03 04:05:06", "2013-03-04 05:06:07", "2014-04-05 06:07:08"],
            "Modified time": "2015-01-01 00:00:00",
            "Created by": "ann@contoso.com",
            "Modified by": "bo@contoso.com",
            "Regions": pd.Series(ROWS, dtype=object),
            "Owners": pd.Series(OWNERS, dtype=object),
            "Tier": ["Gold, Plus", "Silver", "Gold, Plus", "Silver"],
            "Note": ["one, two", "[3]", '"4"', "five; six"],
        }
    )
    submitted = opus.submit(sheet, conn, progress=False, journal=files / "journal", client=client)
    assert (submitted["status"] == "submitted").all()

    shell.enter(monkeypatch)
    monkeypatch.chdir(files)
    assert main(["due", "--before", "2100-01-01", *_args(files), "-o", "due.csv", "--quiet"]) == 0

    report = opus.read_sheet(files / "due.csv").opus.validate(conn)
    assert report.errors["row"].isna().all(), report.errors[["row", "column", "value", "rule"]].head().values.tolist()
    back = report.valid.set_index("Row key").loc[sheet["Row key"]]
    expected = opus.validate(sheet, conn).valid.set_index("Row key")
    for column in ["Name", "Classification", "Created time", "Modified time", "Regions", "Owners", "Tier", "Note"]:
        assert back[column].tolist() == expected[column].tolist(), column
    assert back["Regions"].tolist() == ROWS and back["Owners"].tolist() == OWNERS
    assert '"[""Middle East, Africa"",""Europe""]"' in (files / "due.csv").read_text(encoding="utf-8"), "a JSON array"

    assert main(["validate", "due.csv", *_args(files), "-o", "problems.csv"]) in (0, 1)
    problems = pd.read_csv(files / "problems.csv", dtype=str)
    assert problems["row"].isna().all() and set(problems["rule"]) <= {"unknown_column"}, "no cell of due.csv is refused"
