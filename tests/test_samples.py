"""The sample sheet in data-samples/: its generator is deterministic, the CSV and the workbook
hold the same rows, and validation reports exactly the planted faults (no more, no fewer)."""

from __future__ import annotations

import datetime as dt
import numbers
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opus_nb.records._connection import Connection, load_connection

SAMPLES = Path(__file__).resolve().parents[1] / "data-samples"
RULES = {
    "required",
    "unique",
    "single_line",
    "datetime",
    "datetime_ambiguous",
    "modified_before_created",
    "number",
    "finite",
    "choice",
    "choices",
    "email",
    "taxonomy_path",
    "taxonomy_term",
}
#: The clean text forms a date cell takes in the CSV when the workbook holds an Excel date.
DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d %B %Y",
    "%B %d, %Y %I:%M %p",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
]
DATE_HEADERS = ["Created Time", "modified_time", "Document Date"]


@pytest.fixture(scope="module")
def conn() -> Connection:
    return load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")


@pytest.fixture(scope="module")
def sheets() -> dict[str, pd.DataFrame]:
    return {"csv": pd.read_csv(SAMPLES / "records.csv"), "xlsx": pd.read_excel(SAMPLES / "records.xlsx")}


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "planted-faults.csv")


def test_generator_is_deterministic(tmp_path: Path) -> None:
    command = [sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    for name in ("records.csv", "records.xlsx", "planted-faults.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), f"{name} differs: re-run the generator"


def test_sheet_has_enough_rows_and_the_connection_s_columns(sheets: dict[str, pd.DataFrame], conn: Connection) -> None:
    for df in sheets.values():
        assert len(df) >= 2000
        columns = [conn.find(h) for h in df.columns]
        assert None not in columns, f"unknown headers: {[h for h, c in zip(df.columns, columns) if c is None]}"
        assert sorted(c.internal_name for c in columns) == sorted(c.internal_name for c in conn.columns)


def test_planted_faults_cover_every_rule(planted: pd.DataFrame, sheets: dict[str, pd.DataFrame], conn: Connection) -> None:
    assert list(planted.columns) == ["row", "column", "rule"]
    counts = planted["rule"].value_counts()
    assert set(counts.index) == RULES
    assert counts.min() >= 6, counts.to_dict()
    assert planted["row"].is_unique, "at most one fault a row"
    assert planted["row"].between(0, len(sheets["csv"]) - 1).all()
    for column in planted["column"].unique():
        assert conn.column(column).display_name == column
    assert all(conn.column(c).required for c in planted.loc[planted["rule"] == "required", "column"])
    assert 0.04 <= planted["row"].nunique() / len(sheets["csv"]) <= 0.06


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _same_cell(text: object, cell: object) -> bool:
    """Whether the CSV's text and the workbook's cell stand for the same value."""
    if _blank(text) or _blank(cell):
        return _blank(text) and _blank(cell)
    if isinstance(cell, str):
        return text == cell
    if isinstance(cell, dt.datetime):
        for fmt in DATE_FORMATS:
            try:
                if dt.datetime.strptime(str(text), fmt) == cell:
                    return True
            except ValueError:
                continue
        return False
    if isinstance(cell, numbers.Real):
        return float(str(text)) == float(cell)
    return False


def test_csv_and_xlsx_agree_row_for_row(sheets: dict[str, pd.DataFrame]) -> None:
    csv, xlsx = sheets["csv"], sheets["xlsx"]
    assert list(csv.columns) == list(xlsx.columns)
    assert len(csv) == len(xlsx)
    differ = [
        (i, column, csv.at[i, column], xlsx.at[i, column])
        for column in csv.columns
        for i in range(len(csv))
        if not _same_cell(csv.at[i, column], xlsx.at[i, column])
    ]
    assert not differ, differ[:10]


def test_sheet_carries_mess_that_validation_should_fix(
    sheets: dict[str, pd.DataFrame], planted: pd.DataFrame, conn: Connection
) -> None:
    csv, xlsx = sheets["csv"], sheets["xlsx"]
    terms = conn.term_paths or frozenset()
    options = {c: set(conn.column(c).choices or ()) for c in ("Department", "Regions")}
    text = csv.select_dtypes(include=["str", "object"])
    kinds = {
        "outer spaces": (text.apply(lambda s: s.str.strip() != s) & text.notna()).any(axis=1),
        "choice name or order": csv["Department"].notna() & ~csv["Department"].isin(options["Department"]),
        "regions": csv["Regions"].notna()
        & ~csv["Regions"].fillna("").str.split("; ").map(lambda parts: set(parts) <= options["Regions"]),
        "owner form": csv["Record Owner"].str.contains("<|, ", regex=True, na=False),
        "term case or spaces": csv["Classification"].notna() & ~csv["Classification"].isin(terms),
        "written date": pd.concat(
            [~csv[h].str.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?", na=True) for h in DATE_HEADERS], axis=1
        ).any(axis=1),
        "date as text or serial in xlsx": pd.concat(
            [xlsx[h].map(lambda v: isinstance(v, str | int | float)) & xlsx[h].notna() for h in DATE_HEADERS], axis=1
        ).any(axis=1),
        "number as text in xlsx": xlsx["Contract Value"].map(lambda v: isinstance(v, str)),
    }
    clean = ~csv.index.isin(planted["row"])
    for kind, mask in kinds.items():
        assert (mask & clean).sum() >= 20, kind
    assert (xlsx["Row Key"].map(type) == int).sum() >= 20, "numeric row keys are numbers in the workbook"
    messy = pd.concat(kinds.values(), axis=1).any(axis=1) & clean
    assert 0.15 <= messy.mean() <= 0.30


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_validation_reports_exactly_the_planted_faults(
    kind: str, sheets: dict[str, pd.DataFrame], planted: pd.DataFrame, conn: Connection
) -> None:
    import opus_nb

    df = sheets[kind]
    errors = opus_nb.validate(df, conn).errors
    got = set(zip(errors["row"].tolist(), errors["column"], errors["rule"]))
    want = set(zip(planted["row"].tolist(), planted["column"], planted["rule"]))
    header = {conn.column(h).display_name: h for h in df.columns}
    missing = [(r, c, rule, df.at[r, header[c]]) for r, c, rule in sorted(want - got)]
    unexpected = [(r, c, rule, df.at[r, header[c]] if c in header else None) for r, c, rule in sorted(got - want)]
    assert not missing and not unexpected, {"missing": missing[:15], "unexpected": unexpected[:15]}


def test_csv_and_xlsx_validate_to_the_same_rows(sheets: dict[str, pd.DataFrame], conn: Connection) -> None:
    import opus_nb

    from_csv, from_xlsx = (opus_nb.validate(sheets[k], conn) for k in ("csv", "xlsx"))
    pd.testing.assert_frame_equal(from_csv.valid, from_xlsx.valid, check_dtype=False)
