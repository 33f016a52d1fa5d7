"""Sign-in settings from a ``.env`` file: one that is not UTF-8 is named, with where its first bad byte is."""

from __future__ import annotations

from pathlib import Path

import pytest

from opus_nb._errors import ConfigurationError
from opus_nb.cli import main
from opus_nb.client._settings import Settings
from opus_nb.jobs._signin import login
from tests.helpers import SAMPLES


def test_an_env_file_that_is_not_utf8_is_named_with_its_first_bad_byte(tmp_path: Path) -> None:
    env = tmp_path / "settings.env"
    content = "OPUS_CLIENT_ID=app\nOPUS_CLIENT_SECRET=Gr\u00fc\u00dfe-s3cret\n".encode("latin-1")
    env.write_bytes(content)
    with pytest.raises(ConfigurationError) as raised:
        login(env_file=env)
    text, bad = str(raised.value), content.index("\u00fc".encode("latin-1"))
    assert str(env) in text and f"position {bad} (line 2)" in text and "UTF-8" in text
    assert "s3cret" not in text and "0xfc" not in text


def test_an_env_file_with_a_byte_order_mark_reads_as_utf8(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes("OPUS_CLIENT_ID=app-\u00e9\nOPUS_REGION=us\n".encode("utf-8-sig"))
    settings = Settings.from_env(env, environ={})
    assert settings.client_id == "app-\u00e9" and settings.region == "us"


def test_the_shell_names_an_env_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = tmp_path / "latin.env"
    env.write_bytes(b"OPUS_CLIENT_ID=caf\xe9\n")
    connection = str(SAMPLES / "connection.json")
    assert main(["due", "--before", "2026-01-01", "--connection", connection, "--env-file", str(env)]) == 2
    err = capsys.readouterr().err
    assert str(env) in err and "position 18 (line 1)" in err
    assert len(err.strip().splitlines()) == 1
