"""Encoding valid rows as the submit API expects: keys are internal names, choices are orders,
lists are bracketed, date-times follow the connection's format, numbers are JSON numbers, and blank
optional values are left out."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import opus_nb as opus
from opus_nb.records._encode import Encoded, Records
from tests.helpers import SAMPLES
from tests.helpers.rows import GUID, frame, good_row, sheet


def _record(conn: opus.Connection, **changes: Any) -> dict[str, Any]:
    records = opus.to_records(frame(good_row(**changes)), conn)
    assert len(records) == 1
    return records[0]


def test_record_is_keyed_by_internal_names_with_every_type_encoded(conn: opus.Connection) -> None:
    assert _record(conn) == {
        "rowKey": "INV-0001",
        "leafName": "Invoice 1.pdf",
        "termFullPath": "Finance/Accounts Payable",
        "timeCreated": "2021-03-04 10:30:00",
        "timeModified": "2021-03-05 11:00:00",
        "createdBy": "ann@contoso.com",
        "modifiedBy": "bob@contoso.com",
        "_Vendor_%20_Name": "Northwind",
        "_Description": "first line\nsecond line",
        "_Document_%20_Date": "2021-03-01 00:00:00",
        "_Department": 1,
        "_Regions": "[2,3]",
        "_Record_%20_Owner": "[ann@contoso.com]",
        "Contract%20_Value": 1200.5,
        "_Business_%20_Area": "Finance/Invoices",
    }


@pytest.mark.parametrize("raw, order", [("Finance", 1), ("sales", 6), (" IT ", 5), ("2", 2), (4, 4)])
def test_single_choice_is_sent_as_its_order(conn: opus.Connection, raw: Any, order: int) -> None:
    value = _record(conn, Department=raw)["_Department"]
    assert value == order and type(value) is int


@pytest.mark.parametrize(
    "raw, wire",
    [
        ("Europe", "[2]"),
        ("Asia Pacific; north america", "[3,1]"),
        ("[1,3]", "[1,3]"),
        (["Latin America", 2], "[4,2]"),
        ("Europe; Middle East, Africa", "[2,5]"),
        ("1;1;North America", "[1]"),
    ],
)
def test_multiple_choice_is_sent_as_bracketed_orders(conn: opus.Connection, raw: Any, wire: str) -> None:
    assert _record(conn, Regions=raw)["_Regions"] == wire


@pytest.mark.parametrize(
    "raw, wire",
    [
        ("ann@contoso.com", "[ann@contoso.com]"),
        ("ann@contoso.com; legal@contoso.com", "[ann@contoso.com,legal@contoso.com]"),
        ("Lee, Ann <ann@x.com>; b@y.org", "[ann@x.com,b@y.org]"),
        (["Ann <ann@x.com>", "b@y.org"], "[ann@x.com,b@y.org]"),
    ],
)
def test_people_are_sent_as_bracketed_addresses(conn: opus.Connection, raw: Any, wire: str) -> None:
    assert _record(conn, **{"Record Owner": raw})["_Record_%20_Owner"] == wire


@pytest.mark.parametrize(
    "raw, number", [(" 12.50 ", 12.5), ("7", 7), (7.0, 7), (-3, -3), ("0.1", 0.1), (2.0**52, 2**52), (1e20, 1e20)]
)
def test_numbers_are_json_numbers_and_whole_numbers_within_float_precision_are_ints(
    conn: opus.Connection, raw: Any, number: Any
) -> None:
    value = _record(conn, **{"Contract Value": raw})["Contract%20_Value"]
    assert value == number
    assert type(value) is type(number)


def test_date_times_are_written_in_the_connections_format() -> None:
    conn = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", datetime_format="%d/%m/%Y %H:%M")
    record = _record(conn, **{"Created time": "4 March 2021 2:30 PM", "Modified time": 44259.75})
    assert record["timeCreated"] == "04/03/2021 14:30"
    assert record["timeModified"] == "04/03/2021 18:00"


@pytest.mark.parametrize(
    "column, internal",
    [
        ("Classification", "termFullPath"),
        ("Vendor Name", "_Vendor_%20_Name"),
        ("Description", "_Description"),
        ("Document Date", "_Document_%20_Date"),
        ("Department", "_Department"),
        ("Regions", "_Regions"),
        ("Record Owner", "_Record_%20_Owner"),
        ("Contract Value", "Contract%20_Value"),
        ("Business Area", "_Business_%20_Area"),
    ],
)
@pytest.mark.parametrize("blank", [None, np.nan, "", "  "])
def test_blank_optional_value_is_left_out(conn: opus.Connection, column: str, internal: str, blank: Any) -> None:
    record = _record(conn, **{column: blank})
    assert internal not in record
    assert "rowKey" in record


def test_columns_the_sheet_does_not_have_are_left_out(conn: opus.Connection) -> None:
    row = {k: v for k, v in good_row().items() if k not in ("Regions", "Business Area")}
    record = opus.to_records(frame(row), conn)[0]
    assert "_Regions" not in record and "_Business_%20_Area" not in record


def test_records_survive_a_json_round_trip(conn: opus.Connection) -> None:
    records = opus.to_records(sheet(5), conn)
    assert json.loads(json.dumps(records)) == records


def test_encoding_any_invalid_row_raises_validation_failed_with_the_report(conn: opus.Connection) -> None:
    df = sheet(3, r2={"Department": "Nope"})
    with pytest.raises(opus.ValidationFailed) as caught:
        opus.to_records(df, conn)
    report = caught.value.report
    assert report.errors[["row", "rule"]].values.tolist() == [[2, "choice"]]
    assert "Department" in str(caught.value)
    with pytest.raises(opus.ValidationFailed):
        next(opus.iter_records(df, conn))


def test_valid_rows_of_a_report_encode(conn: opus.Connection) -> None:
    df = sheet(3, r1={"Regions": "Mars"})
    report = df.opus.validate(conn)
    records = report.valid.opus.to_records(conn)
    assert [r["rowKey"] for r in records] == ["INV-0000", "INV-0002"]
    assert records == opus.to_records(df.drop(index=1), conn)


def test_accessor_and_function_give_the_same_records(conn: opus.Connection) -> None:
    df = sheet(4)
    assert df.opus.to_records(conn) == opus.to_records(df, conn)
    assert [r for chunk in df.opus.iter_records(conn, chunk_size=3) for r in chunk] == opus.to_records(df, conn)


@pytest.mark.parametrize("chunk_size, sizes", [(1, [1] * 5), (2, [2, 2, 1]), (5, [5]), (100, [5])])
def test_iter_records_yields_chunks_of_the_given_size_in_row_order(
    conn: opus.Connection, chunk_size: int, sizes: list[int]
) -> None:
    df = sheet(5, r3={"Department": None})
    chunks = list(opus.iter_records(df, conn, chunk_size=chunk_size))
    assert [len(c) for c in chunks] == sizes
    flat = [r for c in chunks for r in c]
    assert [r["rowKey"] for r in flat] == [f"INV-{i:04d}" for i in range(5)]
    assert "_Department" not in flat[3] and flat[2]["_Department"] == 1


def test_empty_sheet_encodes_to_no_records(conn: opus.Connection) -> None:
    assert opus.to_records(sheet(0).reindex(columns=list(good_row())), conn) == []


def test_report_batches_are_labelled_records_of_at_most_fifteen(conn: opus.Connection) -> None:
    df = sheet(32, r5={"Name": ""})
    df.index = [f"row{i}" for i in range(32)]
    batches = list(opus.validate(df, conn).batches(15))
    assert [len(records) for _, records in batches] == [15, 15, 1]
    labels = [label for index, _ in batches for label in index]
    assert labels == [f"row{i}" for i in range(32) if i != 5]
    first_index, first_records = batches[0]
    assert [r["rowKey"] for r in first_records] == [f"INV-{int(label[3:]):04d}" for label in first_index]


def test_explicit_connection_encodes_with_its_own_options() -> None:
    conn = opus.load_connection(
        {
            "id": GUID,
            "columns": [
                {"internalName": "_Status", "type": "SingleChoice", "displayName": "Status", "choices": ["Open", "Closed"]}
            ],
        }
    )
    row = {
        k: v
        for k, v in good_row().items()
        if k in ("Row key", "Name", "Created time", "Modified time", "Created by", "Modified by")
    }
    assert opus.to_records(frame(row | {"Status": "closed"}), conn)[0]["_Status"] == 2


def test_records_are_assembled_for_any_key_text_without_it_reaching_generated_code() -> None:
    from opus_nb.records._encode import assemble

    odd = ["_Vendor_%20_Name", "a'}]; __import__('os')._exit(3) #", "{k0: v0}", "ünïcode key", ""]
    columns = {key: np.array([f"{i}-{n}" for n in range(3)], dtype=object) for i, key in enumerate(odd)}
    blanks = {key: np.array([False, key == "", False]) for key in odd}
    [(chunk, records)] = list(assemble(columns, blanks, np.arange(3), 10))
    assert chunk.tolist() == [0, 1, 2]
    assert records[0] == {key: f"{i}-0" for i, key in enumerate(odd)}
    assert "" not in records[1] and records[1][odd[1]] == "1-1"


def test_records_are_made_a_block_at_a_time_when_first_read() -> None:
    key = Encoded(np.array([f"k{i}" for i in range(7)], dtype=object), np.zeros(7, dtype=bool))
    note = Encoded(np.array(["x", None, "z", None, "v", "w", None], dtype=object), np.array([0, 1, 0, 1, 0, 0, 1], dtype=bool))
    records = Records({"rowKey": key, "note": note}, np.array([0, 2, 3, 5, 6]), block=2)
    assert list(records) == [0, 2, 3, 5, 6] and len(records) == 5
    assert 1 not in records and 3 in records
    with pytest.raises(KeyError):
        records[1]  # not a row to send
    assert records[3] == {"rowKey": "k3"}  # the blank note is left out; blocks [0, 2] and [3, 5] made
    assert records.make_next()  # the last block, [6]
    assert not records.make_next()
    assert dict(records) == {
        0: {"rowKey": "k0", "note": "x"},
        2: {"rowKey": "k2", "note": "z"},
        3: {"rowKey": "k3"},
        5: {"rowKey": "k5", "note": "w"},
        6: {"rowKey": "k6"},
    }
    assert records.column("note") is note and records.column("nothing") is None
