"""The rules as one table: every `Rule` has a short text and a message, no rule code is written as a
string anywhere else, the README lists the same codes and texts, and a parser that reports no mask
for a rule fails loudly instead of passing its cells."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.errors import SchemaErrors

import opus_nb as opus
from opus_nb.records import _schema
from opus_nb.records._cells import Parsed, parse_column
from opus_nb.records._columns import Column, ColumnType
from opus_nb.records._rules import RULES, TABLE, Rule, describe
from opus_nb.records._schema import _TYPE_RULES
from tests.helpers import REPO
from tests.helpers.rows import sheet

PACKAGE = REPO / "opus_nb"

# Strings equal to a rule code that are not rules, by module: each says what it is.
NOT_RULES = {
    ("opus_nb/cli/_demo.py", "text"): "a notebook output's field",
    ("opus_nb/emulator/tenant.py", "choices"): "a connection file's field",
    ("opus_nb/records/_connection.py", "choices"): "a connection file's field",
    ("opus_nb/records/_dates.py", "number"): "a kind of date cell",
    ("opus_nb/records/_dates.py", "text"): "a kind of date cell",
}


def rule_literals(source: str) -> list[tuple[int, str]]:
    """(line, code) of every string constant equal to a rule code, but docstrings and `class Rule` itself."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.ClassDef) and node.name == "Rule":
            skip.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    codes = {r.value for r in Rule}
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codes and id(node) not in skip
    )


def package_literals() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, code in rule_literals(path.read_text(encoding="utf-8")):
            found.setdefault((path.relative_to(REPO).as_posix(), code), []).append(line)
    return found


def test_the_table_has_every_rule_in_order_with_a_text_and_a_message() -> None:
    assert list(TABLE) == list(Rule)
    for rule, entry in TABLE.items():
        assert entry.text and entry.text == entry.text.strip(), rule
        assert callable(entry.message), rule
    assert RULES == {rule.value: entry.text for rule, entry in TABLE.items()}


def test_rule_values_are_the_codes_reports_hold_as_plain_text(conn: opus.Connection) -> None:
    assert [r.value for r in Rule] == [r.name.lower() for r in Rule]
    assert Rule.TEXT == "text" and Rule("choices") is Rule.CHOICES
    report = opus.validate(sheet(3, r1={"Department": "Finanse", "Bogus": 1}), conn)
    assert {type(v) for v in report.errors["rule"]} == {str}
    assert set(report.errors["rule"]) == {"choice", "unknown_column"}


def _sample(rule: Rule, conn: opus.Connection) -> tuple[Column | None, dict[str, Any]]:
    """A column that checks ``rule`` (None and a label for a sheet-level rule)."""
    if rule in (Rule.MISSING_COLUMN, Rule.UNKNOWN_COLUMN, Rule.DUPLICATE_COLUMN):
        return None, {"label": "Vendr Name"}
    special = {Rule.REQUIRED: "Name", Rule.UNIQUE: "Row key", Rule.MODIFIED_BEFORE_CREATED: "Modified time"}
    if rule in special:
        return conn.column(special[rule]), {}
    return next(c for c in conn.columns if rule in _TYPE_RULES[c.type]), {}


@pytest.mark.parametrize("rule", list(Rule), ids=str)
def test_every_rule_describes_a_failure_naming_the_value_or_the_column(conn: opus.Connection, rule: Rule) -> None:
    column, details = _sample(rule, conn)
    message = describe(rule, column, "Nortwind\n", **details)
    assert message and message != TABLE[rule].text
    name = column.display_name if column is not None else details["label"]
    assert "'Nortwind\\n'" in message or name in message, message
    assert describe(rule.value, column, "Nortwind\n", **details) == message


def test_an_unknown_rule_is_not_described() -> None:
    with pytest.raises(ValueError, match="not_a_rule"):
        describe("not_a_rule", None, 1, label="x")


def test_no_rule_code_is_written_as_a_string_outside_the_table() -> None:
    found = package_literals()
    unexplained = {key: lines for key, lines in found.items() if key not in NOT_RULES}
    assert unexplained == {}, "write Rule.X, not its code"
    assert set(NOT_RULES) <= set(found), "an entry of NOT_RULES is no longer needed"


def test_the_scan_finds_a_rule_written_as_a_string() -> None:
    source = (
        '"""Docstrings may say "text" and "unique"."""\n'
        "from enum import StrEnum\n"
        "class Rule(StrEnum):\n"
        '    TEXT = "text"\n'
        "def f(rule):\n"
        '    """Even here: "unique"."""\n'
        '    return rule == "unique" or {"number_range": 1}\n'
    )
    assert rule_literals(source) == [(7, "number_range"), (7, "unique")]


