"""The connection: what Opus expects of each record, read from the file Opus lets you download.

>>> conn = load_connection("data-samples/connection.json",
...                        choices={"Department": ["Finance", "HR", "Legal"]})  # doctest: +SKIP
>>> conn.column("Department").internal_name                                   # doctest: +SKIP
'_Department'

Two forms are read. The *downloaded* form (Opus > Settings > Connector) mirrors a submit
request: ``{"id": GUID, "confilictOption": "Overwrite", "data": [{internal name: type name}]}``.
The *explicit* form lists columns: ``{"id": GUID, "columns": [{"internalName": ..., "type": ...,
"displayName": ..., "choices": [...]}]}``.

Choice options are not in the downloaded file. Give them with ``choices=``, keyed by display
or internal name, in the order Opus shows them: an option's *order* (what the API expects)
is its position in that list, counting from 1. This is our reading of the documents, which
say "the option order" without defining it further.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from opus_nb._errors import ConnectionFileError, MissingChoicesError
from opus_nb.records._columns import BUILTIN_COLUMNS, Column, ColumnType, decode_display_name, normalize_header
from opus_nb.records._jsonfile import read_json_file, shown
from opus_nb.records._schema import build_schema
from opus_nb.records._terms import Term, load_terms

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = ["DATETIME_FORMAT_EXPECTED", "DEFAULT_DATETIME_FORMAT", "Connection", "datetime_format_problem", "load_connection"]

DEFAULT_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


_BUILTIN_BY_NAME = {c.internal_name: c for c in BUILTIN_COLUMNS}
_CONFLICT_OPTIONS = {"overwrite": "Overwrite", "skip": "Skip"}
_CONFLICT_KEYS = ("conflictOption", "confilictOption")


@dataclass(frozen=True)
class Connection:
    """A connection: its ``id`` (a GUID), ``columns``, ``conflict_option`` ("Skip" or "Overwrite"),
    ``datetime_format`` (a strftime format, as Opus's General settings write date-times), the
    ``terms`` known for it (None: not given) and ``source``, the file it came from (for messages)."""

    id: str
    columns: tuple[Column, ...]
    conflict_option: str = "Skip"
    datetime_format: str = DEFAULT_DATETIME_FORMAT
    terms: tuple[Term, ...] | None = None
    source: str = "connection"
    _by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Column] = {}
        for col in self.columns:
            for key in {normalize_header(col.internal_name), normalize_header(col.display_name)}:
                other = by_key.get(key)
                if other is not None and other is not col:
                    raise ConnectionFileError(
                        self.source,
                        f"columns {other.internal_name!r} and {col.internal_name!r}",
                        "distinct display names",
                        f"both read as {col.display_name!r}",
                    )
                by_key[key] = col
        object.__setattr__(self, "_by_key", by_key)

    def __repr__(self) -> str:
        return f"<Connection {self.id} ({len(self.columns)} columns) from {self.source}>"

    def column(self, name: str) -> Column:
        """A column by internal or display name (case, spaces and underscores ignored)."""
        col = self.find(name)
        if col is None:
            raise KeyError(f"the connection has no column {name!r}")
        return col

    def find(self, name: object) -> Column | None:
        """Like `column`, but None when there is no such column."""
        return self._by_key.get(normalize_header(name))

    @property
    def term_paths(self) -> frozenset[str] | None:
        return None if self.terms is None else frozenset(t.full_path for t in self.terms)

    def require_choices(self, columns: Iterable[Column]) -> None:
        """Raise `MissingChoicesError` if any of these choice columns has no options."""
        missing = [c.display_name for c in columns if c.is_choice and not c.choices]
        if missing:
            raise MissingChoicesError(missing)

    def schema(self, *, dayfirst: bool = False) -> pa.DataFrameSchema:
        """The pandera schema that checks and coerces a frame keyed by internal names."""
        return build_schema(self, dayfirst=dayfirst)

    def to_json(self) -> dict[str, Any]:
        """The connection in the form Opus lets you download."""
        return {
            "id": self.id,
            "conflictOption": self.conflict_option,
            "confilictOption": self.conflict_option,
            "data": [{c.internal_name: c.type.value for c in self.columns}],
        }


def load_connection(
    source: str | Path | Mapping[str, Any],
    *,
    choices: Mapping[str, Sequence[str]] | str | Path | None = None,
    datetime_format: str = DEFAULT_DATETIME_FORMAT,
    terms: str | Path | Iterable[Any] | None = None,
) -> Connection:
    """Read a connection file (either form) or its parsed content.

    ``source``: the file's path, or its content as a dict. ``choices`` maps choice columns to their
    option names (or names a JSON file that does); ``datetime_format``: the tenant's date-time
    format when the file does not say (default ``%Y-%m-%d %H:%M:%S``); ``terms`` lists the
    classification terms (full paths, or a terms.json file).

    >>> conn = load_connection({"id": "2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11",
    ...     "data": [{"rowKey": "SingleText", "_Department": "SingleChoice"}]},
    ...     choices={"Department": ["Finance", "HR"]})
    >>> conn.column("department").choices
    ('Finance', 'HR')
    """
    name, data = _read(source)
    if not isinstance(data, Mapping):
        raise ConnectionFileError(name, "(top level)", "a JSON object", type(data).__name__)
    conn_id = _guid(name, data.get("id"))
    conflict = _conflict_option(name, data)
    fmt = data.get("datetimeFormat", datetime_format) if datetime_format == DEFAULT_DATETIME_FORMAT else datetime_format
    problem = datetime_format_problem(fmt)
    if problem is not None:
        raise ConnectionFileError(name, "datetimeFormat", DATETIME_FORMAT_EXPECTED, problem)
    if "columns" in data:
        columns = _explicit_columns(name, data["columns"])
    else:
        columns = _downloaded_columns(name, data.get("data"))
    conn = Connection(
        id=conn_id,
        columns=columns,
        conflict_option=conflict,
        datetime_format=fmt,
        terms=tuple(load_terms(terms)) if terms is not None else None,
        source=name,
    )
    return _with_choices(conn, _read_choices(choices))


def _read(source: str | Path | Mapping[str, Any]) -> tuple[str, Any]:
    if isinstance(source, Mapping):
        return "connection", source
    if not isinstance(source, str | Path):
        raise ConnectionFileError("connection", "(top level)", "a file path or a JSON object", type(source).__name__)
    return str(source), read_json_file(source)


def _read_choices(choices: Mapping[str, Sequence[str]] | str | Path | None) -> Mapping[str, Any]:
    """The ``choices=`` argument as a mapping: given as one, or read from the JSON file it names."""
    expected = "an object of column -> option names, or the path of a JSON file holding one"
    if choices is None:
        return {}
    if isinstance(choices, str) and not choices.lstrip().startswith(("{", "[")) and not Path(choices).is_file():
        raise ConnectionFileError("choices", "choices", expected, f"{shown(choices)}, which is not a file")
    if isinstance(choices, str | Path):
        name, loaded = str(choices), read_json_file(choices)
        if not isinstance(loaded, Mapping):
            raise ConnectionFileError(name, "(top level)", "an object of column -> option names", type(loaded).__name__)
        return loaded
    if not isinstance(choices, Mapping):
        raise ConnectionFileError("choices", "choices", expected, f"a {type(choices).__name__}")
    return choices


#: What a usable date-time format is, as errors say it.
DATETIME_FORMAT_EXPECTED = "a strftime format with a date, such as '%Y-%m-%d %H:%M:%S'"


def datetime_format_problem(fmt: Any) -> str | None:
    """Why ``fmt`` is not a usable date-time format (a date-time written in it must read back with
    the same date), or None when it is.

    >>> datetime_format_problem("%d/%m/%Y %H:%M") is None, datetime_format_problem("%H:%M")
    (True, "'%H:%M', in which 2021-03-24 reads back as 1900-01-01")
    """
    if not isinstance(fmt, str) or "%" not in fmt:
        return shown(fmt)
    sample = dt.datetime(2021, 3, 24, 13, 5, 6)
    try:
        back = dt.datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as exc:
        return f"{shown(fmt)} ({exc})"
    if back.date() != sample.date():
        return f"{shown(fmt)}, in which {sample:%Y-%m-%d} reads back as {back:%Y-%m-%d}"
    return None


def _guid(source: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConnectionFileError(source, "id", "the connection's GUID", shown(value))
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ConnectionFileError(source, "id", "a GUID such as 2f1c7f0e-7d6a-4d1e-9f4b-2b0a6c9e8d11", shown(value)) from None


def _conflict_option(source: str, data: Mapping[str, Any]) -> str:
    options = {key: _CONFLICT_OPTIONS.get(str(data[key]).strip().lower()) for key in _CONFLICT_KEYS if key in data}
    for key, option in options.items():
        if option is None:
            raise ConnectionFileError(source, "conflictOption", "'Overwrite' or 'Skip'", f"{key}: {shown(data[key])}")
    if len(set(options.values())) > 1:
        given = ", ".join(f"{key}: {data[key]!r}" for key in options)
        raise ConnectionFileError(source, "conflictOption", "one conflict option under both spellings", given)
    return next(iter(options.values()), "Skip") or "Skip"


def _column_type(source: str, field_name: str, value: Any) -> ColumnType:
    try:
        return ColumnType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in ColumnType)
        raise ConnectionFileError(source, field_name, f"one of {allowed}", shown(value)) from None


def _make_column(source: str, field_name: str, internal: Any, kind: Any, display: Any = None) -> Column:
    if not isinstance(internal, str) or not internal.strip() or not unquote(internal).isprintable():
        raise ConnectionFileError(source, field_name, "a column's internal name, with no control character", shown(internal))
    col_type = _column_type(source, f"{field_name}.type" if display is not None else field_name, kind)
    builtin = _BUILTIN_BY_NAME.get(internal)
    if builtin is not None:
        if builtin.type is not col_type:
            raise ConnectionFileError(source, field_name, f"type {builtin.type.value} for built-in {internal!r}", shown(kind))
        return builtin
    if display is not None and (not isinstance(display, str) or not display.strip() or not display.isprintable()):
        raise ConnectionFileError(
            source, f"{field_name}.displayName", "a non-blank name, with no control character", shown(display)
        )
    name = (display or decode_display_name(internal)).strip()
    if not name:
        raise ConnectionFileError(source, field_name, "an internal name whose display name is not blank", shown(internal))
    return Column(internal, name, col_type)


def _downloaded_columns(source: str, data: Any) -> tuple[Column, ...]:
    if not isinstance(data, list) or not data or not isinstance(data[0], Mapping):
        raise ConnectionFileError(source, "data", "a list holding one object of internal name -> type name", shown(data))
    cols = [_make_column(source, f"data[0].{k}", k, v) for k, v in data[0].items()]
    return _with_builtins(cols)


def _explicit_columns(source: str, items: Any) -> tuple[Column, ...]:
    if not isinstance(items, list):
        raise ConnectionFileError(source, "columns", "a list of column objects", shown(items))
    cols = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConnectionFileError(source, f"columns[{i}]", "an object", shown(item))
        col = _make_column(source, f"columns[{i}]", item.get("internalName"), item.get("type"), item.get("displayName", None))
        if item.get("choices") is not None:
            col = replace(col, choices=_options(source, f"columns[{i}].choices", item["choices"]))
        cols.append(col)
    return _with_builtins(cols)


def _with_builtins(cols: list[Column]) -> tuple[Column, ...]:
    present = {c.internal_name for c in cols}
    missing = [b for b in BUILTIN_COLUMNS if b.internal_name not in present]
    return tuple(missing + cols) if missing else tuple(cols)


def _options(source: str, field_name: str, options: Any) -> tuple[str, ...]:
    if isinstance(options, str) or not isinstance(options, Sequence) or not options:
        raise ConnectionFileError(source, field_name, "a non-empty list of option names", shown(options))
    odd = [o for o in options if not isinstance(o, str) or not o.isprintable()]
    if odd:
        raise ConnectionFileError(
            source, field_name, "option names as text, with no control character", f"{shown(odd[0])} (a {type(odd[0]).__name__})"
        )
    names = [o.strip() for o in options]
    seen: set[str] = set()
    for n in names:
        if not n or n.casefold() in seen:
            raise ConnectionFileError(source, field_name, "distinct, non-blank option names", repr(n))
        seen.add(n.casefold())
    return tuple(names)


def _with_choices(conn: Connection, choices: Mapping[str, Sequence[str]]) -> Connection:
    if not choices:
        return conn
    given: dict[str, tuple[str, ...]] = {}
    for key, options in choices.items():
        col = conn.find(key)
        if col is None or not col.is_choice:
            kind = "no such column" if col is None else f"a {col.type.value} column"
            raise ConnectionFileError("choices", str(key), "a choice column of the connection", kind)
        given[col.internal_name] = _options("choices", str(key), options)
    columns = tuple(replace(c, choices=given.get(c.internal_name, c.choices)) for c in conn.columns)
    return replace(conn, columns=columns)
