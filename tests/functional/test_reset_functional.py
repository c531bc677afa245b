"""`moc-tui reset-password` end to end: real Keystone, setpass service and SMTP.

The user files setpass's reset form with a new PIN; the helpdesk ticket carries only a reference;
the operator resets with `--reference`; the user sets a password with the PIN from the form. The
PIN is in no mail, argv, journal or output; a reference works once, for its user, until it
expires; `admin` is refused; a killed process is resumed by the rerun with one mail; a rerun
minutes after a finished reset asks first. `--pin-stdin` (tickets that carry a PIN) still works.
"""

from __future__ import annotations

import getpass
import io
import logging
import os
import pty
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from moc_tui.backend.locks import Locks
from moc_tui.cli import main
from moc_tui.core.journal import Journal
from moc_tui.core.workflow.keys import user_lock_key
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import FakeClock, FormUser, can_log_in
from tests.fixtures.stack import MakeStack, Stack
from tests.reset_form import PIN, PIN_ALONE, file_reset_form
from tests.waiting import wait_for_value

pytestmark = pytest.mark.keystone
OLD = "Old-Passw0rd-x"


def make_user(stack: Stack, admin: KeystoneAdmin) -> tuple[Any, str]:
    """A user whose stored address differs from its name: the link must go to the address."""
    s = stack.suffix
    address = f"dora.{s}@mail.example.org"
    user = admin.cleanup(
        admin.client.users.create(
            name=f"dora.{s}@example.org",
            domain="default",
            email=address,
            password=OLD,
            description="Dora Explorer",
        )
    )
    return user, address


def journal_bytes(stack: Stack) -> bytes:
    state = stack.settings.state_dir
    return b"".join(p.read_bytes() for p in state.glob("journal.sqlite3*"))


def mails_to(stack: Stack, address: str) -> list[Any]:
    return [m for m in stack.mail.received if m.rcpt_tos == (address,)]


