"""How a destroy answer's body maps to each key's outcome: the shapes the emulator does not send (unit cases)."""

from __future__ import annotations

from typing import Any

import pytest

from opus_nb.client._batches import read_batch
from opus_nb.client._client import Reply
from opus_nb.jobs._outcomes import batch_outcomes

KEYS = ["A-1", "A-2", "A-3"]


def _outcomes(reply: Reply, keys: list[str]) -> list[tuple[str, str | None]]:
    outcomes = batch_outcomes(read_batch(reply, keys, "destroy"), list(range(len(keys))), batch=1, done="destroyed")
    return list(zip(outcomes.status, outcomes.message))


def _statuses(body: dict[str, Any], status: int = 418) -> list[tuple[str, str | None]]:
    return _outcomes(Reply(status, body, 1, "https://graph.test/records/connector/records"), KEYS)


@pytest.mark.parametrize(
    "items",
    [["A-1", "A-1"], ["A-1", {"message": "no key here"}], ["A-1", None], ["A-1 ", "a-2"]],
    ids=["a key twice", "item without a key", "null item", "near misses"],
)
def test_failed_items_not_all_tied_to_keys_leave_no_key_destroyed(items: list[Any]) -> None:
    outcomes = _statuses({"statusCode": 418, "message": None, "failedItems": items})
    assert [s for s, _ in outcomes] == ["failed"] * 3
    assert all("unconfirmed" in m for _, m in outcomes[1:] if m)


def test_418_without_failed_items_confirms_nothing() -> None:
    outcomes = _statuses({"statusCode": 418, "message": "something went wrong"})
    assert [s for s, _ in outcomes] == ["failed"] * 3
    assert all(m and m.startswith("unconfirmed: Opus answered HTTP 418 without naming") for _, m in outcomes)


def test_a_reason_in_the_message_for_a_key_not_listed_is_not_destroyed() -> None:
    outcomes = _statuses({"message": ["A-1: the record is on hold", "A-3: the record is on hold"], "failedItems": ["A-1"]})
    assert [s for s, _ in outcomes] == ["failed", "destroyed", "failed"]
    assert outcomes[0][1] == "the record is on hold"
    assert outcomes[2][1] is not None and "unconfirmed" in outcomes[2][1]


def test_reasons_split_per_key_and_keys_that_prefix_others_kept_apart() -> None:
    keys = ["A-1", "A-10"]
    body = {"message": "A-10: the record is on hold; A-1: no record has this row key", "failedItems": keys}
    outcomes = _outcomes(Reply(418, body, 1, "u"), keys)
    assert outcomes == [("failed", "no record has this row key"), ("failed", "the record is on hold")]


def test_secrets_in_a_reason_are_redacted() -> None:
    body = {"message": ["A-1: refused for Bearer abc.def.ghi"], "failedItems": ["A-1", "A-2", "A-3"]}
    assert "abc.def" not in str(_statuses(body))


def test_a_sign_in_failing_mid_destroy_leaves_every_key_a_final_status(tmp_path) -> None:
    """Batch 1 destroyed; the token then refused (401) and signing in again refused: batch 2 unconfirmed, 3 not sent."""
    import httpx2

    from opus_nb.client._client import OpusClient
    from opus_nb.client._credentials import ClientSecretCredential
    from opus_nb.jobs._audit import AuditLog
    from opus_nb.jobs._destroy import destroy

    tokens = iter(["first"])
    deletes = []

    def opus(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx2.Response(200, json={"token_endpoint": "https://id.test/connect/token"})
        if request.url.path == "/connect/token":
            token = next(tokens, None)
            if token is None:
                return httpx2.Response(400, json={"error": "invalid_client", "error_description": "app disabled"})
            return httpx2.Response(200, json={"access_token": token, "expires_in": 3600})
        deletes.append(request.headers["authorization"])
        return httpx2.Response(200 if len(deletes) == 1 else 401, json={"statusCode": 200, "message": None})

    keys = [f"K-{i:02d}" for i in range(40)]
    with OpusClient(
        ClientSecretCredential("app", "s3cret"),
        graph_url="https://graph.test",
        identity_url="https://id.test",
        transport=httpx2.MockTransport(opus),
    ) as api:
        results = destroy(keys, confirm=True, recheck=False, progress=False, concurrency=1, client=api, audit=tmp_path / "audit")
    assert results["status"].tolist() == ["destroyed"] * 15 + ["failed"] * 15 + ["not_sent"] * 10
    assert results["message"][15:30].str.startswith("unconfirmed: ").all()
    assert results["message"][30:].str.contains("invalid_client").all()
    assert set(AuditLog(tmp_path / "audit").pending()) == set(keys[15:30])  # the next destroy of them settles them
