"""Faults on request (latency, 5xx, 429 + Retry-After, dropped connections), seeded; the request log."""

from __future__ import annotations

import datetime as dt
import threading
import time

import httpx
import pytest

from opus_nb.emulator import EmulatorConfigError, FaultPlan

from .records import RECORDS, make_record


def _statuses(api: httpx.Client, conn_id: str, n: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(n):
        try:
            seen.append(api.get(RECORDS, params={"id": conn_id, "disposalDueDate": "2030-01-01", "itemsPerPage": 1}).status_code)
        except httpx.RemoteProtocolError:
            seen.append("dropped")
    return seen


def test_the_same_seed_gives_the_same_faults(emu, api, conn) -> None:
    emu.faults(error_rate=0.2, throttle_rate=0.2, drop_rate=0.1, seed=11)
    first = _statuses(api, conn.id, 40)
    emu.faults(error_rate=0.2, throttle_rate=0.2, drop_rate=0.1, seed=11)
    assert _statuses(api, conn.id, 40) == first
    emu.faults(error_rate=0.2, throttle_rate=0.2, drop_rate=0.1, seed=12)
    assert _statuses(api, conn.id, 40) != first
    assert {204, 429, "dropped"} <= set(first)
    assert set(first) - {204, 429, "dropped"} <= {500, 502, 503} and set(first) & {500, 502, 503}


def test_throttling_answers_429_with_retry_after(emu, api, conn) -> None:
    emu.faults(throttle_rate=1.0, retry_after_s=3)
    response = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 1})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["statusCode"] == 429
    emu.faults(throttle_rate=1.0, retry_after_s=0.25)
    assert api.get(RECORDS).headers["retry-after"] == "0.25"


def test_a_faulted_submit_stores_nothing(emu, post_records) -> None:
    emu.faults(error_rate=1.0)
    response = post_records([make_record(1)])
    assert response.status_code in (500, 502, 503)
    assert emu.records() == []
    assert emu.requests[-1].fault == "error" and emu.requests[-1].status == response.status_code


def test_a_dropped_connection_gives_no_response_and_is_logged(emu, post_records) -> None:
    emu.faults(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        post_records([make_record(1)])
    entry = emu.requests[-1]
    assert entry.fault == "drop" and entry.status is None and entry.method == "POST"
    emu.faults()
    assert post_records([make_record(1)]).status_code == 201


def test_latency_delays_every_answer_and_shows_in_the_log(emu, api, conn) -> None:
    emu.faults(latency_ms=60, jitter_ms=20)
    response = api.get(RECORDS, params={"id": conn.id, "disposalDueDate": "2030-01-01", "itemsPerPage": 1})
    assert response.status_code == 204
    assert emu.requests[-1].duration_ms >= 60
    assert emu.requests[-1].fault is None


def test_latency_is_the_least_time_an_answer_takes_and_the_work_is_done_on_arrival(emu, post_records) -> None:
    emu.faults(latency_ms=400)
    answered: list[int] = []
    sending = threading.Thread(target=lambda: answered.append(post_records([make_record(1)]).status_code))
    started = time.perf_counter()
    sending.start()
    deadline = started + 0.35
    while not emu.records() and time.perf_counter() < deadline:
        time.sleep(0.01)
    stored_while_held, answers_by_then = [r.row_key for r in emu.records()], list(answered)
    sending.join()
    took = time.perf_counter() - started
    assert stored_while_held == ["R-00001"]
    assert answers_by_then == []
    assert answered == [201]
    assert 0.4 <= took < 1.0
    assert 400 <= emu.requests[-1].duration_ms < 500


def test_the_identity_service_is_faulted_too_but_admin_pages_are_not(emu, secret_app) -> None:
    emu.faults(throttle_rate=1.0)
    form = {"grant_type": "client_credentials", "client_id": secret_app.client_id, "client_secret": secret_app.secret}
    assert httpx.post(emu.token_url, data=form).status_code == 429
    assert httpx.get(f"{emu.url}/emulator").status_code == 200


def test_the_request_log_holds_method_path_status_records_and_time(emu, post_records, get_due, delete_records) -> None:
    emu.requests.clear()
    before = dt.datetime.now(dt.UTC)
    post_records([make_record(i) for i in range(4)])
    get_due(per_page=3)
    delete_records(["R-00001", "R-00002"])
    log = list(emu.requests)
    assert [(e.method, e.path, e.status, e.records) for e in log] == [
        ("POST", RECORDS, 201, 4),
        ("GET", RECORDS, 200, 3),
        ("DELETE", RECORDS, 200, 2),
    ]
    assert all(before <= e.time <= dt.datetime.now(dt.UTC) for e in log)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"latency_ms": -5},
        {"error_rate": 0.6, "throttle_rate": 0.6},
        {"token_lifetime_s": 0},
        {"retry_after_s": float("nan")},
    ],
)
def test_impossible_fault_plans_are_refused(emu, kwargs) -> None:
    with pytest.raises(EmulatorConfigError):
        emu.faults(**kwargs)
    assert emu.faults() == FaultPlan()
