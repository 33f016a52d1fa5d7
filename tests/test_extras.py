"""The core library needs none of the optional parts: a process where they cannot be imported still validates,
encodes and reviews, and the optional features say which extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: What the `emulator` and `notebook` extras bring (pandas itself needs python-dateutil).
OPTIONAL = [
    "jupyterlab",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
    "matplotlib",
    "uvicorn",
    "starlette",
    "httptools",
    "json5",
    "httpx",
    "psutil",
]
SCRIPT = """
import importlib.abc, sys
OPTIONAL = set(sys.argv[1].split(","))

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in OPTIONAL:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Missing())
import pandas as pd
import opus_nb
conn = opus_nb.load_connection("data-samples/connection.json", choices="data-samples/choices.json",
                               terms="data-samples/terms.json")
report = pd.read_csv("data-samples/records.csv", dtype=str).opus.validate(conn)
print("records", len(opus_nb.to_records(report.valid, conn)))
import opus_nb.widgets._panel
print("optional loaded", sorted(m for m in sys.modules if m.split(".")[0] in OPTIONAL))
try:
    import opus_nb.emulator
except opus_nb.MissingExtra as exc:
    print("emulator:", exc)
from opus_nb.cli import main
print("validate exit", main(["validate", "data-samples/records.csv", "--connection", "data-samples/connection.json",
                             "--choices", "data-samples/choices.json", "--terms", "data-samples/terms.json"]))
print("emulator exit", main(["emulator", "--port", "0"]))
"""


def test_the_core_works_without_the_optional_parts_and_names_the_extra_they_need() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(OPTIONAL)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "records 2283"
    assert lines[1] == "optional loaded []"
    assert lines[2] == "emulator: the emulator needs starlette, which is not installed: pip install 'opus_nb[emulator]'"
    assert lines[-2:] == ["validate exit 1", "emulator exit 2"], done.stdout
    assert "opus-nb: the emulator needs starlette" in done.stderr
