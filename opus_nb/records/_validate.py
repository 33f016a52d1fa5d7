"""Validating a sheet against a connection: every bad cell at once, as a report.

>>> report = validate(pd.read_excel("data-samples/records.xlsx"), conn)   # doctest: +SKIP
>>> report.errors[["row", "column", "value", "rule"]].head()               # doctest: +SKIP

The whole frame goes through the connection's pandera schema in one call; pandera's structured
failures become report rows naming the row, the column, the raw value and the rule.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from opus_nb._errors import ConfigurationError, RuleCheckError
from opus_nb.records._cells import utf8_encodable
from opus_nb.records._columns import Column
from opus_nb.records._connection import Connection
from opus_nb.records._headers import HeaderMapping, map_headers
from opus_nb.records._report import ERROR_COLUMNS, ValidationReport
from opus_nb.records._rules import Rule, describe

__all__ = ["API_GENERATIONS", "LEGACY_OPTIONAL", "validate"]

#: The API generations a sheet can be checked for, as `opus_nb.login(api=...)` names them.
API_GENERATIONS = ("graph", "legacy")
#: The built-in columns that the older API ("legacy", the API for Connector) marks optional.
LEGACY_OPTIONAL = frozenset({"createdBy", "modifiedBy"})

_REASONS = {"SERIES_CONTAINS_NULLS": Rule.REQUIRED, "SERIES_CONTAINS_DUPLICATES": Rule.UNIQUE}


def validate(
    df: pd.DataFrame,
    connection: Connection,
    *,
    rename: Mapping[Hashable, str] | None = None,
    dayfirst: bool = False,
    api: str = "graph",
) -> ValidationReport:
    """Check every cell of ``df`` against ``connection``; never raises for bad data.

    >>> report = validate(df, conn, api="legacy")      # doctest: +SKIP

    ``df`` is the sheet (headers matched to ``connection``'s columns by internal or display name);
    ``rename`` maps the sheet's other headers to columns (``{"Old header": "Display name"}``).
    ``dayfirst=True`` reads slash dates day first ("03/04/2021" is 3 April); by default a slash
    date that could be read either way is reported as ambiguous. ``api`` is the API generation the
    rows are for, as `opus_nb.login` names it: ``"graph"`` (the default), or ``"legacy"``, whose
    documents mark Created by and Modified by optional (a missing column or a blank cell is then
    fine; a value given is still checked).

    Raises `MissingChoicesError` when a choice column is present but its options were not given,
    `ColumnMappingError` when ``rename`` points at no column, and `ConfigurationError` for an
    unknown ``api``.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"validate() needs a pandas DataFrame, not {type(df).__name__}")
    checked = _for_api(connection, api)
    mapping = map_headers(df.columns, checked, rename)
    present = [checked.column(name) for name in mapping.columns.values()]
    checked.require_choices(present)
    frame = pd.DataFrame({name: df[header].reset_index(drop=True) for header, name in mapping.columns.items()})
    frame.index = pd.RangeIndex(len(df))
    schema = checked.schema(dayfirst=dayfirst)
    try:
        canonical = schema.validate(frame, lazy=True, inplace=True)
        failures: list[dict[str, Any]] = []
    except SchemaErrors as exc:
        canonical = exc.data
        failures = _cell_failures(exc)
    errors = _error_frame(df, mapping, checked, canonical, failures)
    bad = np.zeros(len(df), dtype=bool)
    positions = errors["row"].dropna().astype("int64").to_numpy() if len(errors) else np.array([], "int64")
    bad[positions] = True
    if mapping.missing or mapping.duplicates and any(checked.column(n).required for n in mapping.duplicates):
        bad[:] = True
    has_row = errors["row"].notna().to_numpy()
    error_positions = np.where(has_row, errors["row"].fillna(-1).to_numpy(dtype="float64"), -1).astype("int64")
    labels = np.full(len(errors), None, dtype=object)
    for i, label in zip(np.flatnonzero(has_row), df.index.take(errors["row"][has_row].astype("int64")), strict=True):
        labels[i] = label.item() if isinstance(label, np.generic) else label  # a MultiIndex label stays a tuple
    errors["row"] = pd.Series(labels, dtype=object)
    canonical = canonical[[c.internal_name for c in connection.columns if c.internal_name in canonical]]
    return ValidationReport(df, connection, canonical, errors, bad, error_positions)


def _for_api(connection: Connection, api: str) -> Connection:
    """``connection`` as ``api`` checks it: for the older API, with Created by and Modified by optional."""
    if api not in API_GENERATIONS:
        raise ConfigurationError("api", "'graph' or 'legacy'", repr(api))
    if api == "graph":
        return connection
    columns = tuple(
        dataclasses.replace(c, required=False) if c.builtin and c.internal_name in LEGACY_OPTIONAL else c
        for c in connection.columns
    )
    return dataclasses.replace(connection, columns=columns)


