"""Work done once per distinct value of a column, then spread back over its rows.

>>> values, missing = map_distinct(pd.Series(["a", "b", "a", None]), str.upper)
>>> values.tolist(), missing.tolist()
(['A', 'B', 'A', None], [False, False, False, True])

Columns of choices, people and paths repeat a few values many times: a million rows with a
few hundred distinct values cost a few hundred calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["map_distinct"]


def map_distinct(values: pd.Series, convert: Callable[[Any], Any], *, missing: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``convert`` of each non-missing value (called once per distinct value), ``missing`` elsewhere;
    and where the values were missing."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[-1] = missing
    for i, value in enumerate(uniques):
        results[i] = convert(value)
    return results[codes], codes < 0