def _readme_rules() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("### The rules", 1)[1].split("\n### ", 1)[0]


def test_the_readme_lists_every_rule_code_with_its_text() -> None:
    section = _readme_rules()
    means = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", section, flags=re.MULTILINE)
    assert means == [(rule.value, entry.text) for rule, entry in TABLE.items()]


def test_the_readme_table_of_types_names_exactly_the_rule_codes() -> None:
    lines = _readme_rules().splitlines()
    by_type = [line.split("|")[3] for line in lines if line.startswith("| ") and line.count("|") == 4]
    sheet_level = next(line for line in lines if line.startswith("Sheet-level problems")).split(":", 1)[1]
    named = {code for cell in [*by_type, sheet_level] for code in re.findall(r"`([a-z_]+)`", cell)}
    assert named == {r.value for r in Rule}


# ---- every parser reports a mask for every rule of its column type ----

COLUMNS = [
    Column("rowKey", "Row key", ColumnType.SINGLE_TEXT, required=True),
    Column("_T", "T", ColumnType.SINGLE_TEXT),
    Column("_M", "M", ColumnType.MULTIPLE_TEXT),
    Column("_D", "D", ColumnType.DATETIME),
    Column("_N", "N", ColumnType.NUMBER),
    Column("_C", "C", ColumnType.SINGLE_CHOICE, choices=("A", "B")),
    Column("_Cs", "Cs", ColumnType.MULTIPLE_CHOICE, choices=("A", "B")),
    Column("_P", "P", ColumnType.PEOPLE_OR_GROUP),
    Column("termFullPath", "Classification", ColumnType.TAXONOMY),
]
RAW = {
    "empty": pd.Series([], dtype=object),
    "blank": pd.Series([None, np.nan, "", "  "], dtype=object),
    "mixed": pd.Series(["A", 3, ["x"], "a\nb", "\ud800", None, "2021-03-04", "x@y.com", 1.5], dtype=object),
    "arrow text": pd.Series(["A", None, "03/04/2021", "1e400"], dtype="str"),
    "floats": pd.Series([1.0, np.nan, np.inf], dtype="float64"),
}


def test_every_column_type_has_rules() -> None:
    assert set(_TYPE_RULES) == set(ColumnType)


@pytest.mark.parametrize("raw", list(RAW.values()), ids=list(RAW))
@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.type.value + ("-key" if c.internal_name == "rowKey" else ""))
@pytest.mark.parametrize("dayfirst", [False, True], ids=["monthfirst", "dayfirst"])
def test_every_parser_reports_a_mask_for_every_rule_of_its_type(column: Column, raw: pd.Series, dayfirst: bool) -> None:
    for terms in (None, ["A/B"]):
        parsed = parse_column(column, raw, terms, dayfirst=dayfirst)
        assert set(_TYPE_RULES[column.type]) <= set(parsed.failures)
        for rule, mask in parsed.failures.items():
            assert isinstance(mask, np.ndarray) and mask.dtype == bool and mask.shape == (len(raw),), rule


@pytest.mark.parametrize("column, rule", [("Contract Value", "number"), ("Document Date", "datetime")])
def test_a_lone_surrogate_in_a_number_or_date_column_is_reported_not_raised(
    conn: opus.Connection, column: str, rule: str
) -> None:
    errors = opus.validate(sheet(3, r1={column: "\ud800"}), conn).errors
    assert errors[["row", "column", "rule", "value"]].to_dict("records") == [
        {"row": 1, "column": column, "rule": rule, "value": "\\ud800"}
    ]


# ---- a missing or misaligned mask fails loudly ----

Variant = Callable[[Column, Parsed], None]


def _variant(monkeypatch: pytest.MonkeyPatch, spoil: Variant) -> None:
    """The schema's parser, spoiled after parsing by ``spoil`` (a parser with a bug)."""

    def parse(column: Column, raw: pd.Series, terms: Iterable[str] | None = None, *, dayfirst: bool = False) -> Parsed:
        parsed = parse_column(column, raw, terms, dayfirst=dayfirst)
        spoil(column, parsed)
        return parsed

    monkeypatch.setattr(_schema, "parse_column", parse)


CHECKED = sorted({rule for rules in _TYPE_RULES.values() for rule in rules})


