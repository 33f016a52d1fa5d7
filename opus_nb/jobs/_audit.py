"""The disposal audit log: who asked to destroy what, and what happened, as JSON lines and CSV.

>>> log = AuditLog("opus-audit")                 # a folder beside the notebook   # doctest: +SKIP
>>> log.read().tail()                            # every intent and outcome so far # doctest: +SKIP

Each entry: ``time`` (UTC, ISO 8601), ``reviewer`` (a person's name, never the OS login), ``review`` (the
review it belongs to, when one) and its ``stage``, ``rowKey``, ``name``, ``classification``,
``due_date`` (the day it falls due), ``result`` (a decision: ``approved``, ``rejected``, ``undecided``; or a destroy:
``intent`` before the request, then ``destroyed``, ``failed`` or ``not_sent``) and ``message``
(the server's, or the reviewer's comment); `opus_nb.jobs._destroy` writes its entries with stage
``destroy``. Files are only appended to, and each write is
flushed before the request it announces goes out.

The JSON lines are the record; the CSV is a copy for spreadsheets (every cell neutralised
against formula injection, `opus_nb._exports`). A CSV whose header is not `AUDIT_FIELDS` (an
older version's, or another file) is never appended to: it is renamed aside, with an
`AuditCsvSetAside` warning, and the CSV is written afresh from the JSON lines, as it is when
missing. Nothing is lost that way, and a destroy is not stopped by a file people only read.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import mmap
import os
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from opus_nb._errors import ReviewerRequired
from opus_nb._exports import write_csv_rows

__all__ = [
    "AUDIT_FIELDS",
    "DEFAULT_AUDIT_FOLDER",
    "DESTROY_OUTCOMES",
    "GIVE_REVIEWER",
    "REVIEWER_VARIABLE",
    "UNCONFIRMED",
    "AuditCsvNotWritten",
    "AuditCsvSetAside",
    "AuditLineUnreadable",
    "AuditLog",
    "AuditWarning",
    "reviewer_from_env",
    "reviewer_name",
]

DEFAULT_AUDIT_FOLDER = "opus-audit"
REVIEWER_VARIABLE = "OPUS_REVIEWER"
AUDIT_FIELDS = ["time", "reviewer", "review", "stage", "rowKey", "name", "classification", "due_date", "result", "message"]
#: The results that close a destroy ``intent``.
DESTROY_OUTCOMES = ("destroyed", "failed", "not_sent")
#: How the message of a ``failed`` outcome starts when Opus's answer left it unknown whether the
#: record was destroyed (no answer, a 5xx, failures not tied to keys): such an intent stays open.
UNCONFIRMED = "unconfirmed"


class AuditWarning(UserWarning):
    """Something in the audit folder needed care; the JSON lines still hold every entry."""


class AuditCsvNotWritten(AuditWarning):
    """The CSV copy could not be written (locked by a spreadsheet, say); the JSON lines hold the entries."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = path
        super().__init__(
            f"{path} could not be written ({error.strerror or error}); the entries are in the JSON lines "
            "beside it, and AuditLog(...).read() reads them"
        )


class AuditCsvSetAside(AuditWarning):
    """The CSV had another header: it was renamed to ``aside`` and written afresh from the JSON lines."""

    def __init__(self, path: Path, aside: Path, header: list[str]) -> None:
        self.path, self.aside, self.header = path, aside, header
        super().__init__(
            f"{path.name} has the columns {header[:12]}, not the audit log's {AUDIT_FIELDS}: "
            f"moved to {aside.name} and written afresh from the JSON lines (the record)"
        )


class AuditLineUnreadable(AuditWarning):
    """A line of the JSON lines is not an entry (cut short when a process was killed mid-write): skipped."""

    def __init__(self, path: Path, line: int, text: str) -> None:
        self.path, self.line, self.text = path, line, text
        super().__init__(f"{path.name} line {line} is not a JSON entry, skipped: {text[:80]!r}")