def start_cli(
    stack: Stack, username: str, *more: str, config: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moc_tui",
            "reset-password",
            "--config",
            str(config or stack.settings_path),
            username,
            *more,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def argv_of(pid: int) -> bytes:
    """/proc/<pid>/cmdline once the child has exec'd (it is empty between fork and exec)."""

    def cmdline() -> bytes | None:
        found = Path(f"/proc/{pid}/cmdline").read_bytes()
        return found if b"moc_tui" in found else None

    return wait_for_value(cmdline, 30, f"process {pid} to show its argv")


def link_in(text: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", text)
    assert found, text
    return found.group(0)


def test_a_reset_by_reference_through_the_cli(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    proc = start_cli(stack, user.name.upper(), "--reference", reference.lower())
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"link mailed to {address}" in out
    assert PIN not in out and PIN not in err

    [mail] = stack.mail.wait_for(2)[1:]
    assert mail.rcpt_tos == (address,)
    assert "Dora Explorer" in mail.text and PIN not in mail.text
    assert not can_log_in(keystone_admin, user.id, OLD)  # the old password is gone
    browser = FormUser()
    link = link_in(mail.text)
    browser.open(link)
    assert browser.set_password(link, PIN, "Dora-New-Passw0rd").status_code == 200
    assert can_log_in(keystone_admin, user.id, "Dora-New-Passw0rd")

    raw = journal_bytes(stack)
    assert not PIN_ALONE.search(raw) and b"token=" not in raw
    assert reference.replace("-", "").encode() not in raw and reference.encode() not in raw
    trail = Journal(stack.settings.state_dir / "journal.sqlite3").audit_trail()
    assert [a.action for a in trail] == [
        "reset-password",
        "step:setpass",
        "step:password",
        "reset-password-done",
    ]


def test_a_reset_for_admin_is_refused(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stack = make_stack([])
    admin = keystone_admin.keystone.admin_credentials()
    for name in ("admin", "ADMIN", admin["username"]):
        config = ["--config", str(stack.settings_path)]
        assert main(["reset-password", *config, name, "--reference", "7K3QX-9W2HD"]) == 1
        out, _ = capsys.readouterr()
        assert "reserved" in out, out
        monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n"))
        assert main(["reset-password", *config, name, "--pin-stdin"]) == 1
        out, err = capsys.readouterr()
        assert "reserved" in out, out
        assert PIN not in out + err + caplog.text
    assert stack.mail.received == []
    # the admin's password still works
    keystone_admin.keystone.admin_session().get_token()
    errors = Journal(stack.settings.state_dir / "journal.sqlite3").errors()
    assert {e.step for e in errors} == {"user"}
    assert not PIN_ALONE.search(journal_bytes(stack))


def test_a_bad_pin_on_stdin_is_refused_before_any_lookup(
    make_stack: MakeStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack([])
    for given in ["1234 \n", "１２３４\n", " 1234\n", "12345\n", "\n"]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(given))
        config = ["--config", str(stack.settings_path)]
        assert main(["reset-password", *config, "x@y.org", "--pin-stdin"]) == 1
        out, err = capsys.readouterr()
        assert "PIN" in out + err and "no user named" not in out


def settings_with_hung_smtp(stack: Stack, tmp_path: Path, port: int) -> Path:
    """The same settings (and journal) with [smtp] pointing at a server that never answers,
    so the killed process can never get past its mail, whatever the timing."""
    text = stack.settings_path.read_text(encoding="utf-8")
    assert text.count(f"port = {stack.mail.port}\n") == 1
    path = tmp_path / "hung" / "settings.ini"
    path.parent.mkdir()
    path.write_text(text.replace(f"port = {stack.mail.port}\n", f"port = {port}\n"))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("after", ["set-password registration", "new password", "mails written"])
def test_a_killed_process_then_a_rerun_sends_one_mail(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, tmp_path: Path, after: str
) -> None:
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        config = settings_with_hung_smtp(stack, tmp_path, hung.getsockname()[1])
        proc = start_cli(stack, user.name, "--reference", reference, config=config)
        assert proc.stderr is not None
        # "set-password registration: done", "new password: done" (Keystone changed),
        # "mails written: done"
        for line in proc.stderr:
            if line.startswith(after):
                break
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=120) == -signal.SIGKILL

    again = start_cli(stack, user.name, "--reference", reference)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "resumed an interrupted reset" in out
    [_ticket, mail] = stack.mail.wait_for(2)
    assert mail.rcpt_tos == (address,)
    link = link_in(mail.text)
    browser = FormUser()
    browser.open(link)
    assert browser.set_password(link, PIN, "Dora-Other-Passw0rd").status_code == 200
    assert can_log_in(keystone_admin, user.id, "Dora-Other-Passw0rd")
    assert mails_to(stack, address) == [mail]


def test_no_pin_or_link_in_debug_logs_of_a_reset(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stack = make_stack([])
    user, _address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    caplog.set_level(logging.DEBUG)
    config = ["--config", str(stack.settings_path)]
    assert main(["reset-password", *config, user.name, "--reference", reference]) == 0
    out, err = capsys.readouterr()
    [mail] = stack.mail.wait_for(2)[1:]
    token = link_in(mail.text).split("token=")[1]
    assert caplog.records, "keystoneauth logs its requests at DEBUG"
    for text in (out, err, caplog.text):
        assert not PIN_ALONE.search(text.encode()) and token not in text


def test_the_older_way_a_pin_on_stdin_never_in_argv(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    """A ticket of the original form carries a PIN: `--pin-stdin` reads it, argv never has it."""
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    proc = start_cli(stack, user.name, "--pin-stdin")
    cmdline = argv_of(proc.pid)  # the process waits for its PIN; argv as `ps` shows it
    assert b"reset-password" in cmdline and not PIN_ALONE.search(cmdline)
    out, err = proc.communicate(PIN + "\n", timeout=120)
    assert proc.returncode == 0, err
    assert PIN not in out + err
    [mail] = stack.mail.wait_for(1)
    assert mail.rcpt_tos == (address,)
    link = link_in(mail.text)
    browser = FormUser()
    browser.open(link)
    assert browser.set_password(link, PIN, "Dora-New-Passw0rd").status_code == 200
    assert can_log_in(keystone_admin, user.id, "Dora-New-Passw0rd")


def cli(stack: Stack, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["reset-password", "--config", str(stack.settings_path), *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_a_reference_works_once_and_only_for_its_user(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    other = keystone_admin.cleanup(
        keystone_admin.client.users.create(
            name=f"eve.{stack.suffix}@example.org", domain="default", password=OLD,
            email=f"eve.{stack.suffix}@mail.example.org",
        )
    )  # fmt: skip
    reference = file_reset_form(stack, user.name)

    code, said = cli(stack, capsys, other.name, "--reference", reference)
    assert code == 1 and "filed for another user" in said, said
    assert "stays open" not in said and can_log_in(keystone_admin, other.id, OLD)

    assert cli(stack, capsys, user.name, "--reference", reference)[0] == 0
    [mail] = mails_to(stack, address)
    link = link_in(mail.text)
    browser = FormUser()
    browser.open(link)
    assert browser.set_password(link, PIN, "Dora-New-Passw0rd").status_code == 200  # form's PIN

    code, said = cli(stack, capsys, user.name, "--reference", reference, "--again")
    assert code == 1 and "already used" in said, said
    assert can_log_in(keystone_admin, user.id, "Dora-New-Passw0rd")  # nothing changed
    assert len(mails_to(stack, address)) == 1

    code, said = cli(stack, capsys, user.name, "--reference", "ZZZZZ-ZZZZZ", "--again")
    assert code == 1 and "Unknown reset reference" in said, said
    code, said = cli(stack, capsys, user.name, "--reference", "not-a-ref")
    assert code == 1 and "10 letters and digits" in said, said


def test_an_expired_reference_is_refused(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> None:
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    clock.advance(7 * 24 * 3600)
    code, said = cli(stack, capsys, user.name, "--reference", reference)
    assert code == 1 and "expired" in said, said
    assert can_log_in(keystone_admin, user.id, OLD) and mails_to(stack, address) == []


def test_a_rerun_minutes_after_a_finished_reset_asks_instead_of_mailing_again(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    """The journal said "closed" but the operator saw no success line (the run was killed):
    the rerun says what happened and does nothing without --again."""
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    assert cli(stack, capsys, user.name, "--reference", reference)[0] == 0
    [first] = mails_to(stack, address)

    code, said = cli(stack, capsys, user.name, "--reference", reference)
    assert code == 1
    operator = getpass.getuser()
    assert f"was reset less than a minute ago by {operator} (link mailed to {address})" in said
    assert "run again with --again" in said
    assert mails_to(stack, address) == [first]
    assert FormUser().open(link_in(first.text)).status_code == 200  # the first link still works

    code, said = cli(stack, capsys, user.name, "--reference", reference, "--again")
    assert code == 0, said
    assert len(mails_to(stack, address)) == 2


@pytest.mark.parametrize(("answer", "mails"), [("n", 1), ("y", 2)])
def test_on_a_terminal_the_rerun_asks(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, answer: str, mails: int
) -> None:
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    first = start_cli(stack, user.name, "--reference", reference)
    assert first.communicate(timeout=120)[0] and first.returncode == 0
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moc_tui", "reset-password", "--config",
             str(stack.settings_path), user.name, "--reference", reference],
            stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        os.write(controller, answer.encode() + b"\n")
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(controller)
        os.close(terminal)
    assert "was reset less than a minute ago" in out and "Reset again" in out, out + err
    assert proc.returncode == (0 if answer == "y" else 1), out + err
    assert len(mails_to(stack, address)) == mails


def test_a_reset_held_by_another_session_is_refused_with_who(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI takes the backend's per-request lock: a TUI session resetting the same user
    (here: the lock held as the backend holds it) makes the CLI refuse, naming the holder."""
    stack = make_stack([])
    user, address = make_user(stack, keystone_admin)
    reference = file_reset_form(stack, user.name)
    locks = Locks(stack.settings.state_dir / "locks", "bob")
    with locks.hold([user_lock_key(user.name.upper())]):
        code, said = cli(stack, capsys, user.name, "--reference", reference)
    assert code == 1 and "bob is working on this request" in said and "nothing was done" in said
    assert mails_to(stack, address) == [] and can_log_in(keystone_admin, user.id, OLD)
    assert cli(stack, capsys, user.name, "--reference", reference)[0] == 0
