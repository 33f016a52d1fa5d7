"""The command lines behind `make demo` and `make lab` (the runs themselves are in test_notebooks.py
and the browser test)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opus_nb.cli._demo import DemoError, DemoRun, notebook_env
from opus_nb.cli._lab import lab_command
from opus_nb.cli._main import build_parser
from opus_nb.emulator import AppRegistration


def test_demo_options_reach_the_run() -> None:
    args = build_parser().parse_args(["demo", "--output", "elsewhere", "--timeout", "30"])
    assert args.output == Path("elsewhere") and args.timeout == 30 and callable(args.run)


def test_lab_listens_on_loopback_only_with_no_outside_look_ups(tmp_path: Path) -> None:
    cmd = lab_command(tmp_path, 8899, token="", open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8899" in cmd
    assert f"--ServerApp.root_dir={tmp_path}" in cmd
    assert {
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    } <= set(cmd)
    assert "--IdentityProvider.token=" in cmd and "--ServerApp.open_browser=False" in cmd
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
    assert not any(c.startswith("--IdentityProvider.token") for c in lab_command(tmp_path, 8899))


def test_the_kernel_environment_signs_in_as_the_app(tmp_path: Path) -> None:
    app = AppRegistration(
        "app-id",
        ("records.readwrite.all",),
        "secret",
        "http://127.0.0.1:1",
        "http://127.0.0.1:1/identity",
        client_secret="not-a-certificate",
    )
    with pytest.raises(DemoError, match="certificate"):
        notebook_env(app, tmp_path)


def test_the_summary_without_runs_reads_zero() -> None:
    lines = DemoRun({}, [], 0, 0).lines()
    assert lines[0] == "== opus-nb demo: summary"
    assert any(line.startswith("rows validated") and line.endswith(" 0") for line in lines)
