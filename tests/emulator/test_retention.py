"""Terms and retention give each record its disposal due date, as the shared terms model computes it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from opus_nb.emulator.store import Store
from opus_nb.emulator.tenant import Tenant
from opus_nb.records._connection import load_connection
from opus_nb.records._terms import load_terms

from .records import SAMPLES, make_record


def test_terms_given_in_python_recompute_stored_due_dates(emu, post_records, get_due) -> None:
    post_records([make_record(1, termFullPath="Legal/Litigation"), make_record(2)])
    assert emu.record("R-00001").due is None
    emu.set_terms(
        [
            {"fullPath": "Legal/Litigation", "retention": {"years": 1, "after": "timeModified"}},
            {"fullPath": "Finance/Accounts Payable", "retention": None},
        ]
    )
    assert emu.record("R-00001").due == dt.datetime(2012, 3, 4, 5, 6, 7)
    assert emu.record("R-00002").due is None
    assert [i["rowKey"] for i in get_due().json()["queriedItems"]] == ["R-00001"]


def test_an_unknown_term_is_refused_only_once_terms_exist(emu, post_records) -> None:
    emu.set_terms([])
    assert post_records([make_record(1, termFullPath="Anything/Goes")]).status_code == 201
    assert emu.record("R-00001").due is None
    emu.set_terms(SAMPLES / "terms.json")
    assert post_records([make_record(2, termFullPath="Anything/Goes")]).status_code == 418


def test_a_due_date_beyond_the_calendar_means_never_due(emu, post_records) -> None:
    far = "9999-06-01 00:00:00"
    assert post_records([make_record(1, timeCreated=far, timeModified=far)]).status_code == 201
    assert emu.record("R-00001").due is None


def _tenant() -> Tenant:
    tenant = Tenant(Store(None))
    tenant.set_terms(SAMPLES / "terms.json")
    tenant.create_connection(load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json"))
    return tenant


TERMS = {t.full_path: t for t in load_terms(SAMPLES / "terms.json")}


@given(
    created=st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    lag=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=4000)),
    term=st.sampled_from(sorted(TERMS)),
)
def test_due_dates_agree_with_the_terms_model(created: dt.datetime, lag: dt.timedelta, term: str) -> None:
    tenant = _tenant()
    created = created.replace(microsecond=0)
    modified = (created + lag).replace(microsecond=0)
    record = make_record(
        1, termFullPath=term, timeCreated=f"{created:%Y-%m-%d %H:%M:%S}", timeModified=f"{modified:%Y-%m-%d %H:%M:%S}"
    )
    conn_id = tenant.connections[0].id
    assert tenant.submit(conn_id, "Skip", [record]).stored == 1
    expected = TERMS[term].due_date(pd.Timestamp(created), pd.Timestamp(modified))
    stored = tenant.record("R-00001").due
    assert stored == (None if expected is None else expected.to_pydatetime())
