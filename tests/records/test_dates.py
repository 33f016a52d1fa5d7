"""Reading date-times as sheets hold them, and writing them in the connection's format."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opus_nb.records._dates import format_datetimes, parse_datetimes


def _one(value: Any) -> tuple[Any, bool, bool]:
    values, unreadable, ambiguous = parse_datetimes(pd.Series([value], dtype=object))
    return values.iloc[0], bool(unreadable[0]), bool(ambiguous[0])


READABLE = [
    ("2021-03-04", "2021-03-04 00:00"),
    ("2021-3-4", "2021-03-04 00:00"),
    (" 2021-03-04 ", "2021-03-04 00:00"),
    ("2021-03-04 10:30", "2021-03-04 10:30"),
    ("2021-03-04T10:30:15", "2021-03-04 10:30:15"),
    ("2021-03-04T10:30:00Z", "2021-03-04 10:30"),
    ("2021-03-04 10:30:00+02:00", "2021-03-04 08:30"),
    ("4 March 2021", "2021-03-04 00:00"),
    ("4 march 2021", "2021-03-04 00:00"),
    ("4 Mar 2021", "2021-03-04 00:00"),
    ("4-Mar-2021", "2021-03-04 00:00"),
    ("March 4, 2021", "2021-03-04 00:00"),
    ("MARCH 4, 2021", "2021-03-04 00:00"),
    ("March 4, 2021 2:30 PM", "2021-03-04 14:30"),
    ("Mar 4 2021", "2021-03-04 00:00"),
    ("Thursday, March 4, 2021", "2021-03-04 00:00"),
    ("2021/03/04", "2021-03-04 00:00"),
    ("2021.03.04", "2021-03-04 00:00"),
    ("25/12/2023", "2023-12-25 00:00"),
    ("12/25/2023", "2023-12-25 00:00"),
    ("25.12.2023", "2023-12-25 00:00"),
    ("25-12-2023", "2023-12-25 00:00"),
    ("25/12/2023 14:30", "2023-12-25 14:30"),
    ("25/12/2023 2:30 PM", "2023-12-25 14:30"),
    ("03/03/2021", "2021-03-03 00:00"),
    ("44259", "2021-03-04 00:00"),
    ("44259.4375", "2021-03-04 10:30"),
    (44259.4375, "2021-03-04 10:30"),
    (44259, "2021-03-04 00:00"),
    (np.float64(44259.5), "2021-03-04 12:00"),
    (dt.datetime(2021, 3, 4, 10, 30), "2021-03-04 10:30"),
    (dt.date(2021, 3, 4), "2021-03-04 00:00"),
    (pd.Timestamp("2021-03-04 10:30"), "2021-03-04 10:30"),
    (pd.Timestamp("2021-03-04 19:30", tz="Asia/Tokyo"), "2021-03-04 10:30"),
    (np.datetime64("2021-03-04T10:30"), "2021-03-04 10:30"),
    ("9999-12-31", "9999-12-31 00:00"),
    ("1 January 1600", "1600-01-01 00:00"),
]


@pytest.mark.parametrize("raw, expected", READABLE, ids=[repr(r) for r, _ in READABLE])
def test_readable_date_time_is_parsed(raw: Any, expected: str) -> None:
    value, unreadable, ambiguous = _one(raw)
    assert value == pd.Timestamp(expected)
    assert not unreadable and not ambiguous


@pytest.mark.parametrize("raw", ["03/04/2021", "1/2/2020", "12/11/2020 10:00", "05.06.2021"])
def test_slash_date_with_two_valid_readings_is_ambiguous(raw: str) -> None:
    value, unreadable, ambiguous = _one(raw)
    assert pd.isna(value) and ambiguous and not unreadable


UNREADABLE = [
    "soon",
    "2021-02-30",
    "13/13/2021",
    "2021-03-04 25:00",
    "0",
    "-1",
    "0.5",
    "1.5e4",
    "99999999",
    "32 March 2021",
    "March 2021 4",
    True,
    dt.time(12, 0),
    float("inf"),
]


@pytest.mark.parametrize("raw", UNREADABLE, ids=[repr(r) for r in UNREADABLE])
def test_unreadable_value_is_flagged_and_blank(raw: Any) -> None:
    value, unreadable, ambiguous = _one(raw)
    assert pd.isna(value) and unreadable and not ambiguous


@pytest.mark.parametrize("raw", [None, np.nan, pd.NaT, "", "   "])
def test_blank_is_neither_unreadable_nor_ambiguous(raw: Any) -> None:
    value, unreadable, ambiguous = _one(raw)
    assert pd.isna(value) and not unreadable and not ambiguous


def test_column_of_excel_serial_floats_is_read_as_dates() -> None:
    values, unreadable, _ = parse_datetimes(pd.Series([44259.4375, np.nan, 0.0]))
    assert values.iloc[0] == pd.Timestamp("2021-03-04 10:30")
    assert pd.isna(values.iloc[1]) and pd.isna(values.iloc[2])
    assert unreadable.tolist() == [False, False, True]


def test_datetime_column_passes_through_and_loses_its_time_zone_after_conversion_to_utc() -> None:
    series = pd.Series(pd.to_datetime(["2021-03-04 12:00", None]).tz_localize("Europe/Paris"))
    values, unreadable, ambiguous = parse_datetimes(series)
    assert values.dt.tz is None
    assert values.iloc[0] == pd.Timestamp("2021-03-04 11:00")
    assert not unreadable.any() and not ambiguous.any()


def test_pandas_string_column_is_parsed() -> None:
    values, unreadable, _ = parse_datetimes(pd.Series(["2021-03-04", None, "x"], dtype="str"))
    assert values.iloc[0] == pd.Timestamp("2021-03-04")
    assert unreadable.tolist() == [False, False, True]


def test_a_cells_reading_does_not_depend_on_its_neighbours() -> None:
    cells = ["2021-03-04", "4 March 2021", 44259, "03/04/2021", "nope", None]
    together = parse_datetimes(pd.Series(cells, dtype=object))
    for i, cell in enumerate(cells):
        alone = _one(cell)
        assert (together[1][i], together[2][i]) == alone[1:]
        assert (pd.isna(alone[0]) and pd.isna(together[0].iloc[i])) or together[0].iloc[i] == alone[0]


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("%Y-%m-%d %H:%M:%S", "2021-03-04 10:30:00"),
        ("%d/%m/%Y %H:%M", "04/03/2021 10:30"),
        ("%Y-%m-%dT%H:%M:%S", "2021-03-04T10:30:00"),
    ],
)
def test_date_times_are_written_in_the_given_format_with_none_for_blank(fmt: str, expected: str) -> None:
    text = format_datetimes(pd.Series(pd.to_datetime(["2021-03-04 10:30", None])), fmt)
    assert text.tolist() == [expected, None]


@pytest.mark.parametrize("serial, expected", [(200000.0, "2447-07-30"), (2958465, "9999-12-31"), ("150000", "2310-09-07")])
def test_excel_serials_beyond_the_nanosecond_range_are_read_not_crashed(serial: Any, expected: str) -> None:
    """Regression: serials above 106,751 days overflowed a nanosecond timedelta (OutOfBoundsTimedelta)."""
    value, unreadable, ambiguous = _one(serial)
    assert value == pd.Timestamp(expected)
    assert not unreadable and not ambiguous
    values, unreadable, _ = parse_datetimes(pd.Series([float(serial), 44259.0]))
    assert values.tolist() == [pd.Timestamp(expected), pd.Timestamp("2021-03-04")]


@given(
    stamps=st.lists(
        st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31))),
        min_size=1,
        max_size=40,
    ),
    fmt=st.sampled_from(
        [
            "%Y-%m-%d %H:%M:%S",
            "%d/%m/%Y %I:%M %p",
            "%Y-%m-%d",
            "%H:%M %d.%m.%Y",
            "%Y-%m-%dT%H:%M:%S.%f",
            "%b %d, %Y %H:%M",
            "%c",
            "%%Y %d %H",
        ]
    ),
)
def test_formatting_by_day_and_time_of_day_matches_pandas_strftime(stamps: list[dt.datetime | None], fmt: str) -> None:
    values = pd.Series(pd.to_datetime(stamps)).astype("datetime64[us]")
    expected = [None if pd.isna(v) else v for v in values.dt.strftime(fmt)]
    assert format_datetimes(values, fmt).tolist() == expected