#: How a notebook or script gives the reviewer's name (the shell says ``--reviewer``; see `reviewer_name`).
GIVE_REVIEWER = f'give reviewer="Your Name" (or set {REVIEWER_VARIABLE}, or type your name in the review panel\'s reviewer box)'
#: Characters that turn the text after them around (bidirectional embeddings, overrides and isolates); the marks
#: (U+200E, U+200F, U+061C), which names in right-to-left scripts may need, are kept.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def reviewer_name(value: object, *, how: str = GIVE_REVIEWER) -> str:
    """A reviewer's name as given, spaces tidied; `ReviewerRequired` when there is none, or when it holds a control
    character (NUL, ESC, BEL, ...), a lone surrogate or a bidirectional control (an RTL override), or no letter or
    digit at all (only invisible characters). ``how`` says how to give the name, in the caller's words.

    >>> reviewer_name("  Jane   Smith ")
    'Jane Smith'
    >>> reviewer_name("Jane\u202eSmith")
    Traceback (most recent call last):
    ...
    opus_nb._errors.ReviewerRequired: a reviewer's name must be plain text, and 'Jane\\u202eSmith' holds U+202E (RIGHT-TO-LEFT OVERRIDE): give reviewer="Your Name" (or set OPUS_REVIEWER, or type your name in the review panel's reviewer box)
    """
    text = "" if value is None else " ".join(str(value).split())
    if not text:
        raise ReviewerRequired(f"decisions and destroys are signed by a person: {how} first")
    refused = [c for c in text if _refused(c)]
    if refused:
        raise ReviewerRequired(f"a reviewer's name must be plain text, and {_shown(text)} holds {_described(refused[0])}: {how}")
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise ReviewerRequired(
            f"a reviewer's name needs a letter or a digit, and {_shown(text)} has only invisible characters or signs: {how}"
        )
    return text


