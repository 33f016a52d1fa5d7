"""End to end in a real browser: open notebook 02 in JupyterLab, run it, approve two records by
clicking, dry-run, confirm, and check that Opus (the emulator) marks exactly those two Destroyed.

The screenshots in docs/ come from this test: it writes them there when OPUS_NB_SCREENSHOTS=docs
(so a plain test run leaves the work tree clean), and to a temporary folder otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .jupyter import CHROMIUM, CHROMIUM_FLAGS, ROOT, Lab

pytestmark = pytest.mark.slow

NOTEBOOK = "02-review-disposal.ipynb"
RUN_FINISHED = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!widget || !widget.content || !widget.content.model) return false;
  if (document.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .ansi-red-fg, .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')) return "error";
  const cells = widget.content.model.cells;
  let last = null;
  for (let i = 0; i < cells.length; i++) { if (cells.get(i).type === "code") last = cells.get(i); }
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return Boolean(last && last.executionCount !== null && kernel && kernel.status === "idle");
}"""
KERNEL_READY = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = widget && widget.sessionContext && widget.sessionContext.session && widget.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === "idle");
}"""


@pytest.fixture()
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def _run_notebook(page: Page, lab: Lab) -> None:
    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}", timeout=120_000)
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=500)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    outcome = page.wait_for_function(RUN_FINISHED, timeout=240_000, polling=500).json_value()
    assert outcome is True, ("a cell of the notebook failed: " + page.locator(".jp-OutputArea-output").last.inner_text()
                             + "\nJupyterLab log:\n" + lab.log.read_text()[-2000:])


def test_approve_two_by_clicking_and_destroy_exactly_those(lab: Lab, browser: Browser, tmp_path: Path) -> None:
    shots = ROOT / "docs" if os.environ.get("OPUS_NB_SCREENSHOTS") == "docs" else tmp_path
    page = browser.new_page(viewport={"width": 1400, "height": 2300})
    _run_notebook(page, lab)
    destroyed_by_script = {r.row_key for r in lab.emu.records() if r.destroyed}
    assert destroyed_by_script, "the scripted review in the notebook destroyed nothing"

    panel = page.locator(".opus-review").first
    panel.scroll_into_view_if_needed()
    expect(panel.locator(".opus-counts")).to_contain_text("0 approved")
    open_buttons = panel.locator("button.opus-approve:not([disabled])")
    expect(open_buttons.first).to_be_visible()
    keys = [str(open_buttons.nth(i).get_attribute("data-key")) for i in range(2)]
    assert len(set(keys)) == 2 and not set(keys) & destroyed_by_script
    for key in keys:
        panel.locator(f'button.opus-approve[data-key="{key}"]').click()
        expect(panel.locator(f'tr.opus-approved[data-key="{key}"]')).to_be_visible()
    expect(panel.locator(".opus-counts")).to_contain_text("2 approved")

    destroy = panel.locator("button.opus-destroy")
    expect(destroy).to_be_disabled()
    panel.locator(".opus-confirm input").fill("3")
    expect(destroy).to_be_disabled()
    panel.locator(".opus-confirm input").fill("2")
    expect(destroy).to_be_enabled()
    expect(destroy).to_contain_text("Dry run")
    destroy.click()
    expect(panel.locator(".opus-results")).to_contain_text("2 would_destroy")
    assert {r.row_key for r in lab.emu.records() if r.destroyed} == destroyed_by_script

    panel.locator(".opus-dry-run input[type=checkbox]").uncheck()
    expect(destroy).to_contain_text("Mark 2 destroyed in Opus")
    shots.mkdir(exist_ok=True)
    panel.screenshot(path=str(shots / "review-panel.png"))
    destroy.click()
    expect(panel.locator(".opus-results")).to_contain_text("2 destroyed", timeout=60_000)

    now_destroyed = {r.row_key for r in lab.emu.records() if r.destroyed}
    assert now_destroyed - destroyed_by_script == set(keys)
    assert len(now_destroyed) == len(destroyed_by_script) + 2
    for key in keys:
        expect(panel.locator(f'tr.opus-destroyed[data-key="{key}"]')).to_be_visible()
    panel.screenshot(path=str(shots / "review-panel-destroyed.png"))

    expect(page.locator(".opus-report").first).to_contain_text("records due for disposal")
    report = browser.new_page(viewport={"width": 1300, "height": 1250})
    report.goto((lab.root / "disposal-report.html").as_uri())
    expect(report.locator(".opus-headline")).to_contain_text("records due for disposal")
    report.screenshot(path=str(shots / "disposal-report.png"))
    assert all((shots / name).stat().st_size > 10_000 for name in ("review-panel.png", "disposal-report.png"))
