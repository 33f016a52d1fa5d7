"""Valid rows as the records the submit API expects.

>>> batches = iter_encoded(report_canonical, conn)                           # doctest: +SKIP
>>> next(batches)[1][0]                                                    # doctest: +SKIP
{'rowKey': 'INV-0001', 'leafName': 'Invoice 1.pdf', '_Department': 1, '_Regions': '[2,3]', ...}

Encodings (from the submit page): a single choice is its option's order; several choices are
orders in brackets, ``[1,3]``; people are addresses in brackets, ``[ann@contoso.com,b@contoso.com]``;
date-times are text in the connection's date-time format; numbers are JSON numbers (whole
numbers as integers); keys are internal names; blank optional values are left out.

Each column is encoded in one vectorised pass (distinct multi-values are encoded once); the
records are then assembled in chunks, so a million rows never need a million dicts at once.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opus_nb.records._columns import Column, ColumnType
from opus_nb.records._connection import Connection
from opus_nb.records._dates import format_datetimes
from opus_nb.records._distinct import map_distinct

__all__ = ["BLOCK_ROWS", "Encoded", "Records", "assemble", "encode_columns", "encode_text", "iter_encoded"]

Record = dict[str, Any]
#: Rows whose records `Records` makes at a time: enough that a block costs no more a record than
#: the whole sheet at once, few enough that one block (a tenth of a millisecond) holds nothing up.
BLOCK_ROWS = 128


class Encoded(NamedTuple):
    """One column's wire values, and where it is blank (those cells are left out of records)."""

    values: np.ndarray
    blank: np.ndarray


def iter_encoded(
    canonical: pd.DataFrame,
    connection: Connection,
    *,
    chunk_size: int = 15,
    rows: np.ndarray | None = None,
    labels: pd.Index | None = None,
) -> Iterator[tuple[pd.Index, list[Record]]]:
    """Records of validated rows (internal names, canonical values), with their row labels.

    ``rows`` picks positions of ``canonical`` to encode (all by default); ``labels`` gives the
    label of every position of ``canonical`` (its own index by default).
    """
    encoded = encode_columns(canonical, connection)
    columns = {k: e.values for k, e in encoded.items()}
    blanks = {k: e.blank for k, e in encoded.items()}
    positions = np.arange(len(canonical)) if rows is None else np.asarray(rows)
    labels = canonical.index if labels is None else labels
    for chunk, records in assemble(columns, blanks, positions, chunk_size):
        yield labels[chunk], records


def assemble(
    columns: Mapping[str, np.ndarray], blanks: Mapping[str, np.ndarray], positions: np.ndarray, chunk_size: int
) -> Iterator[tuple[np.ndarray, list[Record]]]:
    """Dicts of the values at ``positions``, ``chunk_size`` at a time, leaving out blank cells."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    keys = list(columns)
    arrays = [columns[k] for k in keys]
    gaps = [(k, m) for k, m in blanks.items() if m.any()]
    build = _record_builder(len(keys)) if keys else None
    for start in range(0, len(positions), chunk_size):
        chunk = positions[start : start + chunk_size]
        with _no_gc():
            records = build(*keys, [a[chunk] for a in arrays]) if build else [{} for _ in chunk]
        for key, mask in gaps:
            for i in np.flatnonzero(mask[chunk]).tolist():
                del records[i][key]
        yield chunk, records


class Records(Mapping[int, Record]):
    """The records of the rows at ``positions`` (ascending) of encoded columns, by position, made a
    block at a time the first time one of the block is asked for: sending starts while the rest
    are not made yet.

    >>> key = Encoded(np.array(["a", None], dtype=object), np.array([False, True]))
    >>> records = Records({"rowKey": key}, np.array([0, 1]))
    >>> records[0], records[1], 2 in records, len(records)
    ({'rowKey': 'a'}, {}, False, 2)
    >>> records.make_next()          # every block is made already
    False
    """

    def __init__(self, encoded: Mapping[str, Encoded], positions: np.ndarray, block: int = BLOCK_ROWS) -> None:
        self._encoded = encoded
        rows = np.asarray(positions, dtype=np.int64)
        self._positions: list[int] = rows.tolist()
        self._sendable = frozenset(self._positions)
        columns = {k: e.values for k, e in encoded.items()}
        self._blocks = assemble(columns, {k: e.blank for k, e in encoded.items()}, rows, block)
        self._made: dict[int, Record] = {}

    def __getitem__(self, pos: int) -> Record:
        if pos not in self._sendable:
            raise KeyError(pos)
        while pos not in self._made:
            self.make_next()
        return self._made[pos]

    def make_next(self) -> bool:
        """Make the next block's records now; False when all were made already."""
        block = next(self._blocks, None)
        if block is None:
            return False
        self._made.update(zip(block[0].tolist(), block[1], strict=True))
        return True

    def __contains__(self, pos: object) -> bool:
        return pos in self._sendable

    def __iter__(self) -> Iterator[int]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)

    def column(self, name: str) -> Encoded | None:
        """Column ``name``'s wire values and blanks at every position, without making records; None if absent."""
        return self._encoded.get(name)


