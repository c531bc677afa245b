"""The cron side takes the same locks: an activation reminder never renews a link while a
provisioning or reset run holds its user."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.cron.activation import remind_activation
from moc_tui.core.locks import Locks
from moc_tui.core.settings import load_settings
from moc_tui.core.workflow.keys import user_lock_key
from tests.reminder_fakes import FixedStatusSetpass, Outbox, Users, journal_with_registration
from tests.settings_files import write_settings


def test_an_activation_reminder_waits_for_the_run_holding_its_user(tmp_path: Path) -> None:
    journal, settings = journal_with_registration(tmp_path)
    setpass, outbox = FixedStatusSetpass("expired"), Outbox()
    with Locks(settings.state_dir / "locks", "alice").hold([user_lock_key("una@example.org")]):
        report = remind_activation(settings, journal, setpass, Users(), outbox)
    assert outbox.sent == [] and setpass.renewed == 0
    assert report.ok and report.reminded == []
    [busy] = report.busy
    assert busy.startswith("una@example.org: alice is working on this request (pid ")
    # the next pass, once the holder is done
    report = remind_activation(settings, journal, setpass, Users(), outbox)
    assert report.reminded == ["una@example.org"] and len(outbox.sent) == 1


def test_a_cli_reset_of_a_user_another_run_holds_is_refused_naming_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_settings(tmp_path)
    settings = load_settings(path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    with Locks(settings.state_dir / "locks", "bob").hold([user_lock_key("Una@example.org")]):
        status = main(["reset-password", "--config", str(path), "una@example.org", "--pin-stdin"])
    assert status == 1
    assert f"bob is working on this request (pid {os.getpid()}" in capsys.readouterr().err
