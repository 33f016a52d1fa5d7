"""A fresh tenant on a running emulator: what the `emu` fixture gives each test on its worker's emulator."""

from __future__ import annotations

import time
from pathlib import Path

from opus_nb.emulator import Emulator
from tests.helpers import SAMPLES


def wait_for_requests_in_flight(emu: Emulator, seconds: float = 15.0) -> None:
    """Wait while ``emu`` still works on a request (an answer held back by a latency fault for a client that
    gave up or was killed), at most ``seconds``: a request is logged when its answer leaves."""
    assert emu._server is not None, "the emulator is not serving"
    in_flight = emu._server.server_state.tasks  # uvicorn's request cycles still running
    deadline = time.monotonic() + seconds
    while in_flight and time.monotonic() < deadline:
        time.sleep(0.01)


def fresh_tenant(emu: Emulator, seed: Path = SAMPLES) -> Emulator:
    """``emu`` as if just started with ``seed=``: once no earlier request is in flight, its records,
    connections, faults, clock, manual approval and request log are forgotten (`Emulator.reset`; the
    registered apps stay), then the connection and terms in the ``seed`` folder are loaded.

    >>> emu = fresh_tenant(server)   # doctest: +SKIP
    """
    wait_for_requests_in_flight(emu)
    emu.reset()
    emu.seed(seed)
    return emu
