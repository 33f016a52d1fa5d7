"""What several test folders share and is not a fixture: paths, sample rows, the shell, a proxy.

Paths are found from this file, never from the machine: the repository root is two levels up.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data-samples"
