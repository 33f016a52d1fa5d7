"""Text columns take text: lone surrogates and non-text objects are report rows, never crashes or reprs."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import opus_nb as opus
from opus_nb._exports import write_table
from opus_nb.records._schema import RULES
from tests.helpers.rows import frame, good_row, sheet

TEXT_COLUMNS = ["Vendor Name", "Description", "Business Area", "Name"]


def _only_error(report: opus.ValidationReport) -> pd.Series:
    assert len(report.errors) == 1, report.errors
    return report.errors.iloc[0]


def test_text_rule_is_registered_with_a_meaning() -> None:
    assert RULES["text"]


@pytest.mark.parametrize("column", TEXT_COLUMNS + ["Row key", "Classification"])
def test_a_lone_surrogate_in_a_text_cell_is_a_report_row(conn: opus.Connection, column: str) -> None:
    value = "Finance/Accounts Payable\ud800" if column in ("Business Area", "Classification") else "North\ud800wind"
    report = opus.validate(sheet(3, r1={column: value}), conn)
    error = _only_error(report)
    assert (error["row"], error["column"], error["rule"]) == (1, column, "text")
    assert error["value"] == value.replace("\ud800", "\\ud800")
    assert "surrogate" in error["message"]
    assert report.n_invalid == 1
    assert len(opus.to_records(report.valid, conn)) == 2


def test_a_report_holding_a_lone_surrogate_can_be_shown_and_written(conn: opus.Connection, tmp_path: Path) -> None:
    report = opus.validate(sheet(2, r1={"Vendor Name": "North\ud800wind"}), conn)
    assert "North\\ud800wind" in report._repr_html_()
    write_table(report.errors, tmp_path / "errors.xlsx")
    written = write_table(report.errors, tmp_path / "errors.csv").read_text(encoding="utf-8")
    assert "North\\ud800wind" in written


NOT_TEXT: dict[str, Any] = {
    "list": ["a", "b"],
    "tuple": ("a",),
    "bytes": b"Northwind",
    "dict": {"name": "Northwind"},
    "set": {"Northwind"},
    "object": object(),
    "timedelta": dt.timedelta(days=2),
    "pandas timedelta": pd.Timedelta(days=2),
    "array": np.array(["a"]),
}


@pytest.mark.parametrize("column", TEXT_COLUMNS)
@pytest.mark.parametrize("value", NOT_TEXT.values(), ids=NOT_TEXT.keys())
def test_non_text_objects_in_text_columns_are_report_rows(conn_without_terms: opus.Connection, column: str, value: Any) -> None:
    report = opus.validate(sheet(2, r0={column: value}), conn_without_terms)
    error = _only_error(report)
    assert (error["row"], error["column"], error["rule"]) == (0, column, "text")
    assert type(value).__name__ in error["message"]
    assert report.n_invalid == 1


TEXT_LIKE: dict[str, tuple[Any, str]] = {
    "int": (1001, "1001"),
    "whole float": (1001.0, "1001"),
    "numpy int": (np.int64(7), "7"),
    "numpy float": (np.float64(1.5), "1.5"),
    "decimal": (decimal.Decimal("2.50"), "2.50"),
    "timestamp": (pd.Timestamp("2021-03-04 10:30"), "2021-03-04 10:30:00"),
    "text": (" Northwind ", "Northwind"),
}


@pytest.mark.parametrize("value, expected", TEXT_LIKE.values(), ids=TEXT_LIKE.keys())
def test_numbers_and_dates_in_text_columns_still_read_as_their_text(conn: opus.Connection, value: Any, expected: str) -> None:
    report = opus.validate(frame(good_row(**{"Vendor Name": value})), conn)
    assert report.ok, report.errors
    assert report.valid_internal["_Vendor_%20_Name"].iloc[0] == expected


@pytest.mark.parametrize("key", [True, False, np.bool_(True), 1.5, pd.Timestamp("2021-01-01"), ["INV-1"], b"INV-1", object()])
def test_a_row_key_that_is_not_text_or_a_whole_number_is_reported(conn: opus.Connection, key: Any) -> None:
    report = opus.validate(sheet(2, r1={"Row key": key}), conn)
    error = _only_error(report)
    assert (error["row"], error["column"], error["rule"]) == (1, "Row key", "text")
    assert "row key" in error["message"]


@pytest.mark.parametrize("key, expected", [(1001, "1001"), (1001.0, "1001"), (np.int64(5), "5"), ("INV-9", "INV-9")])
def test_row_keys_that_are_text_or_whole_numbers_pass(conn: opus.Connection, key: Any, expected: str) -> None:
    report = opus.validate(frame(good_row(**{"Row key": key})), conn)
    assert report.ok, report.errors
    assert opus.to_records(report.valid, conn)[0]["rowKey"] == expected


def test_a_boolean_row_key_column_is_reported_on_every_row(conn: opus.Connection) -> None:
    df = sheet(2)
    df["Row key"] = pd.Series([True, False], dtype=bool)
    report = opus.validate(df, conn)
    assert report.errors["rule"].tolist() == ["text", "text"]
