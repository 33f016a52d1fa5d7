"""The validation report: every failure, the rows that pass, the rows that do not.

>>> report = df.opus.validate(conn)          # doctest: +SKIP
>>> report.summary()                         # doctest: +SKIP
>>> ready = report.valid                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from opus_nb._errors import OpusError, ValidationFailed
from opus_nb.records._connection import Connection
from opus_nb.records._encode import Records, encode_columns, iter_encoded
from opus_nb.records._report_html import report_html

__all__ = ["ERROR_COLUMNS", "ValidationReport"]

ERROR_COLUMNS = ["row", "rowKey", "column", "internal_name", "value", "rule", "message"]


class ValidationReport:
    """What `validate` found.

    - ``errors``: one row per failing cell (or per sheet-level problem, with ``row`` blank):
      row label, rowKey, column display name, internal name, raw value, rule, message.
    - ``valid``: the rows that pass, coerced, under display names, index kept.
    - ``invalid``: the rows that fail, exactly as they were in the sheet.
    """

    #: What `submit` sends with: `opus_nb.submit`, set when opus_nb is imported (records/ knows no jobs).
    sender: ClassVar[Callable[..., pd.DataFrame] | None] = None

    def __init__(
        self,
        source: pd.DataFrame,
        connection: Connection,
        canonical: pd.DataFrame,
        errors: pd.DataFrame,
        bad_rows: np.ndarray,
        error_positions: np.ndarray,
    ) -> None:
        self.connection = connection
        self.errors = errors
        self._source = source
        self._canonical = canonical
        self._bad = bad_rows
        self._error_positions = error_positions

    @property
    def ok(self) -> bool:
        """True when nothing at all was found wrong."""
        return self.errors.empty

    @property
    def valid(self) -> pd.DataFrame:
        frame = self.valid_internal
        names = {c.internal_name: c.display_name for c in self.connection.columns}
        return frame.rename(columns=names)

    @property
    def valid_internal(self) -> pd.DataFrame:
        """The valid rows, coerced, under the connection's internal names (what encoding reads)."""
        frame = self._canonical.iloc[np.flatnonzero(~self._bad)]
        frame.index = self._source.index[~self._bad]
        return frame

    @property
    def invalid(self) -> pd.DataFrame:
        return self._source[self._bad]

    def summary(self) -> pd.DataFrame:
        """Failures counted by column and rule, most frequent first."""
        if self.errors.empty:
            return pd.DataFrame({"column": [], "rule": [], "count": []}).astype({"count": "int64"})
        counts = self.errors.groupby(["column", "rule"], dropna=False, sort=False).size()
        return counts.rename("count").sort_values(ascending=False, kind="stable").reset_index()

    def submit(
        self,
        *,
        conflict: str | None = None,
        concurrency: int | None = None,
        progress: bool = True,
        resume: bool | str = False,
        dry_run: bool = False,
        stop_on_error: bool = False,
        journal: str | Path | None = None,
        client: Any = None,
    ) -> pd.DataFrame:
        """Send the valid rows to Opus as they were validated (no second validation); one result row per
        row of the sheet, the invalid ones ``not_sent`` with their problems. The options are
        `opus_nb.submit`'s (``journal`` None: its default folder).

        >>> results = report.submit(conflict="skip")     # doctest: +SKIP
        """
        if ValidationReport.sender is None:
            raise OpusError("report.submit needs opus_nb's jobs: import opus_nb")
        options: dict[str, Any] = {"journal": journal} if journal is not None else {}
        return ValidationReport.sender(
            self,
            conflict=conflict,
            concurrency=concurrency,
            progress=progress,
            resume=resume,
            dry_run=dry_run,
            stop_on_error=stop_on_error,
            client=client,
            **options,
        )

    def raise_if_invalid(self) -> None:
        """Raise `ValidationFailed` (carrying this report) when anything failed."""
        if not self.ok:
            raise ValidationFailed(self)

    def batches(self, size: int = 15) -> Iterator[tuple[pd.Index, list[dict[str, object]]]]:
        """The valid rows as API records, ``size`` at a time, with the row labels of each batch."""
        rows = np.flatnonzero(~self._bad)
        yield from iter_encoded(self._canonical, self.connection, chunk_size=size, rows=rows, labels=self._source.index)

    def records(self, *, datetime_format: str | None = None) -> Records:
        """The valid rows' records by row position, made a block at a time as they are read; date-times
        in ``datetime_format`` (default: the connection's).

        >>> report.records()[0]["rowKey"]            # doctest: +SKIP
        'INV-0001'
        """
        connection = self.connection if datetime_format is None else replace(self.connection, datetime_format=datetime_format)
        return Records(encode_columns(self._canonical, connection), np.flatnonzero(~self._bad))

    @property
    def labels(self) -> pd.Index:
        """The sheet's row labels (its index), valid and invalid rows alike."""
        return self._source.index

    def row_keys(self) -> list[str | None]:
        """Each row's key as validation read it (None where blank or unreadable), valid and invalid rows alike."""
        if "rowKey" not in self._canonical:
            return [None] * self.n_rows
        keys = self._canonical["rowKey"]
        return [None if pd.isna(k) else str(k) for k in keys.astype(object).tolist()]

    def row_reasons(self) -> dict[int, str]:
        """Why each invalid row (by position) fails, in one line: its cells' problems, else the sheet's.

        >>> report.row_reasons()[7]                 # doctest: +SKIP
        'invalid: Created time: ...'
        """
        parts: dict[int, list[str]] = {}
        general = []
        for pos, column, message in zip(
            self._error_positions.tolist(), self.errors["column"], self.errors["message"], strict=True
        ):
            if pos < 0:
                general.append(f"{column}: {message}")
            else:
                parts.setdefault(pos, []).append(f"{column}: {message}")
        sheet = "; ".join(general) or "did not pass validation"
        return {pos: "invalid: " + "; ".join(parts.get(pos) or [sheet]) for pos in np.flatnonzero(self._bad).tolist()}

    @property
    def n_rows(self) -> int:
        """How many rows the sheet has."""
        return len(self._source)

    @property
    def n_invalid(self) -> int:
        """How many of them fail (without building `invalid`)."""
        return int(self._bad.sum())

    def counts_line(self) -> str:
        n_rows, n_bad = self.n_rows, self.n_invalid
        n_cells = int(self.errors["row"].notna().sum())
        line = f"{n_rows:,} rows: {n_rows - n_bad:,} valid, {n_bad:,} invalid ({n_cells:,} cell problems)"
        sheet_level = self.errors["row"].isna().sum()
        if sheet_level:
            line += f"; {sheet_level} sheet-level problem(s)"
        return line

    def __repr__(self) -> str:
        return f"<ValidationReport {self.counts_line()}>"

    def _repr_html_(self) -> str:
        return report_html(self)
