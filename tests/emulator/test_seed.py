"""`emulator.start(seed=folder)` with a folder of a user's own: a connection that is not the sample
(another id, both internal-name spellings, options holding commas, brackets and quotes, the
tenant's own date-time format), its choices and terms, served over HTTP; the connection file the
emulator lets you download seeds another emulator as it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opus_nb import emulator
from opus_nb.emulator import Emulator, EmulatorConfigError
from tests.helpers.contracts import COLUMNS

from .records import RECORDS, SCOPE

pytestmark = pytest.mark.server

CONTRACTS = "0c7d9e2a-5b3f-4a61-b8d4-7e2f19a0c3b5"
CHOICES = {
    "Region": ["North America", "Middle East, Africa", "Asia [Pacific]", '"Other"'],
    "Business Units": ["Legal", "Procurement, Global", "IT"],
}
TERMS = {
    "terms": [
        {"fullPath": "Contracts/Supplier", "retention": {"years": 3, "after": "timeModified"}},
        {"fullPath": "Contracts/Customer", "retention": None},
    ]
}


def _folder(path: Path, *, connection_name: str = "connection.json", **extra: object) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    connection = {"id": CONTRACTS.upper(), "conflictOption": "Overwrite", "data": [COLUMNS], **extra}
    (path / connection_name).write_text(json.dumps(connection, indent=2), encoding="utf-8")
    (path / "choices.json").write_text(json.dumps(CHOICES), encoding="utf-8")
    (path / "terms.json").write_text(json.dumps(TERMS), encoding="utf-8")
    return path


@pytest.fixture
def contracts(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator seeded with a contracts connection in day-first format, written in tmp_path."""
    with emulator.run(seed=_folder(tmp_path / "mine", datetimeFormat="%d/%m/%Y %H:%M")) as running:
        yield running


def _api(emu: Emulator) -> httpx.Client:
    """A client signed in as a user would: an app registered, a token from the identity service."""
    app = emu.register_app(credential="secret")
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret, "scope": SCOPE}
    token = httpx.post(emu.token_url, data=form).json()["access_token"]
    return httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _contract(key: str, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "rowKey": key,
        "leafName": f"{key}.pdf",
        "termFullPath": "Contracts/Supplier",
        "timeCreated": "02/01/2015 03:04",
        "timeModified": "02/01/2016 03:04",
        "createdBy": "ann@contoso.com",
        "modifiedBy": "ann@contoso.com",
        "_Region": 2,
        "Business%20_Units": "[2,3]",
        "_Counter_%20_Party": "Globex, Inc.",
        "_Contract_%20_Owners": "[ann@contoso.com,legal@contoso.com]",
        "_Signed_%20_On": "01/01/2015",
        "_Contract_%20_Value_%20_USD": 125000.5,
    }
    return record | changes


def test_a_folder_of_your_own_is_served_with_its_connection_choices_terms_and_format(contracts) -> None:
    conn = contracts.connection
    assert conn is not None and conn.id == CONTRACTS and conn.datetime_format == "%d/%m/%Y %H:%M"
    assert conn.column("Region").choices == tuple(CHOICES["Region"])
    assert conn.column("Business Units").choices == tuple(CHOICES["Business Units"])
    assert [t.full_path for t in contracts.terms] == ["Contracts/Supplier", "Contracts/Customer"]
    assert httpx.get(f"{contracts.url}/emulator").json()["connections"] == [CONTRACTS]
    with _api(contracts) as api:
        body = {"id": CONTRACTS, "conflictOption": "Overwrite", "data": [_contract("C-1"), _contract("C-2", _Region=4)]}
        assert api.post(RECORDS, json=body).status_code == 201
        wrong = [_contract("C-3", _Region=5), _contract("C-4", timeCreated="2015-01-02 03:04:05")]
        refused = api.post(RECORDS, json={"id": CONTRACTS, "conflictOption": "Skip", "data": wrong}).json()["failedItems"]
        assert [f["message"] for f in refused] == [
            "_Region: 5 is not an option order of this column (1 to 4)",
            "timeCreated: '2015-01-02 03:04:05' is not a date-time in the format %d/%m/%Y %H:%M",
        ]
        query = {"id": CONTRACTS, "disposalDueDate": "01/01/2030 00:00", "itemsPerPage": 100}
        items = api.get(RECORDS, params=query).json()["queriedItems"]
    assert [i["rowKey"] for i in items] == ["C-1", "C-2"]
    assert items[0] == {
        **_contract("C-1"),
        "timeCreated": "02/01/2015 03:04 ",
        "timeModified": "02/01/2016 03:04 ",
        "_Signed_%20_On": "01/01/2015 00:00",
    }
    assert contracts.record("C-1").due is not None and contracts.record("C-1").due.year == 2019


def test_the_connection_file_the_emulator_offers_seeds_another_emulator_as_it_is(contracts, tmp_path: Path) -> None:
    download = httpx.get(f"{contracts.url}/emulator/connections/{CONTRACTS}")
    name = download.headers["content-disposition"].split('filename="')[1].rstrip('"')
    assert name == f"connection-{CONTRACTS}.json"
    again = tmp_path / "downloaded"
    again.mkdir()
    (again / name).write_bytes(download.content)
    for other in ("choices.json", "terms.json"):
        (again / other).write_text((tmp_path / "mine" / other).read_text())
    with emulator.run(seed=again) as second:
        assert second.connection is not None
        assert second.connection.id == CONTRACTS
        assert [(c.internal_name, c.type.value) for c in second.connection.columns] == list(COLUMNS.items())
        assert second.connection.column("Region").choices == tuple(CHOICES["Region"])


def test_a_folder_with_two_connection_files_is_refused_naming_them(tmp_path: Path) -> None:
    folder = _folder(tmp_path, connection_name="connection-a.json")
    (folder / "connection-b.json").write_text((folder / "connection-a.json").read_text())
    with pytest.raises(EmulatorConfigError, match="connection-a.json, connection-b.json"):
        emulator.start(seed=folder)
