"""Graph submit: 201, 418 with failedItems, 400s, conflict options, and the server's wire checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .records import RECORDS, make_record


def test_all_good_records_are_stored_and_answered_201(emu, post_records) -> None:
    records = [make_record(i) for i in range(15)]
    response = post_records(records)
    assert response.status_code == 201
    assert response.json() == {"statusCode": 201, "message": None}
    stored = {r.row_key: r for r in emu.records()}
    assert set(stored) == {r["rowKey"] for r in records}
    assert stored["R-00003"].data == records[3]
    assert stored["R-00003"].status == "active"
    assert emu.requests[-1].records == 15 and emu.requests[-1].status == 201


def test_some_bad_records_give_418_with_each_failed_item_and_why(emu, post_records) -> None:
    good, bad = make_record(1), make_record(2, _Department=9)
    response = post_records([good, bad])
    assert response.status_code == 418
    body = response.json()
    assert set(body) == {"statusCode", "message", "failedItems"}
    assert body["statusCode"] == 418
    assert body["failedItems"] == [{"item": bad, "message": "_Department: 9 is not an option order of this column (1 to 6)"}]
    assert [r.row_key for r in emu.records()] == ["R-00001"]


def test_either_spelling_of_the_conflict_option_is_enough(emu, api, conn) -> None:
    for i, key in enumerate(("conflictOption", "confilictOption")):
        response = api.post(RECORDS, json={"id": conn.id, key: "Skip", "data": [make_record(i)]})
        assert response.status_code == 201, response.text
    assert len(emu.records()) == 2


def _body(conn_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": conn_id, "conflictOption": "Skip", "data": [make_record(1)]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"conflictOption": ...}, "conflictOption (or confilictOption) is required"),
        ({"conflictOption": "Replace"}, "must be 'Overwrite' or 'Skip'"),
        ({"confilictOption": "Overwrite"}, "disagree"),
        ({"id": ...}, "id: the connection's GUID is required"),
        ({"id": "3b9e3a58-0000-4000-8000-000000000000"}, "there is no connection"),
        ({"data": []}, "one or more records"),
        ({"data": {"rowKey": "x"}}, "one or more records"),
        ({"data": [make_record(i) for i in range(16)]}, "at most 15 records"),
    ],
)
def test_malformed_requests_are_400_and_store_nothing(emu, api, conn, changes: dict[str, Any], fragment: str) -> None:
    response = api.post(RECORDS, json=_body(conn.id, **changes))
    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert emu.records() == []


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(api, content: bytes) -> None:
    response = api.post(RECORDS, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


def test_overwrite_replaces_and_skip_keeps_the_old_record(emu, post_records) -> None:
    assert post_records([make_record(1, leafName="first.pdf")]).status_code == 201
    assert post_records([make_record(1, leafName="skipped.pdf")], "Skip").status_code == 201
    assert emu.record("R-00001").data["leafName"] == "first.pdf"
    assert post_records([make_record(1, leafName="second.pdf", termFullPath="Legal/Litigation")], "Overwrite").status_code == 201
    after = emu.record("R-00001")
    assert after.data["leafName"] == "second.pdf"
    assert after.term == "Legal/Litigation" and after.due is None
    assert len(emu.records()) == 1


def test_overwrite_keeps_the_records_hold_and_approval(emu, post_records) -> None:
    post_records([make_record(1)])
    emu.hold("R-00001")
    emu.approve("R-00001")
    assert post_records([make_record(1, leafName="renamed.pdf")], "Overwrite").status_code == 201
    after = emu.record("R-00001")
    assert after.data["leafName"] == "renamed.pdf" and after.on_hold and after.approved


def test_a_row_key_twice_in_one_request_follows_the_conflict_option(emu, post_records) -> None:
    assert post_records([make_record(1, leafName="a.pdf"), make_record(1, leafName="b.pdf")], "Skip").status_code == 201
    assert emu.record("R-00001").data["leafName"] == "a.pdf"
    assert post_records([make_record(2, leafName="a.pdf"), make_record(2, leafName="b.pdf")], "Overwrite").status_code == 201
    assert emu.record("R-00002").data["leafName"] == "b.pdf"


def test_a_row_key_of_another_connection_fails_that_item(emu, api, post_records, conn) -> None:
    other = emu.create_connection({"id": "0c8f5a52-58a9-4e0b-a2c5-5f6f1b0c0d11", "data": [{"rowKey": "SingleText"}]})
    response = api.post(
        RECORDS,
        json={
            "id": other.id,
            "conflictOption": "Overwrite",
            "data": [make_record(1, **{k: ... for k in make_record(1) if k.startswith(("_", "Contract"))})],
        },
    )
    assert response.status_code == 201
    clash = post_records([make_record(1)], "Overwrite")
    assert clash.status_code == 418
    assert "belongs to a record of another connection" in clash.json()["failedItems"][0]["message"]
    assert emu.record("R-00001").connection_id == other.id


def test_a_destroyed_record_cannot_be_overwritten_but_skip_is_fine(emu, post_records, delete_records) -> None:
    post_records([make_record(1)])
    assert delete_records(["R-00001"]).status_code == 200
    overwrite = post_records([make_record(1, leafName="again.pdf")], "Overwrite")
    assert overwrite.status_code == 418
    assert "destroyed" in overwrite.json()["failedItems"][0]["message"]
    assert post_records([make_record(1, leafName="again.pdf")], "Skip").status_code == 201
    assert emu.record("R-00001").data["leafName"] == "invoice-1.pdf"


BAD_VALUES = [
    ({"rowKey": ...}, "rowKey: a value is required"),
    ({"leafName": "  "}, "leafName: a value is required"),
    ({"createdBy": ...}, "createdBy: a value is required"),
    ({"modifiedBy": None}, "modifiedBy: a value is required"),
    (
        {"timeCreated": "2024-13-01 00:00:00"},
        "timeCreated: '2024-13-01 00:00:00' is not a date-time in the format %Y-%m-%d %H:%M:%S",
    ),
    ({"timeModified": "2024-12-01T00:00:00"}, "timeModified: '2024-12-01T00:00:00' is not a date-time"),
    ({"timeModified": "2024-1-5 00:00:00"}, "is not a date-time"),
    ({"_Document_%20_Date": "yesterday"}, "_Document_%20_Date: 'yesterday' is not a date-time"),
    ({"_Department": 7}, "_Department: 7 is not an option order of this column (1 to 6)"),
    ({"_Department": 0}, "_Department: 0 is not an option order"),
    ({"_Department": "Finance"}, "'Finance' is not an option order (a whole number)"),
    ({"_Department": True}, "is not an option order"),
    ({"_Regions": "1,3"}, "_Regions: '1,3' is not a list of option orders such as [1,3]"),
    ({"_Regions": "[1,9]"}, "_Regions: 9 is not an option order of this column (1 to 5)"),
    ({"_Regions": [1, 3]}, "is not a list of option orders"),
    ({"_Record_%20_Owner": "ann@contoso.com"}, "is not a list of email addresses"),
    ({"_Record_%20_Owner": "[ann@contoso.com,not-an-address]"}, "'not-an-address' is not an email address"),
    ({"_Record_%20_Owner": "[]"}, "the list of email addresses is empty"),
    ({"Contract%20_Value": "twelve"}, "Contract%20_Value: 'twelve' is not a number"),
    ({"Contract%20_Value": "NaN"}, "is not a finite number"),
    ({"Contract%20_Value": False}, "is not a number"),
    ({"_Vendor_%20_Name": "two\nlines"}, "_Vendor_%20_Name: single-line text holds a line break"),
    ({"_Vendor_%20_Name": 42}, "_Vendor_%20_Name: 42 is not text"),
    ({"termFullPath": "Finance/Petty Cash"}, "'Finance/Petty Cash' is not the full path of a term in Opus"),
    ({"_Business_%20_Area": "Finance//Payables"}, "is not a term's full path"),
    ({"Shoe_%20_Size": "42"}, "Shoe_%20_Size: the connection has no such column"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_VALUES)
def test_each_wire_rule_fails_the_record_with_a_message(emu, post_records, changes: dict[str, Any], message: str) -> None:
    response = post_records([make_record(1, **changes), make_record(2)])
    assert response.status_code == 418
    [failed] = response.json()["failedItems"]
    assert failed["item"]["leafName"] == make_record(1, **changes).get("leafName")
    assert message in failed["message"]
    assert [r.row_key for r in emu.records()] == ["R-00002"]


def test_every_problem_of_a_record_is_named_in_one_message(post_records) -> None:
    response = post_records([make_record(1, _Department=8, timeCreated="soon", Unknown="x")])
    message = response.json()["failedItems"][0]["message"]
    assert "_Department" in message and "timeCreated" in message and "Unknown" in message


def test_a_record_that_is_not_an_object_fails_alone(post_records) -> None:
    response = post_records(["just text", make_record(1)])
    assert response.status_code == 418
    assert response.json()["failedItems"] == [{"item": "just text", "message": "a record must be a JSON object, not str"}]


@pytest.mark.parametrize(
    "changes",
    [
        {"_Department": "2"},
        {"Contract%20_Value": "12.50"},
        {"Contract%20_Value": 7},
        {"_Regions": "[ 2 , 5 ]"},
        {"_Regions": "[]"},
        {"_Description": None, "_Vendor_%20_Name": ""},
        {"termFullPath": ...},
        {"_Record_%20_Owner": "[legal@contoso.com]"},
    ],
)
def test_valid_wire_forms_are_accepted(emu, post_records, changes: dict[str, Any]) -> None:
    response = post_records([make_record(1, **changes)])
    assert response.status_code == 201, response.text
    assert emu.record("R-00001").data == make_record(1, **changes)


def test_a_connection_in_another_date_time_format_checks_that_format(emu, api, record) -> None:
    conn = emu.create_connection(
        {"id": "7d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "data": [{"rowKey": "SingleText"}]}, datetime_format="%d/%m/%Y %H:%M"
    )
    good = record(1, timeCreated="04/03/2010 05:06", timeModified="04/03/2011 05:06")
    good = {k: v for k, v in good.items() if not k.startswith(("_", "Contract"))}
    bad = {**good, "rowKey": "R-2", "timeCreated": "2010-03-04 05:06:07"}
    response = api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [good, bad]})
    assert response.status_code == 418
    assert "format %d/%m/%Y %H:%M" in response.json()["failedItems"][0]["message"]
    assert emu.record("R-00001").due is not None


def test_choice_orders_are_only_checked_for_range_when_options_are_known(emu, api) -> None:
    conn = emu.create_connection({"id": "5e5e5e5e-1111-4222-8333-444455556666", "data": [{"_Colour": "SingleChoice"}]})
    base = {k: v for k, v in make_record(1).items() if not k.startswith(("_", "Contract"))}
    response = api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [{**base, "_Colour": 40}]})
    assert response.status_code == 201
    assert emu.record("R-00001").data["_Colour"] == 40
    zero = api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [{**base, "rowKey": "R-2", "_Colour": 0}]})
    assert zero.status_code == 418
    assert "_Colour: 0 is not an option order of this column (1 or more)" in zero.json()["failedItems"][0]["message"]


def test_a_date_alone_in_a_date_time_column_is_midnight_given_back_in_the_full_format(emu, post_records, get_due) -> None:
    response = post_records([make_record(1, **{"_Document_%20_Date": "2010-03-01"})])
    assert response.status_code == 201, response.text
    [item] = get_due().json()["queriedItems"]
    assert item["_Document_%20_Date"] == "2010-03-01 00:00:00"
    assert emu.record("R-00001").data["_Document_%20_Date"] == "2010-03-01 00:00:00"


@pytest.mark.parametrize(
    "value",
    [
        "2010-03-01 12",
        "2010-03-01 12:00",
        "2010-3-1",
        "2010-02-30",
        "2010-03-01T00:00:00",
        "05:06:07",
        "01/03/2010",
        "2010-03-01 ",
    ],
)
def test_a_date_time_column_still_refuses_what_is_neither_its_format_nor_its_date_alone(emu, post_records, value: str) -> None:
    response = post_records([make_record(1, **{"_Document_%20_Date": value})])
    assert response.status_code == 418
    expected = f"_Document_%20_Date: {value!r} is not a date-time in the format %Y-%m-%d %H:%M:%S (or its date alone, %Y-%m-%d)"
    assert response.json()["failedItems"][0]["message"] == expected
    assert emu.records() == []


@pytest.mark.parametrize("column", ["timeCreated", "timeModified"])
def test_the_built_in_times_need_the_full_format(emu, post_records, column: str) -> None:
    response = post_records([make_record(1, **{column: "2010-03-04"})])
    assert response.status_code == 418
    assert (
        response.json()["failedItems"][0]["message"]
        == f"{column}: '2010-03-04' is not a date-time in the format %Y-%m-%d %H:%M:%S"
    )


@pytest.mark.parametrize(
    ("fmt", "alone", "given_back"),
    [("%d/%m/%Y %H:%M", "04/03/2021", "04/03/2021 00:00"), ("%m/%d/%Y %I:%M %p", "03/04/2021", "03/04/2021 12:00 AM")],
)
def test_a_date_alone_follows_the_connections_own_format(emu, api, fmt: str, alone: str, given_back: str) -> None:
    conn = emu.create_connection(
        {"id": "3c2b1a09-8f7e-4d6c-9b5a-41302f1e0d9c", "data": [{"rowKey": "SingleText", "_Signed_%20_On": "DateTime"}]},
        datetime_format=fmt,
    )
    times = dt.datetime(2010, 3, 4, 5, 6).strftime(fmt)
    base = {"rowKey": "C-1", "leafName": "c.pdf", "timeCreated": times, "timeModified": times}
    base |= {"createdBy": "ann@contoso.com", "modifiedBy": "ann@contoso.com", "termFullPath": "Legal/Contracts"}
    response = api.post(RECORDS, json={"id": conn.id, "conflictOption": "Skip", "data": [{**base, "_Signed_%20_On": alone}]})
    assert response.status_code == 201, response.text
    query = {"id": conn.id, "disposalDueDate": "2030-01-01T00:00:00", "itemsPerPage": 10}
    [item] = api.get(RECORDS, params=query).json()["queriedItems"]
    assert item["_Signed_%20_On"] == given_back


def test_the_older_api_takes_a_date_alone_too(emu, api, conn) -> None:
    body = {"id": conn.id, "conflictOption": "Skip", "data": [make_record(1, **{"_Document_%20_Date": "2010-03-01"})]}
    assert api.post("/api/connector/SubmitRecords", json=body).status_code == 201
    assert emu.record("R-00001").data["_Document_%20_Date"] == "2010-03-01 00:00:00"


def test_problem_details_name_each_failed_field_of_each_record_and_nothing_is_stored(emu, post_records) -> None:
    emu.answer_shape = "problem"
    response = post_records([make_record(1), make_record(2, _Department=9, timeCreated="soon"), "text"])
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == {
        "data[1].timeCreated": ["'soon' is not a date-time in the format %Y-%m-%d %H:%M:%S"],
        "data[1]._Department": ["9 is not an option order of this column (1 to 6)"],
        "data[2]": ["a record must be a JSON object, not str"],
    }
    assert emu.records() == []  # refused as a whole
    assert post_records([make_record(1)]).status_code == 201


def test_problem_details_name_the_field_of_a_malformed_request(emu, api, conn) -> None:
    emu.answer_shape = "problem"
    response = api.post(RECORDS, json={"id": conn.id, "data": [make_record(1)]})
    assert response.json()["errors"] == {
        "conflictOption": ["conflictOption (or confilictOption) is required: 'Overwrite' or 'Skip'"]
    }
    due = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 101})
    assert (due.status_code, due.json()["errors"]) == (
        400,
        {"itemsPerPage": ["itemsPerPage must be a whole number from 0 to 100"]},
    )


def test_submits_failed_items_keep_their_documented_shape_whatever_the_destroy_shape(emu, post_records) -> None:
    emu.answer_shape = "objects"
    response = post_records([make_record(1, _Department=9)])
    assert response.json()["failedItems"] == [
        {"item": make_record(1, _Department=9), "message": "_Department: 9 is not an option order of this column (1 to 6)"}
    ]
