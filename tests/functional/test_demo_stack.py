"""The demo stack starts every part, seeds realistic requests, and the product works on it."""

from __future__ import annotations

import mailbox
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from moc_tui.devstack import demo_requests
from moc_tui.devstack.demo import DemoRunning, DemoStack
from moc_tui.protocol.client import BackendClient, dev_command
from tests.tab_names import ACCESS_DONE, FORM

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
    tabs = open_store(settings.access_sheet).read_tabs([FORM, ACCESS_DONE])
    moved = [row[4] for row in tabs[ACCESS_DONE][1:]]
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
    rows = open_store(settings.access_sheet).read_tabs([FORM])[FORM]
    assert len(rows) == 10
    assert demo.settings_path.read_text() != first  # new ports and a new admin password


def test_every_screen_has_something_to_show(demo: DemoStack) -> None:
    """The not-activated list (both reasons a user never activates) and the errors log are
    seeded, as the request lists are; each seeded user is in Keystone with an audit trail."""
    with BackendClient(dev_command(demo.settings_path)) as backend:
        backend.call("hello", {"operator": "demo"})
        users = backend.call("list_not_activated")["users"]
        errors = backend.call("list_errors")["errors"]
        trails = [
            backend.call("audit_trail", {"request_key": user["request_key"]})["records"]
            for user in users
        ]
    seeded = demo_requests.NOT_ACTIVATED_USERS
    assert [(u["username"], u["reason"], u["reminders"]) for u in users] == [
        (name, reason, reminders) for name, _, _, reason, reminders in seeded
    ]
    assert {u["reason"] for u in users} == {"link expired unused", "link locked by wrong PINs"}
    assert [e["message"] for e in errors] == [demo_requests.EARLIER_ERROR]
    assert [e["email"] for e in errors] == [demo_requests.NOT_ACTIVATED_USER]
    assert [len(trail) for trail in trails] == [2, 2]
    assert demo.keystone is not None
    admin = demo.keystone.admin_session()
    for user in users:
        found = admin.get(f"{demo.keystone.auth_url}/users?name={user['username']}").json()
        assert [u["id"] for u in found["users"]] == [user["user_id"]]


def test_a_second_start_of_the_same_folder_is_refused(demo: DemoStack) -> None:
    second = DemoStack(demo.home, demo.cache)
    with pytest.raises(DemoRunning, match=rf"a demo is already running \(pid {os.getpid()}\)"):
        second.start()
    second.stop()  # stopping the refused one leaves the running one alone
    assert demo.settings_path.exists() and load_settings(demo.settings_path)


def test_the_demo_command_runs_until_interrupted(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    cache = Path(request.config.cache.mkdir("demo-cache")) if request.config.cache else tmp_path
    env = dict(os.environ, XDG_CACHE_HOME=str(cache.parent))
    home = tmp_path / "home"
    command = [sys.executable, "-m", "moc_tui", "demo", "--no-tui", "--home", str(home)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("running"):
            break
    assert main(["check", "--config", str(home / "settings.ini")]) == 0
    # a second demo on the same folder is refused, and the first keeps its state
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 1
    assert f"a demo is already running (pid {proc.pid})" in second.stderr
    assert main(["check", "--config", str(home / "settings.ini")]) == 0
    # the hint works as printed, in a shell whose PATH does not hold the venv
    [hint] = [line.split(":", 1)[1].strip() for line in lines if line.startswith("  try:")]
    tried = subprocess.run(
        ["/bin/sh", "-c", hint],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert tried.returncode in (0, 1), tried.stderr  # 1: the dry run shows rows it would refuse
    assert "maria.gomez@example.edu" in tried.stdout, tried.stdout + tried.stderr
    assert shlex.split(hint)[0].startswith("/")
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    assert "demo stopped" in rest, "".join(lines) + rest
    assert any(line.startswith("  mail:") for line in lines)
    # after it stopped, the folder is free again (a killed demo leaves no lock either)
    again = DemoStack(home, cache)
    again.lock.acquire()
    again.lock.release()
