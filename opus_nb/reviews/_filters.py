"""Fast filters and counts over review candidates: what the review shows, and per-group tallies.

>>> index = CandidateIndex(candidates)                             # doctest: +SKIP
>>> mask = index.mask(Filters(classification=("Finance",)), state) # doctest: +SKIP

Repeated values (classifications, people) are factorized once, so a filter change tests each
distinct value once and maps the answer back to the rows: tens of milliseconds for 50,000
candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DECISIONS", "CandidateIndex", "Filters", "filter_value"]

DECISIONS = ("undecided", "approved", "rejected", "destroyed")


@dataclass(frozen=True)
class Filters:
    """What the review shows: every filter left empty shows every candidate.

    ``classification`` matches a term or everything under it (``Finance`` matches
    ``Finance/Audit``); ``owner`` is text found in created-by or modified-by; ``due_from`` and
    ``due_to`` bound the due date (both days included); ``text`` is found in the name;
    ``decision`` keeps only these decisions.
    """

    classification: tuple[str, ...] = ()
    owner: str = ""
    due_from: pd.Timestamp | None = None
    due_to: pd.Timestamp | None = None
    text: str = ""
    decision: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in ((), "", None) for f in fields(self))


def filter_value(name: str, value: Any) -> Any:
    """A filter value as `Filters` keeps it (None or empty clears the filter).

    >>> filter_value("classification", "Finance"), filter_value("due_to", "2021-12-31")
    (('Finance',), Timestamp('2021-12-31 00:00:00'))
    """
    if name not in {f.name for f in fields(Filters)}:
        raise TypeError(f"unknown filter: {name}")
    if name in ("classification", "decision"):
        if value is None or value == "":
            return ()
        found = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        if name == "decision" and set(found) - set(DECISIONS):
            raise ValueError(f"decision must be among {DECISIONS}, not {sorted(set(found) - set(DECISIONS))}")
        return found
    if name in ("due_from", "due_to"):
        return None if value is None or value == "" else pd.Timestamp(value).normalize()
    return "" if value is None else str(value).strip()


class CandidateIndex:
    """The candidates' filterable columns, prepared once (``frame`` needs termFullPath,
    createdBy, modifiedBy, leafName and due_date)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.terms, self.term_codes = _factorize(frame["termFullPath"])
        self.created, self.created_codes = _factorize(frame["createdBy"])
        self.modified, self.modified_codes = _factorize(frame["modifiedBy"])
        self.names = frame["leafName"].astype("string").str.lower()
        self.due = frame["due_date"]
        self.years = frame["due_date"].dt.year.to_numpy(dtype="float64")
        self.size = len(frame)

    def mask(self, f: Filters, state: np.ndarray) -> np.ndarray:
        """True for each candidate the filters let through; ``state`` holds decision codes."""
        mask = np.ones(self.size, dtype=bool)
        if f.classification:
            wanted = [c.strip("/") for c in f.classification]
            mask &= np.array([_under(t, wanted) for t in self.terms], dtype=bool)[self.term_codes]
        if f.owner:
            needle = f.owner.lower()
            mask &= _contains(self.created, needle)[self.created_codes] | _contains(self.modified, needle)[self.modified_codes]
        if f.due_from is not None:
            mask &= (self.due >= f.due_from).fillna(False).to_numpy(dtype=bool)
        if f.due_to is not None:
            mask &= (self.due < f.due_to + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)
        if f.text:
            mask &= self.names.str.contains(f.text.lower(), regex=False).fillna(False).to_numpy(dtype=bool)
        if f.decision:
            mask &= np.isin(state, [DECISIONS.index(d) for d in f.decision])
        return mask

    def breakdown(self, by: str, state: np.ndarray) -> pd.DataFrame:
        """Counts per decision for each classification (``by="classification"``) or due year (``"due_year"``)."""
        if by == "classification":
            labels, codes = self.terms, self.term_codes
        elif by == "due_year":
            years = np.nan_to_num(self.years, nan=-1).astype("int64")
            uniq, codes = np.unique(years, return_inverse=True)
            labels = np.array([str(y) if y >= 0 else "(unknown)" for y in uniq], dtype=object)
        else:
            raise ValueError(f"by must be 'classification' or 'due_year', not {by!r}")
        k = len(DECISIONS)
        grid = np.bincount(codes * k + state, minlength=len(labels) * k).reshape(len(labels), k)
        table = pd.DataFrame(grid, index=pd.Index(labels, name=by), columns=list(DECISIONS))
        table = table.assign(total=grid.sum(axis=1))
        return table[table["total"] > 0]


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    labels = np.append(np.asarray(uniques, dtype=object), [None])
    return labels, np.where(codes < 0, len(labels) - 1, codes)


def _contains(labels: np.ndarray, needle: str) -> np.ndarray:
    return np.array([label is not None and needle in str(label).lower() for label in labels], dtype=bool)


def _under(term: object, wanted: list[str]) -> bool:
    if term is None:
        return False
    text = str(term)
    return any(text == w or text.startswith(w + "/") for w in wanted)
