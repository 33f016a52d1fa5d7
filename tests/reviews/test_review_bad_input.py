"""A careless user's input to a review gives a typed error naming what is wrong, never a raw one: store= and audit=
that cannot be folders, blank row keys, a review store edited by hand, an export to a folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb.jobs._signin import sample_connection
from opus_nb.reviews import ReviewError, ReviewSession, ReviewStoreError


def _open(frame: pd.DataFrame, **options: object) -> ReviewSession:
    return ReviewSession(frame, sample_connection(), reviewer="Jane Smith", **options)  # type: ignore[arg-type]


# 1. where the review is kept ------------------------------------------------------------------------


def test_store_and_audit_must_be_folders(small: pd.DataFrame, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    for options, error, words in (
        ({"store": tmp_path / "a-file"}, ReviewStoreError, "is a file"),
        ({"store": "opus-\x00review"}, ReviewStoreError, "NUL"),
        ({"audit": tmp_path / "a-file"}, ReviewError, "is a file"),
        ({"audit": "opus-\x00audit"}, ReviewError, "NUL"),
        ({"store": tmp_path / "a-file" / "below"}, ReviewStoreError, "cannot be used"),
    ):
        with pytest.raises(error, match=words):
            _open(small, **options).approve("A1")
    assert (tmp_path / "a-file").read_text() == "not a folder"


# 2. candidates without a key ----------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, pd.NA, float("nan"), "", "   "], ids=repr)
def test_a_blank_row_key_among_the_candidates_is_named(small: pd.DataFrame, blank: object) -> None:
    frame = small.astype({"rowKey": object})
    frame.index = [f"row-{i}" for i in range(len(frame))]
    frame.loc["row-3", "rowKey"] = blank
    with pytest.raises(ReviewError, match=r"rowKey is blank in 1 candidate row\(s\) \(index \['row-3'\]\)"):
        _open(frame)
    with pytest.raises(ReviewError, match="blank"):
        opus.review(frame, sample_connection(), reviewer="Jane Smith")


# 3. a review store edited by hand ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("UPDATE decisions SET decision = 'destroyed' WHERE rowKey = 'A2'", "decision 'destroyed' is not a decision"),
        (
            "INSERT INTO decisions (review, rowKey, stage, decision, reviewer, time) SELECT review, 'B1', 1, 'destroyed', "
            "'Mallory', '2026-01-01T00:00:00+00:00' FROM decisions LIMIT 1",
            "rowKey 'B1'",
        ),
        ("UPDATE decisions SET stage = 'two'", "stage 'two' is not a whole number"),
        ("UPDATE decisions SET stage = 1.5", "stage 1.5 is not a whole number"),
        ("UPDATE decisions SET time = 'yesterday'", "time 'yesterday' is not an ISO 8601 time"),
        ("UPDATE decisions SET rowKey = x'00ff'", "rowKey b'\\\\x00\\\\xff' is not text"),
        ("UPDATE decisions SET reviewer = x'41'", "reviewer b'A' is not text"),
        ("UPDATE decisions SET comment = x'41'", "comment b'A' is not text"),
        ("UPDATE reviews SET stages = 'many'", "'many' stages"),
        ("UPDATE reviews SET stages = 0", "0 stages"),
    ],
)
def test_a_review_store_edited_by_hand_is_a_review_store_error(
    small: pd.DataFrame, tmp_path: Path, edit: str, named: str
) -> None:
    session = _open(small)
    session.approve(["A1", "A2"])
    session.reject("C1", reason="open matter")
    with sqlite3.connect(tmp_path / "opus-review" / "reviews.sqlite") as db:
        db.execute(edit)
    with pytest.raises(ReviewStoreError, match=named):
        _open(small)  # refused as a whole: a hand-written "destroyed" never shows a record destroyed
    if "decisions" in edit:
        with pytest.raises(ReviewStoreError, match=named):
            session.export_proof(tmp_path / "proof")
        with pytest.raises(ReviewStoreError, match=named):
            session.history  # noqa: B018


# 4. exports to where a file cannot go ---------------------------------------------------------------


def test_an_export_to_a_folder_or_an_impossible_path_is_a_review_error(small: pd.DataFrame, tmp_path: Path) -> None:
    session = _open(small)
    session.approve(["A1"])
    (tmp_path / "approved.csv").mkdir()
    (tmp_path / "proof.csv").mkdir()
    (tmp_path / "a-file").write_text("x")
    for path in (tmp_path / "approved.csv", tmp_path, tmp_path / "a-file" / "approved.xlsx", tmp_path / "ap\x00proved.csv"):
        with pytest.raises(ReviewError, match="cannot write to"):
            session.export_approved(path)
    for path in (tmp_path / "proof", tmp_path / "a-file" / "proof", tmp_path / "pro\x00of"):
        with pytest.raises(ReviewError, match="cannot write to"):
            session.export_proof(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "approved.csv", "opus-audit", "opus-review", "proof.csv"]


@pytest.mark.parametrize("reason", ["open \ud800 matter", 5, b"open matter"], ids=ascii)
def test_a_reason_that_is_not_text_is_refused_and_changes_nothing(small: pd.DataFrame, reason: object) -> None:
    session = _open(small)
    with pytest.raises(ReviewError, match="a reason is text"):
        session.reject("A1", reason=reason)  # type: ignore[arg-type]
    assert session.counts["rejected"] == 0 and session.history.empty
