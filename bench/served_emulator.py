"""An emulator in a child process, so a benchmark's own CPU time is the client's alone.

>>> with served(latency_ms=50) as site:        # doctest: +SKIP
...     client = OpusClient(ClientSecretCredential(site["client_id"], site["secret"]),
...                         graph_url=site["url"], identity_url=site["identity_url"])
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_CHILD = """
import gc, json, sys
import opus_nb.emulator as E
emu = E.start(seed=sys.argv[1])
gc.freeze()  # as `opus-nb emulator` does: no full collection walks the start-up objects
app = emu.register_app(credential="secret")
emu.faults(latency_ms=float(sys.argv[2]))
print(json.dumps({"url": emu.url, "identity_url": emu.identity_url, "client_id": app.client_id,
                  "secret": app.client_secret, "connection_id": emu.connection.id}), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    if command["do"] == "latency":
        emu.faults(latency_ms=float(command["ms"]))
    print(json.dumps({"records": len(emu.records())}), flush=True)
emu.stop()
"""


@contextmanager
def served(latency_ms: float = 50.0) -> Iterator[dict[str, Any]]:
    """Start the child; yield its URLs and app credentials.

    ``site["ask"]({"do": "latency", "ms": 20})`` changes the injected latency and answers the
    number of records stored.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(REPO / "data-samples"), str(latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert proc.stdout is not None and proc.stdin is not None
    site: dict[str, Any] = json.loads(proc.stdout.readline())

    def ask(command: dict[str, Any]) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    site["ask"] = ask
    try:
        yield site
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
