"""`opus-nb submit | due | destroy` against the emulator, signed in from environment variables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opus_nb._errors import ConfirmationRequired
from tests.helpers.shell import CONN_ARGS, SAMPLES, Shell, run


@pytest.fixture
def signed_env(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> Path:
    shell.enter(monkeypatch)
    return shell.folder


def test_submit_due_destroy_from_the_shell(emu, signed_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("submit", str(SAMPLES / "records.csv"), *CONN_ARGS, "-o", "results.csv", "--quiet")
    results = pd.read_csv(signed_env / "results.csv")
    assert code == 1
    assert len(results) == 2400
    assert set(results["status"]) == {"submitted", "not_sent"}
    assert (results["status"] == "submitted").sum() == len(emu.records())
    assert "journalled" in capsys.readouterr().out

    assert run("due", "--before", "2026-01-01", *CONN_ARGS, "-o", "due.csv", "--quiet") == 0
    due = pd.read_csv(signed_env / "due.csv")
    assert len(due) > 100

    due.head(20)[["rowKey"]].to_csv(signed_env / "approved.csv", index=False)
    with pytest.raises(ConfirmationRequired):
        run("destroy", "--from", "approved.csv", *CONN_ARGS)
    assert run("destroy", "--from", "approved.csv", *CONN_ARGS, "--yes", "--before", "2026-01-01", "--quiet") == 0
    assert sum(r.destroyed is not None for r in emu.records()) == 20
    assert (signed_env / "opus-audit" / "destroy-audit.jsonl").is_file()


def test_dry_run_writes_the_request_bodies(signed_env: Path, emu) -> None:
    assert run("submit", str(SAMPLES / "records.csv"), *CONN_ARGS, "--dry-run", "-o", "bodies.json", "--quiet") == 0
    text = (signed_env / "bodies.json").read_text()
    assert '"confilictOption"' in text and '"conflictOption"' in text
    assert not [r for r in emu.requests if r.method == "POST"]
