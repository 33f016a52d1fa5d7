"""The panel shows a review: the review fixtures of tests/helpers/review.py."""

from __future__ import annotations

from tests.helpers.review import conn, due_frame, review_emu, scripted_demo, small, work_folder

__all__ = ["conn", "due_frame", "review_emu", "scripted_demo", "small", "work_folder"]
