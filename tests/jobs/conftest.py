"""Destroys here are signed by a named person (the root conftest's `named_reviewer`); a journal's
progress can be read while another process writes it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _signed_by_a_reviewer(named_reviewer: None) -> None:
    """Every test runs with OPUS_REVIEWER set."""


def _done_batches(journal: Path) -> int:
    try:
        with sqlite3.connect(f"file:{journal / 'journal.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM batches WHERE state = 'done'").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.fixture
def done_batches() -> Callable[[Path], int]:
    """How many batches a journal folder records as done (0 while it has no database yet)."""
    return _done_batches
