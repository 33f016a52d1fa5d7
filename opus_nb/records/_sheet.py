"""Reading a sheet (CSV or Excel) as an analyst's export gives it, the same rows alike in either format.

>>> df = read_sheet("data-samples/records.xlsx")      # doctest: +SKIP

A cell is blank only when it is empty: ``NA``, ``N/A``, ``null``, ``None``, ``#N/A`` and ``nan``
are text, as they are in the sheet (pandas' own readers take them for missing unless told not
to). An empty cell of a text column is empty text, as in a CSV file; in a column that also holds
numbers or dates it is None. Excel cells keep their values: numbers, dates and times as Python
values, an error cell (``#N/A``, ``#DIV/0!``) as its text, as a CSV export of it reads, and a
formula as the value Excel last saved for it. The first row names the columns (a blank name
becomes ``Unnamed: N``, a repeated one gets ``.1``, as pandas names them); rows and unnamed
columns left empty after the last value are not part of the sheet.

Excel files are read with openpyxl. python-calamine reads faster, but gives an error cell and a
cell of spaces as empty text, so ``#N/A`` would be blank again.
"""

from __future__ import annotations

import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from opus_nb._errors import SheetError

__all__ = ["read_sheet"]

# What a file that is not a readable workbook raises from openpyxl, zipfile, zlib and the XML parsers
# (a broken XML part is a SyntaxError: ElementTree's ParseError and lxml's XMLSyntaxError); a
# damaged part can also break openpyxl's reading of it with a TypeError, KeyError or IndexError.
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    EOFError,
    SyntaxError,
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
)


def read_sheet(path: str | Path, *, sheet_name: str | int = 0) -> pd.DataFrame:
    """The rows of a .csv, .xlsx or .xlsm file, every cell as the file holds it (see the module's text).

    >>> read_sheet("contracts.xlsx", sheet_name="2026")["Region"].tolist()      # doctest: +SKIP
    ['NA', 'Middle East, Africa', '']

    ``path`` is the file; ``sheet_name`` names a workbook's sheet, or gives its position (0, the
    first, by default; a CSV file has one). Every failure (no such file, not a workbook, a broken
    one, no such sheet, an empty sheet) is a `SheetError` naming the file.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise SheetError(str(path), f"expected a .csv, .xlsx or .xlsm file, not {suffix or 'no extension'!r}")
    if not source.is_file():
        raise SheetError(str(path), "no such file")
    grid = _csv_grid(source, str(path)) if suffix == ".csv" else _workbook_grid(source, sheet_name, str(path))
    frame = _framed(grid)
    if frame is None:
        raise SheetError(str(path), "the sheet is empty: its first row should name the columns")
    return frame


def _csv_grid(source: Path, label: str) -> pd.DataFrame:
    """Every cell as text; an empty cell as empty text."""
    try:
        return pd.read_csv(source, header=None, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (OSError, ValueError) as exc:  # a file that is not UTF-8 text, a row with more cells than the first
        raise SheetError(label, f"not a readable CSV file: {str(exc).strip() or type(exc).__name__}") from None


def _workbook_grid(source: Path, sheet_name: str | int, label: str) -> pd.DataFrame:
    """Every cell as openpyxl reads it (empty ones None), an error cell as its text."""
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)
        try:
            sheet = _sheet(book, sheet_name, label)
            sheet.reset_dimensions()  # the size a file declares may be wrong: read the rows it holds
            rows = list(_trimmed(sheet.iter_rows(values_only=True)))
        finally:
            book.close()
    except _UNREADABLE as exc:
        raise SheetError(label, f"not a workbook, or a damaged one: {str(exc).strip() or type(exc).__name__}") from None
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + (None,) * (width - len(r)) for r in rows], columns=range(width), dtype=object)


def _sheet(book: Any, sheet_name: str | int, label: str) -> Any:
    names = book.sheetnames
    if isinstance(sheet_name, int) and not isinstance(sheet_name, bool) and -len(names) <= sheet_name < len(names):
        return book[names[sheet_name]]
    if isinstance(sheet_name, str) and sheet_name in names:
        return book[sheet_name]
    raise SheetError(label, f"no sheet {sheet_name!r}; its sheets: {', '.join(map(repr, names))}")


def _trimmed(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows up to the last one holding a value, each without the empty cells after its last value."""
    empty_rows = 0
    for row in rows:
        end = len(row)
        while end and _empty(row[end - 1]):
            end -= 1
        if not end:
            empty_rows += 1
            continue
        yield from itertools.repeat((), empty_rows)
        empty_rows = 0
        yield row[:end]


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and cell == "")


def _framed(grid: pd.DataFrame) -> pd.DataFrame | None:
    """``grid``'s first row as the header and the rest as the rows, without the empty rows after the
    last value nor the columns with neither a name nor a value; text columns as ``str``."""
    filled = pd.DataFrame({c: grid[c].notna() & (grid[c] != "") for c in grid.columns}).to_numpy(dtype=bool)
    keep = [i for i in range(grid.shape[1]) if filled[:, i].any()]
    if not len(grid) or not keep:
        return None
    last = int(filled[:, keep].any(axis=1).nonzero()[0].max())
    body = grid.iloc[1 : last + 1, keep].reset_index(drop=True)
    headers = _unique([_header(grid.iat[0, i], i) for i in keep])
    return pd.DataFrame({n: _column(body.iloc[:, n]) for n in range(len(keep))}).set_axis(headers, axis=1)


def _header(cell: Any, position: int) -> str:
    if _empty(cell):
        return f"Unnamed: {position}"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _unique(names: list[str]) -> list[str]:
    """Repeated names numbered as pandas numbers them: "Name", "Name.1", "Name.2"."""
    counts: dict[str, int] = {}
    out = []
    for name in names:
        base, count = name, counts.get(name, 0)
        while count:
            counts[base] = count + 1
            name = f"{base}.{count}"
            count = counts.get(name, 0)
        counts[name] = count + 1
        out.append(name)
    return out


def _column(cells: pd.Series) -> pd.Series:
    """A text column (empty cells as empty text) as ``str``; any other as it is, its empty cells None."""
    if cells.dtype != object:
        return cells
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        return cells.fillna("").astype("str")
    return cells.where(cells.map(lambda v: not _empty(v)), None)
