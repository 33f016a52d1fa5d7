"""The test lanes (tests/helpers/lanes.py): a test that uses a server fixture is marked ``server``, and
``--offline`` leaves it out and fails a test (or a fixture of any scope) that listens on a socket, so
make test-fast starts no server."""

from __future__ import annotations

import pytest

CONFTEST = """
import pytest

pytest_plugins = ["tests.helpers.lanes"]


@pytest.fixture
def emulator_server():
    return "a server"


@pytest.fixture
def emu(emulator_server):
    return emulator_server
"""

TESTS = """
import socket


def test_offline():
    assert True


def test_through_a_server_fixture(emu):
    assert emu == "a server"


def test_that_listens():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
"""

A_SERVER_FOR_THE_MODULE = """
import socket

import pytest


@pytest.fixture(scope="module")
def listening():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def test_through_a_module_fixture_that_listens(listening):
    assert listening
"""


def test_the_offline_lane_leaves_out_server_tests_and_fails_one_that_listens(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_lane=TESTS, test_module_server=A_SERVER_FOR_THE_MODULE)
    marked = pytester.runpytest("-m", "server", "-p", "no:cacheprovider")
    marked.assert_outcomes(passed=1, deselected=3)
    offline = pytester.runpytest("--offline", "-p", "no:cacheprovider")
    offline.assert_outcomes(passed=1, failed=1, errors=1, deselected=1)
    offline.stdout.fnmatch_lines(["*this test starts a server, so it does not belong in the offline lane*"])
