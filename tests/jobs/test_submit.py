"""Submitting through the real emulator over HTTP: statuses row by row, 418 mapping, early stops, dry run."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._signin import current_connection
from opus_nb.jobs._submit import SubmitStopped, submit


def test_sheet_submits_valid_rows_and_reports_every_row(client, emu, sheet, submits) -> None:
    results = sheet.opus.submit(progress=False)
    assert list(results.index) == list(sheet.index)
    assert list(results.columns) == ["rowKey", "status", "http_status", "message", "batch", "attempts"]
    assert set(results["status"]) <= {"submitted", "not_sent"}
    submitted = results[results.status == "submitted"]
    stored = {r.row_key for r in emu.records()}
    assert stored == set(submitted["rowKey"])
    assert len(stored) == len(submitted)
    not_sent = results[results.status == "not_sent"]
    assert 0.02 * len(sheet) < len(not_sent) < 0.1 * len(sheet)
    assert not_sent["message"].str.startswith("invalid: ").all()
    assert (submitted["http_status"] == 201).all()
    assert max(r.records for r in submits(emu)) <= 15
    assert submitted.groupby("batch").size().max() <= 15


def test_a_418_is_mapped_back_to_its_row(client, emu, sheet) -> None:
    conn = current_connection()
    rows = sheet.opus.validate(conn).valid_internal.head(5)
    records = opus_nb.to_records(sheet.loc[rows.index], conn)
    records[2]["_Department"] = 99
    frame = pd.DataFrame(records, index=rows.index)
    results = submit(frame, validate=False, progress=False)
    assert results["status"].tolist() == ["submitted", "submitted", "failed", "submitted", "submitted"]
    failed = results.iloc[2]
    assert failed["http_status"] == 418
    assert "99" in failed["message"] and "_Department" in failed["message"]
    assert {r.row_key for r in emu.records()} == set(results.rowKey) - {failed["rowKey"]}


def test_a_connection_the_tenant_lacks_stops_the_run_naming_its_id(client, emu, sheet) -> None:
    other = replace(current_connection(), id="0e0e0e0e-1111-4222-8333-944444444444")
    with pytest.warns(SubmitStopped, match="same reason"):
        results = submit(sheet, other, progress=False, concurrency=1)
    assert other.id in results.run.stopped
    assert "date-time" not in results.run.stopped and "fix it and submit again" in results.run.stopped
    assert not emu.records()


def test_first_batches_failing_alike_stop_the_run(client, emu, sheet, submits) -> None:
    wrong = replace(current_connection(), datetime_format="%d/%m/%Y %H:%M")
    with pytest.warns(SubmitStopped, match="same reason"):
        results = submit(sheet, wrong, progress=False, concurrency=2)
    assert "the first 3 batches all failed for the same reason" in results.run.stopped
    assert "timeCreated" in results.run.stopped and "'…'" not in results.run.stopped  # an example, values kept
    assert "datetime_format=" in results.run.stopped and "OPUS_DATETIME_FORMAT" in results.run.stopped
    assert len(submits(emu)) <= 3 + 2
    not_sent = results[results.status == "not_sent"]
    assert len(not_sent) > len(sheet) * 0.8
    assert not_sent["message"].str.contains("same reason|invalid").all()
    assert not (results.status == "submitted").any() or set(results[results.status == "submitted"].rowKey) == {
        r.row_key for r in emu.records()
    }


def test_stop_on_error_stops_at_the_first_failure(client, emu, sheet) -> None:
    conn = current_connection()
    records = opus_nb.to_records(
        sheet.head(120).loc[lambda d: d.index.isin(sheet.opus.validate(conn).valid_internal.index)], conn
    )
    records[20]["_Department"] = 42
    with pytest.warns(SubmitStopped, match="stop_on_error"):
        results = submit(pd.DataFrame(records), validate=False, stop_on_error=True, concurrency=1, progress=False)
    assert results["status"].iloc[20] == "failed"
    assert (results["status"].iloc[:15] == "submitted").all()
    assert (results["status"].iloc[30:] == "not_sent").all()
    assert results["message"].iloc[30:].str.contains("stop_on_error").all()
    assert len(emu.records()) == 29


def test_dry_run_sends_nothing_and_shows_the_bodies(client, emu, sheet, submits) -> None:
    results = sheet.head(40).opus.submit(dry_run=True, conflict="overwrite", progress=False)
    bodies = results.run.requests
    assert submits(emu) == []
    assert (results.status == "not_sent").all()
    n_valid = int((results.message == "dry run: not sent").sum())
    assert n_valid > 30
    assert [len(b["data"]) for b in bodies] == [15, 15, n_valid - 30]
    assert all(b["conflictOption"] == b["confilictOption"] == "Overwrite" for b in bodies)
    assert all(b["id"] == current_connection().id for b in bodies)


def test_journal_reloads_the_results_and_resume_sends_only_what_is_unconfirmed(client, emu, sheet, submits, tmp_path) -> None:
    conn = current_connection()
    valid = sheet.opus.validate(conn).valid_internal.index
    records = opus_nb.to_records(sheet.loc[valid[:90]], conn)
    records[40]["_Department"] = 77
    frame = pd.DataFrame(records)
    with pytest.warns(SubmitStopped):
        first = submit(frame, validate=False, stop_on_error=True, concurrency=1, progress=False)
    sent_before = sum(r.records for r in submits(emu))
    assert sent_before == 45
    second = submit(frame, validate=False, resume=True, concurrency=1, progress=False)
    assert sum(r.records for r in submits(emu)) - sent_before == 90 - 45
    assert second.run.run_id == first.run.run_id
    assert second["status"].value_counts().to_dict() == {"submitted": 89, "failed": 1}
    reloaded = Journal(tmp_path / "opus-journal").results(second.run.run_id)
    pd.testing.assert_frame_equal(reloaded, second, check_dtype=False)
    assert len({r.row_key for r in emu.records()}) == 89


def test_values_json_cannot_carry_keep_their_row_back_with_the_reason(client, emu, sheet, submits) -> None:
    conn = current_connection()
    valid = sheet.opus.validate(conn).valid_internal.index
    frame = pd.DataFrame(opus_nb.to_records(sheet.loc[valid[:4]], conn))
    frame["Contract%20_Value"] = [1.5, float("inf"), 2.5, 3.5]
    frame["_Description"] = pd.Series(["a", "b", 10**30, "d"], dtype=object)
    results = submit(frame, validate=False, progress=False)
    assert results.status.tolist() == ["submitted", "not_sent", "not_sent", "submitted"]
    assert results.message[1] == "not sendable: Contract%20_Value: inf is not a finite number"
    assert "beyond the 64-bit whole numbers" in results.message[2]
    assert sum(r.records for r in submits(emu)) == 2
    stored = {r.row_key: r.data for r in emu.records()}
    assert stored[frame.rowKey[0]]["Contract%20_Value"] == 1.5


def test_an_unexpected_error_mid_run_reaches_the_caller_and_no_new_batch_goes_out(
    client, emu, sheet, monkeypatch, submits
) -> None:
    conn = current_connection()
    valid = sheet.opus.validate(conn).valid_internal.index
    frame = pd.DataFrame(opus_nb.to_records(sheet.loc[valid[:150]], conn))
    calls = 0
    real = opus_nb.client._client.ConcurrentCalls.send

    async def failing(self, call):  # the third request fails in a way the client does not expect
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("boom")
        return await real(self, call)

    monkeypatch.setattr(opus_nb.client._client.ConcurrentCalls, "send", failing)
    with pytest.raises(RuntimeError, match="boom"):
        submit(frame, validate=False, concurrency=1, progress=False)
    assert sum(r.records for r in submits(emu)) == 30
