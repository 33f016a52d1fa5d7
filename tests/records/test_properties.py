"""Property tests: on arbitrary cell values and headers, validate and encode either work or raise one of
opus_nb's typed errors, never anything else; and what they return keeps its promises."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import opus_nb as opus
from opus_nb.records._headers import map_headers
from opus_nb.records._schema import RULES
from tests.helpers import SAMPLES
from tests.helpers.rows import good_row

CONN = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")
SHEET_RULES = {"duplicate_column"}
# Examples per test come from the Hypothesis profile (tests/conftest.py: 60 in make test, 20 in make
# test-fast); to hunt: HYPOTHESIS_PROFILE=thorough pytest tests/records/test_properties.py

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_pieces = st.sampled_from(
    [
        "Finance",
        "europe",
        " 2 ",
        "3",
        "Middle East, Africa",
        "ann@x.com",
        "Ann <a@b.co>",
        "/",
        ";",
        ",",
        "<",
        ">",
        "@",
        "\n",
        "[",
        "]",
        "03/04/2021",
        "4 March 2021",
        "44259.5",
        "Finance/Accounts Payable",
        " ",
        "inf",
        "nan",
        "1e3",
        "-0",
        "NaT",
        "None",
        "True",
    ]
)
_messy_text = st.lists(st.one_of(_pieces, _text), max_size=4).map("".join)
_scalar = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(pd.NA),
    st.just(pd.NaT),
    _messy_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
CELL = st.one_of(
    _scalar,
    st.lists(st.one_of(_messy_text, st.integers(-3, 9)), max_size=3),
    st.lists(_scalar, max_size=2).map(lambda xs: np.array(xs, dtype=object)),
    st.dictionaries(_text, _scalar, max_size=2),
    st.lists(st.lists(_messy_text, max_size=2), max_size=2),
    st.frozensets(st.integers(0, 5), max_size=2),
)


def _variants(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.upper(), name.lower(), f" {name} ", name.replace(" ", "_"), name.replace(" ", "")])


HEADER = st.one_of(
    st.sampled_from([c.display_name for c in CONN.columns] + [c.internal_name for c in CONN.columns]).flatmap(_variants),
    _text,
    st.integers(-5, 5),
    st.none(),
)


@st.composite
def sheets(draw: st.DrawFn) -> pd.DataFrame:
    """A sheet: some of the connection's columns (under any spelling), extra headers, arbitrary cells."""
    n = draw(st.integers(0, 6))
    names = [c.display_name for c in CONN.columns]
    keep = draw(st.lists(st.sampled_from(names), unique=True, min_size=0, max_size=len(names)))
    keep = draw(st.booleans()) and names or keep
    headers: list[Any] = [draw(_variants(name)) for name in keep]
    headers += draw(st.lists(HEADER, max_size=3))
    columns = {}
    for i in range(len(headers)):
        base = good_row().get(keep[i]) if i < len(keep) else None
        cells = [draw(st.one_of(CELL, st.just(base))) for _ in range(n)]
        if i < len(keep) and keep[i] == "Row key":
            cells = [draw(st.one_of(st.just(f"K{r}"), CELL)) for r in range(n)]
        columns[i] = pd.Series(cells, dtype=object)
    df = pd.DataFrame(columns, index=draw(st.sampled_from([None, "labels"])) and [f"r{r}" for r in range(n)] or None)
    if len(df.columns) == len(headers):
        df.columns = pd.Index(headers, dtype=object)
    return df


def _check_report(df: pd.DataFrame, report: opus.ValidationReport) -> None:
    errors = report.errors
    assert set(errors["rule"]) <= set(RULES) | SHEET_RULES
    rows = [r for r in errors["row"] if r is not None and not (isinstance(r, float) and math.isnan(r))]
    assert all(r in df.index for r in rows)
    assert len(report.valid) + len(report.invalid) == len(df)
    assert report.ok == errors.empty
    assert set(report.valid.index).isdisjoint(set(report.invalid.index)) or df.index.has_duplicates
    assert errors["message"].map(lambda m: isinstance(m, str) and m != "").all()
    report.summary()
    report._repr_html_()
    repr(report)


