"""The older "API for Connector": SubmitRecords, GetDueRecords (pageIndex), DestroyRecords (our path)."""

from __future__ import annotations

from typing import Any

import pytest

from .records import make_record

SUBMIT, DUE, DESTROY = "/api/connector/SubmitRecords", "/api/connector/GetDueRecords", "/api/connector/DestroyRecords"


def _submit(api: Any, conn_id: str, records: list[Any], conflict: str = "Skip") -> Any:
    return api.post(SUBMIT, json={"id": conn_id, "confilictOption": conflict, "data": records})


def test_submit_answers_with_the_older_pages_field_names(emu, api, conn) -> None:
    ok = _submit(api, conn.id, [make_record(1)])
    assert ok.status_code == 201
    assert ok.json() == {"Message": None}
    bad = make_record(2, _Regions="[7]")
    partial = _submit(api, conn.id, [bad, make_record(3)])
    assert partial.status_code == 418
    body = partial.json()
    assert set(body) == {"Message", "FailedItems"}
    assert body["FailedItems"] == [{"Item": bad, "Message": "_Regions: 7 is not an option order of this column (1 to 5)"}]
    assert {r.row_key for r in emu.records()} == {"R-00001", "R-00003"}


def test_created_by_and_modified_by_are_optional_in_the_older_api_only(emu, api, post_records, conn) -> None:
    record = make_record(1, createdBy=..., modifiedBy=...)
    assert _submit(api, conn.id, [record]).status_code == 201
    graph = post_records([make_record(2, createdBy=..., modifiedBy=...)])
    assert graph.status_code == 418
    assert "createdBy: a value is required; modifiedBy: a value is required" in graph.json()["failedItems"][0]["message"]


def test_submit_limits_are_the_same(api, conn) -> None:
    response = _submit(api, conn.id, [make_record(i) for i in range(16)])
    assert response.status_code == 400
    assert "at most 15" in response.json()["message"]


def test_get_due_records_pages_with_page_index(emu, api, conn) -> None:
    for start in range(0, 45, 15):
        assert _submit(api, conn.id, [make_record(i) for i in range(start, start + 15)]).status_code == 201
    query = {"id": conn.id, "disposalDueDate": "2024-04-01 00:59:34", "startIndex": "", "itemsPerPage": 20}
    keys, pages = [], 0
    while True:
        response = api.post(DUE, json=query)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"message", "pageIndex", "queriedItems"}
        keys += [item["rowKey"] for item in body["queriedItems"]]
        pages += 1
        if body["pageIndex"] is None:
            break
        query["startIndex"] = body["pageIndex"]
    assert pages == 3
    assert keys == [f"R-{i:05d}" for i in range(45)]
    assert emu.requests[-1].records == 5


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"itemsPerPage": 101}, "itemsPerPage"),
        ({"itemsPerPage": ...}, "itemsPerPage"),
        ({"disposalDueDate": "soon"}, "disposalDueDate"),
        ({"id": ...}, "id:"),
    ],
)
def test_get_due_records_checks_its_fields(api, conn, changes: dict[str, Any], fragment: str) -> None:
    query = {"id": conn.id, "disposalDueDate": "2024-04-01 00:59:34", "itemsPerPage": 15, **changes}
    response = api.post(DUE, json={k: v for k, v in query.items() if v is not ...})
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_items_per_page_may_come_as_a_string_and_empty_is_204(api, conn) -> None:
    response = api.post(DUE, json={"id": conn.id, "disposalDueDate": "2024-04-01 00:59:34", "itemsPerPage": "15"})
    assert response.status_code == 204


def test_destroy_records_marks_destroyed_and_lists_failures(emu, api, conn) -> None:
    _submit(api, conn.id, [make_record(1), make_record(2)])
    emu.hold("R-00002")
    emu.now = "2024-05-06 07:08:09"
    ok = api.post(DESTROY, json={"disposalIds": ["R-00001"]})
    assert ok.status_code == 200 and ok.json() == {"message": None}
    failed = api.post(DESTROY, json={"disposalIds": ["R-00001", "R-00002"]})
    assert failed.status_code == 418
    assert failed.json() == {
        "message": "R-00001: the record was already destroyed on 2024-05-06 07:08:09; R-00002: the record is on hold",
        "failedItems": ["R-00001", "R-00002"],
    }
    assert api.post(DESTROY, json={"disposalIds": [f"K{i}" for i in range(16)]}).status_code == 400


def test_the_older_api_answers_in_the_chosen_shape_too(emu, api, conn) -> None:
    _submit(api, conn.id, [make_record(1)])
    emu.hold("R-00001")
    emu.answer_shape = "objects"
    failed = api.post(DESTROY, json={"disposalIds": ["R-00001", "NOPE"]})
    assert failed.status_code == 418
    assert failed.json() == {
        "message": "2 of 2 records were not destroyed",
        "failedItems": [
            {"Item": "R-00001", "Message": "the record is on hold"},
            {"Item": "NOPE", "Message": "no record has this row key"},
        ],
    }
    emu.answer_shape = "problem"
    refused = api.post(DESTROY, json={"disposalIds": ["R-00001"]})
    assert (refused.status_code, refused.json()["errors"]) == (400, {"disposalIds[0]": ["the record is on hold"]})
