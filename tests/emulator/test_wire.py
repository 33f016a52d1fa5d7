"""The server's record checks on their own: any JSON value gives a message or None, never an exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from opus_nb.emulator.paging import BadToken, Pager, Position
from opus_nb.emulator.wire import RecordChecker, date_part, parse_time
from opus_nb.records._connection import load_connection

from .records import SAMPLES, make_record

CONN = load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json")
CHECK = RecordChecker(CONN, term_paths=frozenset({"Finance/Accounts Payable"}))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(column=st.sampled_from([c.internal_name for c in CONN.columns] + ["Unknown"]), value=JSON)
def test_any_value_in_any_column_is_judged_without_raising(column: str, value: Any) -> None:
    verdict = CHECK(make_record(1, **{column: value}))
    assert verdict is None or (isinstance(verdict, str) and verdict)


@settings(max_examples=100, deadline=None)
@given(record=JSON)
def test_any_json_as_a_record_is_judged_without_raising(record: Any) -> None:
    verdict = CHECK(record)
    assert verdict is not None or isinstance(record, dict)


def test_the_sample_record_passes() -> None:
    assert CHECK(make_record(1)) is None


@settings(max_examples=100)
@given(st.datetimes(min_value=dt.datetime(1000, 1, 1)))
def test_parse_time_reads_back_what_the_format_writes(value: Any) -> None:
    value = value.replace(microsecond=0)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p"):
        parsed = parse_time(value.strftime(fmt), fmt)
        assert parsed is not None
        assert parsed.strftime(fmt) == value.strftime(fmt)


@settings(max_examples=100)
@given(st.text(max_size=40))
def test_paging_tokens_are_either_ours_or_refused(text: str) -> None:
    pager = Pager(b"0" * 32)
    try:
        position = pager.decode(text)
    except BadToken:
        return
    assert pager.encode(position) == text


def test_a_paging_token_round_trips() -> None:
    pager = Pager(b"1" * 32)
    pos = Position("6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f", "2030-01-01 00:00:00", 10, 99)
    assert pager.decode(pager.encode(pos)) == pos


def test_each_distinct_value_is_judged_once_but_by_its_type_too() -> None:
    assert CHECK(make_record(1, _Department=1)) is None
    assert CHECK(make_record(2, _Department=1)) is None
    assert "is not an option order (a whole number)" in (CHECK(make_record(3, _Department=True)) or "")
    assert "is not an option order (a whole number)" in (CHECK(make_record(4, _Department=1.0)) or "")
    assert "is not a list of option orders" in (CHECK(make_record(5, _Regions=[1, 3])) or "")


def test_parse_time_reads_formats_whose_fields_come_in_any_order() -> None:
    assert parse_time("19/12/2024 18:15", "%d/%m/%Y %H:%M") == dt.datetime(2024, 12, 19, 18, 15)
    assert parse_time("12-2024", "%m-%Y") == dt.datetime(2024, 12, 1)
    assert parse_time("31/02/2024 00:00", "%d/%m/%Y %H:%M") is None
    assert parse_time("19/12/24 18:15", "%d/%m/%Y %H:%M") is None


DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%S", "%H:%M, %d %b %Y")
CHECKS = {
    fmt: RecordChecker(load_connection({"id": CONN.id, "data": [{"_Signed_%20_On": "DateTime"}]}, datetime_format=fmt))
    for fmt in DATE_FORMATS
}


@given(day=st.dates(min_value=dt.date(1000, 1, 1)), fmt=st.sampled_from(DATE_FORMATS))
def test_a_date_alone_passes_and_is_completed_as_midnight_in_the_full_format(day: dt.date, fmt: str) -> None:
    check, date_fmt = CHECKS[fmt], date_part(fmt)
    assert date_fmt is not None
    times = dt.datetime(2020, 1, 2, 3, 4).strftime(fmt)
    base = {
        "rowKey": "r",
        "leafName": "n",
        "timeCreated": times,
        "timeModified": times,
        "createdBy": "a@b.co",
        "modifiedBy": "a@b.co",
    }
    record = {**base, "_Signed_%20_On": day.strftime(date_fmt)}
    assert check(record) is None
    assert check.completed(record) == {**base, "_Signed_%20_On": dt.datetime.combine(day, dt.time()).strftime(fmt)}
    assert check.completed(base) is base


def test_the_date_part_of_a_format_is_its_date_fields_and_what_lies_between() -> None:
    assert date_part("%Y-%m-%d %H:%M:%S") == "%Y-%m-%d"
    assert date_part("%H:%M, %d %b %Y") == "%d %b %Y"
    assert date_part("%Y-%m-%d") is None  # a date already
    assert date_part("%Y %H %m") is None  # date and time interleaved: no date alone
    assert date_part("%c") is None
