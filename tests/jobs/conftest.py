"""Destroys here are signed by a named person (the root conftest's `named_reviewer`); a journal's
progress can be read while another process writes it; `through` signs in through a rewriting proxy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from opus_nb.client._retry import RetryPolicy
from opus_nb.jobs._signin import login, logout
from tests.helpers.proxy import RewritingProxy, Tamper


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


@pytest.fixture
def through(emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Tamper], RewritingProxy]]:
    """Sign in with the Graph API reached through a `RewritingProxy` that applies the given tamper."""
    monkeypatch.chdir(tmp_path)
    app = emu.register_app(credential="certificate", directory=tmp_path / "app")
    with ExitStack() as proxies:

        def start(tamper: Tamper) -> RewritingProxy:
            proxy = proxies.enter_context(RewritingProxy(emu.url, tamper))
            login(
                client_id=app.client_id,
                certificate=app.certificate.pfx,
                password=app.password,
                graph_url=proxy.url,
                identity_url=emu.identity_url,
                env_file=None,
                retry=RetryPolicy(attempts=4, base=0.01, cap=0.05),
                connection=replace(emu.connection, terms=tuple(emu.terms)),
            )
            return proxy

        yield start
        logout()
