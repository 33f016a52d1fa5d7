"""Whether two reviewer names are one person's, however they were typed: the "another reviewer" check of stages.

>>> same_reviewer("Ann First", "ANN FIRST.")
True
>>> same_reviewer("Ann First", "\u0410nn First")        # a Cyrillic capital A
True
>>> same_reviewer("Ann First", "Bob Second")
False

A name is compared as its `reviewer_identity`: NFKC (full-width letters and ligatures become plain
ones), invisible characters removed (zero-width spaces and joiners, soft hyphens, bidirectional
marks: Unicode's format characters), accents stripped (NFD, combining marks dropped), the common
Cyrillic and Greek look-alikes of Latin letters mapped to those letters, case folded, and every
character that is not a letter or a digit dropped (spaces, dots, hyphens, apostrophes). The
look-alikes are a small table of the letters people meet (``_LOOK_ALIKES``), not Unicode's whole
confusables list. It errs towards "the same person": two names that differ only in what is dropped
count as one, which at worst asks for a third reviewer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

__all__ = ["reviewer_identity", "same_reviewer", "same_reviewer_among"]

#: Cyrillic and Greek letters that look like Latin ones, each to the Latin letter it passes for.
_LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеѕіјорсхуһԁԛԝӏ" + "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχ",
    "ABESIJKMHOPCTXYaesijopcxyhdqwl" + "ABEZHIKMNOPTYXaikvoptux",
)


def reviewer_identity(name: str) -> str:
    """What is left of ``name`` to tell one person from another (see the module's docstring).

    >>> reviewer_identity("  Zoë  O'Brien\u00ad ")
    'zoeobrien'
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text.translate(_LOOK_ALIKES)).casefold()
    return "".join(c for c in text if c.isalnum())


def same_reviewer(first: str, second: str) -> bool:
    """True when the two names are one person's (`reviewer_identity` is the same, and not empty)."""
    identity = reviewer_identity(first)
    return bool(identity) and identity == reviewer_identity(second)


def same_reviewer_among(name: str, others: Iterable[object]) -> str | None:
    """The first of ``others`` (None skipped) that is the same person as ``name``; None when none is.

    >>> same_reviewer_among("Ann First", [None, "Bob Second", "ann  first."])
    'ann  first.'
    """
    identity = reviewer_identity(name)
    return next((str(o) for o in others if o is not None and identity and reviewer_identity(str(o)) == identity), None)
