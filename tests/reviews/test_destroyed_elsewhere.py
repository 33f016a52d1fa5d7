"""A record destroyed outside this review (another review, a script, a killed run the next destroy settled)
shows as destroyed in it, not approved for ever; and a destroy of it says when and by whom."""

from __future__ import annotations

import pandas as pd

import opus_nb as opus
from opus_nb.emulator import Emulator
from opus_nb.records._connection import Connection
from opus_nb.reviews._session import ReviewSession
from tests.helpers.review import destroyed_keys


def test_a_record_another_review_destroyed_shows_as_destroyed(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, scripted_demo: None
) -> None:
    gone = destroyed_keys(review_emu)
    keys = [k for k in due_frame["rowKey"] if k not in gone][:6]
    mine = ReviewSession(due_frame, conn, reviewer="Ann First", name="legal-2026")
    mine.approve(keys)
    other = ReviewSession(due_frame, conn, reviewer="Bob Second", name="finance-2026")
    other.approve(keys[:2])
    assert set(other.destroy(2, dry_run=False)["status"]) == {"destroyed"}

    assert set(mine.destroy(4, dry_run=True)["rowKey"]) == set(keys[2:]), "the re-read before a destroy sees them gone"
    assert set(mine.destroyed["rowKey"]) == set(keys[:2]) and mine.counts["destroyable"] == 4
    reopened = ReviewSession(due_frame, conn, reviewer="Ann First", name="legal-2026")
    assert set(reopened.destroyed["rowKey"]) == set(keys[:2])

    again = opus.destroy(keys[:1], confirm=True, reviewer="Ann First", progress=False)
    assert again["status"].tolist() == ["not_sent"]
    assert again["message"].iloc[0].startswith("not sent: already destroyed (")
    assert "by Bob Second in review" in again["message"].iloc[0]
