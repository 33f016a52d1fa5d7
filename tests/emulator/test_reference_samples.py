"""AvePoint's own request samples (../shared/reference/), replayed as written once `//` comments go.

The only edits: the samples leave the connection id blank (`"id": " "`) for the reader to fill,
so the test fills it; and the older page's GetDueRecords example writes its date-time unquoted,
which no JSON reader accepts, so that one value is quoted. Everything else (trailing commas,
unquoted property names, the `confilictOption` spelling) goes to the emulator as it stands.
"""

from __future__ import annotations

import re
from typing import Any

import json5
import pytest

from .records import RECORDS, REFERENCE, make_record


def _page(name: str) -> str:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"the reference page {name} is not beside the repository")
    return path.read_text(encoding="utf-8")


def _uncomment(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def _json_blocks(text: str) -> list[str]:
    return [b for b in re.findall(r"```json\s*\n(.*?)```", text, re.S) if b.lstrip().startswith("{")]


def _table_examples(text: str) -> list[str]:
    return [m.strip() for m in re.findall(r"^\| (\{.*\}) \|$", text, re.M)]


def _with_id(sample: str, conn_id: str) -> str:
    filled, count = re.subn(r'(\bid"?\s*:\s*)" "', rf'\1"{conn_id}"', sample, count=1)
    assert count == 1
    return filled


def _post_raw(api: Any, method: str, path: str, body: str) -> Any:
    return api.request(method, path, content=body.encode(), headers={"Content-Type": "application/json"})


def test_graph_submit_sample_is_understood_and_answered_in_the_documents_terms(emu, api, conn, post_records) -> None:
    page = _page("opus-graph-submit-records.md")
    request = next(b for b in _json_blocks(page) if "confilictOption" in b)
    documented_answer = json5.loads(_uncomment(next(b for b in _json_blocks(page) if '"statusCode": 201' in b)))
    body = _with_id(_uncomment(request), conn.id)
    response = _post_raw(api, "POST", RECORDS, body)
    assert response.status_code == 418, response.text  # the sample's values are the type names
    answer = response.json()
    assert set(answer) == set(documented_answer) | {"failedItems"}
    [failed] = answer["failedItems"]
    assert failed["item"] == json5.loads(body)["data"][0]
    assert "timeCreated: 'DateTime' is not a date-time" in failed["message"]
    good = post_records([make_record(1)])
    assert good.json() == documented_answer


def test_graph_destroy_sample_marks_its_records_destroyed(emu, api, post_records) -> None:
    page = _page("opus-graph-destroy-records.md")
    request = re.search(r"Body \(raw-JSON\)\s*(\{.*?\n\})", page, re.S)
    answer = re.search(r"Response Sample.*?(\{.*\})", page, re.S)
    assert request is not None and answer is not None
    keys = json5.loads(_uncomment(request.group(1)))["disposalIds"]
    assert keys == ["test_connector_0006", "test_connector_0007"]
    post_records([make_record(6, rowKey=keys[0]), make_record(7, rowKey=keys[1])])
    response = _post_raw(api, "DELETE", RECORDS, _uncomment(request.group(1)))
    assert response.status_code == 200
    assert response.json() == json5.loads(_uncomment(answer.group(1)))
    assert {r.status for r in emu.records()} == {"destroyed"}


def test_older_submit_sample_works_as_a_connection_and_as_a_request(emu, api) -> None:
    [example] = [e for e in _table_examples(_page("opus-legacy-api-for-connector.md")) if "confilictOption" in e]
    conn_id = "0f0e0d0c-0b0a-4909-8807-060504030201"
    conn = emu.create_connection(json5.loads(_with_id(example, conn_id)))
    assert conn.column("Multiple Text Column").internal_name == "Multiple%20_Text_%20_Column"
    response = _post_raw(api, "POST", "/api/connector/SubmitRecords", _with_id(example, conn_id))
    assert response.status_code == 418
    answer = response.json()
    assert set(answer) == {"Message", "FailedItems"}
    assert set(answer["FailedItems"][0]) == {"Item", "Message"}
    assert "Single%20_Choice_%20_Column: 'SingleChoice' is not an option order" in answer["FailedItems"][0]["Message"]


def test_older_due_and_destroy_samples_are_understood(emu, api, conn, post_records) -> None:
    examples = _table_examples(_page("opus-legacy-api-for-connector.md"))
    [due] = [e for e in examples if "disposalDueDate" in e]
    [destroy] = [e for e in examples if "disposalIds" in e]
    quoted = re.sub(r"disposalDueDate: ([0-9: -]+?),", r'disposalDueDate: "\1",', due)
    keys = json5.loads(destroy)["disposalIds"]
    post_records([make_record(1, rowKey=keys[0]), make_record(2, rowKey=keys[1])])
    listed = _post_raw(api, "POST", "/api/connector/GetDueRecords", _with_id(quoted, conn.id))
    assert listed.status_code == 200
    assert set(listed.json()) == {"message", "pageIndex", "queriedItems"}
    assert [i["rowKey"] for i in listed.json()["queriedItems"]] == keys
    destroyed = _post_raw(api, "POST", "/api/connector/DestroyRecords", destroy)
    assert destroyed.status_code == 200
    assert destroyed.json() == {"message": None}
