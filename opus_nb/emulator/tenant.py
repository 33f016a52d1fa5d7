"""The Opus side of the emulator: connections, terms, records and their disposal state.

>>> from opus_nb.emulator.store import Store
>>> tenant = Tenant(Store(None))
>>> tenant.manual_approval
False

HTTP routes and the Python API call into one `Tenant`, which knows nothing of HTTP. A record's due
date follows from its term's retention (from its created or modified time); one with no term, or a
term without retention, is never due. Row keys are unique (destroy names records by row key alone).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from dateutil.relativedelta import relativedelta

from opus_nb.emulator.errors import BadRequest, UnknownRecordsError
from opus_nb.emulator.outcomes import DestroyOutcome, DuePage, Failure, SubmitOutcome
from opus_nb.emulator.paging import BadToken, Pager, Position
from opus_nb.emulator.store import RecordRow, Store
from opus_nb.emulator.wire import RecordChecker, parse_time
from opus_nb.records._connection import Connection, load_connection
from opus_nb.records._terms import Term, load_terms

__all__ = ["Clock", "StoredRecord", "Tenant"]

BUILTIN_FIELDS = ("rowKey", "leafName", "termFullPath", "timeCreated", "timeModified", "createdBy", "modifiedBy")
_NO_BUILTINS: dict[str, None] = dict.fromkeys(BUILTIN_FIELDS)


class Clock:
    """The emulator's notion of now: the real UTC time, or a fixed time set for tests and demos."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        return self._fixed or datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def set(self, value: datetime | str | None) -> None:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        self._fixed = value


@lru_cache(maxsize=65536)
def iso(value: datetime) -> str:
    """How times are stored and compared: `YYYY-MM-DD HH:MM:SS` (cached: a sheet repeats its times)."""
    return value.isoformat(sep=" ", timespec="seconds")


@dataclass(frozen=True)
class StoredRecord:
    """A record as the emulator holds it, for tests and demos to inspect."""

    row_key: str
    connection_id: str
    data: dict[str, Any]
    term: str | None
    due: datetime | None
    on_hold: bool
    approved: bool
    destroyed: datetime | None

    @property
    def status(self) -> str:
        """'destroyed' or 'active'."""
        return "destroyed" if self.destroyed is not None else "active"

    @classmethod
    def from_row(cls, row: RecordRow) -> StoredRecord:
        return cls(
            row.row_key,
            row.connection_id,
            json.loads(row.data),
            row.term,
            datetime.fromisoformat(row.due) if row.due else None,
            row.on_hold,
            row.approved,
            datetime.fromisoformat(row.destroyed) if row.destroyed else None,
        )


@dataclass(frozen=True)
class _Entry:
    connection: Connection
    graph: RecordChecker
    legacy: RecordChecker


def _term_json(term: Term) -> dict[str, Any]:
    r = term.retention
    retention = None if r is None else {"years": r.years, "months": r.months, "days": r.days, "after": r.after}
    return {"fullPath": term.full_path, "retention": retention}


def _due_item(record: Mapping[str, Any], created: datetime, modified: datetime, fmt: str) -> str:
    """A record as due-record listings show it: every built-in (null when not given), custom
    columns as submitted, and the built-in times in the connection's format followed by a space
    (as AvePoint's sample response shows them)."""
    item = {**_NO_BUILTINS, **record}
    item["timeCreated"] = _shown(created, fmt)
    item["timeModified"] = _shown(modified, fmt)
    return _to_json(item)


@lru_cache(maxsize=65536)
def _shown(value: datetime, fmt: str) -> str:
    """A time as due-record listings show it: in the connection's format, then a space."""
    return value.strftime(fmt) + " "


