"""Matching a sheet's headers to a connection's columns.

A header matches a column by internal name or display name, ignoring case, spaces and
underscores ("Created_Time" is "Created time"). ``rename`` maps the rest explicitly. Nothing
is guessed: a header that matches nothing, two headers for one column, and a required column
with no header are all reported; a header that matches nothing comes with the names it is
close to (`difflib.get_close_matches`), as suggestions only.

>>> mapping = map_headers(["Row Key", "name", "Notes"], conn)   # doctest: +SKIP
>>> mapping.columns, mapping.unknown                             # doctest: +SKIP
({'Row Key': 'rowKey', 'name': 'leafName'}, ['Notes'])
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from opus_nb._errors import ColumnMappingError
from opus_nb.records._columns import Column, normalize_header
from opus_nb.records._connection import Connection

__all__ = ["HeaderMapping", "close_columns", "map_headers"]


@dataclass(frozen=True)
class HeaderMapping:
    """Which header feeds which column, and what did not fit."""

    columns: dict[Hashable, str]
    unknown: list[Hashable]
    duplicates: dict[str, list[Hashable]]
    missing: list[Column]
    #: For each unknown header, the display names of the columns it is close to, closest first.
    suggestions: dict[Hashable, list[str]] = field(default_factory=dict)


def map_headers(
    headers: Iterable[Hashable], connection: Connection, rename: Mapping[Hashable, str] | None = None
) -> HeaderMapping:
    """Map each header to an internal name; report unknown, doubled and missing columns."""
    rename = dict(rename or {})
    found: dict[str, list[Hashable]] = {}
    unknown: list[Hashable] = []
    for header in headers:
        target = rename.get(header, header)
        col = connection.find(target)
        if col is None:
            if header in rename:
                raise ColumnMappingError(str(header), str(target))
            unknown.append(header)
            continue
        found.setdefault(col.internal_name, []).append(header)
    duplicates = {name: hs for name, hs in found.items() if len(hs) > 1}
    columns = {hs[0]: name for name, hs in found.items() if len(hs) == 1}
    missing = [c for c in connection.columns if c.required and c.internal_name not in found]
    return HeaderMapping(columns, unknown, duplicates, missing, {h: close_columns(h, connection) for h in unknown})


def close_columns(header: Hashable, connection: Connection, n: int = 3) -> list[str]:
    """The display names of the columns whose display or internal name is close to ``header``.

    >>> close_columns("Vendr Name", conn)       # doctest: +SKIP
    ['Vendor Name']
    """
    names: dict[str, str] = {}
    for col in connection.columns:
        for name in (col.display_name, col.internal_name):
            names.setdefault(normalize_header(name), col.display_name)
    close = difflib.get_close_matches(normalize_header(header), list(names), n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(names[c] for c in close))[:n]
