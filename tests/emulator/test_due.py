"""Graph due records: what is due, the items' shape, itemsPerPage and date checks, stable paging."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from .records import RECORDS, make_record


def _submit_many(post_records: Any, keys: range, **changes: Any) -> None:
    batch = [make_record(i, **changes) for i in keys]
    for start in range(0, len(batch), 15):
        assert post_records(batch[start : start + 15]).status_code == 201


def _walk(get_due: Any, per_page: int, before: str = "2030-01-01 00:00:00") -> list[list[str]]:
    pages: list[list[str]] = []
    token = None
    while True:
        response = get_due(before=before, per_page=per_page, start=token)
        if response.status_code == 204:
            return pages
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["rowKey"] for item in body["queriedItems"]])
        token = body["startIndex"]
        if token is None:
            return pages


def test_due_items_carry_the_record_with_times_as_the_sample_shows(emu, post_records, get_due) -> None:
    post_records([make_record(1)])
    response = get_due()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"statusCode", "message", "queriedItems", "startIndex"}
    assert body["startIndex"] is None
    [item] = body["queriedItems"]
    assert item == {**make_record(1), "timeCreated": "2010-03-04 05:06:07 ", "timeModified": "2011-03-04 05:06:07 "}
    assert emu.requests[-1].records == 1


def test_only_records_due_before_the_date_are_listed(emu, post_records, get_due) -> None:
    post_records(
        [
            make_record(1),  # created 2010 + 7 years: due 2017-03-04
            make_record(2, termFullPath="Finance/Audit"),  # modified 2011 + 10 years: due 2021-03-04
            make_record(3, termFullPath="Legal/Litigation"),  # a term without retention: never due
            make_record(4, termFullPath=...),  # no term: never due
            make_record(5, termFullPath="Human Resources/Recruitment"),  # created 2010 + 1y6m: due 2011-09-04
        ]
    )
    assert _walk(get_due, 100, before="2017-03-04 05:06:07") == [["R-00005"]]
    assert _walk(get_due, 100, before="2017-03-04 05:06:08") == [["R-00001", "R-00005"]]
    assert _walk(get_due, 100, before="2100-01-01 00:00:00") == [["R-00001", "R-00002", "R-00005"]]
    assert emu.record("R-00002").due is not None and emu.record("R-00002").due.year == 2021


def test_nothing_due_is_204_without_a_body(emu, post_records, get_due) -> None:
    post_records([make_record(1)])
    response = get_due(before="2000-01-01 00:00:00")
    assert response.status_code == 204
    assert response.content == b""


def test_pages_follow_the_opaque_token_to_the_end(emu, post_records, get_due) -> None:
    _submit_many(post_records, range(250))
    pages = _walk(get_due, 100)
    assert [len(p) for p in pages] == [100, 100, 50]
    keys = [k for page in pages for k in page]
    assert keys == [f"R-{i:05d}" for i in range(250)]


def test_an_exact_number_of_pages_ends_with_a_null_token(post_records, get_due) -> None:
    _submit_many(post_records, range(30))
    first = get_due(per_page=15).json()
    second = get_due(per_page=15, start=first["startIndex"]).json()
    assert len(second["queriedItems"]) == 15
    assert second["startIndex"] is None


@pytest.mark.parametrize("per_page", [-1, 101, "ten", "", "1.5"])
def test_items_per_page_outside_0_to_100_is_400(api, conn, per_page: Any) -> None:
    response = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01 00:00:00", "itemsPerPage": per_page})
    assert response.status_code == 400
    assert "itemsPerPage must be a whole number from 0 to 100" in response.json()["message"]


def test_items_per_page_is_required_and_its_sample_spelling_works(api, conn, post_records) -> None:
    post_records([make_record(1)])
    missing = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01 00:00:00"})
    assert missing.status_code == 400
    sample_spelling = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01", "itemsPerpage": 1})
    assert sample_spelling.status_code == 200
    assert len(sample_spelling.json()["queriedItems"]) == 1


def test_zero_items_per_page_and_one_hundred_are_the_bounds(post_records, get_due) -> None:
    _submit_many(post_records, range(120))
    assert get_due(per_page=0).status_code == 204
    assert len(get_due(per_page=100).json()["queriedItems"]) == 100


@pytest.mark.parametrize("value", ["2024-12-20T11:13:00", "2024-12-20 11:13:00", "2024-12-20", "2024-12-20T11:13:00+00:00"])
def test_disposal_due_date_in_the_connection_format_or_iso_is_understood(post_records, get_due, value: str) -> None:
    post_records([make_record(1)])
    assert get_due(before=value).status_code == 200


@pytest.mark.parametrize("value", ["", "tomorrow", "20/12/2024", "2024-02-30"])
def test_a_disposal_due_date_that_does_not_parse_is_400(api, conn, value: str) -> None:
    response = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": value, "itemsPerPage": 10})
    assert response.status_code == 400
    assert "disposalDueDate" in response.json()["message"]


def test_an_unknown_connection_id_is_400(api) -> None:
    response = api.get(
        RECORDS, params={"id": "11111111-2222-4333-8444-555555555555", "disposalDueDate": "2030-01-01", "itemsPerPage": 5}
    )
    assert response.status_code == 400
    assert "there is no connection" in response.json()["message"]


def test_a_forged_or_foreign_token_is_400(post_records, get_due) -> None:
    _submit_many(post_records, range(20))
    token = get_due(per_page=10).json()["startIndex"]
    body, _, mac = token.partition(".")
    assert get_due(per_page=10, start=body + "." + mac[::-1]).status_code == 400
    assert get_due(per_page=10, start="not-a-token").status_code == 400
    assert get_due(per_page=10, start="\u00e9t\u00e9.\u00e9").status_code == 400
    other_query = get_due(before="2029-01-01 00:00:00", per_page=10, start=token)
    assert other_query.status_code == 400
    assert "another id or disposalDueDate" in other_query.json()["message"]


def test_paging_is_stable_while_records_are_inserted_and_overwritten(emu, post_records, get_due) -> None:
    _submit_many(post_records, range(0, 300, 2))
    first = get_due(per_page=50).json()
    served = [item["rowKey"] for item in first["queriedItems"]]
    _submit_many(post_records, range(1, 300, 2))  # new records between the old ones
    assert post_records([make_record(0, leafName="renamed.pdf")], "Overwrite").status_code == 201
    token = first["startIndex"]
    while token is not None:
        body = get_due(per_page=50, start=token).json()
        served += [item["rowKey"] for item in body["queriedItems"]]
        token = body["startIndex"]
    assert served == [f"R-{i:05d}" for i in range(0, 300, 2)]
    assert len(_walk(get_due, 100)) == 3  # a new listing sees all 300


def test_paging_while_another_client_submits_between_every_page(emu, post_records, get_due, token: str) -> None:
    _submit_many(post_records, range(400))
    go, done, stop = threading.Event(), threading.Event(), threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {token}"}) as client:
            i = 10_000
            while go.wait() and not stop.is_set():
                go.clear()
                batch = [make_record(j) for j in range(i, i + 15)]
                client.post(RECORDS, json={"id": emu.connection.id, "conflictOption": "Skip", "data": batch})
                i += 15
                done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    keys: list[str] = []
    page_token = None
    try:
        while True:
            body = get_due(per_page=7, start=page_token).json()
            keys += [item["rowKey"] for item in body["queriedItems"]]
            page_token = body["startIndex"]
            if page_token is None:
                break
            done.clear()
            go.set()
            assert done.wait(10)
    finally:
        stop.set()
        go.set()
        thread.join()
    assert keys == [f"R-{i:05d}" for i in range(400)]
    assert len(emu.records()) == 400 + 15 * 57


def test_held_and_destroyed_records_are_not_listed(emu, post_records, get_due, delete_records) -> None:
    post_records([make_record(i) for i in range(4)])
    emu.hold(["R-00001"])
    assert delete_records(["R-00002"]).status_code == 200
    assert _walk(get_due, 100) == [["R-00000", "R-00003"]]
    emu.release("R-00001")
    assert _walk(get_due, 100) == [["R-00000", "R-00001", "R-00003"]]
    assert emu.record("R-00002").status == "destroyed"
