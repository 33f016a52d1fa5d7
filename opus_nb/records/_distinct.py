"""Work done once per distinct value of a column, then spread back over its rows.

>>> values, missing = map_distinct(pd.Series(["a", "b", "a", None]), str.upper)
>>> values.tolist(), missing.tolist()
(['A', 'B', 'A', None], [False, False, False, True])

Columns of choices, people, paths and dates repeat a few values many times: a million rows
with a few hundred distinct values cost a few hundred calls. `Distinct` is the step under
`map_distinct` for work that gives several results per value, or converts all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Distinct", "map_distinct"]


@dataclass(frozen=True)
class Distinct:
    """A column's distinct values (``uniques``, in order of appearance, missing ones left out) and,
    for each row, the position of its value among them (``codes``; -1 where the value is missing).

    >>> seen = Distinct.of(pd.Series(["b", "a", "b", None]))
    >>> list(seen.uniques), seen.spread([1, 2], missing=0).tolist()
    (['b', 'a'], [1, 2, 1, 0])
    """

    codes: np.ndarray
    uniques: Any

    @classmethod
    def of(cls, values: pd.Series) -> Distinct:
        """The distinct values of ``values`` (`pandas.factorize`)."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return cls(codes, uniques)

    @property
    def missing(self) -> np.ndarray:
        """Where the rows' values are missing."""
        return self.codes < 0

    def spread(self, per_value: Sequence[Any] | np.ndarray, missing: Any = None) -> np.ndarray:
        """An object array, per row: the item of ``per_value`` (one for each of ``uniques``) for its value,
        ``missing`` where it has none."""
        table = np.empty(len(self.uniques) + 1, dtype=object)
        if isinstance(per_value, np.ndarray):
            table[:-1] = per_value
        else:
            for i, item in enumerate(per_value):  # one at a time: a tuple is one item, not a row of them
                table[i] = item
        table[-1] = missing
        return table[self.codes]


def map_distinct(values: pd.Series, convert: Callable[[Any], Any], *, missing: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``convert`` of each non-missing value (called once per distinct value), ``missing`` elsewhere;
    and where the values were missing."""
    seen = Distinct.of(values)
    return seen.spread([convert(v) for v in seen.uniques], missing), seen.missing
