"""The panel's header as HTML: the count line, small stacked bar charts, and the results table.

>>> "<div class='opus-counts'><b>3</b> candidates" in counts_html(
...     {"candidates": 3, "approved": 1, "rejected": 0, "undecided": 2, "destroyed": 0, "shown": 3})
True

Plain HTML and CSS (no images), so redrawing after each decision costs next to nothing.
"""

from __future__ import annotations

import html

import pandas as pd

from opus_nb.records._blank import is_blank

__all__ = ["bars_html", "counts_html", "results_html"]

COLOURS = {"approved": "#2ea043", "rejected": "#cf4444", "undecided": "#9aa4ad", "destroyed": "#555d66"}
_CSS = """<style>
.opus-counts { font-size: 1.15em; margin: 2px 0 6px 0; }
.opus-counts b { font-size: 1.2em; }
.opus-chip { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin: 0 3px 0 10px; }
.opus-bars { display: inline-block; vertical-align: top; margin-right: 28px; font-size: 12px; }
.opus-bars table { border-collapse: collapse; }
.opus-bars td { padding: 1px 4px; white-space: nowrap; }
.opus-bar { display: flex; height: 11px; background: transparent; }
.opus-bar span { display: block; height: 11px; }
.opus-results table { border-collapse: collapse; font-size: 12px; }
.opus-results td, .opus-results th { padding: 2px 6px; border-bottom: 1px solid #e0e0e0; text-align: left; }
.opus-results tr.opus-failed td, .opus-results tr.opus-not_sent td { background: #fde7e7; color: #8a1010; }
.opus-results tr.opus-destroyed td { background: #e8f5ea; }
</style>"""


def counts_html(counts: dict[str, int]) -> str:
    """The count line: candidates, then each decision with its colour."""
    parts = [f"<b>{counts['candidates']:,}</b> candidates"]
    for name, colour in COLOURS.items():
        parts.append(f"<span class='opus-chip' style='background:{colour}'></span><b>{counts[name]:,}</b> {name}")
    shown = f" &middot; {counts['shown']:,} shown" if counts["shown"] != counts["candidates"] else ""
    return _CSS + f"<div class='opus-counts'>{' '.join(parts)}{shown}</div>"


def bars_html(table: pd.DataFrame, title: str, *, limit: int = 10, width: int = 180) -> str:
    """A stacked bar per row of ``table`` (columns: one per decision, and total), largest first."""
    if table.empty:
        return f"<div class='opus-bars'><b>{html.escape(title)}</b><br><i>nothing</i></div>"
    top = table.sort_values("total", ascending=False, kind="stable").head(limit)
    if title.lower().startswith("by due year"):
        top = top.sort_index()
    biggest = max(int(top["total"].max()), 1)
    rows = []
    for label, row in top.iterrows():
        segments = "".join(
            f"<span title='{name}: {int(row[name])}' style='width:{int(row[name]) * width / biggest:.1f}px;"
            f"background:{colour}'></span>"
            for name, colour in COLOURS.items()
            if int(row[name])
        )
        rows.append(
            f"<tr><td>{html.escape(str(label))}</td><td style='text-align:right'>{int(row['total']):,}</td>"
            f"<td><div class='opus-bar'>{segments}</div></td></tr>"
        )
    more = f"<tr><td colspan='3'><i>and {len(table) - limit} more</i></td></tr>" if len(table) > limit else ""
    return f"<div class='opus-bars'><b>{html.escape(title)}</b><table>{''.join(rows)}{more}</table></div>"


def results_html(results: pd.DataFrame, *, limit: int = 200) -> str:
    """One row per record of a destroy (or dry) run; failures first and highlighted."""
    counts = results["status"].value_counts()
    line = ", ".join(f"{int(n):,} {html.escape(str(status))}" for status, n in counts.items())
    order = results.assign(_bad=~results["status"].isin(["destroyed", "would_destroy"])).sort_values(
        "_bad", ascending=False, kind="stable"
    )
    rows = "".join(
        f"<tr class='opus-{html.escape(str(r.status))}'><td>{html.escape(str(r.rowKey))}</td>"
        f"<td>{html.escape(_shown(r.leafName))}</td><td>{html.escape(str(r.status))}</td>"
        f"<td>{html.escape(_shown(r.message))}</td></tr>"
        for r in order.head(limit).itertuples()
    )
    more = f"<p><i>{len(results) - limit:,} more: see <code>panel.results</code></i></p>" if len(results) > limit else ""
    return (
        _CSS + f"<div class='opus-results'><p><b>Results:</b> {line}</p><table><thead><tr><th>rowKey</th>"
        f"<th>name</th><th>status</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>{more}</div>"
    )


def _shown(value: object) -> str:
    """A cell as the table shows it: blank cells empty."""
    return "" if is_blank(value) else str(value)
