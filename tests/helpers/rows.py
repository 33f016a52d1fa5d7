"""Sheets to validate: one row that passes every rule of the sample connection, to spoil a cell at a time,
and the downloaded form of a connection."""

from __future__ import annotations

from typing import Any

import pandas as pd

GUID = "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11"

REGIONS = ["North America", "Europe", "Asia Pacific", "Latin America", "Middle East, Africa"]


def good_row(**changes: Any) -> dict[str, Any]:
    """One row that passes every rule of the sample connection, under display names."""
    row: dict[str, Any] = {
        "Row key": "INV-0001",
        "Name": "Invoice 1.pdf",
        "Classification": "Finance/Accounts Payable",
        "Created time": "2021-03-04 10:30:00",
        "Modified time": "2021-03-05 11:00:00",
        "Created by": "ann@contoso.com",
        "Modified by": "bob@contoso.com",
        "Vendor Name": "Northwind",
        "Description": "first line\nsecond line",
        "Document Date": "2021-03-01",
        "Department": "Finance",
        "Regions": "Europe; Asia Pacific",
        "Record Owner": "ann@contoso.com",
        "Contract Value": 1200.5,
        "Business Area": "Finance/Invoices",
    }
    row.update(changes)
    return row


def frame(*rows: dict[str, Any], index: Any = None) -> pd.DataFrame:
    """A sheet of these rows; every column of object dtype, as a messy export would be."""
    return pd.DataFrame(list(rows), index=index, dtype=object)


def sheet(n: int = 3, **changes_by_row: dict[str, Any]) -> pd.DataFrame:
    """``n`` good rows with distinct keys; ``changes_by_row={"r1": {...}}`` spoils row 1 (0-based)."""
    rows = []
    for i in range(n):
        rows.append(good_row(**{"Row key": f"INV-{i:04d}", **changes_by_row.get(f"r{i}", {})}))
    return frame(*rows)


def downloaded(**columns: str) -> dict[str, Any]:
    """A connection in the downloaded form holding these custom columns (internal name -> type)."""
    return {"id": GUID, "confilictOption": "Skip", "data": [columns]}
