"""The older API marks Created by and Modified by optional: a legacy sheet without them goes in through it,
and the Graph API, which requires them, refuses it before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opus_nb.jobs._signin import current_connection, login_emulator, logout


def test_a_sheet_without_created_by_and_modified_by_goes_in_through_the_older_api(
    emu, sheet: pd.DataFrame, tmp_path: Path
) -> None:
    legacy_sheet = sheet.drop(columns=["Created By", "Modified By"]).head(60)
    login_emulator(emu, api="legacy", directory=tmp_path / "legacy")
    try:
        report = legacy_sheet.opus.validate(current_connection(), api="legacy")
        results = legacy_sheet.opus.submit(progress=False, journal=tmp_path / "j")
    finally:
        logout()
    assert len(report.valid) > 50
    assert (results.loc[report.valid.index, "status"] == "submitted").all()
    stored = {r.row_key: r for r in emu.records()}
    assert set(stored) == set(results.loc[report.valid.index, "rowKey"])

    login_emulator(emu, directory=tmp_path / "graph")
    try:
        refused = legacy_sheet.opus.submit(progress=False, journal=tmp_path / "j2")
    finally:
        logout()
    assert (refused["status"] == "not_sent").all()
    assert refused["message"].str.contains("Created by").all()
