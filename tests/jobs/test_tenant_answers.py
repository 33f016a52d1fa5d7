"""Answers a real tenant may give in shapes and words our emulator never uses, over real HTTP through a
rewriting proxy: failed items as objects, ASP.NET ProblemDetails, a destroy's 204, other words for
"already destroyed" and "on hold", and the request id to quote to support. Nothing here leans on the
emulator's own sentences."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pandas as pd
import pytest
from starlette.requests import Request

import opus_nb
from opus_nb.client._batches import Refusal, refusal
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._due import due_records
from opus_nb.jobs._signin import current_connection
from tests.helpers.proxy import Answer

BEFORE = "2026-01-01"
REQUEST_ID = "4f9c2a1e-7d3b-4c55-9a0e-2b8d6f1c3e70"


def _due_keys(sheet: pd.DataFrame, n: int) -> list[str]:
    sheet.opus.submit(progress=False)
    return due_records(before=BEFORE, progress=False)["rowKey"].head(n).tolist()


@pytest.mark.parametrize(
    "words",
    ["Record {key} has been deleted.", "The record {key} is already in the Destroyed status", "{key}: already disposed"],
)
def test_already_destroyed_in_other_words_and_as_objects_counts_as_destroyed(emu, sheet, through, words: str) -> None:
    keys: list[str] = []

    def reworded(request: Request, answer: Answer) -> Answer:
        if request.method != "DELETE" or answer.status != 418:
            return answer
        failed = orjson.loads(answer.body)["failedItems"]
        items = [
            {"item": key, "message": words.format(key=key) if key == keys[2] else "Record is under legal hold"} for key in failed
        ]
        return Answer(418, orjson.dumps({"statusCode": 418, "message": "some records failed", "failedItems": items}))

    through(reworded)
    keys += _due_keys(sheet, 3)
    emu.hold(keys[1])
    opus_nb.destroy(keys[2:], confirm=True, recheck=False, progress=False)  # destroyed for real first
    results = opus_nb.destroy(keys, confirm=True, recheck=False, progress=False).set_index("rowKey")
    assert results.loc[keys[0], "status"] == "destroyed" and pd.isna(results.loc[keys[0], "message"])
    assert results.loc[keys[1], "status"] == "failed"
    assert results.loc[keys[1], "message"].startswith("Record is under legal hold")
    assert results.loc[keys[2], "status"] == "destroyed"
    assert results.loc[keys[2], "message"].startswith("already destroyed in Opus (Opus said:")


def test_problem_details_name_the_failing_records_and_hold_back_the_rest(emu, sheet, through) -> None:
    """A 400 ProblemDetails naming data[2]: that row fails with the field's message; the batch's other rows
    were not processed, so they are failed, unconfirmed by Opus, and a resumed run sends them again."""
    problem = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"data[2].timeCreated": ["The value '31/02/2021' is not valid for timeCreated."]},
        "traceId": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    first = [True]

    def refused_once(request: Request, answer: Answer) -> Answer:
        if request.method == "POST" and first[0]:
            first[0] = False
            return Answer(400, orjson.dumps(problem), {"content-type": "application/problem+json"})
        return answer

    through(refused_once)
    conn = current_connection()
    rows = sheet.loc[sheet.opus.validate(conn).valid.index[:15]]
    results = opus_nb.submit(rows, progress=False, concurrency=1, journal="j")
    assert results["status"].tolist() == ["failed"] * 15
    refused = next(r for r in emu.requests if r.method == "POST" and r.path.endswith("/records"))
    assert results["message"].iloc[2] == (
        f"data[2].timeCreated: The value '31/02/2021' is not valid for timeCreated. [request-id {refused.request_id}]"
    )
    others = results["message"].drop(index=results.index[2])
    assert others.str.startswith("not processed: Opus refused the request for other records").all()
    again = opus_nb.submit(rows, progress=False, concurrency=1, journal="j", resume=True)
    assert (again["status"].drop(index=again.index[2]) == "submitted").all()


def test_a_destroy_answered_204_is_destroyed(emu, sheet, through) -> None:
    through(lambda request, answer: Answer(204, b"") if request.method == "DELETE" and answer.status == 200 else answer)
    keys = _due_keys(sheet, 4)
    results = opus_nb.destroy(keys, confirm=True, before=BEFORE, progress=False)
    assert results["status"].tolist() == ["destroyed"] * 4
    assert results["http_status"].tolist() == [204] * 4
    assert all(emu.record(k).destroyed is not None for k in keys)


def test_the_request_id_of_a_refusal_is_in_the_results_and_the_error(emu, sheet, through) -> None:
    def with_id(request: Request, answer: Answer) -> Answer:
        if request.method == "GET" and "refuse" in str(request.url):
            return Answer(400, b'{"message": "bad query"}', {"request-id": REQUEST_ID})
        return Answer(answer.status, answer.body, {"request-id": REQUEST_ID})

    through(with_id)
    conn = current_connection()
    valid = sheet.opus.validate(conn).valid_internal.index[:15]
    frame = pd.DataFrame(opus_nb.to_records(sheet.loc[valid], conn))
    frame.loc[3, "_Department"] = 99
    results = opus_nb.submit(frame, validate=False, progress=False, journal="j")
    assert results["message"].iloc[3].endswith(f"[request-id {REQUEST_ID}]")
    assert results["message"].drop(index=3).isna().all()
    with pytest.raises(opus_nb.OpusHTTPError) as raised:
        opus_nb.due_records(replace(conn, id="refuse" + conn.id[6:]), before=BEFORE, progress=False)
    assert raised.value.request_id == REQUEST_ID and REQUEST_ID in str(raised.value)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Record has already been destroyed", Refusal.ALREADY_DESTROYED),
        ("The record is on legal hold.", Refusal.ON_HOLD),
        ("Disposal due date has not been reached", Refusal.NOT_DUE),
        ("Record is not yet due for disposal", Refusal.NOT_DUE),
        ("Manual approval is on and no reviewer approved this record", Refusal.NOT_APPROVED),
        ("The record has not been approved by a reviewer", Refusal.NOT_APPROVED),
        ("Record X has been deleted.", Refusal.ALREADY_DESTROYED),
        ("The record is already in the Destroyed status", Refusal.ALREADY_DESTROYED),
        ("Record not found", Refusal.UNKNOWN_KEY),
        ("The row key does not exist", Refusal.UNKNOWN_KEY),
        ("timeCreated: not a date", None),
    ],
)
def test_what_a_refusals_words_say(text: str, kind: Any) -> None:
    assert refusal(text) == kind


def test_the_audit_log_keeps_the_reason_opus_gave(emu, sheet, through) -> None:
    through(lambda request, answer: answer)
    keys = _due_keys(sheet, 2)
    emu.hold(keys[0])
    opus_nb.destroy(keys, confirm=True, recheck=False, progress=False)
    log = AuditLog("opus-audit").read()
    outcome = log[(log["rowKey"] == keys[0]) & (log["result"] == "failed")]
    assert len(outcome) == 1 and "hold" in outcome["message"].iloc[0]
