"""The review fixtures (tests/helpers/review.py): an emulator holding the sample records, the due
records it lists, and a small hand-made candidate frame."""

from __future__ import annotations

from tests.helpers.review import conn, due_frame, review_emu, scripted_demo, small, work_folder

__all__ = ["conn", "due_frame", "review_emu", "scripted_demo", "small", "work_folder"]
