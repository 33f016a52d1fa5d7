"""Each test gets a fresh tenant on its worker's emulator: nothing an earlier test left behind reaches it,
not even an answer the emulator was still holding back when that test ended."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.helpers.tenant import fresh_tenant, wait_for_requests_in_flight

from .records import RECORDS, SAMPLES, make_record


def test_a_fresh_tenant_keeps_nothing_an_earlier_test_left(emu, api, post_records) -> None:
    sample_terms = emu.terms
    assert post_records([make_record(1), make_record(2)]).status_code == 201
    emu.create_connection({"id": "6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f", "data": [{"_Note": "SingleText"}]})
    emu.hold("R-00001")
    emu.set_terms([])
    emu.now, emu.manual_approval = "2001-02-03 04:05:06", True
    emu.faults(latency_ms=1500)
    with pytest.raises(httpx.ReadTimeout):  # a client that gives up: its answer is held back, then logged
        api.get(RECORDS, params={"id": emu.connection.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 1}, timeout=0.2)

    fresh = fresh_tenant(emu, SAMPLES)
    wait_for_requests_in_flight(fresh)
    assert list(fresh.requests) == []  # the held-back answer left before the reset, not into this tenant
    assert fresh.records() == [] and fresh.connections == [fresh.connection]
    assert fresh.terms == sample_terms
    assert fresh.manual_approval is False
    assert abs(fresh.now - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)
    assert post_records([make_record(1)]).status_code == 201
    assert fresh.requests[-1].duration_ms < 1000 and not fresh.record("R-00001").on_hold
