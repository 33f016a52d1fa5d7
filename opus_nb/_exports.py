"""Tables written for people to open in a spreadsheet: CSV and XLSX, safe from formula injection.

>>> neutralise("=SUM(A1)"), neutralise("-5"), neutralise("Invoice 7")
("'=SUM(A1)", '-5', 'Invoice 7')
>>> restore(neutralise("=A1")), restore(neutralise("'quoted")), restore("-5")
('=A1', "'quoted", '-5')
>>> write_table(report.errors, "errors.xlsx")          # doctest: +SKIP

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
read by Excel or LibreOffice as a formula, so, as OWASP advises for CSV injection, it gets a
leading ``'`` (a plain number written as text, ``-5``, is left alone: it computes nothing).
In XLSX, text cells are therefore strings, never formulas (openpyxl takes text that starts
with ``=`` for a formula). Text that already starts with ``'`` gets one more, so that
`restore` gives back exactly what was written (``opus-nb destroy --from approved.csv`` reads
row keys through it).

Several values in a cell (a tuple or list: several choices, several people) are written as a
JSON array, ``["Middle East, Africa","Europe"]``, which `opus_nb.validate` reads back as those
values whatever they hold (commas, semicolons, brackets, quotes):

>>> print(neutralise(("Middle East, Africa", 'The "Core"')))
["Middle East, Africa","The \\"Core\\""]
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "restore", "safe_frame", "write_csv_rows", "write_table"]

#: What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: formula-looking text gets a leading ``'``; several
    values (a tuple or list) become one JSON array."""
    if isinstance(value, tuple | list):
        value = json.dumps(list(value), ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, str) and (
        value.startswith(_QUOTE) or value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return _QUOTE + value
    return value


def restore(value: Any) -> Any:
    """What `neutralise` was given: one leading ``'`` taken off text that starts with it and then a
    formula's first character or another ``'``."""
    if isinstance(value, str) and value.startswith(_QUOTE) and value[1:].startswith((*FORMULA_STARTS, _QUOTE)):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised."""
    out = frame.rename(columns=lambda c: neutralise(c) if isinstance(c, str) else c)
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column].dtype) or pd.api.types.is_datetime64_any_dtype(out[column].dtype)):
            out[column] = out[column].astype(object).map(neutralise)
    return out


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "Sheet1") -> Path:
    """Write ``frame`` (no index) to a .csv or .xlsx file, every text cell neutralised."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"write to a .csv or .xlsx file, not {target.name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    safe = safe_frame(frame)
    if suffix == ".csv":
        safe.to_csv(target, index=False, lineterminator="\r\n")  # RFC 4180; a lone CR in a cell is then quoted
    else:
        safe.to_excel(target, index=False, sheet_name=sheet_name, engine="openpyxl")
    return target


def write_csv_rows(path: Path, fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: bool) -> None:
    """Append ``rows`` to a CSV file (with the header first when ``header``), every cell neutralised."""
    with path.open("a", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(fieldnames))
        if header:
            writer.writeheader()
        writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
