"""Submitting a validation report: its valid rows go as validated (no second validation), one result row per
row of the sheet, the invalid ones not sent with their problems."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import opus_nb
from opus_nb.emulator import Emulator
from opus_nb.jobs._signin import current_connection


def test_report_submit_sends_the_valid_rows_without_validating_again(
    client, emu: Emulator, sheet: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = current_connection()
    report = sheet.opus.validate(conn)
    expected = opus_nb.submit(sheet, conn, dry_run=True, progress=False).run.requests

    def no_second_validation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report's rows were validated again")

    monkeypatch.setattr("opus_nb.jobs._prepare.validate_frame", no_second_validation)
    assert report.submit(dry_run=True, progress=False).run.requests == expected
    results = report.submit(conflict="skip", progress=False)
    assert results.index.equals(sheet.index)
    assert (results.loc[report.valid.index, "status"] == "submitted").all()
    invalid = results.loc[report.invalid.index]
    assert (invalid["status"] == "not_sent").all() and invalid["message"].str.startswith("invalid: ").all()
    first_error = report.errors.dropna(subset=["row"]).iloc[0]
    assert first_error["message"] in results.at[first_error["row"], "message"]
    assert {r.row_key for r in emu.records()} == set(results.loc[report.valid.index, "rowKey"])


def test_a_report_goes_to_its_own_connection_in_the_tenants_date_time_format(client, emu: Emulator, sheet: pd.DataFrame) -> None:
    conn = current_connection()
    report = sheet.head(20).opus.validate(conn)
    other = replace(conn, id="0e0e0e0e-1111-4222-8333-944444444444")
    with pytest.raises(ValueError, match="validated against the connection"):
        opus_nb.submit(report, other, dry_run=True)
    client.datetime_format = "%d/%m/%Y %H:%M"
    try:
        bodies = report.submit(dry_run=True, progress=False).run.requests
    finally:
        client.datetime_format = None
    first = report.valid.iloc[0]
    assert bodies[0]["data"][0]["timeCreated"] == first["Created time"].strftime("%d/%m/%Y %H:%M")
