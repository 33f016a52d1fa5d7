"""One definition of a blank cell (`opus_nb.records.is_blank`), held to by the validator's vectorised reading,
its messages and its HTML report; a signalling Decimal NaN is a report row under its column's rule."""

from __future__ import annotations

import decimal
import re

import numpy as np
import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.records import is_blank
from tests.helpers import SAMPLES
from tests.helpers.rows import frame, good_row

CONN = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")

BLANK = [
    None,
    float("nan"),
    np.float64("nan"),
    pd.NaT,
    np.datetime64("NaT"),
    pd.NA,
    decimal.Decimal("NaN"),
    "",
    "   ",
    "\t\n",
    "\u3000",
]
NOT_BLANK = ["NA", "N/A", "null", "None", "nan", "#N/A", "0", 0, 0.0, False, (), [], decimal.Decimal("sNaN"), "x"]


@pytest.mark.parametrize("value", BLANK, ids=repr)
def test_blank_cells(value: object) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", NOT_BLANK, ids=repr)
def test_cells_that_are_not_blank(value: object) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize("dtype", [object, "str"])
def test_the_validator_finds_a_required_cell_missing_exactly_where_is_blank_says(dtype: object) -> None:
    cells = [c for c in BLANK + NOT_BLANK if dtype == object or isinstance(c, str) or c is None]
    rows = [good_row(**{"Row key": f"K{i}"}) for i in range(len(cells))]
    sheet = frame(*rows).astype({"Name": object})
    sheet["Name"] = pd.Series(cells, dtype=object).astype(dtype)
    report = sheet.opus.validate(CONN)
    missing = report.errors.loc[report.errors["rule"] == "required", "row"].tolist()
    assert missing == [i for i, c in enumerate(cells) if is_blank(c)]


def test_a_cell_of_spaces_shows_as_blank_where_the_report_shows_values() -> None:
    sheet = frame(good_row(Name="   "), good_row(**{"Row key": "INV-2", "Name": decimal.Decimal("NaN")}))
    report = sheet.opus.validate(CONN)
    assert report.errors["rule"].tolist() == ["required", "required"]
    names = re.search(r"Name &mdash; 2 problem.*?</tr>.*?</tr>", report._repr_html_(), re.S)
    assert names is not None and "<code>(blank)</code> &times;2" in names.group(0), "both are blank, as the validator read them"


SNAN = decimal.Decimal("sNaN")
EXPECTED = {
    "Row key": "text",
    "Name": "text",
    "Vendor Name": "text",
    "Description": "text",
    "Created time": "datetime",
    "Document Date": "datetime",
    "Contract Value": "number",
    "Department": "choice",
    "Regions": "choices",
    "Record Owner": "email",
    "Classification": "text",
    "Business Area": "text",
}


@pytest.mark.parametrize("column", list(EXPECTED))
def test_a_signalling_nan_is_reported_under_its_column_s_rule(column: str) -> None:
    report = frame(good_row(**{column: SNAN}), good_row(**{"Row key": "INV-2"})).opus.validate(CONN)
    assert report.errors[["row", "column", "rule"]].values.tolist() == [[0, column, EXPECTED[column]]]
    assert report.errors["message"].iloc[0].startswith("sNaN ")
    assert report.valid["Row key"].tolist() == ["INV-2"]
