"""Graph destroy: 200, 418 for each kind of refusal, 400s, holds, manual approval and the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opus_nb.emulator import UnknownRecordsError

from .records import RECORDS, make_record


def test_due_records_are_marked_destroyed(emu, post_records, delete_records) -> None:
    post_records([make_record(i) for i in range(3)])
    emu.now = dt.datetime(2024, 5, 6, 7, 8, 9)
    response = delete_records(["R-00000", "R-00002"])
    assert response.status_code == 200
    assert response.json() == {"statusCode": 200, "message": None}
    assert {r.row_key: r.status for r in emu.records()} == {"R-00000": "destroyed", "R-00001": "active", "R-00002": "destroyed"}
    assert emu.record("R-00000").destroyed == dt.datetime(2024, 5, 6, 7, 8, 9)
    assert emu.requests[-1].records == 2


def test_each_refused_key_comes_back_in_failed_items_with_418(emu, post_records, delete_records) -> None:
    post_records([make_record(1), make_record(2), make_record(3), make_record(4, termFullPath=...)])
    emu.hold("R-00002")
    assert delete_records(["R-00003"]).status_code == 200
    response = delete_records(["R-00001", "R-00002", "R-00003", "R-00004", "NO-SUCH-KEY"])
    assert response.status_code == 418
    body = response.json()
    assert set(body) == {"statusCode", "message", "failedItems"}
    assert body["failedItems"] == ["R-00002", "R-00003", "R-00004", "NO-SUCH-KEY"]
    assert body["message"] == [
        "R-00002: the record is on hold",
        "R-00003: the record is already destroyed",
        "R-00004: the record is not due for disposal",
        "NO-SUCH-KEY: no record has this row key",
    ]
    assert emu.record("R-00001").status == "destroyed"
    assert emu.record("R-00002").status == "active"


def test_a_key_twice_in_one_request_is_destroyed_once(post_records, delete_records) -> None:
    post_records([make_record(1)])
    response = delete_records(["R-00001", "R-00001"])
    assert response.status_code == 418
    assert response.json()["failedItems"] == ["R-00001"]


def test_not_yet_due_follows_the_settable_clock(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])  # due 2017-03-04 05:06:07
    emu.now = dt.datetime(2017, 3, 4, 5, 6, 0)
    response = delete_records(["R-00001"])
    assert response.status_code == 418
    assert response.json()["message"] == ["R-00001: the record is not due for disposal (due 2017-03-04 05:06:07)"]
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
