"""The test lanes, as a pytest plugin (the root conftest loads it).

Tests that start a server (an emulator, a proxy, JupyterLab, a notebook's kernel) are marked ``server``,
found from the fixtures they use; ``pytest --offline`` (``make test-fast``) leaves them out, and fails any
test that listens on a socket all the same, so the lane stays what it says it is. Tests that share a
fixture made once for their module stay on one pytest-xdist worker (``--dist loadgroup``). Hypothesis
runs under the profile named by ``HYPOTHESIS_PROFILE`` (or ``--hypothesis-profile``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

#: Fixtures that start a server; a test using any of them (directly or through another fixture) is marked
#: ``server``. A module that starts one in its tests' bodies says so with ``pytestmark = pytest.mark.server``.
SERVER_FIXTURES = frozenset({"emulator_server", "review_emu", "tls_emu", "proxy", "lab"})
#: Folders of tests/ whose every test starts a server.
SERVER_FOLDERS = ("browser", "notebooks")

# Examples per property test: `suite` for make test, `fast` for the offline lane, `thorough` to hunt for bugs.
# No deadline: the machine is shared, and a slow example is not a failure.
for _name, _examples in (("suite", 60), ("fast", 20), ("thorough", 1000)):
    settings.register_profile(_name, max_examples=_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--offline",
        action="store_true",
        help="only the tests that start no server (make test-fast); a test that listens on a socket fails",
    )


def _shares_module_fixtures(item: pytest.Item) -> bool:
    """Whether the test uses a fixture made once for its module (or class), which other tests then see."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    return any(d.scope in ("package", "module", "class") for ds in defs for d in ds)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that start a server; keep the tests that share a module's fixtures on one worker
    (``--dist loadgroup``); with ``--offline`` leave the server tests out."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)
        if _shares_module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    if config.getoption("--offline"):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("server")])
        items[:] = [item for item in items if not item.get_closest_marker("server")]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``--offline``, the folders of `SERVER_FOLDERS` are not even imported (JupyterLab, Playwright)."""
    if config.getoption("--offline") and collection_path.parent.name == "tests" and collection_path.name in SERVER_FOLDERS:
        return True
    return None


def _listen_refused(self: socket.socket, *args: object) -> None:
    raise AssertionError(
        "this test starts a server, so it does not belong in the offline lane: "
        "use a server fixture, or mark its module with pytestmark = pytest.mark.server"
    )


@pytest.fixture(scope="session", autouse=True)
def _offline_means_no_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under ``--offline`` no socket may listen, in a test or in a fixture of any scope."""
    with pytest.MonkeyPatch.context() as patch:
        if request.config.getoption("--offline"):
            patch.setattr(socket.socket, "listen", _listen_refused)
        yield
