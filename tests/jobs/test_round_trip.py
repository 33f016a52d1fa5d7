"""What is submitted comes back the same from due records, for every column type, on connections and rows
the project never saw (hypothesis): validate -> submit to the emulator -> due_records -> equal values.

Generated connections mix the eight column types under both internal-name spellings, choice options with
commas, brackets and quotes, and the tenant date-time formats of `tests.helpers.generated`; rows have
blanks anywhere optional, exact whole numbers beyond 2**53, and pages of any size. It runs half the
Hypothesis profile's examples: 30 in `make test`, 500 with ``--hypothesis-profile thorough``."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opus_nb as opus
from opus_nb import emulator
from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.emulator import Emulator
from tests.helpers.generated import Generated, connections, rows

#: Half the profile's examples (tests/helpers/lanes.py): each one submits and lists a tenant's records.
EXAMPLES = max(5, settings.default.max_examples // 2)
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, OpusClient, Path]]:
    """One emulator for the module (each example resets it), a client signed in to it, and a folder for journals."""
    with emulator.run() as emu:
        app = emu.register_app(credential="secret")
        secret = app.client_secret
        assert secret is not None
        with OpusClient(ClientSecretCredential(app.client_id, secret), graph_url=emu.url, identity_url=emu.identity_url) as api:
            yield emu, api, tmp_path_factory.mktemp("journals")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _same(sent: Any, back: Any) -> bool:
    if _missing(sent) or _missing(back):
        return _missing(sent) and _missing(back)
    if isinstance(sent, int) and not isinstance(sent, bool) and abs(sent) >= 2**53:
        return type(back) is int and back == sent  # exact, not a float near it
    return bool(sent == back)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_value_submitted_comes_back_the_same_from_due_records(
    tenant: tuple[Emulator, OpusClient, Path], data: st.DataObject
) -> None:
    emu, api, journals = tenant
    generated: Generated = data.draw(connections())
    conn = generated.connection
    sheet = data.draw(rows(generated))
    emu.reset()
    emu.create_connection(conn)
    emu.set_terms(generated.terms)

    report = opus.validate(sheet, conn)
    assert report.errors.empty, report.errors.to_dict("records")
    results = opus.submit(report.valid, conn, client=api, progress=False, journal=journals / uuid.uuid4().hex)
    assert (results["status"] == "submitted").all(), results["message"].dropna().tolist()[:3]

    page_size = data.draw(st.integers(1, 100), label="page_size")
    due = opus.due_records(conn, before="2100-01-01", page_size=page_size, client=api, progress=False)
    assert sorted(due["rowKey"]) == sorted(sheet["Row key"])
    back = due.set_index("rowKey")
    valid = report.valid.set_index("Row key")
    for column in conn.columns:
        sent_name = column.display_name
        back_name = column.internal_name if column.builtin else column.display_name
        if column.internal_name == "rowKey":
            continue
        if back_name not in back:
            assert valid[sent_name].map(_missing).all(), f"{sent_name} came back missing"
            continue
        for key in valid.index:
            sent, got = valid.at[key, sent_name], back.at[key, back_name]
            assert _same(sent, got), f"{column.type.value} {sent_name!r} of {key}: sent {sent!r}, got {got!r}"
