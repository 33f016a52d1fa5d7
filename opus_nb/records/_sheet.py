"""Reading a sheet (CSV or Excel) as an analyst's export gives it.

>>> df = read_sheet("data-samples/records.xlsx")      # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opus_nb._errors import SheetError

__all__ = ["read_sheet"]


def read_sheet(path: str | Path, *, sheet_name: str | int = 0) -> pd.DataFrame:
    """Read a .csv, .xlsx or .xlsm file; every failure is a `SheetError` naming the file."""
    source = Path(path)
    suffix = source.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(source, sheet_name=sheet_name, engine="openpyxl")
    except FileNotFoundError:
        raise SheetError(str(path), "no such file") from None
    except (OSError, ValueError, KeyError) as exc:
        raise SheetError(str(path), str(exc) or type(exc).__name__) from None
    raise SheetError(str(path), f"expected a .csv, .xlsx or .xlsm file, not {suffix or 'no extension'!r}")
