"""The `opus-nb` command line: validate, submit, due, destroy, emulator, demo, lab.

>>> from opus_nb.cli import main
>>> main(["validate", "data-samples/records.csv", "--connection", "data-samples/connection.json"])  # doctest: +SKIP
"""

from __future__ import annotations

from opus_nb.cli._main import main

__all__ = [
    "main",
]
