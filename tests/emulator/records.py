"""Constants and a record maker shared by the emulator tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data-samples"
REFERENCE = REPO.parent / "shared" / "reference"
SCOPE = "records.readwrite.all"
RECORDS = "/records/connector/records"


def make_record(i: int, **changes: Any) -> dict[str, Any]:
    """A valid record of the sample connection (due since 2017 under Finance/Accounts Payable)."""
    record: dict[str, Any] = {
        "rowKey": f"R-{i:05d}",
        "leafName": f"invoice-{i}.pdf",
        "termFullPath": "Finance/Accounts Payable",
        "timeCreated": "2010-03-04 05:06:07",
        "timeModified": "2011-03-04 05:06:07",
        "createdBy": "ann@contoso.com",
        "modifiedBy": "bob@contoso.com",
        "_Vendor_%20_Name": "Contoso Ltd",
        "_Description": "line one\nline two",
        "_Document_%20_Date": "2010-03-01 00:00:00",
        "_Department": 1,
        "_Regions": "[1,3]",
        "_Record_%20_Owner": "[ann@contoso.com,legal@contoso.com]",
        "Contract%20_Value": 1250.5,
        "_Business_%20_Area": "Finance/Payables",
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}
