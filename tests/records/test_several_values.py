"""Several choices and several people in one cell: the JSON array the exports write reads back exactly, and an
option whose name holds a separator, brackets or quotes is read whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb._exports import write_table
from tests.helpers.rows import GUID

OPTIONS = ["Europe", "Middle East, Africa", "R&D; Ops", "[Draft]", 'The "Core"', "Asia", "Asia, Pacific"]
CONN = opus.load_connection(
    {
        "id": GUID,
        "columns": [
            {"internalName": "_Regions", "type": "MultipleChoice", "displayName": "Regions", "choices": OPTIONS},
            {"internalName": "_Owners", "type": "PeopleOrGroup", "displayName": "Owners"},
        ],
    }
)
BASE = {
    "Row key": "K1",
    "Name": "n",
    "Created time": "2021-01-01",
    "Modified time": "2021-01-02",
    "Created by": "a",
    "Modified by": "b",
}


def _read(column: str, cell: object) -> object:
    report = pd.DataFrame([{**BASE, column: cell}], dtype=object).opus.validate(CONN)
    assert report.ok, report.errors[["column", "value", "rule"]].values.tolist()
    return report.valid[column].iloc[0]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ('["Middle East, Africa","Europe"]', ("Middle East, Africa", "Europe")),
        ('["R&D; Ops","[Draft]","The \\"Core\\""]', ("R&D; Ops", "[Draft]", 'The "Core"')),
        ("[2,4]", ("Middle East, Africa", "[Draft]")),
        ("Middle East, Africa; Europe", ("Middle East, Africa", "Europe")),
        ("R&D; Ops, Europe", ("R&D; Ops", "Europe")),
        ("Europe; R&D; Ops", ("Europe", "R&D; Ops")),
        ("Asia, Pacific", ("Asia, Pacific",)),
        ("Asia; Europe", ("Asia", "Europe")),
        ("[Draft]", ("[Draft]",)),
        ("[Europe, Asia]", ("Europe", "Asia")),
    ],
)
def test_several_choices(cell: str, names: tuple[str, ...]) -> None:
    assert _read("Regions", cell) == names


@pytest.mark.parametrize(
    ("cell", "addresses"),
    [
        ('["ann@contoso.com","Lee, Bo <bo@contoso.com>"]', ("ann@contoso.com", "bo@contoso.com")),
        ("[ann@contoso.com,bo@contoso.com]", ("ann@contoso.com", "bo@contoso.com")),
        ("ann@contoso.com; Lee, Bo <bo@contoso.com>", ("ann@contoso.com", "bo@contoso.com")),
    ],
)
def test_several_people(cell: str, addresses: tuple[str, ...]) -> None:
    assert _read("Owners", cell) == addresses


def test_a_json_array_naming_no_option_is_still_reported() -> None:
    report = pd.DataFrame([{**BASE, "Regions": '["Europe","Mars"]'}], dtype=object).opus.validate(CONN)
    assert report.errors["rule"].tolist() == ["choices"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_what_the_exports_write_reads_back_exactly(tmp_path: Path, suffix: str) -> None:
    values = [tuple(OPTIONS[:3]), tuple(OPTIONS[3:]), (OPTIONS[1],)]
    people = [("ann@contoso.com", "bo@contoso.com"), ("cy@contoso.com",), ("ann@contoso.com",)]
    written = pd.DataFrame(
        [{**BASE, "Row key": f"K{i}", "Regions": v, "Owners": p} for i, (v, p) in enumerate(zip(values, people, strict=True))]
    )
    path = write_table(written, tmp_path / f"several{suffix}")
    report = opus.read_sheet(path).opus.validate(CONN)
    assert report.ok
    assert report.valid["Regions"].tolist() == values and report.valid["Owners"].tolist() == people
