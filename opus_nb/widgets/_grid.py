"""The candidate table: one page of rows, each with Approve / Reject / Undo buttons (an anywidget).

>>> grid = CandidateGrid(on_action=lambda action, keys: print(action, keys))   # doctest: +SKIP
>>> grid.show(session.page(0))                                                 # doctest: +SKIP

Only the page on screen travels to the browser, so the table stays quick with any number of
candidates. A click sends ``{"action": "approve" | "reject" | "undecide", "keys": [...]}``
back to Python, which decides what happens.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import pandas as pd
import traitlets

__all__ = ["ACTIONS", "COLUMNS", "CandidateGrid"]

ACTIONS = ("approve", "reject", "undecide")
COLUMNS: list[dict[str, str]] = [
    {"key": "leafName", "label": "Name", "width": "auto"},
    {"key": "termFullPath", "label": "Classification", "width": "20%"},
    {"key": "createdBy", "label": "Created by", "width": "14%"},
    {"key": "due_date", "label": "Due", "width": "92px"},
    {"key": "decision", "label": "Decision", "width": "86px"},
    {"key": "reason", "label": "Comment", "width": "14%"},
]

_ESM = r"""
function cell(tag, text, cls) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = text;
  return el;
}

function render({ model, el }) {
  el.classList.add("opus-grid");
  const draw = () => {
    const columns = model.get("columns");
    const rows = model.get("rows");
    const table = document.createElement("table");
    const widths = document.createElement("colgroup");
    for (const c of columns) { const col = document.createElement("col"); col.style.width = c.width; widths.appendChild(col); }
    const actionsCol = document.createElement("col");
    actionsCol.style.width = "176px";
    widths.appendChild(actionsCol);
    table.appendChild(widths);
    const head = document.createElement("tr");
    for (const c of columns) head.appendChild(cell("th", c.label));
    head.appendChild(cell("th", ""));
    const thead = document.createElement("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    const body = document.createElement("tbody");
    for (const row of rows) {
      const tr = document.createElement("tr");
      tr.dataset.key = row.key;
      tr.className = "opus-row opus-" + row.decision;
      for (const c of columns) {
        const td = cell("td", row.cells[c.key] ?? "", "opus-" + c.key);
        td.title = row.cells[c.key] ?? "";
        tr.appendChild(td);
      }
      const actions = document.createElement("td");
      actions.className = "opus-actions";
      for (const [action, label] of [["approve", "Approve"], ["reject", "Reject"], ["undecide", "Undo"]]) {
        const b = cell("button", label, "opus-" + action);
        b.dataset.key = row.key;
        if (row.locked) b.title = "not approved at every earlier stage: not open at this one";
        b.disabled = row.locked || row.decision === "destroyed" || (action === "approve" && row.decision === "approved")
          || (action === "reject" && row.decision === "rejected") || (action === "undecide" && row.decision === "undecided");
        b.addEventListener("click", () => model.send({ action, keys: [row.key] }));
        actions.appendChild(b);
      }
      tr.appendChild(actions);
      body.appendChild(tr);
    }
    table.appendChild(body);
    const note = model.get("empty_text");
    el.replaceChildren(rows.length ? table : cell("p", note, "opus-empty"));
  };
  model.on("change:rows", draw);
  model.on("change:columns", draw);
  draw();
}
export default { render };
"""

_CSS = """
.opus-grid { overflow-x: auto; }
.opus-grid table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: var(--jp-ui-font-size1, 13px); }
.opus-grid th { text-align: left; border-bottom: 2px solid var(--jp-border-color1, #bbb); padding: 3px 6px; }
.opus-grid td { border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); padding: 2px 6px;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.opus-grid tr.opus-approved td.opus-decision { color: #1b7a2f; font-weight: bold; }
.opus-grid tr.opus-rejected td.opus-decision { color: #a33; font-weight: bold; }
.opus-grid tr.opus-destroyed td { color: var(--jp-ui-font-color3, #999); text-decoration: line-through; }
.opus-grid tr.opus-approved { background: rgba(46, 160, 67, 0.08); }
.opus-grid tr.opus-rejected { background: rgba(200, 50, 50, 0.06); }
.opus-grid td.opus-actions { white-space: nowrap; overflow: visible; }
.opus-grid button { margin-right: 3px; padding: 0 5px; font-size: 11px; cursor: pointer; }
.opus-grid button:disabled { cursor: default; opacity: 0.4; }
.opus-grid .opus-empty { font-style: italic; }
"""


class CandidateGrid(anywidget.AnyWidget):
    """A page of candidates; ``on_action(action, keys)`` is called for every click."""

    _esm = _ESM
    _css = _CSS
    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    empty_text = traitlets.Unicode("No candidate matches the filters.").tag(sync=True)

    def __init__(self, on_action: Callable[[str, list[str]], None], **kwargs: Any) -> None:
        super().__init__(columns=COLUMNS, **kwargs)
        self._on_action = on_action
        self.on_msg(self._received)

    def show(self, page: pd.DataFrame, locked: Sequence[bool] | None = None) -> None:
        """Put this page of candidates (with ``decision``) on screen; ``locked`` rows cannot be decided at this stage."""
        keys = page["rowKey"].astype(str).tolist()
        cells = {c["key"]: _texts(page[c["key"]]) if c["key"] in page else [""] * len(page) for c in COLUMNS}
        decisions = page["decision"].astype(str).tolist()
        closed = [bool(v) for v in locked] if locked is not None else [False] * len(keys)
        self.rows = [
            {
                "key": key,
                "decision": decisions[i],
                "locked": closed[i],
                "cells": {name: values[i] for name, values in cells.items()},
            }
            for i, key in enumerate(keys)
        ]

    def _received(self, _: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("action") not in ACTIONS:
            return
        keys = content.get("keys")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            self._on_action(str(content["action"]), keys)


def _texts(values: pd.Series) -> list[str]:
    if pd.api.types.is_datetime64_any_dtype(values):
        return [v.strftime("%Y-%m-%d") if not pd.isna(v) else "" for v in values]
    return [_text(v) for v in values]


def _text(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)
