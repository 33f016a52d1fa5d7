"""``df.opus``: the pandas face of opus_nb. It keeps no state and delegates to plain functions.

>>> report = df.opus.validate(conn)          # doctest: +SKIP
>>> records = report.valid.opus.to_records(conn)   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from opus_nb.client._client import OpusClient
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER
from opus_nb.jobs._destroy import Progress, destroy
from opus_nb.jobs._journal import DEFAULT_FOLDER
from opus_nb.jobs._results import Results
from opus_nb.jobs._submit import submit
from opus_nb.records._connection import Connection
from opus_nb.records._report import ValidationReport
from opus_nb.records._to_records import iter_records, to_records
from opus_nb.records._validate import validate

__all__ = ["OpusAccessor"]


@pd.api.extensions.register_dataframe_accessor("opus")
class OpusAccessor:
    """Methods on every DataFrame, under ``df.opus``."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def validate(
        self,
        connection: Connection,
        *,
        rename: Mapping[Hashable, str] | None = None,
        dayfirst: bool = False,
        api: str = "graph",
    ) -> ValidationReport:
        """Check every cell against ``connection``; see `opus_nb.validate` (``rename``, ``dayfirst``, and
        ``api="legacy"`` for the older API, where Created by and Modified by are optional)."""
        return validate(self._df, connection, rename=rename, dayfirst=dayfirst, api=api)

    def to_records(
        self, connection: Connection, *, rename: Mapping[Hashable, str] | None = None, dayfirst: bool = False
    ) -> list[dict[str, Any]]:
        """The rows as API records for ``connection``; the options are `opus_nb.to_records`'s."""
        return to_records(self._df, connection, rename=rename, dayfirst=dayfirst)

    def iter_records(
        self,
        connection: Connection,
        *,
        chunk_size: int = 10_000,
        rename: Mapping[Hashable, str] | None = None,
        dayfirst: bool = False,
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows as API records for ``connection``, ``chunk_size`` at a time; the options are `opus_nb.iter_records`'s."""
        return iter_records(self._df, connection, chunk_size=chunk_size, rename=rename, dayfirst=dayfirst)

    def submit(
        self,
        connection: Connection | None = None,
        *,
        conflict: str | None = None,
        concurrency: int | None = None,
        progress: bool = True,
        resume: bool | str = False,
        dry_run: bool = False,
        stop_on_error: bool = False,
        validate: bool = True,
        rename: Mapping[Hashable, str] | None = None,
        dayfirst: bool = False,
        journal: str | Path = DEFAULT_FOLDER,
        client: OpusClient | None = None,
    ) -> Results:
        """Validate and submit the rows to Opus, one result row per row; the options are `opus_nb.submit`'s."""
        return submit(
            self._df,
            connection,
            conflict=conflict,
            concurrency=concurrency,
            progress=progress,
            resume=resume,
            dry_run=dry_run,
            stop_on_error=stop_on_error,
            validate=validate,
            rename=rename,
            dayfirst=dayfirst,
            journal=journal,
            client=client,
        )

    def destroy(
        self,
        connection: Connection | None = None,
        *,
        confirm: bool = False,
        dry_run: bool = False,
        reviewer: str | None = None,
        review: str | None = None,
        recheck: bool = True,
        before: str | dt.date | pd.Timestamp | None = None,
        audit: str | Path = DEFAULT_AUDIT_FOLDER,
        concurrency: int | None = None,
        progress: bool = True,
        on_progress: Progress | None = None,
        client: OpusClient | None = None,
    ) -> Results:
        """Mark the rows (by their rowKey column) Destroyed in Opus; the options are `opus_nb.destroy`'s."""
        return destroy(
            self._df,
            connection,
            confirm=confirm,
            dry_run=dry_run,
            reviewer=reviewer,
            review=review,
            recheck=recheck,
            before=before,
            audit=audit,
            concurrency=concurrency,
            progress=progress,
            on_progress=on_progress,
            client=client,
        )


ValidationReport.sender = submit
