"""`validate(..., api="legacy")`: the older API marks Created by and Modified by optional, so a sheet without them,
or with blanks there, passes; a value given is still checked. `api="graph"` (the default) requires them."""

from __future__ import annotations

import pytest

import opus_nb as opus
from tests.helpers import SAMPLES
from tests.helpers.rows import frame, good_row, sheet

CONN = opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")


def test_a_legacy_sheet_without_created_by_and_modified_by_passes() -> None:
    rows = sheet(3).drop(columns=["Created by", "Modified by"])
    report = opus.validate(rows, CONN, api="legacy")
    assert report.ok and len(report.valid) == 3
    assert all("createdBy" not in r and "modifiedBy" not in r for _, batch in report.batches() for r in batch)
    graph = opus.validate(rows, CONN)
    assert set(graph.errors["rule"]) == {"missing_column"} and graph.n_invalid == 3


def test_blank_created_by_is_fine_for_legacy_and_required_for_graph() -> None:
    rows = frame(good_row(**{"Created by": "  ", "Modified by": None}))
    assert rows.opus.validate(CONN, api="legacy").ok
    graph = rows.opus.validate(CONN, api="graph")
    assert graph.errors[["column", "rule"]].values.tolist() == [["Created by", "required"], ["Modified by", "required"]]


def test_a_given_created_by_is_still_checked_for_legacy() -> None:
    report = frame(good_row(**{"Created by": "two\nlines", "Name": None})).opus.validate(CONN, api="legacy")
    assert report.errors[["column", "rule"]].values.tolist() == [["Name", "required"], ["Created by", "single_line"]]
    assert report.connection is CONN


@pytest.mark.parametrize("api", ["Graph", "v2", "", None])
def test_an_unknown_api_is_a_configuration_error(api: object) -> None:
    with pytest.raises(opus.ConfigurationError, match="api: expected 'graph' or 'legacy'"):
        opus.validate(sheet(1), CONN, api=api)  # type: ignore[arg-type]
