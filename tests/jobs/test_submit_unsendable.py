"""Cells JSON cannot carry keep their row back (not_sent, with the reason); the rest go, the run finishes.

Through the real emulator: ``submit(validate=False)`` decides sendability per cell before anything
is sent, in a dry run too; numpy scalars, timestamps and big whole numbers go as JSON.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._signin import current_connection
from opus_nb.jobs._submit import submit

VENDOR = "_Vendor_%20_Name"
VALUE = "Contract%20_Value"


def _records(sheet: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` valid rows of the sample sheet as wire records (internal names), to spoil one cell of."""
    conn = current_connection()
    rows = sheet.opus.validate(conn).valid_internal.head(n)
    return pd.DataFrame(opus_nb.to_records(sheet.loc[rows.index], conn), index=rows.index, dtype=object)


UNSENDABLE: dict[str, tuple[Any, str]] = {
    "bytes": (b"Northwind", "a bytes cannot be sent as JSON"),
    "set": ({"Northwind"}, "a set cannot be sent as JSON"),
    "decimal": (decimal.Decimal("1.5"), "a Decimal cannot be sent as JSON"),
    "object": (object(), "a object cannot be sent as JSON"),
    "dict": ({"a": 1}, "a dict cannot be sent as JSON"),
    "timedelta": (dt.timedelta(days=1), "a timedelta cannot be sent as JSON"),
    "list holding bytes": (["a", b"b"], "a bytes cannot be sent as JSON"),
    "lone surrogate": ("North\ud800wind", "text with a lone surrogate cannot be sent as JSON"),
    "beyond 64 bits": (2**70, "beyond the 64-bit whole numbers"),
    "infinite": (float("inf"), "not a finite number"),
}


@pytest.mark.parametrize("value, why", UNSENDABLE.values(), ids=UNSENDABLE.keys())
def test_an_unsendable_cell_keeps_its_row_back_and_the_rest_are_sent(client, emu, sheet, tmp_path, value, why) -> None:
    frame = _records(sheet, 4)
    frame.iat[1, frame.columns.get_loc(VENDOR)] = value
    results = submit(frame, validate=False, progress=False, journal=tmp_path / "journal")
    assert results["status"].tolist() == ["submitted", "not_sent", "submitted", "submitted"]
    assert results["message"].iloc[1].startswith(f"not sendable: {VENDOR}: ")
    assert why in results["message"].iloc[1]
    assert {r.row_key for r in emu.records()} == set(frame["rowKey"]) - {frame["rowKey"].iloc[1]}
    runs = Journal(tmp_path / "journal").runs()
    assert runs["finished"].notna().all()
    assert (runs["not_sent"].iloc[0], runs["submitted"].iloc[0], runs["pending"].iloc[0]) == (1, 3, 0)


@pytest.mark.parametrize("value, why", UNSENDABLE.values(), ids=UNSENDABLE.keys())
def test_a_dry_run_gives_the_same_reason_and_leaves_the_row_out_of_the_bodies(client, sheet, value, why) -> None:
    frame = _records(sheet, 3)
    frame.iat[0, frame.columns.get_loc(VENDOR)] = value
    results = submit(frame, validate=False, dry_run=True, progress=False)
    assert why in results["message"].iloc[0]
    assert results["status"].tolist() == ["not_sent"] * 3
    sent = [r["rowKey"] for body in results.run.requests for r in body["data"]]
    assert sent == frame["rowKey"].iloc[1:].tolist()


def test_numpy_scalars_timestamps_lists_and_big_whole_numbers_are_sent_as_json(client, emu, sheet) -> None:
    frame = _records(sheet, 3)
    frame.iat[0, frame.columns.get_loc(VALUE)] = np.float64(1.5)
    frame.iat[1, frame.columns.get_loc(VALUE)] = np.int64(2**62)
    frame.iat[2, frame.columns.get_loc(VALUE)] = 9007199254740993
    frame.iat[0, frame.columns.get_loc(VENDOR)] = pd.Timestamp("2021-03-04 10:30")
    frame.iat[1, frame.columns.get_loc(VENDOR)] = np.bool_(True)
    results = submit(frame, validate=False, dry_run=True, progress=False)
    data = results.run.requests[0]["data"]
    assert [type(r[VALUE]) for r in data] == [float, int, int]
    assert [r[VALUE] for r in data] == [1.5, 2**62, 9007199254740993]
    assert data[0][VENDOR] == "2021-03-04T10:30:00" and data[1][VENDOR] is True
    frame.iat[1, frame.columns.get_loc(VENDOR)] = "Northwind"  # the emulator, as Opus, wants text there
    sent = submit(frame, validate=False, progress=False)
    assert sent["status"].tolist() == ["submitted"] * 3, sent["message"].tolist()
    stored = {r.row_key: r.data for r in emu.records()}
    assert stored[frame["rowKey"].iloc[2]][VALUE] == 9007199254740993


def test_a_lone_surrogate_in_a_validated_sheet_is_not_sent_and_the_results_show_its_key(client, emu, sheet) -> None:
    frame = sheet.head(6).astype(object)
    valid = frame.opus.validate(current_connection()).valid.index
    first, second = valid[0], valid[1]
    frame.loc[first, "Vendor Name"] = "North\ud800wind"
    frame.loc[second, "Row Key"] = "KEY-\udc00"
    results = submit(frame, progress=False)
    assert results.loc[first, "status"] == "not_sent" and "surrogate" in results.loc[first, "message"]
    assert results.loc[second, "status"] == "not_sent" and results.loc[second, "rowKey"] == "KEY-\\udc00"
    stored = {r.row_key for r in emu.records()}
    assert stored == set(results[results.status == "submitted"]["rowKey"])
    assert len(stored) == (results.status == "submitted").sum() > 0


def test_arrow_text_with_blanks_goes_as_the_same_bodies_as_object_text(client, sheet) -> None:
    """pyarrow strings take a faster way to JSON values (repeated text made once); the bodies are the same."""
    frame = _records(sheet, 40)
    vendors = [None if i % 4 == 0 else ("Northwind", "Contoso", "Fabrikam")[i % 3] for i in range(40)]
    frame[VENDOR] = pd.Series(vendors, index=frame.index, dtype=object)
    frame.iloc[1::5, frame.columns.get_loc("leafName")] = None
    text = [c for c in frame.columns if frame[c].map(lambda v: v is None or isinstance(v, str)).all()]
    arrow = frame.astype(dict.fromkeys(text, "str"))
    assert {VENDOR, "leafName", "rowKey"} <= set(text)
    bodies = submit(arrow, validate=False, dry_run=True, progress=False).run.requests
    assert bodies == submit(frame, validate=False, dry_run=True, progress=False).run.requests
    data = [r for body in bodies for r in body["data"]]
    assert [VENDOR in r for r in data] == [i % 4 != 0 for i in range(40)]
    assert [r.get("leafName") for r in data[1::5]] == [None] * 8
