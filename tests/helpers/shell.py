"""The opus-nb shell in tests: a job command run in this process, or `opus-nb` run in a child process,
signed in to an emulator through the OPUS_* variables, as a user's shell would be."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from opus_nb.cli._jobs import register
from opus_nb.emulator import Emulator
from tests.helpers import REPO, SAMPLES

#: The sample connection, its choices and its terms, as the shell's options.
CONN_ARGS = [
    "--connection",
    str(SAMPLES / "connection.json"),
    "--choices",
    str(SAMPLES / "choices.json"),
    "--terms",
    str(SAMPLES / "terms.json"),
]


def run(*argv: str) -> int:
    """One job command (submit, due, destroy) in this process; its typed errors are raised, not printed."""
    parser = argparse.ArgumentParser(prog="opus-nb")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.run(args))


class Child:
    """`opus-nb` running in a child process."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def wait_until(self, done: Callable[[], bool], seconds: float, pause: float = 0.05) -> None:
        """Wait for ``done()`` to be true, within ``seconds``; the child must not end meanwhile."""
        deadline = time.monotonic() + seconds
        while not done():
            assert self.process.poll() is None, self.process.stderr.read().decode() if self.process.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(pause)

    def kill(self) -> None:
        """SIGKILL: the child has no chance to tidy up."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Shell:
    """A shell signed in to ``emu`` as an app of its own (with a certificate), working in ``folder``."""

    def __init__(self, emu: Emulator, folder: Path) -> None:
        self.app = emu.register_app(credential="certificate", directory=folder / "shell-app")
        self.folder = folder
        assert self.app.certificate is not None and self.app.password is not None
        self.variables = {
            "OPUS_CLIENT_ID": self.app.client_id,
            "OPUS_CERTIFICATE": str(self.app.certificate.pfx),
            "OPUS_CERTIFICATE_PASSWORD": self.app.password,
            "OPUS_GRAPH_URL": emu.url,
            "OPUS_IDENTITY_URL": emu.identity_url,
        }

    def enter(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make this process the shell (its variables set, its folder the working one), for `run` and `main`."""
        monkeypatch.chdir(self.folder)
        for name, value in self.variables.items():
            monkeypatch.setenv(name, value)

    def start(self, *argv: str) -> Child:
        """``opus-nb *argv`` in a child process; what it prints is dropped but for its errors."""
        env = {**os.environ, "PYTHONPATH": str(REPO), **self.variables}
        command = [sys.executable, "-m", "opus_nb.cli", *argv]
        return Child(subprocess.Popen(command, cwd=self.folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