@given(df=sheets())
def test_validate_returns_a_consistent_report_or_a_typed_error_on_any_sheet(df: pd.DataFrame) -> None:
    try:
        report = opus.validate(df, CONN)
    except opus.OpusError:
        return
    _check_report(df, report)


@given(df=sheets())
def test_encode_returns_json_records_or_raises_validation_failed_on_any_sheet(df: pd.DataFrame) -> None:
    try:
        records = opus.to_records(df, CONN)
    except opus.ValidationFailed as exc:
        assert not exc.report.ok
        return
    except opus.OpusError:
        return
    internal = {c.internal_name for c in CONN.columns}
    assert len(records) == len(df)
    assert all(set(r) <= internal for r in records)
    json.dumps(records)


@given(df=sheets())
def test_valid_rows_of_any_sheet_encode_and_validate_again_unchanged(df: pd.DataFrame) -> None:
    try:
        report = opus.validate(df, CONN)
    except opus.OpusError:
        return
    labelled = [(index, records) for index, records in report.batches(15)]
    assert sum(len(r) for _, r in labelled) == len(report.valid)
    json.dumps([r for _, records in labelled for r in records])
    again = opus.validate(report.valid, CONN)
    assert again.errors[~again.errors["rule"].isin(["missing_column"])].empty or report.valid.empty
    if not report.valid.empty and again.ok:
        pd.testing.assert_frame_equal(again.valid, report.valid, check_dtype=False)


@given(headers=st.lists(HEADER, max_size=8), rename_to=st.one_of(st.none(), _text, st.sampled_from(["Name", "Regions"])))
def test_header_mapping_never_raises_anything_but_column_mapping_error(headers: list[Any], rename_to: str | None) -> None:
    rename = {headers[0]: rename_to} if headers and rename_to is not None else None
    try:
        mapping = map_headers(headers, CONN, rename)
    except opus.ColumnMappingError as exc:
        assert exc.target == str(rename_to)
        return
    placed = list(mapping.columns) + mapping.unknown + [h for hs in mapping.duplicates.values() for h in hs]
    assert sorted(map(repr, placed)) == sorted(map(repr, headers))


@given(cells=st.lists(CELL, min_size=1, max_size=5), header=HEADER)
def test_one_column_of_anything_under_any_header_never_raises_an_untyped_error(cells: list[Any], header: Any) -> None:
    df = pd.DataFrame([good_row(**{"Row key": f"K{i}"}) for i in range(len(cells))], dtype=object)
    column = pd.Series(cells, dtype=object)
    target = CONN.find(header)
    if target is not None and target.display_name in df.columns:
        df[target.display_name] = column
    else:
        df[header] = column
    try:
        report = opus.validate(df, CONN)
        if report.ok:
            opus.to_records(df, CONN)
    except opus.OpusError:
        return


_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        _text,
        st.sampled_from(
            [
                "SingleText",
                "Number",
                "Taxonomy",
                "SingleChoice",
                "DateTime",
                "rowKey",
                "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11",
                "Skip",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(
                _text,
                st.sampled_from(
                    [
                        "id",
                        "data",
                        "columns",
                        "internalName",
                        "type",
                        "displayName",
                        "choices",
                        "conflictOption",
                        "_Dept",
                        "rowKey",
                    ]
                ),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@given(
    content=st.dictionaries(st.sampled_from(["id", "data", "columns", "confilictOption", "datetimeFormat"]), _json, max_size=4)
)
def test_load_connection_never_raises_anything_but_connection_file_error(content: dict[str, Any]) -> None:
    content.setdefault("id", "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11")
    try:
        conn = opus.load_connection(content)
    except opus.ConnectionFileError:
        return
    assert [c.internal_name for c in conn.columns][:2] == ["rowKey", "leafName"] or any(
        c.internal_name == "rowKey" for c in conn.columns
    )
