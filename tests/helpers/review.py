"""Fixtures for the review and panel tests (their conftests import them): an emulator holding the sample
records, signed in as a user would be, the due records it lists, and a small hand-made candidate frame
for pure model tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb import emulator
from opus_nb.emulator import Emulator
from opus_nb.jobs._signin import current_connection, login_emulator, logout
from opus_nb.records._connection import Connection
from tests.helpers import SAMPLES

DUE_BEFORE = "2026-01-01"


@pytest.fixture(autouse=True)
def work_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test works in its own folder (the review store and audit log go beside the notebook), with no
    reviewer or scripted-destroy setting from outside."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPUS_REVIEWER", raising=False)
    monkeypatch.delenv("OPUS_NB_SCRIPTED_DESTROY", raising=False)


@pytest.fixture()
def scripted_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `opus-nb demo` sets: a script may destroy, on a local emulator only."""
    monkeypatch.setenv("OPUS_NB_SCRIPTED_DESTROY", "emulator")


@pytest.fixture(scope="module")
def review_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator of this module's own holding the sample sheet's valid rows, signed in to as a user would be."""
    with emulator.run(seed=SAMPLES) as running:
        login_emulator(running)
        sheet = opus.read_sheet(SAMPLES / "records.xlsx")
        conn = current_connection()
        sheet.opus.validate(conn).valid.opus.submit(conflict="skip", progress=False, journal=tmp_path_factory.mktemp("journal"))
        try:
            yield running
        finally:
            logout()


@pytest.fixture(scope="module")
def conn(review_emu: Emulator) -> Connection:
    found = current_connection()
    assert found is not None
    return found


@pytest.fixture(scope="module")
def due_frame(review_emu: Emulator) -> pd.DataFrame:
    """What `opus.due_records` lists on `review_emu` (the frame a review starts from)."""
    frame = opus.due_records(before=DUE_BEFORE, progress=False)
    assert len(frame) > 100
    return frame


def destroyed_keys(emu: Emulator) -> set[str]:
    return {r.row_key for r in emu.records() if r.destroyed}


def destroy_requests(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.method == "DELETE")


@pytest.fixture()
def small() -> pd.DataFrame:
    """Six candidates with known classifications, people, dates and names."""
    return pd.DataFrame(
        {
            "rowKey": ["A1", "A2", "B1", "B2", "C1", "C2"],
            "leafName": ["Invoice 1.pdf", "Invoice 2.pdf", "CV Ann.pdf", "CV Bob.pdf", "Contract X.docx", "Memo.txt"],
            "termFullPath": [
                "Finance/Accounts Payable",
                "Finance/Audit",
                "Human Resources/Recruitment",
                "Human Resources/Recruitment",
                "Legal/Contracts",
                None,
            ],
            "timeCreated": pd.to_datetime(["2015-01-10", "2012-03-01", "2019-06-01", "2018-01-01", "2016-05-05", "2017-07-07"]),
            "timeModified": pd.to_datetime(["2015-02-10", "2013-03-01", "2019-07-01", "2018-02-01", "2017-05-05", "2017-08-07"]),
            "createdBy": ["ann.lee@contoso.com", "bkelly", "CONTOSO\\ann", "bob", "carol", None],
            "modifiedBy": ["bob", "ann.lee@contoso.com", "carol", "carol", "bkelly", "dave"],
        }
    )
