"""What the tenant's connector calls give back: each failed item with its reasons, what a submit
and a destroy did, and a page of due records.

>>> failure = Failure(2, {"rowKey": "R-1"}, (("timeCreated", "'soon' is not a date-time"), (None, "and more")))
>>> failure.message
"timeCreated: 'soon' is not a date-time; and more"

A failure keeps its place in the request and its reasons field by field, so an answer can name
them in any shape (`opus_nb.emulator.answers`): a sentence per item, or ProblemDetails errors
under ``data[2].timeCreated``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DestroyOutcome", "DuePage", "Failure", "SubmitOutcome"]


@dataclass(frozen=True)
class Failure:
    """An item of a request that was not carried out: its place in the request, the item (a
    record, or a row key) and why, field by field (the field is None for the item as a whole)."""

    index: int
    item: Any
    problems: tuple[tuple[str | None, str], ...]

    @property
    def message(self) -> str:
        """Every problem in one sentence: ``"timeCreated: ...; _Department: ..."``."""
        return "; ".join(f"{name}: {why}" if name else why for name, why in self.problems)


@dataclass
class SubmitOutcome:
    """What a submit did: records stored, records skipped, and the records that failed."""

    stored: int = 0
    skipped: int = 0
    failed: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class DuePage:
    """One page of due records (built-in fields only, each as JSON) and the token for the next, if any."""

    items_json: list[str]
    next_token: str | None

    @property
    def items(self) -> list[dict[str, Any]]:
        return [json.loads(item) for item in self.items_json]


@dataclass
class DestroyOutcome:
    """Row keys marked Destroyed, and the row keys that were not (each with its reason)."""

    destroyed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