def _cell_failures(exc: SchemaErrors) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for err in exc.schema_errors:
        reason = err.reason_code.name if err.reason_code is not None else ""
        check = getattr(err.check, "name", None) or str(err.check)
        if reason == "COLUMN_NOT_IN_DATAFRAME":
            continue
        if reason == "CHECK_ERROR":
            raise RuleCheckError(str(err.column_name), check, f"it raised {err.failure_cases}")
        rule = _REASONS.get(reason) or Rule(check)
        cases = err.failure_cases
        if not isinstance(cases, pd.DataFrame) or "index" not in cases:
            continue
        for index in pd.unique(cases["index"].dropna()):
            rows.append({"pos": int(index), "internal_name": err.column_name, "rule": rule})
    return rows


def _error_frame(
    df: pd.DataFrame,
    mapping: HeaderMapping,
    connection: Connection,
    canonical: pd.DataFrame,
    failures: list[dict[str, Any]],
) -> pd.DataFrame:
    cells = pd.DataFrame(failures, columns=["pos", "internal_name", "rule"])
    parse_failed = cells[cells["rule"] != Rule.REQUIRED].set_index(["pos", "internal_name"]).index
    is_required = cells["rule"] == Rule.REQUIRED
    keys = pd.MultiIndex.from_arrays([cells["pos"], cells["internal_name"]])
    cells = cells[~(is_required & keys.isin(parse_failed))].drop_duplicates()
    header_of = {name: header for header, name in mapping.columns.items()}
    row_keys = canonical["rowKey"] if "rowKey" in canonical else pd.Series(None, index=canonical.index, dtype=object)
    parts = [
        pd.DataFrame(
            [
                _frame_level(str(header), None, Rule.UNKNOWN_COLUMN, header, close=mapping.suggestions.get(header, []))
                for header in mapping.unknown
            ]
            + [
                _frame_level(connection.column(name).display_name, name, Rule.DUPLICATE_COLUMN, ", ".join(map(str, headers)))
                for name, headers in mapping.duplicates.items()
            ]
            + [_frame_level(col.display_name, col.internal_name, Rule.MISSING_COLUMN, None) for col in mapping.missing],
            columns=ERROR_COLUMNS,
        )
    ]
    for (name, code), group in cells.groupby(["internal_name", "rule"], sort=False):
        col, rule = connection.column(name), Rule(code)
        pos = group["pos"].to_numpy()
        raw = df.iloc[pos, df.columns.get_loc(header_of[name])].tolist() if name in header_of else [None] * len(pos)
        keys = row_keys.iloc[pos].astype(object).where(row_keys.iloc[pos].notna(), None).tolist()
        if rule == Rule.UNIQUE:
            counts = pd.Series(keys).value_counts()
            messages = [describe(rule, col, v, count=int(counts[k])) for v, k in zip(raw, keys, strict=True)]
        elif rule == Rule.MODIFIED_BEFORE_CREATED:
            created = canonical["timeCreated"].iloc[pos].tolist()
            messages = [describe(rule, col, v, created=c) for v, c in zip(raw, created, strict=True)]
        else:
            messages = _messages(rule, col, raw)
        parts.append(
            pd.DataFrame(
                {
                    "row": pos,
                    "rowKey": pd.Series(keys, dtype=object),
                    "column": col.display_name,
                    "internal_name": name,
                    "value": pd.Series(_shown_values(raw), dtype=object),
                    "rule": rule.value,
                    "message": messages,
                },
                columns=ERROR_COLUMNS,
            )
        )
    order = {c.display_name: i for i, c in enumerate(connection.columns)}
    errors = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    errors["_order"] = errors["column"].map(order)
    errors = errors.sort_values(["row", "_order"], na_position="first", kind="stable")
    return errors.drop(columns="_order").reset_index(drop=True)


def _shown_values(values: list[Any]) -> list[Any]:
    """The raw values as the report holds them: text with a lone surrogate escaped ("\\ud800"), so that
    the report can be shown, written to CSV or XLSX, and sent (the cell itself stays in ``invalid``)."""
    return [
        v.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(v, str) and not utf8_encodable(v) else v
        for v in values
    ]


def _messages(rule: Rule, column: Column, values: list[Any]) -> list[str]:
    """One message per value; a value that repeats is described once."""
    said: dict[tuple[type, Any], str] = {}
    out = []
    for value in values:
        key = (type(value), value)  # 1 and True are equal keys, yet read differently
        try:
            message = said.get(key)
        except TypeError:  # an unhashable cell (a list): described each time
            message = None
        if message is None:
            message = describe(rule, column, value)
            with contextlib.suppress(TypeError):
                said[key] = message
        out.append(message)
    return out


def _frame_level(column: str, internal: str | None, rule: Rule, value: Any, **details: Any) -> dict[str, Any]:
    return {
        "row": None,
        "rowKey": None,
        "column": column,
        "internal_name": internal,
        "value": value,
        "rule": rule.value,
        "message": describe(rule, None, value, label=column, **details),
    }
