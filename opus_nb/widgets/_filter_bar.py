"""The review panel's filter row: classification, owner, due dates, name and decision controls.

>>> bar = FilterBar(session, guard=lambda action: action())   # doctest: +SKIP
>>> bar.classification.value = "Finance"                      # the same as session.filter(classification="Finance")  # doctest: +SKIP

Each control's change calls `ReviewSession.filter`; `sync` sets the controls from the session's
filters (after a filter from Python) without calling back.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from opus_nb.reviews._filters import DECISIONS, Filters
from opus_nb.reviews._session import ReviewSession

__all__ = ["FilterBar", "describe_filters"]


class FilterBar(w.HBox):
    """The filter controls over one `ReviewSession`; ``guard`` runs each filter call, showing a failure."""

    def __init__(self, session: ReviewSession, *, guard: Callable[[Callable[[], Any]], Any]) -> None:
        self.session = session
        self._guard = guard
        self._syncing = False
        self.classification = w.Dropdown(
            options=[("All classifications", ""), *_term_options(session.classifications())],
            value="",
            layout=w.Layout(width="260px"),
        )
        self.owner = w.Combobox(
            placeholder="owner (created or modified by)",
            options=session.owners(),
            ensure_option=False,
            continuous_update=False,
            layout=w.Layout(width="220px"),
        )
        self.due_from = w.DatePicker(description="due from", layout=w.Layout(width="210px"))
        self.due_to = w.DatePicker(description="to", layout=w.Layout(width="170px"))
        self.due_from.style.description_width = "60px"
        self.due_to.style.description_width = "22px"
        self.text = w.Text(placeholder="name contains", continuous_update=False, layout=w.Layout(width="160px"))
        self.decision = w.Dropdown(
            options=[("All decisions", ""), *[(d, d) for d in DECISIONS]], value="", layout=w.Layout(width="130px")
        )
        self.clear_button = w.Button(description="Clear filters", layout=w.Layout(width="100px"))
        for control in (self.classification, self.owner, self.due_from, self.due_to, self.text, self.decision):
            control.observe(self._on_change, names="value")
        self.clear_button.on_click(lambda _: self._guard(self.session.clear_filters))
        super().__init__(
            [self.classification, self.owner, self.due_from, self.due_to, self.text, self.decision, self.clear_button],
            layout=w.Layout(flex_flow="row wrap"),
        )
        self.add_class("opus-filters")

    def _on_change(self, _: Any) -> None:
        if self._syncing:
            return
        self._guard(
            lambda: self.session.filter(
                classification=self.classification.value,
                owner=self.owner.value,
                due_from=self.due_from.value,
                due_to=self.due_to.value,
                text=self.text.value,
                decision=self.decision.value,
            )
        )

    def sync(self) -> None:
        """Show the session's filters in the controls, without filtering again."""
        f = self.session.filters
        self._syncing = True
        try:
            terms = [value for _, value in self.classification.options]
            self.classification.value = f.classification[0] if len(f.classification) == 1 and f.classification[0] in terms else ""
            self.owner.value = f.owner
            self.due_from.value = f.due_from.date() if f.due_from is not None else None
            self.due_to.value = f.due_to.date() if f.due_to is not None else None
            self.text.value = f.text
            self.decision.value = f.decision[0] if len(f.decision) == 1 else ""
        finally:
            self._syncing = False


def describe_filters(f: Filters) -> str:
    """The active filters in words, as HTML for the "Showing n of m" line ('' when none is active)."""
    if not f.active:
        return ""
    parts = []
    if f.classification:
        parts.append("classification " + " or ".join(f.classification))
    if f.owner:
        parts.append(f"owner contains '{f.owner}'")
    if f.due_from is not None:
        parts.append(f"due from {f.due_from:%Y-%m-%d}")
    if f.due_to is not None:
        parts.append(f"due to {f.due_to:%Y-%m-%d}")
    if f.text:
        parts.append(f"name contains '{f.text}'")
    if f.decision:
        parts.append("decision " + " or ".join(f.decision))
    return " (" + html.escape("; ".join(parts)) + ")"


def _term_options(counts: pd.Series) -> list[tuple[str, str]]:
    """Every classification and each of its parents, with how many candidates fall under it."""
    totals: dict[str, int] = {}
    for term, n in counts.items():
        if term is None or term is pd.NA or (isinstance(term, float) and term != term):
            continue
        parts = str(term).split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            totals[prefix] = totals.get(prefix, 0) + int(n)
    return [(f"{term} ({n:,})", term) for term, n in sorted(totals.items())]
