"""`opus-nb demo` (and `make demo`): both worked notebooks, end to end, against a local emulator.

```
opus-nb demo [--output demo-output] [--timeout 600]
```

It starts the emulator seeded with `data-samples/`, registers a demo app with a certificate,
runs `notebooks/01-migrate-a-spreadsheet.ipynb` and `notebooks/02-review-disposal.ipynb`
headless (nbclient; the kernels sign in through the ``OPUS_*`` variables, as with a real
tenant), writes each executed notebook as HTML (and .ipynb) to the output folder, and prints
a summary: rows validated, submitted, failed; due; destroyed in the scripted review.

Only this headless run may destroy from a script: it sets ``OPUS_NB_SCRIPTED_DESTROY=emulator``
for its kernels, which `opus_nb.reviews._guard` honours against a loopback emulator only (`make lab`
does not set it, so there a destroy is a person's click). Each run starts a fresh review store
in the output folder, as its emulator is fresh.

>>> run = run_notebooks(output=Path("demo-output"))     # doctest: +SKIP
>>> run.summaries["02-review-disposal"]["destroyed"]    # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opus_nb._errors import OpusError
from opus_nb.reviews._guard import SCRIPTED_DESTROY
from opus_nb.reviews._store import DEFAULT_REVIEW_FOLDER

if TYPE_CHECKING:
    import nbformat

    from opus_nb.emulator import AppRegistration, Emulator

__all__ = ["NOTEBOOKS", "DemoError", "DemoRun", "notebook_env", "register", "run_demo", "run_notebooks"]

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data-samples"
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ("01-migrate-a-spreadsheet", "02-review-disposal")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_SUMMARY_CODE = "import json as _json\nprint(_json.dumps(summary, default=str))"


class DemoError(OpusError):
    """A notebook of the demo failed; `.notebook` and the cell's error name it."""

    def __init__(self, notebook: str, reason: str) -> None:
        self.notebook = notebook
        self.reason = reason
        super().__init__(f"notebook {notebook} failed: {reason}")


@dataclass(frozen=True)
class DemoRun:
    """What a demo run produced: each notebook's summary, the files written, the emulator's view."""

    summaries: dict[str, dict[str, Any]]
    files: list[Path]
    records_in_opus: int
    destroyed_in_opus: int

    def lines(self) -> list[str]:
        migrate = self.summaries.get(NOTEBOOKS[0], {})
        review = self.summaries.get(NOTEBOOKS[1], {})
        return [
            "== opus-nb demo: summary",
            f"rows validated  {migrate.get('rows validated', 0):>6,}",
            f"submitted       {migrate.get('submitted', 0):>6,}",
            f"failed          {migrate.get('failed', 0):>6,}   (refused by Opus)",
            f"not sent        {migrate.get('not sent', 0):>6,}   (still invalid after the fixes)",
            f"due             {review.get('due', 0):>6,}",
            f"destroyed       {review.get('destroyed', 0):>6,}   (in the scripted review; Opus now holds "
            f"{self.destroyed_in_opus:,} destroyed of {self.records_in_opus:,} records)",
            "executed notebooks: " + ", ".join(str(p) for p in self.files if p.suffix == ".html"),
        ]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run both worked notebooks end to end against a local emulator")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder with the sample files")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOK_DIR, help="folder with the notebooks")
    parser.add_argument("--output", type=Path, default=Path("demo-output"), help="where the executed notebooks go")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may take")
    parser.set_defaults(run=lambda args: run_demo(args.samples, args.notebooks, args.output, args.timeout))


def run_demo(
    samples: Path = SAMPLES, notebooks: Path = NOTEBOOK_DIR, output: Path = Path("demo-output"), timeout: int = 600
) -> int:
    """Run the demo and print its summary."""
    run = run_notebooks(samples, notebooks, output, timeout=timeout)
    print("\n".join(run.lines()))
    return 0


