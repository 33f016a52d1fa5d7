"""Shared fixtures for the records tests: the sample connection, with and without its choices and terms.

The rows to spoil are in tests/helpers/rows.py.
"""

from __future__ import annotations

import pytest

import opus_nb as opus
from tests.helpers import SAMPLES


@pytest.fixture(scope="session")
def conn() -> opus.Connection:
    """The sample connection with its choice options and classification terms."""
    return opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json", terms=SAMPLES / "terms.json")


@pytest.fixture(scope="session")
def conn_without_terms() -> opus.Connection:
    return opus.load_connection(SAMPLES / "connection.json", choices=SAMPLES / "choices.json")


@pytest.fixture(scope="session")
def conn_without_choices() -> opus.Connection:
    return opus.load_connection(SAMPLES / "connection.json")
