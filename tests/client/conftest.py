"""Fixtures of the client tests: a counting forward proxy, a SOCKS5 proxy, a TLS front for a name that is
not loopback (what a proxy has to carry), and the emulator served over TLS."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from opus_nb import emulator
from tests.client.relays import FRONT_HOST, Socks5Proxy, TLSFront
from tests.helpers import SAMPLES
from tests.helpers.forward_proxy import ForwardProxy


def _serving(server: ForwardProxy) -> Iterator[ForwardProxy]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    """A forward proxy that knows `FRONT_HOST` (the client cannot resolve it)."""
    yield from _serving(ForwardProxy(hosts={FRONT_HOST: "127.0.0.1"}))


@pytest.fixture
def guarded_proxy() -> Iterator[ForwardProxy]:
    """The same proxy, asking for the credentials ``alice:pr0xy-Pw9`` (407 without them)."""
    yield from _serving(ForwardProxy(hosts={FRONT_HOST: "127.0.0.1"}, credentials="alice:pr0xy-Pw9"))


@pytest.fixture
def socks() -> Iterator[Socks5Proxy]:
    server = Socks5Proxy(hosts={FRONT_HOST: "127.0.0.1"})
    yield server
    server.close()


@pytest.fixture
def front(emu: emulator.Emulator) -> Iterator[TLSFront]:
    """``emu``'s API over TLS at ``https://opus.test:PORT``, reachable only through a proxy (trust ``front.ca_file``)."""
    server = TLSFront(emu.port)
    yield server
    server.close()


@pytest.fixture
def tls_emu() -> Iterator[emulator.Emulator]:
    with emulator.run(seed=SAMPLES, tls=True) as running:
        yield running