@functools.lru_cache(maxsize=32)
def _record_builder(width: int) -> Callable[..., list[Record]]:
    """``build(key_0, ..., key_n, columns)`` -> a dict per row, made by a generated comprehension.

    Generated once per width, as `dataclasses` generates ``__init__``: a dict display is a third
    faster than ``dict(zip(keys, row))``. The keys come in as arguments; only names made from
    numbers are written into the source.
    """
    keys = ", ".join(f"k{i}" for i in range(width))
    values = ", ".join(f"v{i}" for i in range(width))
    pairs = ", ".join(f"k{i}: v{i}" for i in range(width))
    return eval(f"lambda {keys}, columns: [{{{pairs}}} for {values}, in zip(*columns)]")  # noqa: S307


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector while building many small acyclic dicts (it only costs time here)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def encode_columns(canonical: pd.DataFrame, connection: Connection) -> dict[str, Encoded]:
    """Each column's wire values (an object array) and where it is blank, keyed by internal name."""
    return {
        col.internal_name: _encode(col, canonical[col.internal_name], connection)
        for col in connection.columns
        if col.internal_name in canonical
    }


def _encode(column: Column, values: pd.Series, connection: Connection) -> Encoded:
    kind = column.type
    if kind is ColumnType.DATETIME:
        return Encoded(format_datetimes(values, connection.datetime_format), values.isna().to_numpy())
    if kind is ColumnType.NUMBER:
        return _numbers(values)
    if kind is ColumnType.SINGLE_CHOICE:
        codes = pd.Categorical(values, categories=list(column.choices or ())).codes
        out = (codes + 1).astype(object)
        out[codes < 0] = None
        return Encoded(out, codes < 0)
    if kind is ColumnType.MULTIPLE_CHOICE:
        order = {name: i + 1 for i, name in enumerate(column.choices or ())}
        return _per_value(values, lambda names: "[" + ",".join(str(order[n]) for n in names) + "]")
    if kind is ColumnType.PEOPLE_OR_GROUP:
        return _per_value(values, lambda addresses: "[" + ",".join(addresses) + "]")
    return encode_text(values)


def _numbers(values: pd.Series) -> Encoded:
    """Numbers as JSON numbers: whole ones as ints; an object column holds exact Python ints (beyond 2**53)."""
    if values.dtype != object:
        return _floats(values.to_numpy(dtype="float64", na_value=np.nan))
    cells = values.to_numpy(dtype=object)
    exact = np.fromiter((isinstance(v, int) for v in cells), dtype=bool, count=len(cells))
    encoded = _floats(values.where(~exact).to_numpy(dtype="float64", na_value=np.nan))
    encoded.values[exact] = cells[exact]
    encoded.blank[exact] = False
    return encoded


def _floats(numbers: np.ndarray) -> Encoded:
    out = np.empty(len(numbers), dtype=object)
    blank = np.isnan(numbers)
    whole = ~blank & (np.mod(numbers, 1) == 0) & (np.abs(numbers) < 2**53)
    fraction = ~blank & ~whole
    out[whole] = numbers[whole].astype("int64").tolist()
    out[fraction] = numbers[fraction].tolist()
    out[blank] = None
    return Encoded(out, blank)


def encode_text(values: pd.Series) -> Encoded:
    """Text as Python strings; a repetitive column makes each distinct string once."""
    blank = values.isna().to_numpy()
    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None and pc.count_distinct(arrow.slice(0, 2_000)).as_py() < 500:
        encoded = pc.dictionary_encode(arrow).combine_chunks()
        if len(encoded.dictionary) * 4 < len(values):
            texts = np.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), [None])
            codes = encoded.indices.fill_null(-1).to_numpy()
            return Encoded(texts[codes], blank)
    if arrow is not None and (pa.types.is_large_string(arrow.type) or pa.types.is_string(arrow.type)):
        # blanks as None in one pass (pandas fills them in a second)
        return Encoded(arrow.to_numpy(zero_copy_only=False), blank)
    return Encoded(values.to_numpy(dtype=object, na_value=None), blank)


def _per_value(values: pd.Series, encode: Callable[[Any], str]) -> Encoded:
    return Encoded(*map_distinct(values, encode))
