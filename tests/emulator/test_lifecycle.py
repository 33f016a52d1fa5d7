"""Starting and stopping, a database file that survives restarts, seeding, and the shell command."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from opus_nb import emulator
from opus_nb.emulator import EmulatorConfigError, EmulatorStartError

from .records import REPO, SAMPLES, SCOPE, make_record

pytestmark = pytest.mark.server  # servers of its own, started in the tests


def _token(emu: emulator.Emulator, client_id: str, secret: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": SCOPE}
    response = httpx.post(emu.token_url, data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_start_serves_on_loopback_until_stopped() -> None:
    emu = emulator.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.url)
        assert emu.identity_url == f"{emu.url}/identity"
        assert httpx.get(f"{emu.identity_url}/.well-known/openid-configuration").status_code == 200
        assert "running" in repr(emu)
    finally:
        emu.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{emu.url}/emulator")


def test_run_is_a_context_manager_and_a_taken_port_is_a_typed_error() -> None:
    with emulator.run() as emu:
        with pytest.raises(EmulatorStartError) as info:
            emulator.start(port=emu.port)
        assert str(emu.port) in str(info.value)
    assert not emu.running


def test_it_starts_and_answers_from_inside_a_running_event_loop() -> None:
    async def notebook_cell() -> int:
        with emulator.run(seed=SAMPLES) as emu:
            async with httpx.AsyncClient() as client:
                response = await client.get(f"{emu.url}/emulator")
                return len(response.json()["connections"])

    assert asyncio.run(notebook_cell()) == 1


def test_a_database_file_keeps_everything_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "opus.db"
    with emulator.run(db=db, seed=SAMPLES, manual_approval=True) as emu:
        app = emu.register_app(credential="secret")
        token = _token(emu, app.client_id, app.secret or "")
        assert emu.connection is not None
        body = {"id": emu.connection.id, "conflictOption": "Skip", "data": [make_record(1), make_record(2)]}
        assert (
            httpx.post(
                f"{emu.url}/records/connector/records", json=body, headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 201
        )
        emu.hold("R-00002")
        emu.approve("R-00001")
    with emulator.run(db=db) as again:
        assert [c.id for c in again.connections] == ["6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f"]
        assert len(again.terms) == 9 and again.manual_approval
        records = {r.row_key: r for r in again.records()}
        assert records["R-00002"].on_hold and records["R-00001"].approved
        assert records["R-00001"].due is not None
        token = _token(again, app.client_id, app.secret or "")
        response = httpx.request(
            "DELETE",
            f"{again.url}/records/connector/records",
            json={"disposalIds": ["R-00001"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200


def test_seed_needs_a_folder_with_the_sample_files(tmp_path: Path) -> None:
    with pytest.raises(EmulatorConfigError):
        emulator.start(seed=tmp_path)


def test_the_connection_json_can_be_downloaded_in_the_documented_form(emu) -> None:
    response = httpx.get(f"{emu.url}/emulator/connections/{emu.connection.id}")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert set(body) == {"id", "confilictOption", "data"}
    original = (SAMPLES / "connection.json").read_text()
    assert body["data"][0] == httpx.Response(200, content=original).json()["data"][0]
    assert httpx.get(f"{emu.url}/emulator/connections/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_secret_never_shows_in_a_registrations_repr(emu) -> None:
    app = emu.register_app(credential="secret")
    assert app.secret and app.secret not in repr(app) and app.secret not in str(app)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "opus_nb.emulator", *args]


def test_the_shell_command_prints_its_urls_registers_apps_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        _cli("--seed", "data-samples/", "--db", str(tmp_path / "e.db")),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        text = ""
        while "register-app" not in text and proc.poll() is None:
            text += proc.stdout.readline()
        url = re.search(r"running at (http://127\.0\.0\.1:\d+)", text)
        assert url is not None, text
        assert f"{url.group(1)}/identity" in text
        assert "opus-nb emulator register-app --url" in text
        assert "6f2d8a4e-3b1c-4e9a-9d7f-1a2b3c4d5e6f" in text
        done = subprocess.run(
            _cli("register-app", "--url", url.group(1), "--out", str(tmp_path / "app")),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        env_file = tmp_path / "app" / ".env"
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert values["OPUS_CLIENT_ID"] in done.stdout
        assert values["OPUS_CERTIFICATE_PASSWORD"] not in done.stdout
        assert (tmp_path / "app" / "app.pfx").is_file()
        secret = subprocess.run(
            _cli("register-app", "--url", url.group(1), "--credential", "secret", "--out", str(tmp_path / "s")),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        values = dict(line.split("=", 1) for line in (tmp_path / "s" / ".env").read_text().splitlines() if "=" in line)
        assert values["OPUS_CLIENT_SECRET"] not in secret.stdout
        form = {
            "grant_type": "client_credentials",
            "client_id": values["OPUS_CLIENT_ID"],
            "client_secret": values["OPUS_CLIENT_SECRET"],
        }
        assert httpx.post(f"{values['OPUS_IDENTITY_URL']}/connect/token", data=form).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_register_app_without_a_running_emulator_is_one_clear_line(tmp_path: Path) -> None:
    done = subprocess.run(
        _cli("register-app", "--url", "http://127.0.0.1:9", "--out", str(tmp_path)),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["opus-nb: no Opus emulator answered at http://127.0.0.1:9 (ConnectError)"]


def test_the_opus_nb_command_has_the_emulator_subcommands() -> None:
    from opus_nb.cli._main import build_parser

    args = build_parser().parse_args(["emulator", "--seed", "data-samples/", "--port", "0"])
    assert args.run.__name__ == "serve" and args.port == 0
    args = build_parser().parse_args(["emulator", "register-app", "--url", "http://127.0.0.1:1", "--credential", "secret"])
    assert args.run.__name__ == "register_app" and args.credential == "secret"


def test_the_shell_command_freezes_its_start_up_objects_so_a_full_collection_skips_them() -> None:
    watcher = (
        "import gc, os, signal, sys, threading, time\n"
        "from opus_nb.emulator import cli\n"
        "def report():\n"
        "    while not any(t.name.startswith('opus-emulator-') for t in threading.enumerate()):\n"
        "        time.sleep(0.05)\n"
        "    deadline = time.monotonic() + 10\n"
        "    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    print('frozen', gc.get_freeze_count(), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "threading.Thread(target=report, daemon=True).start()\n"
        "sys.exit(cli.main([]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", watcher],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    frozen = re.search(r"frozen (\d+)", done.stdout)
    assert frozen is not None, done.stdout + done.stderr
    assert int(frozen.group(1)) > 10_000  # the modules, the app, the seeded connection: all frozen
    assert done.returncode == 0
