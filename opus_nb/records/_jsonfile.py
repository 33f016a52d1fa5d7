"""Reading the JSON files a user hands over (connection, choices, terms), every failure a `ConnectionFileError`.

>>> read_json_file("data-samples/connection.json")["id"]     # doctest: +SKIP
'6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f'

JSON is UTF-8 (RFC 8259), with or without a byte order mark; UTF-16 and UTF-32 files are read
when they start with their byte order mark (as Windows Notepad writes them). A file in another
encoding (latin-1, Windows-1252) is refused with the position of the first byte that is not UTF-8,
rather than guessed at. A key given twice in one object, and nesting too deep to read, are refused too.
"""

from __future__ import annotations

import codecs
import json
import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opus_nb._errors import ConnectionFileError

__all__ = ["read_json_file", "shown"]

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 3, 60, 60, 4, 4


def shown(value: Any) -> str:
    """A value as an error message shows it: short, and safe for deeply nested values.

    >>> shown([[[[["deep"]]]]])
    '[[[[...]]]]'
    """
    return _SHORT.repr(value)


def read_json_file(path: str | Path) -> Any:
    """The parsed content of a JSON file; any problem is a `ConnectionFileError` naming the file."""
    name = str(path)
    if "\x00" in name:
        raise ConnectionFileError(name.replace("\x00", "\\x00"), "(file)", "a file path", "a NUL character in the path")
    if isinstance(path, str) and path.lstrip().startswith(("{", "[")):
        raise ConnectionFileError("connection", "(file)", "a file path: pass a path or a dict, not JSON text", shown(path))
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise ConnectionFileError(name, "(file)", "a readable file", exc.strerror or type(exc).__name__) from None
    encoding = next((enc for mark, enc in _BYTE_ORDER_MARKS if content.startswith(mark)), "utf-8")
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConnectionFileError(
            name,
            "(file)",
            "UTF-8 text (or UTF-16 with a byte order mark)",
            f"byte {content[exc.start]:#04x} at position {exc.start} is not {encoding.upper()} "
            "(a latin-1 or Windows-1252 file? save it as UTF-8)",
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys(name))
    except RecursionError:
        raise ConnectionFileError(name, "(file)", "JSON", "nested too deep to read") from None
    except ValueError as exc:
        raise ConnectionFileError(name, "(file)", "JSON", f"invalid JSON ({exc})") from None


def _unique_keys(name: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ConnectionFileError(name, key, "each key once in an object", "the key twice")
            out[key] = value
        return out

    return build
