"""The proof of disposition of one review: every decision and every destroy outcome, as CSV and HTML.

>>> csv_file, html_file = session.export_proof("proof")      # proof.csv and proof.html   # doctest: +SKIP

One row per event, grouped by record: each decision (stage, who, when, comment) and each
outcome of a real destroy (status, who, when, the server's message), with the record's name,
classification and due date as they were when the event was recorded. The CSV goes through
`opus_nb._exports.write_table` (formula-safe); every value in the HTML is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from opus_nb._exports import write_table

if TYPE_CHECKING:
    from opus_nb.reviews._session import ReviewSession

__all__ = ["PROOF_COLUMNS", "proof_frame", "write_proof"]

PROOF_COLUMNS = ["rowKey", "name", "classification", "due_date", "event", "stage", "result", "reviewer", "time", "comment"]
_STYLE = """<style>
body { font-family: system-ui, sans-serif; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
tr.destroy td { background: #eef5ee; }
</style>"""


def proof_frame(session: ReviewSession) -> pd.DataFrame:
    """Every decision and destroy outcome of the session's review, by record then time (``PROOF_COLUMNS``)."""
    decisions = session.store.decisions(session.review.id)
    outcomes = session.store.outcomes(session.review.id)
    parts = [
        decisions.assign(event="decision", result=decisions["decision"])[
            ["rowKey", "name", "classification", "due_date", "event", "stage", "result", "reviewer", "time", "comment"]
        ],
        outcomes.assign(
            event="destroy",
            stage=pd.array([pd.NA] * len(outcomes), dtype="Int64"),
            result=outcomes["status"],
            comment=outcomes["message"],
        )[PROOF_COLUMNS],
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["event"] = frame["event"].astype("string")
    order = frame.reset_index().sort_values(["rowKey", "time", "index"], kind="stable")["index"]
    return frame.loc[order].reset_index(drop=True)


def write_proof(session: ReviewSession, path: Path) -> tuple[Path, Path]:
    """Write ``path``.csv and ``path``.html; returns both paths."""
    frame = proof_frame(session)
    csv_file = write_table(frame, path.with_suffix(".csv"))
    html_file = path.with_suffix(".html")
    html_file.write_text(_page(session, frame), encoding="utf-8")
    return csv_file, html_file


def _page(session: ReviewSession, frame: pd.DataFrame) -> str:
    title = f"Proof of disposition: {session.review.name}"
    destroyed = frame.loc[(frame["event"] == "destroy") & (frame["result"] == "destroyed"), "rowKey"].nunique()
    facts = [
        ("review", session.review.id),
        ("stages", str(session.stages)),
        ("started", session.review.created),
        ("generated", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ("records decided", f"{frame.loc[frame['event'] == 'decision', 'rowKey'].nunique():,}"),
        ("records destroyed", f"{destroyed:,}"),
    ]
    head = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    rows = "".join(
        f"<tr class='{'destroy' if row.event == 'destroy' else 'decision'}'>"
        + "".join(f"<td>{html.escape(_text(getattr(row, c)))}</td>" for c in PROOF_COLUMNS)
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    columns = "".join(f"<th>{html.escape(c)}</th>" for c in PROOF_COLUMNS)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{_STYLE}</head><body>"
        f"<h2>{html.escape(title)}</h2><table class='facts'>{head}</table><h3>Decisions and outcomes</h3>"
        f"<table class='events'><thead><tr>{columns}</tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
