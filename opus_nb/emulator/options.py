"""The emulator's own arguments, checked before a port is taken, the files of a seed folder, and
the socket it listens on.

>>> check_port(99999)
Traceback (most recent call last):
  ...
opus_nb.emulator.errors.EmulatorConfigError: port: expected a whole number from 0 to 65535 (0: any free port); found 99999

Each check raises `EmulatorConfigError` naming the argument as the caller knows it (``port`` from
Python, ``--port`` from the shell), so a wrong number is one clear line, never an
``OverflowError`` from the socket layer or a token service that issues dead tokens.

A seed folder (`SeedFiles`) is data-samples/ or one of a user's own: its connection file is
``connection.json``, or else the one ``connection*.json`` it holds (the emulator's own download
is named ``connection-<id>.json``), beside ``choices.json`` and ``terms.json``, each optional.
"""

from __future__ import annotations

import math
import socket
from dataclasses import dataclass
from pathlib import Path

from opus_nb.emulator.errors import EmulatorConfigError, EmulatorStartError

__all__ = ["MAX_PORT", "SeedFiles", "bind", "check_limits", "check_port", "check_token_lifetime", "seed_files"]

MAX_PORT = 65535


def check_port(port: int, name: str = "port") -> None:
    """A TCP port: a whole number from 0 (any free port) to 65535."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise EmulatorConfigError(name, f"a whole number from 0 to {MAX_PORT} (0: any free port)", repr(port))


def check_token_lifetime(seconds: int, name: str = "token_lifetime_s") -> None:
    """An access token's lifetime: a whole number of seconds, 1 or more."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise EmulatorConfigError(name, "a whole number of seconds >= 1", repr(seconds))


def check_limits(max_body_bytes: int, request_timeout_s: float) -> None:
    """The largest request body (bytes, 1 or more) and the time a request has to arrive (seconds, > 0)."""
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise EmulatorConfigError("max_body_bytes", "a whole number of bytes >= 1", repr(max_body_bytes))
    number = isinstance(request_timeout_s, int | float) and not isinstance(request_timeout_s, bool)
    if not number or not math.isfinite(request_timeout_s) or request_timeout_s <= 0:
        raise EmulatorConfigError("request_timeout_s", "a number of seconds > 0", repr(request_timeout_s))


@dataclass(frozen=True)
class SeedFiles:
    """The files of a seed folder that are there (None for those that are not)."""

    connection: Path | None
    choices: Path | None
    terms: Path | None


def seed_files(folder: str | Path) -> SeedFiles:
    """The connection, choices and terms files in `folder`; `EmulatorConfigError` when it holds
    neither a connection nor terms, or several connection files."""
    folder = Path(folder)
    connection = folder / "connection.json"
    if not connection.is_file():
        named = sorted(p for p in folder.glob("connection*.json") if p.is_file()) if folder.is_dir() else []
        if len(named) > 1:
            raise EmulatorConfigError("seed", "one connection file in the folder", ", ".join(p.name for p in named))
        connection = named[0] if named else folder / "connection.json"
    choices, terms = folder / "choices.json", folder / "terms.json"
    found = SeedFiles(*(p if p.is_file() else None for p in (connection, choices, terms)))
    if found.connection is None and found.terms is None:
        raise EmulatorConfigError(
            "seed", "a folder holding connection.json (or connection-*.json) and/or terms.json", str(folder)
        )
    return found


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port`; `EmulatorStartError` when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted connections
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EmulatorStartError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(128)
    return sock
