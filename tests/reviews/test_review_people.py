"""Who may act in a review, against a hostile or careless script: a person's click that no script can pass, a second
stage that knows one reviewer however the name is typed, and reviewer names that are plain text."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import opus_nb as opus
from opus_nb._errors import ReviewerRequired, ReviewError
from opus_nb.emulator import Emulator
from opus_nb.jobs._signin import sample_connection
from opus_nb.records._connection import Connection
from opus_nb.reviews import PersonRequired, ReviewSession
from opus_nb.widgets._panel import ReviewPanel
from tests.helpers.clicks import click_in_browser, click_in_grid
from tests.helpers.review import destroy_requests, destroyed_keys

# 1. a person's click, not a script's value --------------------------------------------------------


class _Forged:
    """What a script might pass for a click: an object that says it is one."""

    how = "clicked in the browser"
    _code = "0" * 32


@pytest.mark.parametrize(
    "person",
    ["any name", True, 1, ("clicked in the browser",), _Forged()],
    ids=["a name", "True", "1", "a tuple", "a forged click"],
)
def test_nothing_a_script_passes_counts_as_a_persons_click(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, person: object
) -> None:
    panel = opus.review(due_frame, conn, reviewer="Jane Smith")
    gone = destroyed_keys(review_emu)
    panel.approve([k for k in panel.candidates["rowKey"] if k not in gone][:1])
    sent = destroy_requests(review_emu)
    with pytest.raises(PersonRequired, match="click"):
        panel.session.destroy(1, dry_run=False, person=person)  # type: ignore[arg-type]
    assert destroyed_keys(review_emu) == gone and destroy_requests(review_emu) == sent


def test_a_click_counts_once_and_only_in_its_own_review(
    review_emu: Emulator, due_frame: pd.DataFrame, conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = opus.review(due_frame, conn, name="clicks", reviewer="Jane Smith")
    other = ReviewSession(due_frame, conn, name="clicks-elsewhere", reviewer="Jane Smith")
    gone = destroyed_keys(review_emu)
    first, second = [k for k in panel.candidates["rowKey"] if k not in gone][:2]
    panel.approve(first)
    other.approve(second)
    clicks: list[Any] = []
    real_destroy = panel.session.destroy

    def spy(*args: Any, **options: Any) -> pd.DataFrame:
        clicks.append(options.get("person"))
        return real_destroy(*args, **options)

    monkeypatch.setattr(panel.session, "destroy", spy)
    panel.dry_run_box.value = False
    panel.confirm_box.value = "1"
    click_in_browser(panel.destroy_button)
    assert panel.message.value == "" and destroyed_keys(review_emu) - gone == {first}
    click = clicks[-1]
    assert click is not None and repr(click) == "<PersonClick>"
    sent = destroy_requests(review_emu)
    with pytest.raises(PersonRequired):
        other.destroy(1, dry_run=False, person=click)
    panel.approve([k for k in panel.candidates["rowKey"] if k not in gone | {first, second}][:1])
    with pytest.raises(PersonRequired):
        real_destroy(1, dry_run=False, person=click)
    assert destroy_requests(review_emu) == sent, "a click used once, or another review's, sends nothing"
    with pytest.raises(ReviewError, match="belongs to the review panel made over it first"):
        panel.session.person_gate.hand_over()


# 2. one person, however the name is typed --------------------------------------------------------


@pytest.mark.parametrize(
    "again",
    [
        "Ann First",
        "ann first",
        "ANN FIRST",
        "Ann First.",
        "Ann\u200b First",  # a zero-width space
        "Ann Fi\u00adrst",  # a soft hyphen
        "\u200fAnn First\u200e",  # right-to-left and left-to-right marks
        "Ann First\u061c",  # an Arabic letter mark
        "\uff21nn \uff26irst",  # full-width letters
        "\u0410nn First",  # a Cyrillic capital A
        "Ann F\u0456rst",  # a Cyrillic small i
        "\u0391nn First",  # a Greek capital alpha
        "\u00c1nn First",  # an added accent
        "A\u0301nn First",  # the same accent, combining
        "Ann-First",
    ],
)
def test_the_second_stage_knows_the_first_reviewer_however_the_name_is_typed(small: pd.DataFrame, again: str) -> None:
    ReviewSession(small, sample_connection(), name="two", stages=2, reviewer="Ann First").approve(["A1", "A2"])
    second = ReviewSession(small, sample_connection(), name="two", stage=2, reviewer=again)
    with pytest.raises(ReviewError, match="another reviewer"):
        second.approve("A1")
    with pytest.raises(ReviewError, match="another reviewer"):
        second.approve_shown()
    assert second.counts["approved"] == 0 and second.decisions.empty
    panel = ReviewPanel(ReviewSession(small, sample_connection(), name="two", stage=2))
    panel.reviewer.value = again
    click_in_grid(panel, "approve", "A2")
    assert "another reviewer" in panel.message.value and panel.counts["approved"] == 0


def test_another_person_may_confirm(small: pd.DataFrame) -> None:
    ReviewSession(small, sample_connection(), name="two", stages=2, reviewer="Ann First").approve(["A1"])
    second = ReviewSession(small, sample_connection(), name="two", stage=2, reviewer="Anna First")
    assert second.approve("A1") == 1 and list(second.destroyable["rowKey"]) == ["A1"]


# 3. names that are plain text ---------------------------------------------------------------------

HOSTILE_NAMES = [
    "Jane\x00Smith",
    "Jane Smith\x1b[2J",
    "Jane\x07 Smith",
    "Jane \u202ehtimS",
    "\u2067Jane Smith\u2069",
    "\u200b\u200b",
    "\u00ad",
    "\u200e\u200f",
    "Jane\ud800Smith",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=ascii)
def test_a_reviewer_name_with_control_or_only_invisible_characters_is_refused_everywhere(small: pd.DataFrame, name: str) -> None:
    for open_review in (
        lambda: ReviewSession(small, sample_connection(), reviewer=name),
        lambda: opus.review(small, sample_connection(), reviewer=name),
        lambda: ReviewSession(small, sample_connection(), reviewer="Jane Smith").set_reviewer(name),
    ):
        with pytest.raises(ReviewerRequired) as refused:
            open_review()
        text = str(refused.value)
        assert text.isprintable() and "\\u" in text and 'reviewer="Your Name"' in text, text
    with pytest.raises(ReviewerRequired):
        opus.destroy(["A1"], confirm=True, reviewer=name, recheck=False)
    panel = ReviewPanel(ReviewSession(small, sample_connection()))
    panel.reviewer.value = name
    click_in_grid(panel, "approve", "A1")
    assert "ReviewerRequired" in panel.message.value and panel.counts["approved"] == 0


#: The names an environment variable can hold (no NUL, no lone surrogate).
IN_ENVIRONMENT = [n for n in HOSTILE_NAMES if "\x00" not in n and not any("\ud800" <= c <= "\udfff" for c in n)]


@pytest.mark.parametrize("name", IN_ENVIRONMENT, ids=ascii)
def test_a_hostile_name_in_opus_reviewer_is_refused(small: pd.DataFrame, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPUS_REVIEWER", name)
    with pytest.raises(ReviewerRequired, match="OPUS_REVIEWER"):
        ReviewSession(small, sample_connection())
    with pytest.raises(ReviewerRequired):
        opus.destroy(["A1"], confirm=True, recheck=False)