def _refused(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS


def _described(char: str) -> str:
    code, category = ord(char), unicodedata.category(char)
    if category == "Cs":
        return f"U+{code:04X} (a lone surrogate, which no file or request can carry)"
    if category == "Cc":
        return f"U+{code:04X} ({_CONTROL_NAMES.get(code, 'a control character')}{', a control character' if code in _CONTROL_NAMES else ''})"
    return f"U+{code:04X} ({unicodedata.name(char)})"


def _shown(text: str) -> str:
    """``text`` quoted, with every refused or invisible character written as an escape (never sent to a terminal raw)."""
    visible = "".join(f"\\u{ord(c):04x}" if _refused(c) or unicodedata.category(c) in ("Cf", "Co", "Cn") else c for c in text)
    return f"'{visible}'"


def reviewer_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The reviewer named by ``OPUS_REVIEWER``, if set."""
    found = (os.environ if environ is None else environ).get(REVIEWER_VARIABLE, "").strip()
    return " ".join(found.split()) or None


def _text(value: Any, *, day: bool = False) -> str | None:
    """A field's value as the log writes it: text, None when blank; a date-time in ISO 8601 (its day alone when ``day``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        if pd.isna(value):
            return None
        return value.date().isoformat() if day and isinstance(value, dt.datetime) else value.isoformat()
    if value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


class AuditLog:
    """Appends entries to ``destroy-audit.jsonl`` and ``destroy-audit.csv`` in ``folder``."""

    def __init__(self, folder: str | Path = DEFAULT_AUDIT_FOLDER) -> None:
        self.folder = Path(folder)
        self.jsonl = self.folder / "destroy-audit.jsonl"
        self.csv = self.folder / "destroy-audit.csv"

    def __repr__(self) -> str:
        return f"<AuditLog {self.folder}>"

    def write(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append entries (missing fields blank; ``time`` filled in when absent)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            {f: _text(e.get(f), day=f == "due_date") for f in AUDIT_FIELDS} | {"time": _text(e.get("time")) or now}
            for e in entries
        ]
        if not rows:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.jsonl.open("a+b") as out:
            cut_short = out.tell() > 0 and (out.seek(-1, os.SEEK_END), out.read(1))[1] != b"\n"
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            out.write((("\n" if cut_short else "") + text).encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        try:
            if self._csv_header() == AUDIT_FIELDS:
                write_csv_rows(self.csv, AUDIT_FIELDS, rows, header=False)
            else:
                write_csv_rows(self.csv, AUDIT_FIELDS, self._entries(), header=True)
        except OSError as exc:  # the CSV is a copy for people (open in a spreadsheet, say): the JSON lines are the record
            warnings.warn(AuditCsvNotWritten(self.csv, exc), stacklevel=2)

    def read(self) -> pd.DataFrame:
        """Every entry so far, oldest first."""
        return pd.DataFrame(list(self._entries()), columns=AUDIT_FIELDS)

    def pending(self) -> dict[str, dict[str, Any]]:
        """The last ``intent`` of each key with no confirmed outcome after it: a destroy cut short (killed,
        crashed) or left unconfirmed by Opus's answer (a ``failed`` whose message starts with `UNCONFIRMED`).

        >>> AuditLog("opus-audit").pending()          # doctest: +SKIP
        {'INV-0007': {'time': '2026-07-01T09:30:00+00:00', 'result': 'intent', ...}}
        """
        open_intents: dict[str, dict[str, Any]] = {}
        for entry in self._entries():
            key, result = entry.get("rowKey"), entry.get("result")
            if key is None:
                continue
            if result == "intent":
                open_intents[key] = entry
            elif result in DESTROY_OUTCOMES and not str(entry.get("message") or "").startswith(UNCONFIRMED):
                open_intents.pop(key, None)
        return open_intents

    def destroyed(self) -> dict[str, dict[str, Any]]:
        """The last ``destroyed`` outcome of each key: when, by whom, in which review.

        >>> AuditLog("opus-audit").destroyed()["INV-0007"]["time"]          # doctest: +SKIP
        '2026-07-01T09:30:02+00:00'
        """
        found: dict[str, dict[str, Any]] = {}
        for line in self._lines_holding(b'"destroyed"'):
            try:
                entry = json.loads(line)
            except ValueError:  # unreadable lines are named by read() and pending()
                continue
            if isinstance(entry, dict) and entry.get("result") == "destroyed" and entry.get("rowKey") is not None:
                found[str(entry["rowKey"])] = {f: entry.get(f) for f in AUDIT_FIELDS}
        return found

    def _lines_holding(self, marker: bytes) -> Iterator[bytes]:
        """The lines that hold ``marker``, oldest first, found without reading every line (a review's
        log holds a line for every decision, and this is asked at every open of a review)."""
        if not self.jsonl.exists() or self.jsonl.stat().st_size == 0:
            return
        with self.jsonl.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as text:
            at = text.find(marker)
            while at != -1:
                start, end = text.rfind(b"\n", 0, at) + 1, text.find(b"\n", at)
                end = len(text) if end == -1 else end
                yield text[start:end]
                at = text.find(marker, end)

    def _entries(self) -> Iterator[dict[str, Any]]:
        if not self.jsonl.exists():
            return
        with self.jsonl.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    entry = None
                if not isinstance(entry, dict):
                    warnings.warn(AuditLineUnreadable(self.jsonl, number, line.strip()), stacklevel=3)
                    continue
                yield {f: entry.get(f) for f in AUDIT_FIELDS}

    def _csv_header(self) -> list[str] | None:
        """The CSV's header; None when there is no CSV yet (or it is empty, or was set aside just now)."""
        if not self.csv.exists() or self.csv.stat().st_size == 0:
            self.csv.unlink(missing_ok=True)
            return None
        with self.csv.open(encoding="utf-8-sig", errors="replace", newline="") as rows:
            header = next(csv.reader(rows), [])
        if header == AUDIT_FIELDS:
            return header
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.csv.with_name(f"destroy-audit.set-aside-{stamp}.csv")
        number = 1
        while aside.exists():
            number += 1
            aside = self.csv.with_name(f"destroy-audit.set-aside-{stamp}-{number}.csv")
        self.csv.rename(aside)
        warnings.warn(AuditCsvSetAside(self.csv, aside, header), stacklevel=3)
        return None
