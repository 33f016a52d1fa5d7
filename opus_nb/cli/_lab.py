"""`make lab` (``python -m opus_nb.cli._lab``): JupyterLab on 127.0.0.1 with an emulator running.

It starts the emulator seeded with `data-samples/`, registers an app with a certificate, and
starts JupyterLab in `notebooks/` with the ``OPUS_*`` variables set, so both notebooks sign in
to the emulator as they would to a tenant. Ctrl+C stops both.

>>> lab_command(Path("notebooks"), 8888)[:3]                         # doctest: +ELLIPSIS
['...', '-m', 'jupyterlab']
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from opus_nb.cli._demo import NOTEBOOK_DIR, SAMPLES, notebook_env

__all__ = ["lab_command", "main", "register"]

HOST = "127.0.0.1"


def lab_command(
    root: Path,
    port: int,
    *,
    token: str | None = None,
    open_browser: bool = True,
    port_retries: int = 0,
    extra: Sequence[str] = (),
) -> list[str]:
    """The command line for JupyterLab on 127.0.0.1:``port`` serving ``root``; no update, news or extension look-ups.

    ``token=""`` turns sign-in off (for tests on a loopback address only); None keeps Jupyter's token.
    """
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        f"--ServerApp.port_retries={port_retries}",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.open_browser={open_browser}",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if token is not None:
        cmd += [f"--IdentityProvider.token={token}", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd + list(extra)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `opus-nb lab`."""
    parser = sub.add_parser("lab", help="JupyterLab on 127.0.0.1 with the emulator running")
    _add_arguments(parser)
    parser.set_defaults(run=_serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve JupyterLab with the emulator until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m opus_nb.cli._lab", description=__doc__.splitlines()[0])
    _add_arguments(parser)
    return _serve(parser.parse_args(argv))


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port on 127.0.0.1")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOK_DIR, help="the folder JupyterLab opens")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")


def _serve(args: argparse.Namespace) -> int:
    from opus_nb import emulator

    with emulator.run(seed=SAMPLES) as emu, tempfile.TemporaryDirectory(prefix="opus-nb-lab-app-") as folder:
        env = notebook_env(emu.register_app(credential="certificate", directory=folder), SAMPLES)
        print(f"Opus emulator at {emu.url} (seeded with the sample connection and terms)", flush=True)
        print("The notebooks sign in to it through the OPUS_* variables; Ctrl+C stops JupyterLab and the emulator.", flush=True)
        lab = subprocess.Popen(
            lab_command(args.notebooks.resolve(), args.port, open_browser=not args.no_browser, port_retries=20), env=env
        )
        try:
            return lab.wait()
        except KeyboardInterrupt:
            lab.terminate()
            return lab.wait()


if __name__ == "__main__":
    sys.exit(main())
