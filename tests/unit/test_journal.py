"""The journal: private file, durable steps, each mail queued once, errors, audit."""

from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from moc_tui.core.journal import Journal
from tests.tab_names import FORM


def clock() -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_the_file_is_private_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state" / "journal.sqlite3"
    journal = Journal(path, clock)
    journal.step_done("r1", "project", {"project_id": "p1"})
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Journal(path).steps("r1") == {"project": {"project_id": "p1"}}


def test_a_step_recorded_before_a_crash_is_there_after_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    code = (
        "import os, sys; from pathlib import Path; from moc_tui.core.journal import Journal\n"
        "j = Journal(Path(sys.argv[1])); j.step_done('r1', 'user', {'user_id': 'u1'})\n"
        "os._exit(9)  # no close, no flush: the process dies here\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], check=False, timeout=60)
    assert result.returncode == 9
    assert Journal(path).steps("r1") == {"user": {"user_id": "u1"}}


def test_a_mail_is_queued_once_and_sent_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock)
    assert journal.enqueue_mail("r1", "welcome", {"to": ["a@example.org"]})
    assert not journal.enqueue_mail("r1", "welcome", {"to": ["other@example.org"]})
    [item] = journal.pending_mail()
    assert item.payload == {"to": ["a@example.org"]}
    journal.mail_failed(item.id, "connection refused")
    [again] = journal.pending_mail("r1")
    assert (again.attempts, again.last_error) == (1, "connection refused")
    journal.mail_sent(item.id)
    assert journal.pending_mail() == []
    assert journal.mail_status("r1", "welcome") == "sent"
    assert not journal.enqueue_mail("r1", "welcome", {"to": ["a@example.org"]})


def test_errors_are_listed_until_acknowledged(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock)
    first = journal.record_error(
        "alice",
        "project exists",
        row=4,
        email="b@example.org",
        step="project",
        tab=FORM,
    )
    journal.record_error("alice", "mail server down")
    assert [e.message for e in journal.errors()] == ["mail server down", "project exists"]
    assert journal.acknowledge_error(first, "bob")
    assert not journal.acknowledge_error(first, "bob")
    assert [e.message for e in journal.errors()] == ["mail server down"]
    [acknowledged] = [e for e in journal.errors(include_acknowledged=True) if e.id == first]
    assert (acknowledged.acknowledged_by, acknowledged.row) == ("bob", 4)


def test_the_audit_trail_names_the_operator(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock)
    journal.audit("alice", "provision", "r1", {"rows": [4]})
    journal.audit("bob", "edit", "r2")
    [record] = journal.audit_trail("r1")
    assert (record.operator, record.action, record.detail, record.at) == (
        "alice",
        "provision",
        {"rows": [4]},
        "2026-11-23T12:00:00+00:00",
    )
    assert len(journal.audit_trail()) == 2


def test_a_transaction_commits_all_or_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock)
    try:
        with journal.transaction():
            journal.step_done("r1", "sheet")
            journal.enqueue_mail("r1", "welcome", {})
            raise RuntimeError("crash inside")
    except RuntimeError:
        pass
    assert journal.steps("r1") == {}
    assert journal.pending_mail() == []


def test_the_same_open_error_is_recorded_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock)
    first = journal.record_error("cron", "PIN is missing", request_key="r1", row=3, step="validate")
    again = journal.record_error("cron", "PIN is missing", request_key="r1", row=3, step="validate")
    assert first == again and len(journal.errors()) == 1
    journal.acknowledge_error(first, "alice")
    assert journal.record_error("cron", "PIN is missing", request_key="r1", row=3) != first


def test_of_two_runs_claiming_one_mail_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    first, second = Journal(path, clock), Journal(path, clock)
    first.enqueue_mail("r1", "welcome", {"to": ["a@example.org"]})
    [seen_by_first] = first.pending_mail("r1")
    [seen_by_second] = second.pending_mail("r1")
    assert first.claim_mail(seen_by_first, "run-1")
    assert not second.claim_mail(seen_by_second, "run-2")


def test_a_claim_left_by_a_dead_run_is_taken_over_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    dead = Journal(path, clock)
    dead.enqueue_mail("r1", "welcome", {"to": ["a@example.org"]})
    [item] = dead.pending_mail("r1")
    assert dead.claim_mail(item, "run-dead")
    dead.mail_attempt(item.id)  # handed to the server, then the process died
    dead.close()
    rerun, other = Journal(path, clock), Journal(path, clock)
    [left] = rerun.pending_mail("r1")
    [also] = other.pending_mail("r1")
    assert (left.claimed_by, left.attempts) == ("run-dead", 1)
    assert rerun.claim_mail(left, "run-2")
    assert not other.claim_mail(also, "run-3")
    rerun.mail_sent(left.id)
    assert rerun.pending_mail() == [] and rerun.mail_status("r1", "welcome") == "sent"


def test_a_journal_of_the_first_schema_is_migrated_with_its_queued_mail(tmp_path: Path) -> None:
    import sqlite3

    from moc_tui.core.journal.db import SCHEMA

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA[0] + "; PRAGMA user_version=1;")
    conn.execute(
        "INSERT INTO outbox (request_key, kind, payload, status, created_at)"
        " VALUES ('access-1', 'welcome', '{}', 'pending', 'then')"
    )
    conn.commit()
    conn.close()
    journal = Journal(path, clock)
    [item] = journal.pending_mail("access-1")
    assert item.claimed_by is None and journal.claim_mail(item, "run-1")
    journal.mail_attempt(item.id)
    journal.mail_sent(item.id)
    assert journal.mail_status("access-1", "welcome") == "sent"
