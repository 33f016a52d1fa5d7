"""Graph destroy: 200 (or 204), 418 with each key's own reason in every answer shape, 400s, holds,
manual approval and the clock."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from opus_nb import emulator
from opus_nb.emulator import EmulatorConfigError, UnknownRecordsError

from .records import RECORDS, SAMPLES, make_record


def test_due_records_are_marked_destroyed(emu, post_records, delete_records) -> None:
    post_records([make_record(i) for i in range(3)])
    emu.now = dt.datetime(2024, 5, 6, 7, 8, 9)
    response = delete_records(["R-00000", "R-00002"])
    assert response.status_code == 200
    assert response.json() == {"statusCode": 200, "message": None}
    assert {r.row_key: r.status for r in emu.records()} == {"R-00000": "destroyed", "R-00001": "active", "R-00002": "destroyed"}
    assert emu.record("R-00000").destroyed == dt.datetime(2024, 5, 6, 7, 8, 9)
    assert emu.requests[-1].records == 2


def _refusable(emu, post_records, delete_records) -> list[str]:
    """Records each refused for its own reason, at 2024-05-06 07:08:09; the keys to destroy, one destroyable."""
    later = {"timeCreated": "2029-01-02 03:04:05", "timeModified": "2029-01-02 03:04:05"}
    records = [make_record(1), make_record(2), make_record(3), make_record(4, termFullPath=...)]
    records += [make_record(5, termFullPath="Legal/Litigation"), make_record(6, **later)]
    assert post_records(records).status_code == 201
    emu.now = dt.datetime(2024, 5, 6, 7, 8, 9)
    emu.hold("R-00002")
    assert delete_records(["R-00003"]).status_code == 200
    return ["R-00001", "R-00002", "R-00003", "R-00004", "R-00005", "R-00006", "NO-SUCH-KEY"]


REASONS = {
    "R-00002": "the record is on hold",
    "R-00003": "the record was already destroyed on 2024-05-06 07:08:09",
    "R-00004": "the record is never due for disposal: it has no classification (termFullPath)",
    "R-00005": "the record is never due for disposal: its classification 'Legal/Litigation' sets no retention",
    "R-00006": "the record is not yet due for disposal (due 2036-01-02 03:04:05)",
    "NO-SUCH-KEY": "no record has this row key",
}


def test_each_refused_key_comes_back_in_failed_items_with_its_own_reason(emu, post_records, delete_records) -> None:
    response = delete_records(_refusable(emu, post_records, delete_records))
    assert response.status_code == 418
    body = response.json()
    assert set(body) == {"statusCode", "message", "failedItems"}
    assert body["failedItems"] == list(REASONS)
    assert body["message"] == [f"{key}: {why}" for key, why in REASONS.items()]
    assert emu.record("R-00001").status == "destroyed"
    assert emu.record("R-00002").status == "active"


def test_failed_items_as_objects_carry_each_keys_reason(emu, post_records, delete_records) -> None:
    emu.answer_shape = "objects"
    response = delete_records(_refusable(emu, post_records, delete_records))
    assert response.status_code == 418
    assert response.json() == {
        "statusCode": 418,
        "message": "6 of 7 records were not destroyed",
        "failedItems": [{"item": key, "message": why} for key, why in REASONS.items()],
    }
    assert emu.record("R-00001").status == "destroyed"


def test_problem_details_name_each_failed_key_by_its_place_and_destroy_nothing(emu, post_records, delete_records) -> None:
    emu.answer_shape = "problem"
    response = delete_records(_refusable(emu, post_records, delete_records))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "errors", "traceId"}
    assert (body["status"], body["title"]) == (400, "One or more validation errors occurred.")
    assert body["type"] == "https://tools.ietf.org/html/rfc9110#section-15.5.1"
    assert body["errors"] == {f"disposalIds[{i}]": [why] for i, why in enumerate(REASONS.values(), start=1)}
    request_id = response.headers["request-id"].replace("-", "")
    assert re.fullmatch(rf"00-{request_id}-[0-9a-f]{{16}}-00", body["traceId"])
    assert emu.record("R-00001").status == "active"  # refused as a whole: the one destroyable key too


def test_problem_details_for_a_malformed_destroy_name_the_field(emu, api) -> None:
    emu.answer_shape = "problem"
    response = api.request("DELETE", RECORDS, json={"disposalIds": []})
    assert response.status_code == 400
    assert response.json()["errors"] == {"disposalIds": ["disposalIds: a list of one or more row keys is required"]}
    assert api.request("DELETE", RECORDS, json=["R-1"]).json()["errors"] == {"$": ["the request body must be a JSON object"]}


def test_a_classification_no_longer_among_the_terms_is_its_own_reason(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])
    emu.set_terms([{"fullPath": "Legal/Contracts", "retention": {"years": 6, "after": "timeModified"}}])
    response = delete_records(["R-00001"])
    expected = (
        "R-00001: the record is never due for disposal: its classification 'Finance/Accounts Payable' is not a term in Opus"
    )
    assert response.json()["message"] == [expected]


def test_a_key_twice_in_one_request_is_destroyed_once(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])
    emu.now = dt.datetime(2024, 5, 6, 7, 8, 9)
    response = delete_records(["R-00001", "R-00001"])
    assert response.status_code == 418
    assert response.json()["failedItems"] == ["R-00001"]
    expected = "R-00001: the record was already destroyed on 2024-05-06 07:08:09, by an earlier entry of this request"
    assert response.json()["message"] == [expected]
    assert emu.record("R-00001").status == "destroyed"


def test_a_key_twice_in_a_request_refused_whole_destroys_nothing(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])
    emu.answer_shape = "problem"
    response = delete_records(["R-00001", "R-00001"])
    assert response.json()["errors"] == {"disposalIds[1]": ["the row key is given twice in this request"]}
    assert emu.record("R-00001").status == "active"


@pytest.mark.parametrize("legacy", [False, True])
def test_destroy_answers_204_no_content_when_set_so_and_418_still_for_failures(emu, api, post_records, legacy: bool) -> None:
    post_records([make_record(1), make_record(2)])
    emu.hold("R-00002")
    emu.destroy_status = 204

    def send(keys: list[str]) -> httpx.Response:
        body = {"disposalIds": keys}
        return api.post("/api/connector/DestroyRecords", json=body) if legacy else api.request("DELETE", RECORDS, json=body)

    done = send(["R-00001"])
    assert (done.status_code, done.content) == (204, b"")
    assert emu.record("R-00001").status == "destroyed"
    assert send(["R-00002"]).status_code == 418
    emu.reset()
    assert emu.destroy_status == 200  # back to what it started with


@pytest.mark.server
def test_the_answer_style_is_chosen_at_start_and_refused_when_unknown() -> None:
    with emulator.run(seed=SAMPLES, destroy_status=204, answer_shape="objects") as emu:
        assert (emu.destroy_status, emu.answer_shape) == (204, "objects")
        emu.destroy_status, emu.answer_shape = 200, "problem"
        emu.reset()
        assert (emu.destroy_status, emu.answer_shape) == (204, "objects")
        with pytest.raises(EmulatorConfigError, match="answer_shape"):
            emu.answer_shape = "sentences"
        with pytest.raises(EmulatorConfigError, match="destroy_status: expected 200 or 204; found 202"):
            emu.destroy_status = 202
    with pytest.raises(EmulatorConfigError, match="destroy_status"):
        emulator.start(destroy_status=True)


def test_not_yet_due_follows_the_settable_clock(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])  # due 2017-03-04 05:06:07
    emu.now = dt.datetime(2017, 3, 4, 5, 6, 0)
    response = delete_records(["R-00001"])
    assert response.status_code == 418
    assert response.json()["message"] == ["R-00001: the record is not yet due for disposal (due 2017-03-04 05:06:07)"]
    emu.now = "2017-03-05T00:00:00+00:00"
    assert emu.now == dt.datetime(2017, 3, 5)
    assert delete_records(["R-00001"]).status_code == 200
    assert emu.record("R-00001").destroyed == dt.datetime(2017, 3, 5)


def test_manual_approval_lets_only_approved_records_go(emu, post_records, delete_records) -> None:
    post_records([make_record(1), make_record(2)])
    emu.manual_approval = True
    emu.approve(["R-00001"])
    response = delete_records(["R-00001", "R-00002"])
    assert response.status_code == 418
    assert response.json()["failedItems"] == ["R-00002"]
    assert "no reviewer approved" in response.json()["message"][0]
    emu.approve("R-00002")
    emu.reject("R-00002")
    assert delete_records(["R-00002"]).status_code == 418
    emu.manual_approval = False
    assert delete_records(["R-00002"]).status_code == 200


def test_released_records_can_be_destroyed(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])
    emu.hold(["R-00001"])
    assert delete_records(["R-00001"]).status_code == 418
    emu.release(["R-00001"])
    assert delete_records(["R-00001"]).status_code == 200


def test_hold_of_unknown_row_keys_changes_nothing_and_says_which(emu, post_records) -> None:
    post_records([make_record(1)])
    with pytest.raises(UnknownRecordsError) as info:
        emu.hold(["R-00001", "R-404"])
    assert info.value.row_keys == ["R-404"]
    assert emu.record("R-00001").on_hold is False


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"disposalIds": [f"K-{i}" for i in range(16)]}, "at most 15 records"),
        ({"disposalIds": []}, "one or more row keys"),
        ({"disposalIds": "R-00001"}, "one or more row keys"),
        ({"disposalIds": [1, 2]}, "one or more row keys"),
        ({"ids": ["R-00001"]}, "disposalIds"),
        (["R-00001"], "JSON object"),
    ],
)
def test_malformed_destroy_requests_are_400(emu, api, post_records, body: Any, fragment: str) -> None:
    post_records([make_record(1)])
    response = api.request("DELETE", RECORDS, json=body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert emu.record("R-00001").status == "active"


def test_destroyed_records_never_come_back_as_due(emu, post_records, delete_records, get_due) -> None:
    post_records([make_record(1), make_record(2)])
    delete_records(["R-00001"])
    post_records([make_record(1)], "Skip")
    emu.set_terms(emu.terms)
    assert [i["rowKey"] for i in get_due().json()["queriedItems"]] == ["R-00002"]
