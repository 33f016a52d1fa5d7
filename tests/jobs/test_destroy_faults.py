"""Destroy when answers go wrong, through the real emulator: answers that do not name the batch's keys,
an answer lost after Opus processed the request, and a destroy process killed with SIGKILL then rerun.

A rewriting proxy (tests/helpers/proxy.py) stands between the client and the emulator to rewrite or
drop the emulator's answers (the emulator's own faults happen before a request is processed).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from starlette.requests import Request

from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._destroy import UnsettledIntents, destroy
from opus_nb.jobs._due import due_records
from opus_nb.jobs._signin import current_connection
from tests.helpers.proxy import Answer, failed_items
from tests.helpers.shell import Shell

BEFORE = "2026-01-01"


def _five_due_two_approved(emu, sheet) -> list[str]:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False)
    keys = due.loc[due["rowKey"].str.contains("[A-Z]"), "rowKey"].head(5).tolist()  # whose lower case differs
    emu.manual_approval = True
    emu.approve(keys[:2])
    return keys


@pytest.mark.parametrize(
    "rename",
    [lambda keys: [k.lower() for k in keys], lambda keys: [k + " " for k in keys], lambda keys: ["NO-SUCH-KEY"]],
    ids=["other case", "trailing space", "unknown key"],
)
def test_failed_items_naming_no_key_of_the_batch_leave_every_key_unconfirmed(emu, sheet, through, rename) -> None:
    through(failed_items("DELETE", rename))
    keys = _five_due_two_approved(emu, sheet)
    results = destroy(keys, confirm=True, recheck=False, progress=False)
    assert results["status"].tolist() == ["failed"] * 5
    assert results["message"].str.contains("unconfirmed").all()
    assert results["http_status"].tolist() == [418] * 5
    log = AuditLog("opus-audit").read()
    assert "destroyed" not in set(log["result"])


def test_fewer_matched_keys_than_failed_items_leave_the_unmatched_keys_unconfirmed(emu, sheet, through) -> None:
    through(failed_items("DELETE", lambda keys: [*keys[:-1], keys[-1].lower()]))
    keys = _five_due_two_approved(emu, sheet)
    results = destroy(keys, confirm=True, recheck=False, progress=False).set_index("rowKey")
    assert (results["status"] == "failed").all()
    for key in keys[2:4]:
        assert results.loc[key, "message"].startswith("manual approval is on and no reviewer approved this record [request-id ")
    for key in [*keys[:2], keys[4]]:
        assert "unconfirmed" in results.loc[key, "message"]
    assert "manual approval" in results.loc[keys[4], "message"]  # its own reason, from the answer's message


def test_destroy_retried_after_a_lost_answer_is_destroyed(emu, sheet, through) -> None:
    lost: list[str] = []

    def drop_first_delete_answer(request: Request, answer: Answer) -> Answer | None:
        if request.method == "DELETE" and not lost:
            lost.append(answer.body.decode())
            return None
        return answer

    through(drop_first_delete_answer)
    sheet.opus.submit(progress=False)
    keys = due_records(before=BEFORE, progress=False)["rowKey"].head(7).tolist()
    results = destroy(keys, confirm=True, before=BEFORE, progress=False)
    assert lost and [r.method for r in emu.requests].count("DELETE") == 2
    assert results["status"].tolist() == ["destroyed"] * 7
    assert results["message"].str.contains("already destroyed").all()
    assert all(emu.record(k).destroyed is not None for k in keys)
    log = AuditLog("opus-audit").read()
    assert log.groupby("rowKey")["result"].agg(list).to_dict() == {k: ["intent", "destroyed"] for k in keys}


def test_rerun_after_kill_records_what_the_killed_destroy_did(emu, sheet, client, tmp_path: Path, shell: Shell) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False).head(20)
    emu.hold(due["rowKey"].iloc[17])
    due[["rowKey", "leafName"]].to_csv(tmp_path / "approved.csv", index=False)
    first, rest = due["rowKey"].iloc[:15].tolist(), due["rowKey"].iloc[15:].tolist()
    emu.faults(latency_ms=3000)  # the emulator destroys at once and holds its answer back: time to kill in between
    child = shell.start(
        "destroy", "--from", "approved.csv", "--yes", "--no-recheck", "--reviewer", "killed", "--quiet", "--concurrency", "1"
    )
    child.wait_until(lambda: emu.record(first[-1]).destroyed is not None, seconds=60, pause=0.01)
    child.kill()
    emu.faults()
    log = AuditLog("opus-audit")
    assert log.read()["result"].tolist() == ["intent"] * 15
    requests_before = len(emu.requests)
    emu.hold(first[3])  # put on hold after the killed run: Opus destroyed it already, so it is still destroyed

    results = destroy(
        pd.read_csv(tmp_path / "approved.csv", dtype=str), current_connection(), confirm=True, before=BEFORE, progress=False
    ).set_index("rowKey")
    deletes = [r for r in list(emu.requests)[requests_before:] if r.method == "DELETE"]
    assert sum(r.records for r in deletes) == 19  # the 15 pending keys sent again although no longer due; not the held one
    assert (results.loc[first, "status"] == "destroyed").all()
    assert results.loc[first, "message"].str.contains("already destroyed").all()
    assert results.loc[rest, "status"].tolist() == ["destroyed", "destroyed", "not_sent", "destroyed", "destroyed"]
    entries = log.read()
    outcomes = entries[entries["reviewer"] != "killed"]
    assert set(outcomes.loc[outcomes.result == "destroyed", "rowKey"]) == set(first) | set(rest) - {rest[2]}
    assert outcomes.loc[outcomes.rowKey == first[0], "name"].tolist()[-1] == due["leafName"].iloc[0]


def test_pending_key_now_on_hold_is_sent_and_refused(emu, sheet, client, tmp_path: Path) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False).head(3)
    keys = due["rowKey"].tolist()
    log = AuditLog(tmp_path / "opus-audit")
    log.write({"reviewer": "killed", "rowKey": k, "result": "intent", "stage": "destroy"} for k in keys[:2])
    emu.hold(keys[0])
    results = destroy(keys, confirm=True, before=BEFORE, progress=False).set_index("rowKey")
    assert results.loc[keys[0], "status"] == "failed"
    assert results.loc[keys[0], "message"].startswith("the record is on hold [request-id ")
    assert results.loc[keys[1:], "status"].tolist() == ["destroyed", "destroyed"]
    assert emu.record(keys[0]).destroyed is None


def test_pending_keys_not_given_are_not_sent_but_named_in_a_warning(emu, sheet, client, tmp_path: Path) -> None:
    sheet.opus.submit(progress=False)
    keys = due_records(before=BEFORE, progress=False)["rowKey"].head(3).tolist()
    AuditLog(tmp_path / "opus-audit").write({"rowKey": k, "result": "intent"} for k in keys[1:])
    with pytest.warns(UnsettledIntents, match="1 key") as caught:
        results = destroy(keys[:2], confirm=True, before=BEFORE, progress=False)
    assert caught[0].message.keys == [keys[2]]
    assert results["status"].tolist() == ["destroyed", "destroyed"]
    assert emu.record(keys[2]).destroyed is None


def test_unconfirmed_keys_are_sent_again_by_the_next_destroy(emu, sheet, through) -> None:
    rename = failed_items("DELETE", lambda keys: ["NO-SUCH-KEY"])
    tampered: list[bool] = []

    def first_answer_renamed(request: Request, answer: Answer) -> Answer | None:
        if request.method == "DELETE" and not tampered:
            tampered.append(True)
            return rename(request, answer)
        return answer

    through(first_answer_renamed)
    keys = _five_due_two_approved(emu, sheet)
    assert destroy(keys, confirm=True, recheck=False, progress=False)["status"].tolist() == ["failed"] * 5
    results = destroy(keys, confirm=True, before=BEFORE, progress=False)
    assert results["status"].tolist() == ["destroyed", "destroyed", "failed", "failed", "failed"]
    assert results["message"].iloc[:2].str.startswith("already destroyed").all()
    assert AuditLog("opus-audit").pending() == {}


def test_no_answer_at_all_is_unconfirmed_and_settled_by_the_next_destroy(emu, sheet, through) -> None:
    dropping = [True]
    through(lambda request, answer: None if request.method == "DELETE" and dropping[0] else answer)
    sheet.opus.submit(progress=False)
    keys = due_records(before=BEFORE, progress=False)["rowKey"].head(3).tolist()
    first = destroy(keys, confirm=True, before=BEFORE, progress=False)
    assert first["status"].tolist() == ["failed"] * 3
    assert first["message"].str.startswith("unconfirmed: no answer from Opus").all()
    assert all(emu.record(k).destroyed is not None for k in keys)  # Opus did destroy them
    dropping[0] = False
    again = destroy(keys, confirm=True, before=BEFORE, progress=False)
    assert again["status"].tolist() == ["destroyed"] * 3


def test_a_batch_opus_cannot_answer_stops_the_destroy(emu, sheet, through) -> None:
    """After a batch got a 5xx on every attempt, no further batch goes out: Opus could not say what it did."""
    deletes: list[Request] = []

    def second_delete_fails(request: Request, answer: Answer) -> Answer:
        if request.method == "DELETE":
            deletes.append(request)
            if len(deletes) > 1:
                return Answer(503, b'{"message": "service unavailable"}')
        return answer

    through(second_delete_fails)
    sheet.opus.submit(progress=False)
    keys = due_records(before=BEFORE, progress=False)["rowKey"].head(40).tolist()
    results = destroy(keys, confirm=True, before=BEFORE, progress=False, concurrency=1)
    assert results["status"].tolist() == ["destroyed"] * 15 + ["failed"] * 15 + ["not_sent"] * 10
    assert results["message"][15:30].str.startswith("unconfirmed: Opus answered HTTP 503").all()
    assert results["message"][30:].str.startswith("stopped: batch 2 got HTTP 503 from Opus after every retry").all()
    assert len(deletes) == 1 + 4  # the second batch tried 4 times (the policy's attempts), the third never sent
    assert set(AuditLog("opus-audit").pending()) == set(keys[15:30])


def test_a_key_sent_again_keeps_the_details_its_intent_had(emu, sheet, client, tmp_path: Path) -> None:
    sheet.opus.submit(progress=False)
    key = due_records(before=BEFORE, progress=False)["rowKey"].iloc[0]
    log = AuditLog(tmp_path / "opus-audit")
    details = {"name": "From the intent.pdf", "classification": "Finance/Audit"}
    log.write([{"reviewer": "killed", "rowKey": key, "result": "intent", "stage": "destroy", **details}])
    destroy([key], confirm=True, recheck=False, progress=False)
    outcome = log.read().iloc[-1]
    assert outcome["result"] == "destroyed"
    assert (outcome["name"], outcome["classification"]) == (details["name"], details["classification"])