def _to_json(value: Any) -> str:
    """JSON text of a submitted record, by orjson (a fifth of the stdlib's CPU); by the stdlib for
    whole numbers beyond 64 bits, which orjson refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


@lru_cache(maxsize=65536)
def _shifted(start: date, years: int, months: int, days: int) -> date:
    """A date moved by a retention period (months clipped to the month's end, as `relativedelta` does).

    Cached: records of one day share their due day, and `relativedelta` is slow.
    """
    return start + relativedelta(years=years, months=months, days=days)


def _connection_json(conn: Connection) -> str:
    columns = [
        {
            "internalName": c.internal_name,
            "type": c.type.value,
            "displayName": c.display_name,
            "choices": list(c.choices) if c.choices else None,
        }
        for c in conn.columns
    ]
    return json.dumps(
        {"id": conn.id, "conflictOption": conn.conflict_option, "datetimeFormat": conn.datetime_format, "columns": columns}
    )


class Tenant:
    """One Opus tenant's records-management state, kept in a `Store`."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or Clock()
        key = store.setting("paging_key")
        if key is None:
            key = secrets.token_hex(32)
            store.set_setting("paging_key", key)
        self.pager = Pager(bytes.fromhex(key))
        self._terms: dict[str, Term] = {t.full_path: t for t in load_terms(json.loads(store.setting("terms", "[]") or "[]"))}
        self._entries: dict[str, _Entry] = {}
        for definition in store.connection_definitions():
            self._add(load_connection(json.loads(definition)))

    # set-up -----------------------------------------------------------------------------------

    @property
    def manual_approval(self) -> bool:
        return self.store.setting("manual_approval") == "1"

    @manual_approval.setter
    def manual_approval(self, value: bool) -> None:
        self.store.set_setting("manual_approval", "1" if value else "0")

    @property
    def terms(self) -> list[Term]:
        return list(self._terms.values())

    def set_terms(self, terms: Iterable[Any] | Mapping[str, Any] | str | Path) -> list[Term]:
        """Replace the terms (a terms.json path, its content, or Terms) and recompute due dates."""
        loaded = load_terms(terms)
        self._terms = {t.full_path: t for t in loaded}
        self.store.set_setting("terms", json.dumps([_term_json(t) for t in loaded]))
        for entry in list(self._entries.values()):
            self._add(entry.connection)
        dues = [
            (self._due(r.term, datetime.fromisoformat(r.created), datetime.fromisoformat(r.modified)), r.row_key)
            for r in self.store.records()
        ]
        self.store.set_due_dates(dues)
        return loaded

    def create_connection(self, conn: Connection) -> Connection:
        """Create a connection, or replace one (its records are shown in the new date-time format)."""
        self.store.put_connection(conn.id, _connection_json(conn))
        self._add(conn)
        fmt = conn.datetime_format
        items = [
            (_due_item(json.loads(r.data), datetime.fromisoformat(r.created), datetime.fromisoformat(r.modified), fmt), r.row_key)
            for r in self.store.records(conn.id)
        ]
        self.store.set_items(items)
        return conn

    def _add(self, conn: Connection) -> None:
        paths = frozenset(self._terms) if self._terms else None
        self._entries[conn.id] = _Entry(
            conn, RecordChecker(conn, term_paths=paths), RecordChecker(conn, term_paths=paths, legacy=True)
        )

    def connection(self, connection_id: str) -> Connection | None:
        entry = self._entries.get(connection_id.strip().lower())
        return entry.connection if entry else None

    @property
    def connections(self) -> list[Connection]:
        return [e.connection for e in self._entries.values()]

    def reset(self) -> None:
        """Forget every record and connection (apps, terms and settings stay)."""
        self.store.clear()
        self._entries.clear()

    # retention --------------------------------------------------------------------------------

    def _due(self, term_path: str | None, created: datetime, modified: datetime) -> str | None:
        term = self._terms.get(term_path) if term_path else None
        if term is None or term.retention is None:
            return None
        r = term.retention
        start = created if r.after == "timeCreated" else modified
        try:
            return iso(datetime.combine(_shifted(start.date(), r.years, r.months, r.days), start.time()))
        except (OverflowError, ValueError):
            return None

    # the connector API ------------------------------------------------------------------------

    def submit(
        self, connection_id: str, conflict: str, records: Sequence[Any], *, legacy: bool = False, atomic: bool = False
    ) -> SubmitOutcome:
        """Check and store records; `conflict` is 'Overwrite' or 'Skip'. `atomic`: store none when any fails."""
        entry = self._entries.get(connection_id.strip().lower())
        if entry is None:
            raise BadRequest(f"there is no connection with the id {connection_id!r}", field="id")
        check = entry.legacy if legacy else entry.graph
        fmt = entry.connection.datetime_format
        outcome = SubmitOutcome()
        good: list[tuple[int, Any, tuple[Any, ...]]] = []
        for index, record in enumerate(records):
            problems = check.problems(record)
            if problems:
                outcome.failed.append(Failure(index, record, tuple(problems)))
                continue
            record = check.completed(record)
            created_at, modified_at = parse_time(record["timeCreated"], fmt), parse_time(record["timeModified"], fmt)
            assert created_at is not None and modified_at is not None  # the check parsed them
            term = record.get("termFullPath") or None
            item = _due_item(record, created_at, modified_at, fmt)
            good.append(
                (
                    index,
                    record,
                    (
                        str(record["rowKey"]),
                        _to_json(record),
                        term,
                        iso(created_at),
                        iso(modified_at),
                        self._due(term, created_at, modified_at),
                        item,
                    ),
                )
            )
        submitted = iso(self.clock.now())
        with self.store.transaction():
            existing = self.store.records_by_key(values[0] for _, _, values in good)
            inserts: dict[str, tuple[Any, ...]] = {}
            updates: dict[str, tuple[Any, ...]] = {}
            for index, record, (key, data, term, created, modified, due, item) in good:
                old = existing.get(key)
                if old is None and key not in inserts:
                    inserts[key] = (key, entry.connection.id, data, term, created, modified, due, item, submitted)
                elif old is not None and old.connection_id != entry.connection.id:
                    why = f"{key!r} belongs to a record of another connection"
                    outcome.failed.append(Failure(index, record, (("rowKey", why),)))
                    continue
                elif conflict == "Skip":
                    outcome.skipped += 1
                    continue
                elif old is not None and old.destroyed:
                    why = f"the record {key!r} was destroyed and cannot be overwritten"
                    outcome.failed.append(Failure(index, record, (("rowKey", why),)))
                    continue
                elif key in inserts:
                    inserts[key] = (key, entry.connection.id, data, term, created, modified, due, item, submitted)
                else:
                    updates[key] = (data, term, created, modified, due, item, submitted, key)
                outcome.stored += 1
            if atomic and outcome.failed:
                outcome.stored = outcome.skipped = 0
                return outcome
            self.store.save_records(list(inserts.values()), list(updates.values()))
        return outcome

    def due_page(self, connection_id: str, before: datetime, start: str | None, per_page: int) -> DuePage:
        """One page of records due before `before`; `start` is the previous page's token."""
        entry = self._entries.get(connection_id.strip().lower())
        if entry is None:
            raise BadRequest(f"there is no connection with the id {connection_id!r}", field="id")
        before_iso = iso(before)
        if start:
            try:
                pos = self.pager.decode(start)
            except (BadToken, ValueError):
                raise BadRequest("startIndex is not a paging token this service issued", field="startIndex") from None
            if pos.connection_id != entry.connection.id or pos.before != before_iso:
                raise BadRequest("startIndex belongs to a listing with another id or disposalDueDate", field="startIndex")
        else:
            pos = Position(entry.connection.id, before_iso, 0, self.store.max_seq())
        if per_page == 0:
            return DuePage([], None)
        rows = self.store.due_page(entry.connection.id, before_iso, pos.after_seq, pos.upto_seq, per_page + 1)
        token = None
        if len(rows) > per_page:
            rows = rows[:per_page]
            token = self.pager.encode(Position(pos.connection_id, before_iso, rows[-1][0], pos.upto_seq))
        return DuePage([item for _, item in rows], token)

    def destroy(self, row_keys: Sequence[str], *, atomic: bool = False) -> DestroyOutcome:
        """Mark due, approved (if required), not-held records Destroyed. `atomic`: none when any fails."""
        outcome = DestroyOutcome()
        now = iso(self.clock.now())
        manual = self.manual_approval
        with self.store.transaction():
            found = self.store.records_by_key(row_keys)
            for index, key in enumerate(row_keys):
                why = self._not_destroyable(found.get(key), now, manual)
                if why is None and key in outcome.destroyed:
                    earlier = f"the record was already destroyed on {now}, by an earlier entry of this request"
                    why = "the row key is given twice in this request" if atomic else earlier
                if why is None:
                    outcome.destroyed.append(key)
                else:
                    outcome.failed.append(Failure(index, key, ((None, why),)))
            if atomic and outcome.failed:
                outcome.destroyed = []
            self.store.mark_destroyed(outcome.destroyed, now)
        return outcome

    def _not_destroyable(self, rec: RecordRow | None, now: str, manual: bool) -> str | None:
        """Why this record cannot be destroyed now, or None; each reason its own sentence."""
        if rec is None:
            return "no record has this row key"
        if rec.destroyed:
            return f"the record was already destroyed on {rec.destroyed}"
        if rec.on_hold:
            return "the record is on hold"
        if rec.due is not None and rec.due > now:
            return f"the record is not yet due for disposal (due {rec.due})"
        if rec.due is None:
            term = self._terms.get(rec.term) if rec.term else None
            if rec.term is None:
                return "the record is never due for disposal: it has no classification (termFullPath)"
            if term is None:
                return f"the record is never due for disposal: its classification {rec.term!r} is not a term in Opus"
            return f"the record is never due for disposal: its classification {rec.term!r} sets no retention"
        if manual and not rec.approved:
            return "manual approval is on and no reviewer approved this record"
        return None

    # what reviewers and admins do in Opus -----------------------------------------------------

    def set_flag(self, action: str, row_keys: Iterable[str], flag: str, value: bool) -> int:
        keys = list(dict.fromkeys([row_keys] if isinstance(row_keys, str) else row_keys))
        with self.store.transaction():
            found = self.store.records_by_key(keys)
            unknown = [k for k in keys if k not in found]
            if unknown:
                raise UnknownRecordsError(action, unknown)
            self.store.set_flag(keys, flag, value)
        return len(keys)

    def records(self, connection_id: str | None = None) -> list[StoredRecord]:
        return [StoredRecord.from_row(r) for r in self.store.records(connection_id)]

    def record(self, row_key: str) -> StoredRecord:
        row = self.store.records_by_key([row_key]).get(row_key)
        if row is None:
            raise UnknownRecordsError("record", [row_key])
        return StoredRecord.from_row(row)
