"""The emulator's shell command refuses a port or a token lifetime it cannot use in one line, exit
status 2, before anything starts; the Python API refuses them with `EmulatorConfigError`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from opus_nb import emulator
from opus_nb.cli._main import main as opus_nb_main
from opus_nb.emulator import EmulatorConfigError
from opus_nb.emulator.cli import build_parser
from opus_nb.emulator.cli import main as emulator_main

from .records import REPO

PORT = "opus-nb: --port: expected a whole number from 0 to 65535 (0: any free port); found {}"
LIFETIME = "opus-nb: --token-lifetime: expected a whole number of seconds >= 1; found {}"


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m opus_nb.emulator ARGS`` (a lifetime taken would serve until the time-out)."""
    return subprocess.run(
        [sys.executable, "-m", "opus_nb.emulator", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_a_port_out_of_range_is_one_line_and_exit_2(capsys, port: str) -> None:
    assert opus_nb_main(["emulator", "--port", port]) == 2
    assert capsys.readouterr().err.splitlines() == [PORT.format(port)]
    assert emulator_main(["--port", port]) == 2  # python -m opus_nb.emulator
    assert capsys.readouterr().err.splitlines() == [PORT.format(port)]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--port", "99999"], PORT.format(99999)),
        (["--token-lifetime", "-5"], LIFETIME.format(-5)),
        (["--token-lifetime", "0"], LIFETIME.format(0)),
    ],
)
def test_the_real_command_says_so_without_a_traceback(args: list[str], line: str) -> None:
    done = _command(*args)
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (2, "", [line])


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"port": 99999}, "port"),
        ({"port": -1}, "port"),
        ({"port": True}, "port"),
        ({"token_lifetime_s": -5}, "token_lifetime_s"),
        ({"token_lifetime_s": 0}, "token_lifetime_s"),
        ({"token_lifetime_s": 1.5}, "token_lifetime_s"),
    ],
)
def test_the_python_api_refuses_them_as_a_typed_error(options: dict[str, object], argument: str) -> None:
    with pytest.raises(EmulatorConfigError) as info:
        emulator.start(**options)  # type: ignore[arg-type]
    assert info.value.argument == argument


def test_the_answer_options_are_offered_in_the_shell() -> None:
    args = build_parser().parse_args(["emulator", "--destroy-status", "204", "--answer-shape", "problem"])
    assert (args.destroy_status, args.answer_shape) == (204, "problem")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["emulator", "--destroy-status", "202"])
