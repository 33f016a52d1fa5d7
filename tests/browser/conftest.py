"""A real JupyterLab (headless, 127.0.0.1, no token) and Debian's chromium driven by Playwright.

The lab's kernels sign in to an emulator running in the test process, through the same
``OPUS_*`` variables a tenant uses, so the test can look at what the emulator stored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from opus_nb import emulator
from opus_nb.cli._demo import notebook_env
from opus_nb.cli._lab import lab_command

from .jupyter import CHROMIUM, QUIET_LAB, ROOT, Lab, free_port, wait_until_up


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make test installs it)")
    base = tmp_path_factory.mktemp("lab")
    work, settings, workspaces, app_dir = (base / n for n in ("work", "settings", "workspaces", "app"))
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "02-review-disposal.ipynb", work)
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps(QUIET_LAB), encoding="utf-8")
    port = free_port()
    log = base / "jupyterlab.log"
    with emulator.run(seed=ROOT / "data-samples") as emu:
        env = notebook_env(emu.register_app(credential="certificate", directory=app_dir), ROOT / "data-samples")
        env["JUPYTER_CONFIG_DIR"] = str(base / "jupyter-config")
        cmd = lab_command(
            work,
            port,
            token="",
            open_browser=False,
            extra=[
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.workspaces_dir={workspaces}",
                "--LabApp.expose_app_in_browser=True",
            ],
        )
        with log.open("wb") as out:
            process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, log)
            yield Lab(url, work, emu, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
