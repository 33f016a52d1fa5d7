"""Each due record's disposal due date, worked out from the connection's terms.

The due-records API sends no due date, only the built-in columns. A record falls due when its
term's retention has passed since its created (or modified) time, so with the terms known the
date can be computed here; without them it stays blank (NaT).

>>> due["due_date"] = disposal_due_dates(due, conn)      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from opus_nb.records._connection import Connection
from opus_nb.records._terms import Term

__all__ = ["disposal_due_dates"]

_SENT = "disposalDueDate"


def disposal_due_dates(due: pd.DataFrame, connection: Connection | None = None, terms: Iterable[Term] | None = None) -> pd.Series:
    """One due date per row (``datetime64[ns]``, NaT when unknown), aligned to ``due``'s index.

    A ``disposalDueDate`` column, when the server sent one, wins; otherwise each row's term
    (``termFullPath``) and its retention give the date.
    """
    result = pd.Series(pd.NaT, index=due.index, dtype="datetime64[ns]")
    if _SENT in due:
        text = due[_SENT].astype("string").str.strip()
        result = pd.to_datetime(text, format="mixed", errors="coerce").astype("datetime64[ns]")
    known = list(terms) if terms is not None else list(connection.terms or ()) if connection is not None else []
    if not known or "termFullPath" not in due:
        return result
    paths = due["termFullPath"].astype("string")
    for term in known:
        if term.retention is None:
            continue
        basis = term.retention.after
        if basis not in due:
            continue
        rows = np.flatnonzero((paths == term.full_path).fillna(False).to_numpy(dtype=bool) & result.isna().to_numpy())
        if not len(rows):
            continue
        start = pd.to_datetime(due[basis].iloc[rows], errors="coerce").astype("datetime64[ns]")
        result.iloc[rows] = (start + term.retention.offset).to_numpy()
    return result
