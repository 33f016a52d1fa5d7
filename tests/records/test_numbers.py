"""Number columns: whole numbers beyond 2**53 go exactly, numpy scalars read as numbers, the fast path stays."""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.records._schema import RULES
from tests.helpers.rows import frame, good_row, sheet

VALUE = "Contract%20_Value"
BIG = 2**53 + 1  # 9007199254740993: the first whole number a float64 cannot hold


def _sent(conn: opus.Connection, df: pd.DataFrame) -> list[Any]:
    return [record.get(VALUE) for record in opus.to_records(df, conn)]


EXACT: dict[str, tuple[Any, int]] = {
    "python int": (BIG, BIG),
    "negative python int": (-BIG, -BIG),
    "text": ("9007199254740993", BIG),
    "text with spaces and a sign": (" +9007199254740993 ", BIG),
    "negative text": ("-9007199254740993", -BIG),
    "text with a zero fraction": ("9007199254740993.0", BIG),
    "numpy int64": (np.int64(2**62 + 1), 2**62 + 1),
    "numpy uint64": (np.uint64(2**64 - 1), 2**64 - 1),
    "largest int64": (2**63 - 1, 2**63 - 1),
}


@pytest.mark.parametrize("value, expected", EXACT.values(), ids=EXACT.keys())
def test_whole_numbers_beyond_2_53_are_sent_exactly_as_json_integers(conn: opus.Connection, value: Any, expected: int) -> None:
    [sent] = _sent(conn, frame(good_row(**{"Contract Value": value})))
    assert type(sent) is int
    assert sent == expected


def test_an_int64_column_beyond_2_53_is_sent_exactly(conn: opus.Connection) -> None:
    df = sheet(3)
    df["Contract Value"] = pd.Series([BIG, 2**62 + 3, 5], dtype="int64")
    assert _sent(conn, df) == [BIG, 2**62 + 3, 5]


def test_a_column_mixing_big_and_ordinary_numbers_keeps_each_exact(conn: opus.Connection) -> None:
    df = sheet(
        4,
        r0={"Contract Value": "9007199254740995"},
        r1={"Contract Value": "12.25"},
        r2={"Contract Value": 7},
        r3={"Contract Value": None},
    )
    assert _sent(conn, df) == [9007199254740995, 12.25, 7, None]


NUMPY_SCALARS: dict[str, tuple[Any, Any]] = {
    "float64": (np.float64(1.5), 1.5),
    "float32": (np.float32(0.5), 0.5),
    "int64": (np.int64(7), 7),
    "int8": (np.int8(-3), -3),
    "whole float64": (np.float64(12.0), 12),
    "decimal": (decimal.Decimal("2.50"), 2.5),
}


@pytest.mark.parametrize("value, expected", NUMPY_SCALARS.values(), ids=NUMPY_SCALARS.keys())
def test_numpy_scalars_and_decimals_in_an_object_column_read_as_numbers(conn: opus.Connection, value: Any, expected: Any) -> None:
    report = opus.validate(frame(good_row(**{"Contract Value": value})), conn)
    assert report.ok, report.errors
    [sent] = _sent(conn, report.valid)
    assert sent == expected and type(sent) is type(expected)


@pytest.mark.parametrize("value", [np.bool_(True), True, b"5", ["5"]])
def test_booleans_bytes_and_lists_are_not_numbers(conn: opus.Connection, value: Any) -> None:
    report = opus.validate(frame(good_row(**{"Contract Value": value})), conn)
    assert report.errors["rule"].tolist() == ["number"]


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, "1" + "0" * 25])
def test_whole_numbers_beyond_64_bits_are_reported_not_rounded(conn: opus.Connection, value: Any) -> None:
    report = opus.validate(sheet(2, r1={"Contract Value": value}), conn)
    error = report.errors.iloc[0]
    assert len(report.errors) == 1
    assert (error["row"], error["rule"]) == (1, "number_range")
    assert "64-bit" in error["message"]
    assert RULES["number_range"]


def test_ordinary_float_columns_keep_their_values(conn: opus.Connection) -> None:
    df = sheet(3)
    df["Contract Value"] = pd.Series([1.25, 3.0, np.nan])
    assert _sent(conn, df) == [1.25, 3, None]
    assert type(_sent(conn, df)[1]) is int