def notebook_env(app: AppRegistration, samples: Path, *, scripted_destroy: bool = False) -> dict[str, str]:
    """The environment for a kernel that signs in as ``app`` (the same variables a tenant uses);
    ``scripted_destroy`` lets the notebooks' scripted review destroy on this (local) emulator."""
    if app.certificate_pfx is None or app.password is None:
        raise DemoError("(set-up)", "the demo app needs a certificate")
    environ = {k: v for k, v in os.environ.items() if k != SCRIPTED_DESTROY}
    return {
        **environ,
        **({SCRIPTED_DESTROY: "emulator"} if scripted_destroy else {}),
        "OPUS_TARGET": "emulator",
        "OPUS_CLIENT_ID": app.client_id,
        "OPUS_GRAPH_URL": app.graph_url,
        "OPUS_IDENTITY_URL": app.identity_url,
        "OPUS_CERTIFICATE": str(app.certificate_pfx.resolve()),
        "OPUS_CERTIFICATE_PASSWORD": app.password,
        "OPUS_SAMPLES": str(samples.resolve()),
    }


def run_notebooks(
    samples: Path = SAMPLES,
    notebooks: Path = NOTEBOOK_DIR,
    output: Path = Path("demo-output"),
    *,
    names: Sequence[str] = NOTEBOOKS,
    timeout: int = 600,
    emu: Emulator | None = None,
    app: AppRegistration | None = None,
) -> DemoRun:
    """Execute the notebooks in order against ``emu`` (default: a fresh emulator seeded with ``samples``),
    signed in as ``app`` (default: a new app with a certificate in a temporary folder)."""
    from opus_nb import emulator

    output.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(output / DEFAULT_REVIEW_FOLDER, ignore_errors=True)
    summaries: dict[str, dict[str, Any]] = {}
    files: list[Path] = []
    with ExitStack() as stack:
        if emu is None:
            emu = stack.enter_context(emulator.run(seed=samples))
        if app is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="opus-nb-demo-app-")))
            app = emu.register_app(credential="certificate", directory=folder)
        env = notebook_env(app, samples, scripted_destroy=True)
        for name in names:
            print(f"running {name} ...", flush=True)
            summary, written = execute_notebook(notebooks / f"{name}.ipynb", output, env, timeout=timeout)
            summaries[name] = summary
            files += written
        stored = emu.records()
        return DemoRun(summaries, files, len(stored), sum(1 for r in stored if r.destroyed))


def execute_notebook(
    path: Path, output: Path, env: Mapping[str, str], *, timeout: int = 600
) -> tuple[dict[str, Any], list[Path]]:
    """Run one notebook with its working folder ``output``; write it as .ipynb and .html; return its ``summary``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_SUMMARY_CODE))
    # The kernel's own start-up log (not cell output) is noise here: it runs on loopback only.
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(output)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute(env=dict(env))
    except CellExecutionError as exc:
        raise DemoError(path.name, f"{exc.ename}: {exc.evalue}") from None
    summary = _summary(nb.cells.pop())
    return summary, write_outputs(nb, output / path.stem)


def write_outputs(nb: nbformat.NotebookNode, stem: Path) -> list[Path]:
    """Write ``stem``.ipynb and a static ``stem``.html (widgets shown as their HTML snapshot)."""
    import nbformat
    from nbconvert import HTMLExporter

    ipynb = stem.with_suffix(".ipynb")
    nbformat.write(nb, ipynb)
    static = nbformat.from_dict(nb)
    static.metadata.pop("widgets", None)
    for cell in static.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if _WIDGET_VIEW in data and "text/html" in data:
                del data[_WIDGET_VIEW]
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(static)
    page = stem.with_suffix(".html")
    page.write_text(body, encoding="utf-8")
    return [ipynb, page]


def _summary(cell: Any) -> dict[str, Any]:
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
    try:
        found = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return found if isinstance(found, dict) else {}
