"""The validation report as a notebook shows it: a count line, then errors grouped by column and rule.

>>> from opus_nb.records._report_html import report_html
>>> html_text = report_html(df.opus.validate(conn))        # doctest: +SKIP

Each column with problems gets a heading with its count; under it one line per rule with the
number of cells, the offending values (most frequent first), the first rows and one message.
Plain HTML; meant as the body of `ValidationReport._repr_html_`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from opus_nb.records._blank import is_blank

if TYPE_CHECKING:
    from opus_nb.records._report import ValidationReport

__all__ = ["report_html"]

_STYLE = """<style>
.opus-validation .opus-line { font-size: 1.15em; margin: 4px 0 8px 0; }
.opus-validation .opus-ok { color: #1b7a2f; font-weight: bold; }
.opus-validation .opus-bad { color: #b42318; font-weight: bold; }
.opus-validation table { border-collapse: collapse; font-size: 12px; }
.opus-validation th, .opus-validation td { text-align: left; vertical-align: top; padding: 2px 8px;
  border-bottom: 1px solid #e3e3e3; }
.opus-validation tr.opus-column th { background: #f3f4f6; border-top: 2px solid #c9ccd1; font-size: 13px; }
.opus-validation code { background: #fff1f0; padding: 0 3px; border-radius: 2px; white-space: pre; }
</style>"""


def report_html(report: ValidationReport, *, values: int = 5, rows: int = 6) -> str:
    """The report as HTML: count line, sheet-level problems, then column by column, rule by rule."""
    errors = report.errors
    n_rows, n_bad = report.n_rows, report.n_invalid
    line = (
        f"<div class='opus-line'><b>{n_rows:,} rows</b>: <span class='opus-ok'>&#10004; {n_rows - n_bad:,} valid</span>, "
        f"<span class='{'opus-bad' if n_bad else 'opus-ok'}'>&#10008; {n_bad:,} invalid</span>"
    )
    if errors.empty:
        return f"{_STYLE}<div class='opus-validation'>{line}</div><p class='opus-ok'>Every row passes.</p></div>"
    cells = errors[errors["row"].notna()]
    sheet = errors[errors["row"].isna()]
    line += f" &middot; {len(cells):,} cell problems in {cells['column'].nunique():,} columns"
    if len(sheet):
        line += f" &middot; <span class='opus-bad'>{len(sheet):,} sheet-level</span>"
    body = [line + "</div>"]
    if len(sheet):
        items = "".join(f"<li><b>{_esc(r.column)}</b> ({_esc(r.rule)}): {_esc(r.message)}</li>" for r in sheet.itertuples())
        body.append(f"<p><b>Sheet-level problems</b></p><ul>{items}</ul>")
    if len(cells):
        body.append(_table(cells, values, rows))
    body.append(
        "<p>Every failure: <code>report.errors</code> &middot; counts: <code>report.summary()</code> "
        "&middot; rows that pass: <code>report.valid</code></p>"
    )
    return f"{_STYLE}<div class='opus-validation'>{''.join(body)}</div>"


def _table(cells: pd.DataFrame, values: int, rows: int) -> str:
    out = [
        "<table><thead><tr><th>rule</th><th>cells</th><th>offending values</th><th>rows (rowKey)</th>"
        "<th>message (first)</th></tr></thead><tbody>"
    ]
    per_column = cells.groupby("column", sort=False).size().sort_values(ascending=False, kind="stable")
    for column, count in per_column.items():
        out.append(
            f"<tr class='opus-column'><th colspan='5'>{_esc(column)} &mdash; {count:,} "
            f"problem{'s' if count != 1 else ''}</th></tr>"
        )
        group = cells[cells["column"] == column]
        for rule, part in sorted(group.groupby("rule", sort=False), key=lambda item: -len(item[1])):
            out.append(
                f"<tr><td>{_esc(rule)}</td><td style='text-align:right'>{len(part):,}</td>"
                f"<td>{_values(part['value'], values)}</td><td>{_rows(part, rows)}</td>"
                f"<td>{_esc(part['message'].iloc[0])}</td></tr>"
            )
    out.append("</tbody></table>")
    return "".join(out)


def _values(series: pd.Series, limit: int) -> str:
    texts = series.map(_shown)
    counts = texts.value_counts(sort=True)
    shown = [f"<code>{_esc(v)}</code>" + (f" &times;{n}" if n > 1 else "") for v, n in counts.head(limit).items()]
    more = f" and {len(counts) - limit} more" if len(counts) > limit else ""
    return ", ".join(shown) + more


def _rows(part: pd.DataFrame, limit: int) -> str:
    labels = [f"{_esc(r.row)} ({_esc(r.rowKey)})" if _present(r.rowKey) else _esc(r.row) for r in part.head(limit).itertuples()]
    more = f", &hellip; {len(part) - limit} more" if len(part) > limit else ""
    return ", ".join(labels) + more


def _shown(value: object) -> str:
    """Text bare unless its spaces or line breaks matter, then quoted; cut to 40 characters."""
    if is_blank(value):
        return "(blank)"
    text = repr(value) if isinstance(value, str) and (value != value.strip() or "\n" in value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _present(value: object) -> bool:
    return not is_blank(value)


def _esc(value: object) -> str:
    return html.escape(str(value))
