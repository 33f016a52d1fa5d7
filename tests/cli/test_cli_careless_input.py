"""The shell under careless input: each mistake is one line on stderr and exit status 2, found before anything is
sent (an unwritable -o or --audit, a page size Opus does not take), and reviewer errors speak the shell's words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opus_nb.cli._main import main
from opus_nb.emulator import Emulator
from tests.helpers.shell import CONN_ARGS, SAMPLES, Shell


@pytest.fixture
def signed_env(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> Path:
    shell.enter(monkeypatch)
    (shell.folder / "a-file").write_text("not a folder")
    (shell.folder / "a-folder.csv").mkdir()
    pd.DataFrame({"rowKey": ["INV-1", "INV-2"]}).to_csv(shell.folder / "approved.csv", index=False)
    return shell.folder


def _one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``opus-nb *argv``; it must exit 2 with one line on stderr, which is returned."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's usage errors
        code = int(exited.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    return err


def _sent(emu: Emulator) -> int:
    return sum(r.method in ("POST", "DELETE") for r in emu.requests)


@pytest.mark.parametrize("output", ["a-folder.csv", "a-file/results.csv", "results.txt", "res\x00ults.csv"], ids=ascii)
def test_an_unwritable_submit_output_is_refused_before_anything_is_sent(
    emu: Emulator, signed_env: Path, output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _one_line_error(["submit", str(SAMPLES / "records.csv"), *CONN_ARGS, "-o", output, "--quiet"], capsys)
    assert err.startswith("opus-nb: -o: expected") and _sent(emu) == 0
    assert not (signed_env / "opus-journal").exists(), "no run was started"


@pytest.mark.parametrize(
    ("option", "path"),
    [
        ("-o", "a-folder.csv"),
        ("-o", "a-file/results.csv"),
        ("-o", "results.json"),
        ("--audit", "a-file"),
        ("--audit", "a-file/audit"),
        ("--audit", "au\x00dit"),
    ],
    ids=ascii,
)
def test_an_unwritable_destroy_output_or_audit_folder_is_refused_before_anything_is_sent(
    emu: Emulator, signed_env: Path, option: str, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _one_line_error(["destroy", "--from", "approved.csv", "--no-recheck", "--yes", option, path, "--quiet"], capsys)
    assert err.startswith(f"opus-nb: {option}: expected") and _sent(emu) == 0
    assert not (signed_env / "opus-audit").exists(), "no intent was written"


@pytest.mark.parametrize("size", ["0", "101", "-5", "ten", "1.5"])
def test_a_page_size_opus_does_not_take_is_one_line(
    emu: Emulator, signed_env: Path, size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _one_line_error(["due", "--before", "2026-01-01", *CONN_ARGS, "--page-size", size, "--quiet"], capsys)
    assert "--page-size: must be a whole number from 1 to 100" in err and "opus-nb due --help" in err
    assert not emu.requests, "refused before signing in"


@pytest.mark.parametrize("name", [None, "Jane\x1b[2JSmith", "\u200b", "Jane \u202ehtimS"], ids=ascii)
def test_the_reviewer_error_of_the_shell_names_the_shells_option(
    emu: Emulator, signed_env: Path, name: str | None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPUS_REVIEWER", raising=False)
    reviewer = [] if name is None else ["--reviewer", name]
    err = _one_line_error(["destroy", "--from", "approved.csv", "--no-recheck", "--yes", *reviewer, "--quiet"], capsys)
    assert '--reviewer "Your Name"' in err and "OPUS_REVIEWER" in err and "reviewer=" not in err, err
    assert "\x1b" not in err and "\u202e" not in err and _sent(emu) == 0
