"""Cells of choices and of people read as their entries: option names or orders, addresses.

>>> ChoiceReader(["Europe", "Middle East, Africa"]).many("Middle East, Africa; Europe")
(('Middle East, Africa', 'Europe'), None)
>>> read_people('["Lee, Ann <ann@contoso.com>","bo@contoso.com"]')
(('ann@contoso.com', 'bo@contoso.com'), None)

A cell holds several values as a list or tuple, as a JSON array (what `opus_nb._exports` writes:
``["Middle East, Africa","Europe"]``), or as text separated by ``;`` or ``,`` (brackets around
it ignored: ``[2,4]``). In separated text, the longest run of pieces that names an option is
one entry, so an option holding a separator is read whole.
"""

from __future__ import annotations

import json
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
        # an option name spans at most this many ';'/','-separated pieces ("Middle East, Africa": 2)
        self.widest = 1 + max((len(_SEPARATOR.findall(o)) for o in self.options), default=0)

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
        if _choice_key(text) in self.by_name:
            return [text]
        listed = _json_list(text)
        if listed is not None:
            return [v for v in listed if not is_blank(v)]
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return [i for i in self._names_in(text) if i.strip()]

    def _names_in(self, text: str) -> list[str]:
        """The ';'/','-separated entries of ``text``, where the longest run of pieces that names an
        option is one entry ("Middle East, Africa; Europe" is two)."""
        pieces = _SEPARATOR.split(text)  # text, separator, text, ...
        words, count = pieces[0::2], len(pieces) // 2 + 1
        entries: list[str] = []
        start = 0
        while start < count:
            stop = next(
                (
                    j
                    for j in range(min(count, start + self.widest), start + 1, -1)
                    if _choice_key("".join(pieces[2 * start : 2 * j - 1])) in self.by_name
                ),
                start + 1,
            )
            entries.append("".join(pieces[2 * start : 2 * stop - 1]) if stop > start + 1 else words[start])
            start = stop
        return entries


_SEPARATOR = re.compile(r"([;,])")


def _json_list(text: str) -> list[str | int | float] | None:
    """The items of ``text`` when it is a JSON array of text and numbers (as `opus_nb._exports` writes
    several choices or people: ``["Middle East, Africa","Europe"]``), else None.

    >>> _json_list('["Middle East, Africa","Europe"]'), _json_list("[2,4]"), _json_list("[Europe, Asia]")
    (['Middle East, Africa', 'Europe'], [2, 4], None)
    """
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in items):
        return None
    return items


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
    """A cell's entries: a JSON array's items, else the ';'/','-separated parts (brackets around the
    list ignored), a ``Last, First <address>`` entry kept whole."""
    if is_blank(value):
        return []
    text = str(value).strip()
    listed = _json_list(text)
    if listed is not None:
        return [str(i) for i in listed]
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    parts = re.split(r"[;,]", text)
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
