"""Column types and columns: what a connection is made of, and how headers name them.

>>> Column("_Department", "Department", ColumnType.SINGLE_CHOICE).is_choice
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

__all__ = ["BUILTIN_COLUMNS", "Column", "ColumnType", "decode_display_name", "normalize_header"]


class ColumnType(StrEnum):
    """The type names a connection file uses."""

    SINGLE_TEXT = "SingleText"
    MULTIPLE_TEXT = "MultipleText"
    DATETIME = "DateTime"
    SINGLE_CHOICE = "SingleChoice"
    MULTIPLE_CHOICE = "MultipleChoice"
    PEOPLE_OR_GROUP = "PeopleOrGroup"
    NUMBER = "Number"
    TAXONOMY = "Taxonomy"


@dataclass(frozen=True)
class Column:
    """One column of a connection: ``internal_name`` (what the API takes), ``display_name`` (what people
    see), ``type``, whether a value is ``required``, whether it is a ``builtin`` one (rowKey, leafName,
    ...), and a choice column's ``choices`` in Opus's order (None when not given)."""

    internal_name: str
    display_name: str
    type: ColumnType
    required: bool = False
    builtin: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def is_choice(self) -> bool:
        return self.type in (ColumnType.SINGLE_CHOICE, ColumnType.MULTIPLE_CHOICE)


BUILTIN_COLUMNS: tuple[Column, ...] = tuple(
    Column(name, display, ColumnType(kind), required, builtin=True)
    for name, display, kind, required in [
        ("rowKey", "Row key", "SingleText", True),
        ("leafName", "Name", "SingleText", True),
        ("termFullPath", "Classification", "Taxonomy", False),
        ("timeCreated", "Created time", "DateTime", True),
        ("timeModified", "Modified time", "DateTime", True),
        ("createdBy", "Created by", "SingleText", True),
        ("modifiedBy", "Modified by", "SingleText", True),
    ]
)


def decode_display_name(internal_name: str) -> str:
    """The display name that an internal name encodes (both spellings Opus has used).

    >>> decode_display_name("_Multiple_%20_Text_%20_Column")
    'Multiple Text Column'
    >>> decode_display_name("Multiple%20_Text_%20_Column")
    'Multiple Text Column'
    """
    text = unquote(internal_name)
    text = re.sub(r"_? _?", " ", text)
    if text.startswith("_") and len(text) > 1:
        text = text[1:]
    return text.strip()


def normalize_header(name: object) -> str:
    """How headers are compared: case, spaces and underscores ignored.

    >>> normalize_header(" Created_Time ")
    'createdtime'
    """
    return re.sub(r"[\s_]+", "", unquote(str(name))).casefold()
