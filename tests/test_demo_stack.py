"""The demo stack starts every part, seeds realistic requests, and the product works on it."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from moc_tui.devstack.demo import DemoStack

pytestmark = pytest.mark.keystone


@pytest.fixture
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DemoStack]:
    cache = Path(request.config.cache.mkdir("demo-cache")) if request.config.cache else tmp_path
    stack = DemoStack(tmp_path / "demo", cache)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_the_demo_provisions_its_sample_requests(
    demo: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(demo.settings_path)  # the written file is valid and private
    assert main(["check", "--config", str(demo.settings_path)]) == 0
    assert main(["provision", "--config", str(demo.settings_path), "--all"]) == 1
    out = capsys.readouterr().out
    assert "PIN must be exactly four digits 0-9" in out  # sam
    assert "organization is blank" in out  # ana
    tabs = open_store(settings.access_sheet).read_tabs(["Form Responses 1", "Current Users"])
    moved = [row[4] for row in tabs["Current Users"][1:]]
    assert moved == [
        "maria.gomez@example.edu",
        "kamfonik@example.edu",
        "wei.zhang@example.org",
        "pat.lee@example.edu",
        "eve.mallory@example.org",
    ]
    # the operator reads the mail in the demo's Maildir
    assert demo.mail is not None
    demo.mail.wait_for(12)
    inbox = mailbox.Maildir(demo.maildir)
    subjects = sorted(str(message["Subject"]) for message in inbox)
    assert subjects.count("Choose your cloud password") == 4
    assert subjects.count("You were added to a cloud project") == 1


def test_a_restart_starts_from_the_same_state(demo: DemoStack) -> None:
    first = demo.settings_path.read_text()
    demo.stop()
    demo.start()
    settings = load_settings(demo.settings_path)
    rows = open_store(settings.access_sheet).read_tabs(["Form Responses 1"])["Form Responses 1"]
    assert len(rows) == 10
    assert demo.settings_path.read_text() != first  # new ports and a new admin password


def test_the_demo_command_runs_until_interrupted(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    cache = Path(request.config.cache.mkdir("demo-cache")) if request.config.cache else tmp_path
    env = dict(os.environ, XDG_CACHE_HOME=str(cache.parent))
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moc_tui", "demo", "--no-tui", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("running"):
            break
    assert main(["check", "--config", str(home / "settings.ini")]) == 0
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    assert "demo stopped" in rest, "".join(lines) + rest
    assert any(line.startswith("  mail:") for line in lines)
