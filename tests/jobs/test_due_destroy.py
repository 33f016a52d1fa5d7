"""Due records and destroy through the real emulator; paging edge cases with scripted transports."""

from __future__ import annotations

import httpx2
import pandas as pd
import pytest

import opus_nb  # noqa: F401  (registers df.opus)
from opus_nb._errors import ConfirmationRequired, PagingError
from opus_nb.client._client import OpusClient
from opus_nb.client._credentials import ClientSecretCredential
from opus_nb.jobs._audit import AuditLog
from opus_nb.jobs._destroy import destroy
from opus_nb.jobs._due import due_records

BEFORE = "2026-01-01"


def _due_in_emulator(emu, before: str) -> set[str]:
    cut = pd.Timestamp(before).to_pydatetime()
    return {r.row_key for r in emu.records() if r.due is not None and r.due < cut and not r.on_hold and r.destroyed is None}


def test_due_records_walks_every_page_into_a_typed_frame(client, emu, sheet, submits) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, page_size=37, progress=False)
    expected = _due_in_emulator(emu, BEFORE)
    assert len(expected) > 100
    assert set(due["rowKey"]) == expected and len(due) == len(expected)
    pages = [r for r in emu.requests if r.method == "GET" and r.path == "/records/connector/records"]
    assert len(pages) == -(-len(expected) // 37)
    assert str(due["timeCreated"].dtype).startswith("datetime64")
    assert due["timeCreated"].notna().all()
    stored = {r.row_key: r.data["timeCreated"] for r in emu.records()}
    key = due["rowKey"].iloc[0]
    assert due["timeCreated"].iloc[0] == pd.Timestamp(stored[key])


def test_empty_result_is_an_empty_frame_with_the_columns(client) -> None:
    due = due_records(before="1990-01-01", progress=False)
    assert due.empty
    assert list(due.columns)[:7] == [
        "rowKey",
        "leafName",
        "termFullPath",
        "timeCreated",
        "timeModified",
        "createdBy",
        "modifiedBy",
    ]
    assert str(due["timeModified"].dtype).startswith("datetime64")


def _scripted(pages: list[tuple[int, dict]]) -> OpusClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": "https://id.test/connect/token"})
        if request.url.path == "/connect/token":
            return httpx2.Response(200, json={"access_token": "t", "expires_in": 3600})
        status, body = pages.pop(0)
        return httpx2.Response(status) if status == 204 else httpx2.Response(status, json=body)

    return OpusClient(
        ClientSecretCredential("a", "s"),
        graph_url="https://g.test",
        identity_url="https://id.test",
        transport=httpx2.MockTransport(handler),
    )


def test_repeated_paging_token_is_an_error_and_204_is_empty() -> None:
    conn = opus_nb.load_connection({"id": "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11", "data": [{"rowKey": "SingleText"}]})
    item = {"rowKey": "A", "timeCreated": "2024-12-19 18:15:00 "}
    loop = _scripted([(200, {"queriedItems": [item], "startIndex": "p2"}), (200, {"queriedItems": [item], "startIndex": "p2"})])
    with pytest.raises(PagingError, match="p2"):
        due_records(conn, before=BEFORE, client=loop, progress=False)
    empty = due_records(conn, before=BEFORE, client=_scripted([(204, {})]), progress=False)
    assert empty.empty and "rowKey" in empty
    legacy = due_records(
        conn,
        before=BEFORE,
        progress=False,
        client=_scripted(
            [(200, {"items": [item], "pageIndex": "x"}), (200, {"data": [dict(item, rowKey="B")], "pageIndex": None})]
        ),
    )
    assert legacy["rowKey"].tolist() == ["A", "B"]
    assert legacy["timeCreated"].iloc[0] == pd.Timestamp("2024-12-19 18:15:00")


def test_destroy_refuses_without_confirm(client) -> None:
    with pytest.raises(ConfirmationRequired, match="confirm=True"):
        destroy(["a"])
    with pytest.raises(ConfirmationRequired):
        destroy(["a"], confirm="yes")  # type: ignore[arg-type]


def test_destroy_rechecks_sends_15_at_a_time_and_audits(client, emu, sheet, tmp_path) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False)
    chosen = due.head(40)
    held = chosen["rowKey"].iloc[3]
    emu.hold(held)
    keys = [*chosen["rowKey"], "NO-SUCH-KEY"]
    results = destroy(keys, confirm=True, reviewer="j.smith", before=BEFORE, progress=False)
    assert results["status"].value_counts().to_dict() == {"destroyed": 39, "not_sent": 2}
    messages = results.set_index("rowKey")["message"]
    assert messages[held].startswith("not sent: Opus lists it as due neither now nor at any later date: it is on hold")
    assert messages["NO-SUCH-KEY"] == messages[held]  # the API cannot tell a held record from an unknown one
    destroyed = {r.row_key for r in emu.records() if r.destroyed is not None}
    assert destroyed == set(chosen["rowKey"]) - {held}
    deletes = [r for r in emu.requests if r.method == "DELETE"]
    assert [r.records for r in deletes] == [15, 15, 9]
    log = AuditLog(tmp_path / "opus-audit").read()
    assert set(log["reviewer"]) == {"j.smith"}
    assert (log["result"] == "intent").sum() == 39
    assert (log["result"] == "destroyed").sum() == 39
    assert (log["result"] == "not_sent").sum() == 2
    row = log[(log.rowKey == keys[0]) & (log.result == "destroyed")].iloc[0]
    assert row["name"] == chosen["leafName"].iloc[0] and row["classification"] == chosen["termFullPath"].iloc[0]
    assert (tmp_path / "opus-audit" / "destroy-audit.csv").read_text().count("\n") == len(log) + 1


def test_destroy_from_a_frame_keeps_its_index_and_reports_server_refusals(client, emu, sheet) -> None:
    sheet.opus.submit(progress=False)
    due = due_records(before=BEFORE, progress=False).head(5)
    due.index = pd.Index(list("abcde"))
    emu.manual_approval = True
    emu.approve(due["rowKey"].iloc[:2])
    results = due.opus.destroy(confirm=True, recheck=False, progress=False)
    assert list(results.index) == list("abcde")
    assert results["status"].tolist() == ["destroyed", "destroyed", "failed", "failed", "failed"]
    assert results["http_status"].tolist() == [418] * 5
    assert results["message"].iloc[2:].notna().all()
