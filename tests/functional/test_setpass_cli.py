"""The `setpass` command: genkey, check, purge, and `serve` as a real process (log redaction)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from setpass import schema
from setpass.cli import main
from setpass.crypto import hash_token
from setpass.db import Store
from setpass.engine import make_engine
from tests.fixtures.databases import DATABASES

SETPASS_DATABASES = DATABASES  # the tests that use the database run on all three


def write_conf(tmp_path: Path, **extra: str) -> Path:
    values = {"database": "sqlite:///setpass.db", "secret_key": secrets.token_urlsafe(48),
              "token_expiration": "3600", **extra}  # fmt: skip
    lines = ["[DEFAULT]"] + [f"{k} = {v}" for k, v in values.items()]
    conf = tmp_path / "setpass.conf"
    conf.write_text("\n".join(lines) + "\n")
    conf.chmod(0o600)
    return conf


def test_genkey_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["genkey"]) == 0
    assert len(capsys.readouterr().out.strip()) >= 60


def test_check_reports_problems_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = write_conf(tmp_path)
    assert main(["-c", str(conf), "check"]) == 0
    assert f"sqlite:///{tmp_path}/setpass.db" in capsys.readouterr().out
    bad = tmp_path / "bad.conf"
    bad.write_text("[DEFAULT]\nmax_attempts = 0\n")
    assert main(["-c", str(bad), "check"]) == 2
    err = capsys.readouterr().err
    assert "secret_key" in err


def test_purge_deletes_only_expired_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setpass_db: str
) -> None:
    conf = write_conf(tmp_path, database=setpass_db)
    engine = make_engine(setpass_db)
    schema.upgrade(engine)
    store = Store(engine)
    now = datetime.now(UTC)
    for name, age in (("old", 7200), ("edge", 3700), ("fresh", 60)):
        store.upsert(name, hash_token(name), now - timedelta(seconds=age), "h", "p")
    # by default expired records are kept two weeks, for moc-tui's activation reminders
    assert main(["-c", str(conf), "purge"]) == 0
    assert "purged 0" in capsys.readouterr().out
    assert main(["-c", str(conf), "purge", "--grace-days", "0"]) == 0
    assert "purged 2" in capsys.readouterr().out
    assert store.exists("fresh") and not store.exists("old") and not store.exists("edge")


def test_serve_runs_and_redacts_the_token_from_its_access_log(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, auth_url="http://127.0.0.1:9/v3")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "setpass", "-c", str(conf), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(60)
        assert first and first[0].startswith("setpass listening on http://127.0.0.1:"), first
        url = first[0].split()[-1]
        secret = secrets.token_urlsafe(32)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{url}?token={secret}", timeout=10)  # noqa: S310
        assert caught.value.code == 404
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert "GET /?token=[redacted]" in err
    assert secret not in err
    assert (tmp_path / "setpass.db").exists()  # persistent by default, beside the config


def test_example_config_and_wsgi_file_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """config/setpass.conf.example parses (secret and DB filled in); setpass.wsgi builds the app."""
    root = Path(__file__).resolve().parents[2]
    text = (root / "config" / "setpass.conf.example").read_text()
    text = text.replace("CHANGE-ME-run-setpass-genkey", secrets.token_urlsafe(48))
    text = text.replace("sqlite:////var/lib/setpass/setpass.db", "sqlite:///example.db")
    conf = tmp_path / "setpass.conf"
    conf.write_text(text)
    conf.chmod(0o600)
    monkeypatch.setenv("SETPASS_CONFIG", str(conf))
    namespace: dict[str, object] = {}
    code = (root / "config" / "setpass.wsgi").read_text()
    exec(compile(code, "setpass.wsgi", "exec"), namespace)  # noqa: S102
    app = namespace["application"]
    assert callable(app)
    assert (tmp_path / "example.db").exists()
