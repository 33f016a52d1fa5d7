"""The disposal review panel: a thin ipywidgets view over a `ReviewSession`.

>>> panel = opus.review(due)                  # shows in a notebook cell              # doctest: +SKIP
>>> panel.approve(["INV-2014-000005"])        # the same as clicking Approve           # doctest: +SKIP
>>> panel.approved, panel.counts              # what has been decided                  # doctest: +SKIP
>>> panel.destroy(confirmation=1)              # a dry run; a real one is the button's    # doctest: +SKIP

Every control calls the session; every change in the session (from a click or from Python)
redraws the view. Decisions wait for the reviewer's name. A bulk action leaves explicit
decisions alone and asks before overriding them. "Mark destroyed in Opus" stays disabled until
something is approved at every stage and that number is typed; any change of dry-run mode,
decisions, filters or results clears the typed number. A real destroy happens only when a
person clicks the button in the browser (`opus_nb.reviews._guard`).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as w
import pandas as pd

from opus_nb.reviews._guard import PersonClick
from opus_nb.reviews._session import ReviewSession
from opus_nb.widgets._filter_bar import FilterBar, describe_filters
from opus_nb.widgets._grid import CandidateGrid
from opus_nb.widgets._summary import bars_html, counts_html, results_html

__all__ = ["PAGE_SIZE", "DestroyButton", "ReviewPanel"]

PAGE_SIZE = 20
_EXPORTS = Path("exports")
T = TypeVar("T")
_VERBS = {"approve": "approve", "reject": "reject", "undecide": "take back"}


class DestroyButton(w.Button):
    """A button that tells a click in the browser (a message from the front end) from ``.click()`` in Python: only
    the former makes a `PersonClick` (with ``clicks``, the session's maker, which this button alone holds)."""

    def __init__(self, on_person_click: Callable[[PersonClick], None], clicks: Callable[[], PersonClick], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_person_click = on_person_click
        self._clicks = clicks

    def _handle_button_msg(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        if content.get("event", "") == "click":
            self._on_person_click(self._clicks())


class ReviewPanel(w.VBox):
    """Filters, a paged table with Approve / Reject per row, bulk actions, export and destroy."""

    def __init__(self, session: ReviewSession, *, page_size: int = PAGE_SIZE, exports: str | Path = _EXPORTS) -> None:
        self.session = session
        self.page_size = page_size
        self.page_number = 0
        self.exports = Path(exports)
        self.counts_html = w.HTML()
        self.charts_html = w.HTML()
        self._pending: str | None = None
        self._build_reviewer()
        self.filter_row = FilterBar(session, guard=self._guard)
        bar = self.filter_row
        self.classification, self.owner, self.due_from, self.due_to = bar.classification, bar.owner, bar.due_from, bar.due_to
        self.text, self.decision, self.clear_button = bar.text, bar.decision, bar.clear_button
        self._build_actions()
        self.grid = CandidateGrid(on_action=self._on_grid_action)
        self._build_destroy()
        super().__init__(
            [
                w.HTML("<h3 style='margin:4px 0'>Disposal review</h3>"),
                self.reviewer_row,
                self.counts_html,
                self.charts_html,
                self.filter_row,
                self.bulk_row,
                self.override_row,
                self.grid,
                self.pager_row,
                self.export_row,
                self.destroy_box,
                self.message,
            ]
        )
        self.add_class("opus-review")
        session.on_change(self._refresh)
        self._refresh("all")

    # building -----------------------------------------------------------------------------------

    def _build_reviewer(self) -> None:
        s = self.session
        self.reviewer = w.Text(
            value=s.reviewer or "",
            placeholder="your full name (required before deciding)",
            description="Reviewer",
            continuous_update=False,
            disabled=s.reviewer is not None,
            layout=w.Layout(width="380px"),
        )
        self.reviewer.add_class("opus-reviewer")
        self.reviewer.observe(lambda _: self._guard(lambda: self.session.set_reviewer(self.reviewer.value)), names="value")
        stage = f"stage {s.stage} of {s.stages}" if s.stages > 1 else "one stage"
        self.stage_label = w.HTML(f"&nbsp;review <b>{html.escape(s.review.name)}</b>, {stage}")
        self.reviewer_row = w.HBox([self.reviewer, self.stage_label])

    def _build_actions(self) -> None:
        self.showing = w.HTML()
        self.reason = w.Text(placeholder="reason for rejecting (optional)", layout=w.Layout(width="230px"))
        self.reason.add_class("opus-reason-box")
        self.approve_shown_button = w.Button(description="Approve all shown", button_style="success")
        self.approve_shown_button.add_class("opus-approve-shown")
        self.reject_shown_button = w.Button(description="Reject all shown")
        self.undo_shown_button = w.Button(description="Undo all shown")
        self.approve_shown_button.on_click(lambda _: self._bulk("approve"))
        self.reject_shown_button.on_click(lambda _: self._bulk("reject"))
        self.undo_shown_button.on_click(lambda _: self._bulk("undecide"))
        self.bulk_row = w.HBox(
            [self.showing, self.approve_shown_button, self.reject_shown_button, self.undo_shown_button, self.reason],
            layout=w.Layout(flex_flow="row wrap"),
        )
        self.override_note = w.HTML()
        self.override_yes = w.Button(
            description="Yes, override", button_style="danger", layout=w.Layout(width="auto", min_width="170px")
        )
        self.override_no = w.Button(description="No, keep them", layout=w.Layout(width="auto", min_width="130px"))
        self.override_yes.add_class("opus-override-yes")
        self.override_no.add_class("opus-override-no")
        self.override_yes.on_click(lambda _: self._override(True))
        self.override_no.on_click(lambda _: self._override(False))
        self.override_row = w.HBox([self.override_note, self.override_yes, self.override_no], layout=w.Layout(display="none"))
        self.override_row.add_class("opus-override")
        self.previous_button = w.Button(description="< Previous", layout=w.Layout(width="100px"))
        self.next_button = w.Button(description="Next >", layout=w.Layout(width="100px"))
        self.page_label = w.HTML()
        self.previous_button.on_click(lambda _: self.go_to_page(self.page_number - 1))
        self.next_button.on_click(lambda _: self.go_to_page(self.page_number + 1))
        self.pager_row = w.HBox([self.previous_button, self.page_label, self.next_button])
        self.csv_button = w.Button(description="Export approved: CSV", icon="download", layout=w.Layout(width="190px"))
        self.xlsx_button = w.Button(description="Export approved: XLSX", icon="download", layout=w.Layout(width="190px"))
        self.export_note = w.HTML()
        self.csv_button.on_click(lambda _: self._export(".csv"))
        self.xlsx_button.on_click(lambda _: self._export(".xlsx"))
        self.export_row = w.HBox([self.csv_button, self.xlsx_button, self.export_note])

    def _build_destroy(self) -> None:
        self.dry_run_box = w.Checkbox(
            value=True, description="Dry run: only check, send nothing", indent=False, layout=w.Layout(width="260px")
        )
        self.dry_run_box.add_class("opus-dry-run")
        self.confirm_box = w.Text(continuous_update=True, layout=w.Layout(width="260px"))
        self.confirm_box.add_class("opus-confirm")
        self.destroy_button = DestroyButton(
            lambda person: self._guard(lambda: self._destroy_for(person)),
            self.session.person_gate.hand_over(),
            icon="trash",
            layout=w.Layout(width="300px"),
        )
        self.destroy_button.add_class("opus-destroy")
        self.progress = w.IntProgress(min=0, max=1, value=0, layout=w.Layout(width="300px", visibility="hidden"))
        self.results_html = w.HTML()
        self.message = w.HTML()
        self.dry_run_box.observe(lambda _: self._rearm(), names="value")
        self.confirm_box.observe(lambda _: self._update_destroy(), names="value")
        self.destroy_button.on_click(lambda _: self._guard(self.click_destroy))
        title = w.HTML("<b>Mark destroyed in Opus</b> &mdash; after the content source has destroyed the content")
        self.destroy_box = w.VBox(
            [title, w.HBox([self.dry_run_box, self.confirm_box, self.destroy_button]), self.progress, self.results_html],
            layout=w.Layout(border="1px solid #d0d7de", padding="4px 8px", margin="8px 0"),
        )

    # the Python face (every action of the panel) ------------------------------------------------

    def approve(self, keys: str | Iterable[Any]) -> int:
        return self.session.approve(keys)

    def reject(self, keys: str | Iterable[Any], reason: str | None = None) -> int:
        return self.session.reject(keys, reason)

    def undecide(self, keys: str | Iterable[Any]) -> int:
        return self.session.undecide(keys)

    def approve_shown(self, *, override: bool = False) -> int:
        return self.session.approve_shown(override=override)

    def reject_shown(self, reason: str | None = None, *, override: bool = False) -> int:
        return self.session.reject_shown(reason, override=override)

    def undecide_shown(self, *, override: bool = False) -> int:
        return self.session.undecide_shown(override=override)

    def filter(self, **changes: Any) -> int:
        """Change filters, as the controls do; see `ReviewSession.filter`."""
        return self.session.filter(**changes)

    def clear_filters(self) -> int:
        return self.session.clear_filters()

    def export_approved(self, path: str | Path) -> Path:
        return self.session.export_approved(path)

    def export_proof(self, path: str | Path) -> tuple[Path, Path]:
        return self.session.export_proof(path)

    def destroy(self, confirmation: object, *, dry_run: bool = True) -> pd.DataFrame:
        """A dry run from Python (``dry_run=False`` raises `PersonRequired`: a real one is the button's, clicked)."""
        return self._run_destroy(confirmation, dry_run, None)

    def click_destroy(self) -> pd.DataFrame:
        """What the destroy button does when clicked from Python: a dry run, or `PersonRequired` for a real one."""
        return self._run_destroy(self.confirm_box.value, self.dry_run_box.value, None)

    def _destroy_for(self, person: PersonClick) -> pd.DataFrame:
        return self._run_destroy(self.confirm_box.value, self.dry_run_box.value, person)

    def _run_destroy(self, confirmation: object, dry_run: bool, person: PersonClick | None) -> pd.DataFrame:
        self.progress.layout.visibility = "visible"
        try:
            return self.session.destroy(confirmation, dry_run=dry_run, on_progress=self._on_progress, person=person)
        finally:
            if not dry_run:
                self.dry_run_box.value = True
            self._rearm()

    def go_to_page(self, number: int) -> None:
        self.page_number = max(0, min(number, self.pages - 1))
        page = self.session.page(self.page_number, self.page_size)
        self.grid.show(page, locked=(~self.session.decidable(page["rowKey"])).tolist())
        self.page_label.value = f"&nbsp;page {self.page_number + 1:,} of {self.pages:,}&nbsp;"
        self.previous_button.disabled = self.page_number == 0
        self.next_button.disabled = self.page_number >= self.pages - 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.session.n_shown // self.page_size))

    @property
    def approved(self) -> pd.DataFrame:
        return self.session.approved

    @property
    def rejected(self) -> pd.DataFrame:
        return self.session.rejected

    @property
    def undecided(self) -> pd.DataFrame:
        return self.session.undecided

    @property
    def destroyed(self) -> pd.DataFrame:
        return self.session.destroyed

    @property
    def destroyable(self) -> pd.DataFrame:
        return self.session.destroyable

    @property
    def decisions(self) -> pd.DataFrame:
        return self.session.decisions

    @property
    def counts(self) -> dict[str, int]:
        return self.session.counts

    @property
    def shown(self) -> pd.DataFrame:
        return self.session.shown

    @property
    def candidates(self) -> pd.DataFrame:
        return self.session.candidates

    @property
    def results(self) -> pd.DataFrame | None:
        return self.session.results

    def __repr__(self) -> str:
        return f"<ReviewPanel over {self.session!r}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = repr(self)
            bundle["text/html"] = self.snapshot_html()
        return bundle

    def snapshot_html(self) -> str:
        """The panel as static HTML (for exported notebooks, where widgets cannot run)."""
        page = self.session.page(self.page_number, self.page_size)
        columns = ["rowKey", "leafName", "termFullPath", "createdBy", "due_date", "decision"]
        page = page[columns].assign(due_date=page["due_date"].dt.strftime("%Y-%m-%d"))
        table = page.to_html(index=False, na_rep="", classes="opus-snapshot")
        return (
            f"<div><h3>Disposal review</h3>{self.counts_html.value}{self.charts_html.value}"
            f"<p>{self.showing.value}</p>{table}</div>"
        )

    # reacting -----------------------------------------------------------------------------------

    def _refresh(self, what: str) -> None:
        s = self.session
        self.counts_html.value = counts_html(s.counts)
        self.charts_html.value = bars_html(s.breakdown("classification"), "By classification") + bars_html(
            s.breakdown("due_year"), "By due year", limit=20
        )
        if what in ("filters", "all"):
            self.page_number = 0
            self.filter_row.sync()
        self.showing.value = f"Showing <b>{s.n_shown:,}</b> of {len(s):,}{describe_filters(s.filters)}&nbsp;"
        self.go_to_page(self.page_number)
        if what == "results" and s.results is not None:
            self.results_html.value = results_html(s.results)
        if what != "reviewer":
            self._hide_override()
        self.reviewer.value = s.reviewer or ""
        self._rearm()

    def _rearm(self) -> None:
        """Clear the typed number (so the button is disabled again) and redraw the destroy controls."""
        self.confirm_box.value = ""
        self._update_destroy()

    def _update_destroy(self) -> None:
        s = self.session
        n = s.counts["destroyable"]
        dry = self.dry_run_box.value
        waiting = f"approve at all {s.stages} stages first" if s.stages > 1 else "approve records first"
        self.confirm_box.placeholder = f"type {n} to confirm" if n else waiting
        self.destroy_button.description = f"Dry run: check {n:,} approved" if dry else f"Mark {n:,} destroyed in Opus"
        self.destroy_button.button_style = "warning" if dry else "danger"
        self.destroy_button.disabled = n == 0 or self.confirm_box.value.strip() != str(n)

    def _on_grid_action(self, action: str, keys: list[str]) -> None:
        if action == "reject":
            self._guard(lambda: self.session.reject(keys, self._reason()))
        else:
            self._guard(lambda: getattr(self.session, action)(keys))

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.description = f"{done:,}/{total:,}"

    def _export(self, suffix: str) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.exports / f"approved-{stamp}{suffix}"
        written = self._guard(lambda: self.session.export_approved(path))
        if written is not None:
            self.export_note.value = (
                f"&nbsp;wrote {len(self.session.destroyable):,} approved records to "
                f"<a href='{html.escape(written.as_posix())}' download>{html.escape(written.as_posix())}</a>"
            )

    def _bulk(self, action: str) -> None:
        """A bulk button: act on the undecided records shown, then ask before overriding explicit decisions."""
        done = self._guard(lambda: self._apply(action, override=False))
        n = self.session.overrides(action)
        if done is None or not n:
            return
        self._pending = action
        self.override_note.value = (
            f"<b>{n:,}</b> shown record(s) already have another decision, left as they are. "
            f"Override {n:,} explicit decision(s) and {_VERBS[action]} them too?&nbsp;"
        )
        self.override_yes.description = f"Yes, override {n:,}"
        self.override_row.layout.display = "flex"

    def _override(self, yes: bool) -> None:
        action, self._pending = self._pending, None
        self._hide_override()
        if yes and action is not None:
            self._guard(lambda: self._apply(action, override=True))

    def _apply(self, action: str, *, override: bool) -> int:
        if action == "reject":
            return self.session.reject_shown(self._reason(), override=override)
        return int(getattr(self.session, f"{action}_shown")(override=override))

    def _hide_override(self) -> None:
        self.override_row.layout.display = "none"

    def _reason(self) -> str | None:
        return self.reason.value.strip() or None

    def _guard(self, action: Callable[[], T]) -> T | None:
        """Run a control's action; show a refusal or failure in the panel instead of losing it."""
        self.message.value = ""
        try:
            return action()
        except Exception as exc:  # a widget callback has no caller to raise to
            self.message.value = (
                f"<div style='color:#a11;font-weight:bold'>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>"
            )
            return None
