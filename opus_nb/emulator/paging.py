"""Opaque paging tokens for due records: where a listing stands, signed so it cannot be forged.

>>> pager = Pager(b"k" * 32)
>>> token = pager.encode(Position("6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f", "2025-01-01 00:00:00", 100, 250))
>>> pager.decode(token).after_seq
100

A position holds the query (connection, due-before) and two sequence numbers: the last record
served, and the newest record that existed when the first page was served. Pages walk the
records in the order they were first stored, up to that bound, so records submitted while a
client pages neither repeat nor push others out of view; they show in the next listing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

__all__ = ["BadToken", "Pager", "Position"]


class BadToken(ValueError):
    """A `startIndex` this emulator did not issue, or issued for another query."""


@dataclass(frozen=True)
class Position:
    """Where a due-record listing stands."""

    connection_id: str
    before: str
    after_seq: int
    upto_seq: int


class Pager:
    """Turns positions into opaque `startIndex` strings and back."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> str:
        digest = hmac.new(self._key, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def encode(self, pos: Position) -> str:
        payload = json.dumps([pos.connection_id, pos.before, pos.after_seq, pos.upto_seq], separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._mac(payload)}"

    def decode(self, token: str) -> Position:
        body, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise BadToken("startIndex is not a paging token from this service") from None
        if not mac.isascii() or not hmac.compare_digest(mac, self._mac(payload)):
            raise BadToken("startIndex is not a paging token from this service")
        conn, before, after_seq, upto_seq = json.loads(payload)
        return Position(str(conn), str(before), int(after_seq), int(upto_seq))
