"""Both worked notebooks executed for real (nbclient, a kernel, the emulator over HTTP), as
`make demo` runs them, and notebook 02 on its own with the private emulator it starts."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from opus_nb import emulator
from opus_nb.cli._demo import NOTEBOOKS, DemoRun, execute_notebook, run_notebooks
from opus_nb.emulator import AppRegistration, Emulator

pytestmark = [pytest.mark.slow, pytest.mark.server]  # an emulator and notebook kernels

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data-samples"
FORBIDDEN = ("PRIVATE KEY", "eyJ", "client_secret", "OPUS_CERTIFICATE_PASSWORD=")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoRun, Emulator, AppRegistration, Path]]:
    output = tmp_path_factory.mktemp("demo-output")
    with emulator.run(seed=SAMPLES) as emu:
        app = emu.register_app(credential="certificate", directory=tmp_path_factory.mktemp("app"))
        run = run_notebooks(SAMPLES, ROOT / "notebooks", output, emu=emu, app=app)
        yield run, emu, app, output


def _texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in (".html", ".ipynb")}


def test_the_repository_notebooks_carry_no_outputs() -> None:
    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), name
        assert any("connection" in c.metadata.get("tags", []) for c in code), "one clearly marked cell switches tenants"


def test_notebook_01_validates_submits_and_resubmits(demo: tuple[DemoRun, Emulator, AppRegistration, Path]) -> None:
    run, emu, _, _ = demo
    summary = run.summaries["01-migrate-a-spreadsheet"]
    assert summary["rows validated"] == 2400
    assert summary["submitted"] + summary["failed"] + summary["not sent"] == 2400
    assert summary["submitted"] == len(emu.records()) == run.records_in_opus
    assert summary["submitted"] > 2283, "the fixes in pandas and the resubmission got more rows in than the raw sheet"
    assert 0 < summary["not sent"] < 117


def test_notebook_02_reviews_and_destroys_what_the_script_approved(demo: tuple[DemoRun, Emulator, AppRegistration, Path]) -> None:
    run, emu, _, output = demo
    summary = run.summaries["02-review-disposal"]
    records = emu.records()
    cutoff = dt.datetime(2026, 1, 1)
    assert summary["due"] == sum(1 for r in records if r.due is not None and r.due < cutoff)
    expected = {
        r.row_key
        for r in records
        if r.term == "Human Resources/Recruitment" and r.due is not None and r.due < dt.datetime(2020, 1, 1)
    }
    destroyed = {r.row_key for r in records if r.destroyed}
    assert destroyed == expected and summary["destroyed"] == len(expected) == run.destroyed_in_opus > 0
    assert summary["rejected"] == sum(1 for r in records if r.term == "Legal/Contracts" and r.due is not None and r.due < cutoff)
    assert set(pd.read_csv(output / "exports" / "approved.csv")["rowKey"].astype(str)) == expected
    assert len(pd.read_excel(output / "exports" / "approved.xlsx")) == len(expected)
    audit = pd.read_json(output / "opus-audit" / "destroy-audit.jsonl", lines=True, dtype=False)
    assert set(audit.loc[audit["result"] == "destroyed", "rowKey"].astype(str)) == expected
    approvals = audit[audit["result"] == "approved"]
    assert set(approvals["rowKey"].astype(str)) == expected and set(approvals["reviewer"]) == {"Demo Reviewer (emulator)"}
    assert approvals["due_date"].notna().all() and approvals["classification"].eq("Human Resources/Recruitment").all()
    proof = pd.read_csv(output / "exports" / "proof.csv")
    assert set(proof.loc[(proof["event"] == "destroy") & (proof["result"] == "destroyed"), "rowKey"].astype(str)) == expected
    assert "legal team: keep until the audit closes" in (output / "exports" / "proof.html").read_text(encoding="utf-8")
    assert (output / "disposal-report.html").stat().st_size > 20_000


def test_executed_notebooks_are_written_as_html_with_no_errors(demo: tuple[DemoRun, Emulator, AppRegistration, Path]) -> None:
    run, _, _, output = demo
    assert sorted(p.name for p in run.files) == sorted(f"{n}{s}" for n in NOTEBOOKS for s in (".html", ".ipynb"))
    for name in NOTEBOOKS:
        nb = nbformat.read(output / f"{name}.ipynb", as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    pages = _texts(output)
    assert "2,400 rows" in pages["01-migrate-a-spreadsheet.html"]
    review = pages["02-review-disposal.html"]
    assert "Disposal review" in review and "candidates" in review, "the panel shows as its static snapshot"
    assert "application/vnd.jupyter.widget-view+json" not in review
    assert review.count("data:image/png;base64") >= 3, "the disposal report charts are embedded"


def test_no_secret_reaches_an_executed_notebook(demo: tuple[DemoRun, Emulator, AppRegistration, Path]) -> None:
    _, _, app, output = demo
    assert app.password
    for name, text in _texts(output).items():
        assert app.password not in text, name
        assert str(app.certificate_pfx) not in text, name
        for marker in FORBIDDEN:
            assert marker not in text, (name, marker)


def test_the_summary_lines_name_every_figure(demo: tuple[DemoRun, Emulator, AppRegistration, Path]) -> None:
    run, _, app, _ = demo
    text = "\n".join(run.lines())
    for label in ("rows validated", "submitted", "failed", "due", "destroyed", "executed notebooks"):
        assert label in text
    assert f"{run.summaries['02-review-disposal']['destroyed']:>6,}" in text
    assert app.password not in text


def test_notebook_02_alone_starts_its_own_emulator_and_destroys_nothing_on_run_all(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "data-samples").symlink_to(SAMPLES, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPUS_")}
    summary, files = execute_notebook(ROOT / "notebooks" / "02-review-disposal.ipynb", work, env)
    assert summary["due"] > 1000 and summary["approved"] > 0
    assert summary["destroyed"] == 0, "without `opus-nb demo`'s permission, running every cell destroys nothing"
    nb = json.loads(files[0].read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "connected: the Opus emulator" in printed
    assert "a real destroy from a review needs a person" in printed
