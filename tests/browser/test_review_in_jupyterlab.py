"""End to end in a real browser, as a new user would: open notebook 02 in JupyterLab and Run All (it
destroys nothing), reject a record, "Approve all shown" (the rejection stays, with its reason), restart
the kernel and run again (the decisions are back), then a two-stage review where a person's click
destroys only the record both reviewers approved.

The screenshots in docs/ come from this test: it writes them there when OPUS_NB_SCREENSHOTS=docs
(so a plain test run leaves the work tree clean), and to a temporary folder otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from .jupyter import CHROMIUM, CHROMIUM_FLAGS, ROOT, Lab

pytestmark = pytest.mark.slow

NOTEBOOK = "02-review-disposal.ipynb"
NO_ERROR = (
    'document.querySelector(\'.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .ansi-red-fg, '
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]\')'
)
RUN_FINISHED = (
    """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!widget || !widget.content || !widget.content.model) return false;
  if (%s) return "error";
  const cells = widget.content.model.cells;
  let last = null;
  for (let i = 0; i < cells.length; i++) { if (cells.get(i).type === "code") last = cells.get(i); }
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return Boolean(last && last.executionCount !== null && kernel && kernel.status === "idle");
}"""
    % NO_ERROR
)
KERNEL_READY = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session && widget.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === "idle");
}"""
CLEAR_AND_RUN_ALL = """async () => {
  await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  for (let i = 0; i < cells.length; i++) { if (cells.get(i).type === "code") cells.get(i).executionCount = null; }
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""
RESTART = "async () => { await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart(); }"
ADD_AND_RUN = """async (code) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const at = notebook.model.cells.length;
  notebook.model.sharedModel.insertCell(at, { cell_type: "code", source: code });
  notebook.activeCellIndex = at;
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""
TWO_STAGE = """import json
first = opus.review(due, name="two-stage", stages=2, reviewer="Ann First")
keys = [str(k) for k in first.candidates["rowKey"][:3]]
first.approve(keys)
second = opus.review(due, name="two-stage", stage=2, reviewer="Bob Second")
second.approve(keys[0])
second.reject(keys[1], reason="second reviewer: keep")
print("TWO-STAGE-KEYS", json.dumps(keys))
second"""


@pytest.fixture()
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def _wait_for_run(page: Page, lab: Lab) -> None:
    outcome = page.wait_for_function(RUN_FINISHED, timeout=240_000, polling=500).json_value()
    assert outcome is True, (
        "a cell of the notebook failed: "
        + page.locator(".jp-OutputArea-output").last.inner_text()
        + "\nJupyterLab log:\n"
        + lab.log.read_text()[-2000:]
    )


def _run_all(page: Page, lab: Lab) -> Locator:
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=500)
    page.evaluate(CLEAR_AND_RUN_ALL)
    _wait_for_run(page, lab)
    panel = page.locator(".opus-review").first
    panel.scroll_into_view_if_needed()
    return panel


def _top_of(page: Page, panel: Locator, path: Path, height: float = 1250) -> None:
    """A screenshot of the top of the panel (its results table can be long)."""
    panel.locator(".opus-counts").scroll_into_view_if_needed()
    box = panel.bounding_box()
    assert box is not None
    page.screenshot(
        path=str(path), clip={"x": box["x"], "y": max(box["y"], 0), "width": box["width"], "height": min(box["height"], height)}
    )


def _destroyed(lab: Lab) -> set[str]:
    return {r.row_key for r in lab.emu.records() if r.destroyed}


def test_run_all_destroys_nothing_decisions_last_and_two_stages_destroy_only_the_doubly_approved(
    lab: Lab, browser: Browser, tmp_path: Path
) -> None:
    shots = ROOT / "docs" if os.environ.get("OPUS_NB_SCREENSHOTS") == "docs" else tmp_path
    shots.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2300})
    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}", timeout=120_000)
    panel = _run_all(page, lab)
    assert _destroyed(lab) == set(), "Run All destroyed records"
    expect(page.locator(".jp-OutputArea-output", has_text="a real destroy from a review needs a person")).to_have_count(1)

    key = str(panel.locator("tr.opus-undecided button.opus-reject").first.get_attribute("data-key"))
    panel.locator(".opus-reason-box input").fill("kept: asked by the browser test")
    panel.locator(f'button.opus-reject[data-key="{key}"]').click()
    rejected = panel.locator(f'tr.opus-rejected[data-key="{key}"]')
    expect(rejected).to_be_visible()
    panel.locator("button.opus-approve-shown").click()
    expect(panel.locator(".opus-override")).to_contain_text("Override")
    expect(rejected).to_be_visible()
    expect(rejected.locator("td.opus-reason")).to_have_text("kept: asked by the browser test")
    _top_of(page, panel, shots / "review-panel.png")
    panel.locator("button.opus-override-no").click()
    expect(panel.locator(".opus-override")).to_be_hidden()
    expect(rejected).to_be_visible()
    counts = panel.locator(".opus-counts").inner_text()

    page.evaluate(RESTART)
    panel = _run_all(page, lab)
    expect(panel.locator(f'tr.opus-rejected[data-key="{key}"] td.opus-reason')).to_have_text("kept: asked by the browser test")
    expect(panel.locator(".opus-counts")).to_have_text(counts)
    assert _destroyed(lab) == set()

    page.evaluate(ADD_AND_RUN, TWO_STAGE)
    _wait_for_run(page, lab)
    printed = page.locator(".jp-OutputArea-output", has_text="TWO-STAGE-KEYS").inner_text()
    keys = json.loads(printed.split("TWO-STAGE-KEYS", 1)[1].strip().splitlines()[0])
    second = page.locator(".opus-review").last
    second.scroll_into_view_if_needed()
    destroy = second.locator("button.opus-destroy")
    confirm = second.locator(".opus-confirm input")
    confirm.fill("1")
    expect(destroy).to_be_enabled()
    expect(destroy).to_contain_text("Dry run")
    second.locator(".opus-dry-run input[type=checkbox]").uncheck()
    expect(confirm).to_have_value("")
    expect(destroy).to_be_disabled()
    confirm.fill("1")
    expect(destroy).to_contain_text("Mark 1 destroyed in Opus")
    destroy.click()
    expect(second.locator(".opus-results")).to_contain_text("1 destroyed", timeout=60_000)
    assert _destroyed(lab) == {keys[0]}, "only the record approved at both stages is destroyed"
    expect(second.locator(f'tr.opus-destroyed[data-key="{keys[0]}"]')).to_be_visible()
    second.screenshot(path=str(shots / "review-panel-destroyed.png"))

    expect(page.locator(".opus-report").first).to_contain_text("records due for disposal")
    report = browser.new_page(viewport={"width": 1300, "height": 1250})
    report.goto((lab.root / "disposal-report.html").as_uri())
    expect(report.locator(".opus-headline")).to_contain_text("records due for disposal")
    report.screenshot(path=str(shots / "disposal-report.png"))
    assert all((shots / name).stat().st_size > 10_000 for name in ("review-panel.png", "disposal-report.png"))
