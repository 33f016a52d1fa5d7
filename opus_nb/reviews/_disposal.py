"""What is due for disposal, sliced: per month, per classification, per owner, and the oldest.

>>> report = opus.disposal_report(due)       # due = opus.due_records(before="2026-01-01")  # doctest: +SKIP
>>> report.by_classification                 # a DataFrame                                   # doctest: +SKIP
>>> report.to_html("disposal-report.html")   # one self-contained file, charts included      # doctest: +SKIP

In a notebook the report shows itself: a headline, three charts, the tables. Due dates come
from the connection's terms (the due-records API sends none); see `opus_nb.records._retention`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from opus_nb._errors import MissingExtra
from opus_nb.jobs._signin import current_connection
from opus_nb.records._connection import Connection
from opus_nb.records._retention import disposal_due_dates

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DisposalReport", "disposal_report"]

_STYLE = """<style>
.opus-report { font-family: system-ui, sans-serif; }
.opus-report table { border-collapse: collapse; font-size: 12px; margin-bottom: 12px; }
.opus-report th, .opus-report td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
.opus-report .opus-headline { font-size: 1.2em; }
.opus-report .opus-tables > div { display: inline-block; vertical-align: top; margin-right: 24px; }
.opus-report .opus-charts { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 8px; }
</style>"""


class DisposalReport:
    """Tables (DataFrames) and charts (matplotlib) about the records due for disposal."""

    def __init__(
        self, due: pd.DataFrame, connection: Connection | None = None, *, owner: str = "createdBy", oldest: int = 20
    ) -> None:
        frame = due.reset_index(drop=True).copy()
        frame["due_date"] = disposal_due_dates(frame, connection)
        for column in ("rowKey", "termFullPath", "timeCreated", owner):
            if column not in frame:
                frame[column] = pd.NA
        self.due = frame
        self.owner = owner
        self.generated = dt.datetime.now().replace(microsecond=0)
        self.by_month = _by_month(frame)
        self.by_classification = _by_group(frame, "termFullPath", "classification")
        self.by_owner = _by_group(frame, owner, "owner")
        columns = [c for c in ("rowKey", "leafName", "termFullPath", owner, "timeCreated", "due_date") if c in frame]
        order = "due_date" if frame["due_date"].notna().any() else "timeCreated"
        self.oldest = frame.sort_values([order, "rowKey"], kind="stable").head(oldest)[columns].reset_index(drop=True)

    def headline(self) -> str:
        """One line: how many are due, over which dates, across how many classifications and owners."""
        n = len(self.due)
        if not n:
            return "No record is due for disposal."
        known = self.due["due_date"].dropna()
        span = (
            f", due between {known.min():%Y-%m-%d} and {known.max():%Y-%m-%d}" if len(known) else ", due dates unknown (no terms)"
        )
        return (
            f"{n:,} records due for disposal{span}; {len(self.by_classification):,} classifications, "
            f"{len(self.by_owner):,} owners"
        )

    def __repr__(self) -> str:
        return f"<DisposalReport: {self.headline()}>"

    def figures(self) -> dict[str, Figure]:
        """The charts: ``by_month``, ``by_classification``, ``by_owner`` (matplotlib figures)."""
        return {
            "by_month": _month_chart(self.by_month),
            "by_classification": _bar_chart(self.by_classification, "classification", "Due per classification"),
            "by_owner": _bar_chart(self.by_owner.head(15), "owner", f"Due per owner ({self.owner}), top 15"),
        }

    def html(self, *, title: str = "Disposal report") -> str:
        """The whole report as HTML, charts embedded as PNG (no outside files)."""
        charts = "".join(f"<img alt='{name}' src='data:image/png;base64,{_png(fig)}'>" for name, fig in self.figures().items())
        charts = f"<div class='opus-charts'>{charts}</div>"
        tables = "".join(
            f"<div><h4>{html.escape(name)}</h4>{frame.to_html(index=False, na_rep='', max_rows=24)}</div>"
            for name, frame in (
                ("Per classification", self.by_classification),
                ("Per owner", self.by_owner),
                ("Per month", self.by_month),
            )
        )
        oldest = self.oldest.to_html(index=False, na_rep="")
        return (
            f"{_STYLE}<div class='opus-report'><h2>{html.escape(title)}</h2>"
            f"<p class='opus-headline'>{html.escape(self.headline())}</p>"
            f"<p><small>generated {self.generated:%Y-%m-%d %H:%M}</small></p>{charts}"
            f"<div class='opus-tables'>{tables}</div><h4>Oldest</h4>{oldest}</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def to_html(self, path: str | Path, *, title: str = "Disposal report") -> Path:
        """Write the report as one self-contained HTML file; returns its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        page = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body>{self.html(title=title)}</body></html>"
        )
        target.write_text(page, encoding="utf-8")
        return target


def disposal_report(
    due: pd.DataFrame, connection: Connection | None = None, *, owner: str = "createdBy", oldest: int = 20
) -> DisposalReport:
    """The disposal report over ``due`` (as `due_records` gives it). ``connection``: whose terms give
    the due dates (default: the session's); ``owner``: the column that names a record's owner;
    ``oldest``: how many of the oldest records to list.

    >>> opus.disposal_report(due).by_month.tail(3)      # doctest: +SKIP
    """
    return DisposalReport(due, current_connection(connection, required=False), owner=owner, oldest=oldest)


def _by_month(frame: pd.DataFrame) -> pd.DataFrame:
    known = frame["due_date"].dropna()
    if known.empty:
        return pd.DataFrame({"month": pd.Series(dtype="string"), "records": pd.Series(dtype="int64")})
    months = known.dt.to_period("M")
    full = pd.period_range(months.min(), months.max(), freq="M")
    counts = months.value_counts().reindex(full, fill_value=0)
    return pd.DataFrame({"month": pd.array(full.strftime("%Y-%m"), dtype="string"), "records": counts.to_numpy(dtype="int64")})


def _by_group(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    keys = frame[column].astype("string").fillna("(none)")
    grouped = frame.assign(_key=keys).groupby("_key", sort=False)
    table = pd.DataFrame(
        {
            name: pd.array(grouped.size().index, dtype="string"),
            "records": grouped.size().to_numpy(dtype="int64"),
            "oldest_due": grouped["due_date"].min().to_numpy(),
            "newest_due": grouped["due_date"].max().to_numpy(),
        }
    )
    return table.sort_values(["records", name], ascending=[False, True], kind="stable").reset_index(drop=True)


def _month_chart(table: pd.DataFrame) -> Figure:
    fig = _figure(figsize=(9, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title("Due per month")
    if table.empty:
        ax.text(0.5, 0.5, "no due dates (the connection has no terms)", ha="center", va="center", transform=ax.transAxes)
        return fig
    dates = pd.PeriodIndex(table["month"], freq="M").to_timestamp()
    ax.bar(dates, table["records"], width=25, color="#4c72b0")
    ax.set_ylabel("records")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _bar_chart(table: pd.DataFrame, label: str, title: str) -> Figure:
    rows = table.iloc[::-1]
    fig = _figure(figsize=(6.5, 0.3 * max(len(rows), 3) + 0.9), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.barh(rows[label].astype(str), rows["records"], color="#dd8452")
    for y, value in enumerate(rows["records"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel("records")
    return fig


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(**options: Any) -> Figure:
    """A matplotlib figure (the charts need the ``notebook`` extra)."""
    try:
        from matplotlib.figure import Figure  # optional: the notebook extra
    except ImportError:
        raise MissingExtra("the disposal report's charts", "notebook", "matplotlib") from None
    return Figure(**options)