@pytest.mark.parametrize("rule", CHECKED, ids=str)
def test_a_parser_that_drops_a_mask_fails_loudly_naming_column_and_rule(
    monkeypatch: pytest.MonkeyPatch, conn: opus.Connection, rule: Rule
) -> None:
    # a mask that is not there used to pass every cell of its column
    _variant(monkeypatch, lambda column, parsed: parsed.failures.pop(rule, None))
    with pytest.raises(opus.RuleCheckError) as caught:
        opus.validate(sheet(3), conn)
    error = caught.value
    assert error.rule == rule
    assert rule in _TYPE_RULES[conn.column(error.column).type]
    assert f"{rule.value!r}" in str(error) and f"{error.column!r}" in str(error) and "no mask" in str(error)


def test_a_mask_of_the_wrong_length_fails_loudly(monkeypatch: pytest.MonkeyPatch, conn: opus.Connection) -> None:
    def shorten(column: Column, parsed: Parsed) -> None:
        if column.type is ColumnType.NUMBER:
            parsed.failures[Rule.FINITE] = parsed.failures[Rule.FINITE][:-1]

    _variant(monkeypatch, shorten)
    with pytest.raises(opus.RuleCheckError, match="a mask of 2 cells for 3") as caught:
        opus.validate(sheet(3), conn)
    assert (caught.value.column, caught.value.rule) == ("Contract%20_Value", Rule.FINITE)


def test_failures_of_a_rule_the_column_does_not_check_fail_loudly(
    monkeypatch: pytest.MonkeyPatch, conn_without_terms: opus.Connection
) -> None:
    def invent(column: Column, parsed: Parsed) -> None:
        if column.internal_name == "termFullPath":
            parsed.failures[Rule.TAXONOMY_TERM] = np.ones(len(parsed.values), dtype=bool)

    _variant(monkeypatch, invent)
    with pytest.raises(opus.RuleCheckError, match="does not check") as caught:
        opus.validate(sheet(3), conn_without_terms)
    assert (caught.value.column, caught.value.rule) == ("termFullPath", Rule.TAXONOMY_TERM)


def test_a_check_that_finds_no_mask_fails_loudly_through_pandera(monkeypatch: pytest.MonkeyPatch, conn: opus.Connection) -> None:
    # a ledger whose parser forgets to keep the masks: the check itself finds none
    def parser(self: Any, column: Column, rules: tuple[Rule, ...], terms: frozenset[str] | None) -> pa.Parser:
        return pa.Parser(lambda raw: parse_column(column, raw, terms).values)

    monkeypatch.setattr(_schema._Ledger, "parser", parser)
    with pytest.raises(opus.RuleCheckError, match="no mask") as caught:
        opus.validate(sheet(3), conn)
    assert caught.value.rule in _TYPE_RULES[conn.column(caught.value.column).type]
    frame = sheet(3).rename(columns={c.display_name: c.internal_name for c in conn.columns})
    with pytest.raises(SchemaErrors) as direct:
        conn.schema().validate(frame, lazy=True)
    assert {e.reason_code.name for e in direct.value.schema_errors if e.reason_code is not None} == {"CHECK_ERROR"}


# ---- the legitimate paths still report a mask for every check ----


def test_an_empty_sheet_and_all_blank_or_absent_optional_columns_pass(conn: opus.Connection) -> None:
    assert opus.validate(sheet(3).iloc[:0], conn).ok
    optional = [c.display_name for c in conn.columns if not c.required]
    assert opus.validate(sheet(3).assign(**dict.fromkeys(optional, None)), conn).ok
    assert opus.validate(sheet(3).drop(columns=optional), conn).ok


def test_dayfirst_reads_and_checks_every_column(conn: opus.Connection) -> None:
    report = opus.validate(sheet(3, r1={"Document Date": "03/04/2021"}), conn, dayfirst=True)
    assert report.ok
    assert report.valid_internal["_Document_%20_Date"].iloc[1] == pd.Timestamp("2021-04-03")


def test_one_schema_checks_frames_in_several_threads(conn: opus.Connection) -> None:
    schema = conn.schema()
    internal = {c.display_name: c.internal_name for c in conn.columns}
    frames = [sheet(40, **{f"r{i}": {"Contract Value": "x"}}).rename(columns=internal) for i in range(8)]

    def failures(frame: pd.DataFrame) -> list[tuple[int, str]]:
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            return sorted((int(i), str(e.check.name)) for e in exc.schema_errors for i in e.failure_cases["index"])
        return []

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(failures, frames * 4))
    assert found == [[(i, "number")] for i in range(8)] * 4
