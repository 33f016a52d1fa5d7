"""The tenant's date-time format, set once (``datetime_format=`` or ``OPUS_DATETIME_FORMAT``), is what submit
writes and due records read and ask in; without it, due dates go as ISO 8601, as AvePoint's current sample."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from starlette.requests import Request

import opus_nb as opus
from opus_nb.jobs._signin import current_client, login
from tests.helpers.proxy import Answer

DAY_FIRST = "%d/%m/%Y %H:%M"


def _sign_in(emu, **options: object) -> None:
    """Sign in to ``emu`` with a client secret of a new app, these options besides."""
    app = emu.register_app(credential="secret")
    login(
        client_id=app.client_id,
        secret=app.client_secret,
        graph_url=emu.url,
        identity_url=emu.identity_url,
        env_file=None,
        **options,
    )


def test_a_tenant_format_set_once_is_used_by_submit_and_due(emu, sheet, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = replace(emu.connection, terms=tuple(emu.terms))  # the file as downloaded: the default format
    emu.create_connection(replace(conn, datetime_format=DAY_FIRST))  # the tenant writes day first
    monkeypatch.setenv("OPUS_DATETIME_FORMAT", DAY_FIRST)
    monkeypatch.chdir(tmp_path)
    _sign_in(emu, connection=conn)
    assert current_client().datetime_format == DAY_FIRST
    report = sheet.opus.validate(conn)
    results = report.submit(progress=False)
    assert (results["status"] == "submitted").sum() == len(report.valid)
    due = opus.due_records(before="2026-01-01", progress=False).set_index("rowKey")
    sent = report.valid.set_index("Row key").loc[due.index, "Created time"].dt.floor("min")
    assert (due["timeCreated"] == sent).all(), "read back day first, to the minute the format keeps"
    opus.logout()


def test_due_dates_go_as_iso_8601_unless_a_tenant_format_is_set(emu, sheet, through) -> None:
    asked: list[str] = []

    def recording(request: Request, answer: Answer) -> Answer:
        if request.method == "GET":
            asked.append(request.query_params["disposalDueDate"])
        return answer

    through(recording)
    opus.due_records(before="2026-01-01", progress=False)
    current_client().datetime_format = DAY_FIRST
    emu.create_connection(replace(emu.connection, datetime_format=DAY_FIRST))
    opus.due_records(before=pd.Timestamp("2026-01-02 10:30"), progress=False)
    assert asked == ["2026-01-01T00:00:00", "02/01/2026 10:30"]


def test_a_tenant_format_that_cannot_be_read_back_is_refused(emu) -> None:
    with pytest.raises(opus.ConfigurationError, match="OPUS_DATETIME_FORMAT"):
        _sign_in(emu, datetime_format="%H:%M")
