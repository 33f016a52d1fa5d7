"""Answers a real service might give that the emulator does not: failed items naming no row, secrets echoed back.

The emulator names failed records exactly as they were sent and never echoes a request. A real service
may (it may trim or change the case of a key, name a record the batch never held, or copy the request's
headers into an error), so these tests put a reverse proxy on 127.0.0.1 (tests/helpers/proxy.py) in front
of the emulator that rewrites its answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pandas as pd
import pytest
from starlette.requests import Request

import opus_nb
from opus_nb._errors import OpusHTTPError
from opus_nb.client._batches import read_batch
from opus_nb.client._client import OpusClient, Reply
from opus_nb.jobs._journal import Journal
from opus_nb.jobs._outcomes import Outcomes, batch_outcomes
from opus_nb.jobs._signin import current_connection
from tests.helpers.proxy import Answer, RewritingProxy, failed_items

Rewrite = Callable[[list[Any]], list[Any]]


@pytest.fixture
def proxied(client: OpusClient, emu: Any) -> Iterator[tuple[RewritingProxy, OpusClient]]:
    """The session's app, signed in as before, but talking to Opus through the rewriting proxy."""
    with RewritingProxy(emu.url) as proxy:
        via = OpusClient(client.tokens.credential, graph_url=proxy.url, identity_url=emu.identity_url, retry=client.retry)
        yield proxy, via
        via.close()


def _frame(sheet: pd.DataFrame, n: int, bad: int) -> pd.DataFrame:
    """``n`` valid records as the API takes them, the one at ``bad`` with a choice order Opus refuses."""
    conn = current_connection()
    valid = sheet.opus.validate(conn).valid_internal.index[:n]
    records = opus_nb.to_records(sheet.loc[valid], conn)
    records[bad]["_Department"] = 99
    return pd.DataFrame(records)


def _renamed(change: Callable[[str], str]) -> Rewrite:
    return lambda items: [{**item, "item": {**item["item"], "rowKey": change(item["item"]["rowKey"])}} for item in items]


REWRITES: dict[str, Rewrite] = {
    "other case": _renamed(str.lower),
    "trailing space": _renamed(lambda key: key + " "),
    "unknown key": _renamed(lambda key: "NOT-IN-THIS-BATCH"),
    "more failures than rows named": lambda items: items + [{"item": items[0]["item"], "message": "another failure"}],
}


@pytest.mark.parametrize("rewrite", list(REWRITES), ids=list(REWRITES))
def test_failed_items_naming_no_row_of_the_batch_leave_it_failed_and_unconfirmed(
    proxied, emu, sheet, tmp_path, rewrite: str
) -> None:
    proxy, via = proxied
    frame = _frame(sheet, 30, bad=20)  # batch 1: rows 0-14, all fine; batch 2: rows 15-29, row 20 refused
    proxy.tamper = failed_items("POST", REWRITES[rewrite])
    results = opus_nb.submit(frame, validate=False, progress=False, concurrency=1, client=via, journal=tmp_path / "j")
    assert (results.status[:15] == "submitted").all()
    second = results.iloc[15:]
    assert (second.status == "failed").all(), second.status.value_counts()
    assert second.drop(index=20).message.str.contains("did not tie to records").all()
    with Journal(tmp_path / "j") as book:
        assert sorted(book.confirmed(results.run.run_id).pos) == list(range(15)) + ([20] if rewrite.startswith("more") else [])
    proxy.tamper = None
    again = opus_nb.submit(frame, validate=False, progress=False, concurrency=1, client=via, journal=tmp_path / "j", resume=True)
    assert again.run.run_id == results.run.run_id
    expected = ["submitted"] * 30
    expected[20] = "failed"
    assert again.status.tolist() == expected
    assert {r.row_key for r in emu.records()} == set(frame.rowKey) - {frame.rowKey[20]}


SECRET_FORM = "client_id=app&client_secret=s3cr3t-Value-42&scope=records.readwrite.all"


def _echo_secrets(request: Request, answer: Answer) -> Answer:
    """A server that copies the caller's Authorization header and a form into its error text."""
    data = orjson.loads(answer.body) if answer.body else {}
    echoed = f"request was {request.headers['authorization']} with {SECRET_FORM}"
    data["message"] = echoed
    for item in data.get("failedItems", []):
        item["message"] = f"{item['message']} ({echoed})"
    return Answer(418 if data.get("failedItems") else 400, orjson.dumps(data))


def test_secrets_a_server_echoes_reach_no_result_journal_or_error(proxied, sheet, tmp_path) -> None:
    proxy, via = proxied
    token = via.tokens.get()
    proxy.tamper = _echo_secrets
    frame = _frame(sheet, 15, bad=3)
    results = opus_nb.submit(frame, validate=False, progress=False, client=via, journal=tmp_path / "j")
    assert results.status[3] == "failed"
    shown = results.to_string() + "".join(results.message.dropna())
    assert "Bearer ***" in shown and "client_secret=***" in shown
    with pytest.raises(OpusHTTPError) as raised:
        opus_nb.due_records(before="2030-01-01", client=via, progress=False)
    journal = b"".join(path.read_bytes() for path in (tmp_path / "j").rglob("*") if path.is_file())
    for text in (shown, str(raised.value), repr(raised.value), journal.decode("utf-8", "replace")):
        assert token not in text and "s3cr3t-Value-42" not in text
    assert "Bearer ***" in str(raised.value)


def _reply(status: int, failed: list[Any], message: str | None = "some failed") -> Reply:
    return Reply(status, {"failedItems": failed}, 1, "u", message)


def _outcomes(reply: Reply, keys: list[str]) -> Outcomes:
    return batch_outcomes(read_batch(reply, keys, "submit"), list(range(len(keys))), batch=1, done="submitted")


@pytest.mark.parametrize(
    "failed",
    [
        [{"item": {"rowKey": "b"}, "message": "bad date"}],
        [{"item": {"rowKey": "B "}, "message": "bad date"}],
        [{"item": {"rowKey": "B"}, "message": "bad date"}, {"item": {"rowKey": "B"}, "message": "bad name"}],
        [{"item": {"rowKey": "B"}, "message": "bad date"}, {"message": "no item at all"}],
    ],
    ids=["other case", "trailing space", "two failures one row", "an entry with no key"],
)
def test_a_reply_that_cannot_be_tied_confirms_only_the_rows_it_names(failed: list[Any]) -> None:
    outcomes = _outcomes(_reply(418, failed), ["A", "B", "C"])
    named = [item.get("item", {}).get("rowKey") == "B" for item in failed]
    assert "submitted" not in outcomes.status
    assert outcomes.confirmed == [False, any(named), False]


def test_a_success_status_with_failed_items_is_not_a_success() -> None:
    outcomes = _outcomes(_reply(201, [{"item": {"rowKey": "B"}, "message": "bad date"}], None), ["A", "B"])
    assert outcomes.status == ["submitted", "failed"]
    assert outcomes.message == [None, "bad date"]
