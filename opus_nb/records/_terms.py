"""Classification terms and their retention, as in `data-samples/terms.json`.

A term is a full path (``Finance/Accounts Payable``) with an optional retention: a period
counted from a record's created or modified time. A record classified under a term with
retention is due for disposal when that period has passed; a term without retention keeps
its records for good.

>>> terms = load_terms({"terms": [{"fullPath": "HR/Payroll",
...     "retention": {"years": 7, "after": "timeCreated"}}]})
>>> terms[0].due_date(pd.Timestamp("2020-02-29"), pd.Timestamp("2021-01-01"))
Timestamp('2027-02-28 00:00:00')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from opus_nb._errors import ConnectionFileError
from opus_nb.records._jsonfile import read_json_file, shown

__all__ = ["Retention", "Term", "load_terms"]

RetentionBasis = Literal["timeCreated", "timeModified"]
_BASIS_ALIASES: dict[str, RetentionBasis] = {
    "timecreated": "timeCreated",
    "created": "timeCreated",
    "timemodified": "timeModified",
    "modified": "timeModified",
}


@dataclass(frozen=True)
class Retention:
    """A retention period: years, months and days after a record's created or modified time."""

    years: int = 0
    months: int = 0
    days: int = 0
    after: RetentionBasis = "timeCreated"

    @property
    def offset(self) -> pd.DateOffset:
        return pd.DateOffset(years=self.years, months=self.months, days=self.days)


@dataclass(frozen=True)
class Term:
    """A classification term: its ``full_path`` (``Finance/Accounts Payable``), and its ``retention``
    (None: kept for good)."""

    full_path: str
    retention: Retention | None = None

    def due_date(self, created: pd.Timestamp, modified: pd.Timestamp) -> pd.Timestamp | None:
        """When a record with these times, classified under this term, falls due."""
        if self.retention is None:
            return None
        start = created if self.retention.after == "timeCreated" else modified
        return start + self.retention.offset


def load_terms(source: str | Path | Mapping[str, Any] | Iterable[Any]) -> list[Term]:
    """Read terms from ``source``: a terms.json path, its parsed content, or a list of full paths."""
    name = str(source) if isinstance(source, str | Path) else "terms"
    data: Any = source
    if isinstance(source, str | Path):
        data = read_json_file(source)
    if isinstance(data, Mapping):
        data = data.get("terms")
    if not isinstance(data, Iterable) or isinstance(data, str | bytes):
        raise ConnectionFileError(name, "terms", "a list of terms")
    return [_term(name, i, item) for i, item in enumerate(data)]


def _term(source: str, i: int, item: Any) -> Term:
    field = f"terms[{i}]"
    if isinstance(item, Term):
        return item
    if isinstance(item, str):
        item = {"fullPath": item}
    if not isinstance(item, Mapping):
        raise ConnectionFileError(source, field, "a full path or an object with 'fullPath'", shown(item))
    path = item.get("fullPath")
    if not isinstance(path, str) or not path.strip() or any(not p.strip() for p in path.split("/")):
        raise ConnectionFileError(source, f"{field}.fullPath", "a '/'-separated path with no blank part", shown(path))
    retention = item.get("retention")
    if retention is None:
        return Term(path.strip(), None)
    if not isinstance(retention, Mapping):
        raise ConnectionFileError(source, f"{field}.retention", "an object or null", shown(retention))
    periods: dict[str, int] = {}
    for unit in ("years", "months", "days"):
        value = retention.get(unit, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConnectionFileError(source, f"{field}.retention.{unit}", "a whole number >= 0", shown(value))
        periods[unit] = value
    basis = _BASIS_ALIASES.get(str(retention.get("after", "timeCreated")).lower())
    if basis is None:
        raise ConnectionFileError(
            source,
            f"{field}.retention.after",
            "'timeCreated' or 'timeModified'",
            repr(retention.get("after")),
        )
    return Term(path.strip(), Retention(after=basis, **periods))
