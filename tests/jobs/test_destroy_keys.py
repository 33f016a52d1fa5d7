"""Destroy through the real emulator: blank keys, one reason per key, and what each audit entry says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb._errors import ReviewerRequired
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._destroy import CandidatesError, destroy
from opus_nb.jobs._due import due_records
from opus_nb.jobs._signin import login_emulator

BEFORE = "2026-01-01"


@pytest.fixture
def due_frame(client, sheet) -> pd.DataFrame:
    """The sample sheet submitted, and what `due_records` then lists."""
    sheet.opus.submit(progress=False)
    return due_records(before=BEFORE, progress=False)


def _deletes(emu) -> list[int]:
    return [r.records for r in emu.requests if r.method == "DELETE"]


@pytest.mark.parametrize("blank", [None, np.nan, pd.NA, "", "   ", "\t"], ids=repr)
def test_blank_keys_are_not_sent_with_a_reason(emu, due_frame, blank) -> None:
    key = due_frame["rowKey"].iloc[0]
    for recheck in (False, True):
        results = destroy(pd.Series([blank, key], dtype=object), confirm=True, recheck=recheck, before=BEFORE, progress=False)
        assert results["status"].tolist() == ["not_sent", "destroyed" if not recheck else "not_sent"]
        assert results["message"].iloc[0] == "blank rowKey: nothing to destroy"
    assert _deletes(emu) == [1]
    log = AuditLog("opus-audit").read()
    assert log.loc[log.result == "not_sent", "rowKey"].isna().sum() == 2  # blank in the log too, never 'None' or 'nan'


def test_numbers_read_from_a_spreadsheet_are_their_row_keys(emu, due_frame) -> None:
    numeric = due_frame.loc[due_frame["rowKey"].str.fullmatch(r"\d+"), "rowKey"].head(2)
    as_read = pd.Series([float(numeric.iloc[0]), np.nan, int(numeric.iloc[1])], dtype=object)  # a column with a blank cell
    results = destroy(as_read, confirm=True, before=BEFORE, progress=False)
    assert results["rowKey"].tolist()[::2] == numeric.tolist()
    assert results["status"].tolist() == ["destroyed", "not_sent", "destroyed"]


@pytest.mark.parametrize("api", ["graph", "legacy"])
def test_each_refused_key_gets_its_own_reason(emu, due_frame, tmp_path, api) -> None:
    login_emulator(emu, api=api, directory=tmp_path / "legacy-app")
    keys = [*due_frame["rowKey"].iloc[:3], "NO-SUCH-KEY"]
    emu.hold(keys[1])
    destroy([keys[2]], confirm=True, recheck=False, progress=False)
    results = destroy(keys, confirm=True, recheck=False, progress=False).set_index("rowKey")
    assert results["status"].tolist() == ["destroyed", "failed", "destroyed", "failed"]
    destroys = [r for r in emu.requests if r.method == "DELETE" or r.path.endswith("DestroyRecords")]
    request_id = destroys[-1].request_id
    assert results.loc[keys[1], "message"] == f"the record is on hold [request-id {request_id}]"
    assert results.loc[keys[2], "message"].startswith("already destroyed in Opus")
    assert results.loc["NO-SUCH-KEY", "message"] == f"no record has this row key [request-id {request_id}]"
    assert pd.isna(results.loc[keys[0], "message"])


def test_audit_entries_carry_the_review_and_the_records_details(emu, due_frame) -> None:
    keys = due_frame["rowKey"].iloc[:4].tolist()
    given = pd.DataFrame(
        {"rowKey": keys, "name": ["Given name", None, None, None], "classification": [None, "Given/Class", None, None]}
    )
    destroy(given, confirm=True, reviewer="j.smith", review="R-2026-07", before=BEFORE, progress=False)
    log = AuditLog("opus-audit").read()
    assert len(log) == 8 and set(log["review"]) == {"R-2026-07"} and set(log["result"]) == {"intent", "destroyed"}
    row = log.drop_duplicates("rowKey", keep="last").set_index("rowKey").loc[keys]
    by_key = due_frame.set_index("rowKey").loc[keys]
    assert row["name"].tolist() == ["Given name", *by_key["leafName"].iloc[1:]]
    assert row["classification"].tolist() == [by_key["termFullPath"].iloc[0], "Given/Class", *by_key["termFullPath"].iloc[2:]]
    assert row["due_date"].tolist() == [
        f"{emu.record(k).due:%Y-%m-%d}" for k in keys
    ]  # the day it falls due, as decisions say it


def test_due_date_from_the_given_frame_wins(emu, due_frame) -> None:
    key = due_frame["rowKey"].iloc[0]
    destroy(pd.DataFrame({"rowKey": [key], "disposalDueDate": ["2020-02-02"]}), confirm=True, before=BEFORE, progress=False)
    assert AuditLog("opus-audit").read()["due_date"].tolist() == ["2020-02-02", "2020-02-02"]


def test_nothing_due_sends_nothing(emu, due_frame) -> None:
    results = destroy(due_frame.head(2), confirm=True, before="1990-01-01", progress=False)
    assert results["status"].tolist() == ["not_sent", "not_sent"] and not _deletes(emu)
    assert AuditLog("opus-audit").read()["name"].tolist() == due_frame["leafName"].head(2).tolist()


def test_a_frame_without_a_row_key_column_is_a_typed_error(client) -> None:
    with pytest.raises(CandidatesError, match="no rowKey") as caught:
        destroy(pd.DataFrame({"Name": ["x"], "Row": [1]}), confirm=True, progress=False)
    assert caught.value.columns == ["Name", "Row"]


def test_a_destroy_is_signed_by_a_named_person_never_the_os_login(emu, due_frame, monkeypatch) -> None:
    monkeypatch.delenv("OPUS_REVIEWER")
    key = due_frame["rowKey"].iloc[0]
    with pytest.raises(ReviewerRequired, match="signed by a person"):
        destroy([key], confirm=True, before=BEFORE, progress=False)
    assert emu.record(key).destroyed is None and not AuditLog("opus-audit").read().size
    monkeypatch.setenv("OPUS_REVIEWER", "  Jane   Smith ")
    destroy([key], confirm=True, before=BEFORE, progress=False)
    assert AuditLog("opus-audit").read()["reviewer"].unique().tolist() == ["Jane Smith"]
