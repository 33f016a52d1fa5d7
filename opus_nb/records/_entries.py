"""Cells of choices and of people read as their entries: option names or orders, addresses.

>>> ChoiceReader(["Europe", "Middle East, Africa"]).many("Middle East, Africa; Europe")
(('Middle East, Africa', 'Europe'), None)
>>> read_people("Lee, Ann <ann@contoso.com>; bo@contoso.com")
(('ann@contoso.com', 'bo@contoso.com'), None)

A cell holds several values as a list or tuple, or as text separated by ``;`` or ``,``
(brackets around choices ignored: ``[2,4]``); within a ``;`` part, the longest run of
``,``-separated pieces that names an option is one entry ("Middle East, Africa").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from opus_nb.records._blank import is_blank
from opus_nb.records._rules import Rule

__all__ = ["EMAIL_PATTERN", "ChoiceReader", "read_people"]

EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_ENTRY = re.compile(r'\s*(?:"?(?P<name>[^"<>]*?)"?\s*<(?P<addr>[^<>]*)>|(?P<bare>[^<>]*?))\s*')


class ChoiceReader:
    """Reads option names (case and spaces ignored) or orders (1-based positions) of ``options``:
    ``one`` a single choice, ``many`` several; each gives (the canonical value, the rule it broke)."""

    def __init__(self, options: Iterable[str]) -> None:
        self.options = tuple(options)
        self.by_name = {_choice_key(o): o for o in self.options}

    def _option(self, item: Any) -> str | None:
        if isinstance(item, bool):
            return None
        if isinstance(item, int | float | np.integer | np.floating):
            number = float(item)
            return self.options[int(number) - 1] if number.is_integer() and 1 <= number <= len(self.options) else None
        text = str(item)
        name = self.by_name.get(_choice_key(text))
        if name is None and text.strip().isdigit():
            return self._option(int(text.strip()))
        return name

    def one(self, value: Any) -> tuple[str | None, Rule | None]:
        if is_blank(value):
            return None, None
        name = self._option(value)
        return (None, Rule.CHOICE) if name is None else (name, None)

    def many(self, value: Any) -> tuple[tuple[str, ...] | None, Rule | None]:
        items = self._items(value)
        if not items:
            return None, None
        names = [self._option(i) for i in items]
        if any(n is None for n in names):
            return None, Rule.CHOICES
        return tuple(dict.fromkeys(n for n in names if n is not None)), None

    def _items(self, value: Any) -> list[Any]:
        if isinstance(value, tuple):
            return [v for v in value if not is_blank(v)]
        if is_blank(value):
            return []
        if not isinstance(value, str):
            return [value]
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items: list[Any] = []
        for part in text.split(";"):
            pieces = part.split(",")
            start = 0
            while start < len(pieces):
                # the longest run of ','-separated pieces that names an option ("Middle East, Africa")
                stop = next(
                    (j for j in range(len(pieces), start + 1, -1) if _choice_key(",".join(pieces[start:j])) in self.by_name),
                    start + 1,
                )
                items.append(",".join(pieces[start:stop]))
                start = stop
        return [i for i in items if i.strip()]


def _choice_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def read_people(value: Any) -> tuple[tuple[str, ...] | None, Rule | None]:
    """The addresses in a cell of people (``Name <address>`` entries too), or the rule it broke."""
    entries = [str(v) for v in value] if isinstance(value, tuple) else _people_entries(value)
    entries = [e for e in entries if e.strip()]
    if not entries:
        return None, None
    addresses = []
    for entry in entries:
        match = _ENTRY.fullmatch(entry)
        address = (match["addr"] if match["addr"] is not None else match["bare"]).strip() if match else ""
        if not EMAIL_PATTERN.fullmatch(address):
            return None, Rule.EMAIL
        addresses.append(address)
    return tuple(dict.fromkeys(addresses)), None


def _people_entries(value: Any) -> list[str]:
    if is_blank(value):
        return []
    parts = re.split(r"[;,]", str(value))
    entries: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if "@" not in part and "<" not in part and i + 1 < len(parts) and "<" in parts[i + 1]:
            part = f"{part},{parts[i + 1]}"
            i += 1
        entries.append(part)
        i += 1
    return entries
