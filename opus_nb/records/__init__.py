"""Records, offline: sheets, connections, cells, rules, schema, validation, reports and encoding.

Nothing here talks to a server.

>>> from opus_nb.records import load_connection, validate
>>> conn = load_connection("data-samples/connection.json", choices="data-samples/choices.json")  # doctest: +SKIP
>>> validate(df, conn).ok                                                                         # doctest: +SKIP
True
"""

from __future__ import annotations

from opus_nb.records._blank import is_blank
from opus_nb.records._columns import BUILTIN_COLUMNS, Column, ColumnType
from opus_nb.records._connection import Connection, load_connection
from opus_nb.records._report import ValidationReport
from opus_nb.records._retention import disposal_due_dates
from opus_nb.records._rules import Rule
from opus_nb.records._sheet import read_sheet
from opus_nb.records._terms import Retention, Term, load_terms
from opus_nb.records._to_records import iter_records, to_records
from opus_nb.records._validate import validate

__all__ = [
    "BUILTIN_COLUMNS",
    "Column",
    "ColumnType",
    "Connection",
    "disposal_due_dates",
    "is_blank",
    "iter_records",
    "load_connection",
    "load_terms",
    "read_sheet",
    "Retention",
    "Rule",
    "Term",
    "to_records",
    "validate",
    "ValidationReport",
]
