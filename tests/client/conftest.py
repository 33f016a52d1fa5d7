"""Fixtures of the client tests: a counting forward proxy, and the emulator served over TLS."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from opus_nb import emulator
from tests.helpers import SAMPLES
from tests.helpers.forward_proxy import ForwardProxy


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls_emu() -> Iterator[emulator.Emulator]:
    with emulator.run(seed=SAMPLES, tls=True) as running:
        yield running
