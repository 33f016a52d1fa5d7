"""The client's typed calls, blocking, over real HTTP to the emulator in both API generations: each record's or
key's answer to a batch, and every page of due records."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.client._batches import KeyState, Refusal
from opus_nb.client._operations import DueQuery
from opus_nb.emulator import Emulator


@pytest.mark.parametrize("api", ["graph", "legacy"])
def test_submit_due_and_destroy_batches_answer_per_key(emu: Emulator, sheet: pd.DataFrame, api: str) -> None:
    assert emu.connection is not None
    conn = replace(emu.connection, terms=tuple(emu.terms))  # classifications written as Opus holds them
    report = sheet.opus.validate(conn)
    records = [report.records()[pos] for pos in list(report.records())[:3]]
    records[1] = {**records[1], "_Department": 99}  # no such option
    app = emu.register_app(credential="secret")
    assert app.client_secret is not None
    credential = opus.ClientSecretCredential(app.client_id, app.client_secret)
    with opus.OpusClient(credential, graph_url=emu.url, identity_url=emu.identity_url, api=api, api_url=emu.url) as client:
        sent = client.submit_batch(conn.id, "Skip", records)
        assert [a.state for a in sent.answers] == [KeyState.DONE, KeyState.REFUSED, KeyState.DONE]
        assert "_Department" in (sent.answers[1].reason or "") and sent.request_id
        assert sent.keys == tuple(r["rowKey"] for r in records)

        pages = list(client.due_pages(DueQuery(conn.id, dt.datetime(2100, 1, 1), page_size=1)))
        assert [len(p.items) for p in pages] == [1, 1] and pages[-1].next_token is None
        assert [p.items[0]["rowKey"] for p in pages] == [records[0]["rowKey"], records[2]["rowKey"]]

        gone = client.destroy_batch([records[0]["rowKey"], "NO-SUCH-KEY"])
        assert [a.state for a in gone.answers] == [KeyState.DONE, KeyState.REFUSED]
        assert gone.answers[1].refusal is Refusal.UNKNOWN_KEY
        again = client.destroy_batch([records[0]["rowKey"]])
        assert again.answers[0].state is KeyState.DONE and again.answers[0].refusal is Refusal.ALREADY_DESTROYED
