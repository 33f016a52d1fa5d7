"""Destroys here are signed by a named person (the root conftest's `named_reviewer`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _signed_by_a_reviewer(named_reviewer: None) -> None:
    """Every test runs with OPUS_REVIEWER set."""
