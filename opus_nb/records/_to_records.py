"""A sheet to API records: validate, then encode; nothing is encoded unless every row is valid.

>>> df.opus.to_records(conn)[0]                                            # doctest: +SKIP
{'rowKey': 'INV-0001', 'leafName': 'Invoice 1.pdf', '_Department': 1, '_Regions': '[2,3]', ...}
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

import pandas as pd

from opus_nb.records._connection import Connection
from opus_nb.records._validate import validate

__all__ = ["iter_records", "to_records"]

Record = dict[str, Any]


def to_records(
    df: pd.DataFrame, connection: Connection, *, rename: Mapping[Hashable, str] | None = None, dayfirst: bool = False
) -> list[Record]:
    """Validate ``df`` against ``connection`` and return every row as an API record; raises
    `ValidationFailed` if any row fails. ``rename`` and ``dayfirst``: as `opus_nb.validate`."""
    return [record for chunk in iter_records(df, connection, rename=rename, dayfirst=dayfirst) for record in chunk]


def iter_records(
    df: pd.DataFrame,
    connection: Connection,
    *,
    chunk_size: int = 10_000,
    rename: Mapping[Hashable, str] | None = None,
    dayfirst: bool = False,
) -> Iterator[list[Record]]:
    """Like `to_records` (``df``, ``connection``, ``rename``, ``dayfirst``), ``chunk_size`` records at a
    time (validation happens before the first chunk)."""
    report = validate(df, connection, rename=rename, dayfirst=dayfirst)
    report.raise_if_invalid()
    for _, records in report.batches(chunk_size):
        yield records
