"""Provisioning end to end against the real parts: Keystone (+ quota API), setpass, SMTP, and
the Sheets fake driven by gspread. The CLI is the entry point, as an operator or cron uses it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from moc_tui.cli import main
from moc_tui.core.journal import Journal
from moc_tui.devstack.mail_sink import ReceivedMail
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import FormUser, can_log_in
from tests.fixtures.stack import MakeStack, Stack
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = pytest.mark.keystone
EMAIL_COLUMN = 4


def ten_rows(s: str) -> list[list[str]]:
    def row(n: int, email: str, **values: str) -> list[str]:
        return access_row(email=email, timestamp=f"11/1/2026 9:{n:02d}:00", **values)

    return [
        row(1, f"alice.{s}@example.org", new_project=f"wonderland-{s}"),
        row(2, f"carol.{s}@example.org", new_project="", project_choice="A personal project"),
        row(3, f"dan.{s}@example.org", new_project="", existing_project=f"EXISTING-{s}"),
        row(
            4,
            f"erin.{s}@example.org",
            new_project="",
            existing_project=f"existing-{s}",
            has_account="Yes",
            pin="",
        ),
        row(
            5,
            f"frank.{s}@example.org",
            new_project=f"frank-lab-{s}",
            extra_users=f"erin.{s}@example.org, ghost.{s}@example.org",
        ),
        row(6, f"ivy.{s}@example.org", first_name="", new_project=f"ivy-{s}"),
        row(7, f"jack.{s}@example.org", new_project="admin"),
        row(8, f"Alice.{s}@example.org", new_project=f"wonderland-{s}"),
        row(9, f"gina.{s}@example.org", new_project="", existing_project=f"wonderland-{s}"),
        row(10, f"henry.{s}@example.org", new_project=f"henry-{s}"),
    ]


def prepare(stack: Stack, admin: KeystoneAdmin) -> None:
    """What exists before the run: a project to join and an existing user."""
    s = stack.suffix
    admin.cleanup(admin.client.projects.create(name=f"existing-{s}", domain="default"))
    admin.cleanup(
        admin.client.users.create(
            name=f"erin.{s}@example.org",
            domain="default",
            email=f"erin.{s}@example.org",
            password="x-Erin-1",
        )
    )


def mails_by_recipient(mails: list[ReceivedMail]) -> Counter[tuple[str, str]]:
    return Counter((m.rcpt_tos[0].split(".")[0], str(m.message["Subject"])) for m in mails)


def link_in(mail: ReceivedMail) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", mail.text)
    assert found, mail.text
    return found.group(0)


def test_ten_mixed_rows(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack([], quotas={"cores": "24", "instances": "12"})
    s = stack.suffix
    stack.store.append_rows(FORM, ten_rows(s))
    prepare(stack, keystone_admin)

    status = main(
        ["provision", "--config", str(stack.settings_path), "--all", "--operator", "alice-op"]
    )
    out = capsys.readouterr().out
    assert status == 1
    client = keystone_admin.client
    # the invalid rows stay, with their reasons in the summary and the errors log
    tabs = stack.tabs()
    assert [r[EMAIL_COLUMN] for r in tabs[FORM][1:]] == [
        f"ivy.{s}@example.org",
        f"jack.{s}@example.org",
        f"Alice.{s}@example.org",
    ]
    assert [r[EMAIL_COLUMN] for r in tabs[ACCESS_DONE][1:]] == [
        f"{n}.{s}@example.org" for n in ("alice", "carol", "dan", "erin", "frank", "gina", "henry")
    ]
    assert "first name is blank" in out and "reserved for the cloud itself" in out
    assert "duplicate request: row 2 is for the same user" in out
    journal = Journal(stack.settings.state_dir / "journal.sqlite3")
    assert sorted(e.row or 0 for e in journal.errors()) == [7, 8, 9]
    assert {e.operator for e in journal.errors()} == {"alice-op"}

    # Keystone, read back
    for project_name in (f"wonderland-{s}", f"carol.{s}", f"frank-lab-{s}", f"henry-{s}"):
        [project] = client.projects.list(name=project_name, domain="default")
        keystone_admin.cleanup(project)
        assert project.description == "Research" or project_name == f"carol.{s}"
        compute = stack.quota_service.quotas("compute", project.id)
        assert (compute["cores"], compute["instances"]) == (24, 12)
    members = {
        (a.user["name"], a.scope["project"]["name"])
        for a in client.role_assignments.list(
            include_names=True, role=client.roles.find(name="member")
        )
        if s in a.user["name"]
    }
    assert members == {
        (f"alice.{s}@example.org", f"wonderland-{s}"),
        (f"gina.{s}@example.org", f"wonderland-{s}"),
        (f"carol.{s}@example.org", f"carol.{s}"),
        (f"dan.{s}@example.org", f"existing-{s}"),
        (f"erin.{s}@example.org", f"existing-{s}"),
        (f"frank.{s}@example.org", f"frank-lab-{s}"),
        (f"erin.{s}@example.org", f"frank-lab-{s}"),
        (f"henry.{s}@example.org", f"henry-{s}"),
    }
    for name in ("alice", "carol", "dan", "frank", "gina", "henry"):
        [user] = client.users.list(name=f"{name}.{s}@example.org", domain="default")
        keystone_admin.cleanup(user)
        assert user.email == f"{name}.{s}@example.org"

    # mails: welcome + password for new users, new-project mails, "added" for existing users
    mails = stack.mail.wait_for(18)
    assert len(mails) == 18
    counts = mails_by_recipient(mails)
    assert counts[("alice", "Choose your cloud password")] == 1
    assert counts[("erin", "You were added to a cloud project")] == 2
    assert counts[("dan", "Your new cloud project")] == 0
    assert all(m.over_tls for m in mails)

    # the link works: alice sets her password with her PIN and logs in with it
    [password_mail] = [
        m
        for m in mails
        if m.rcpt_tos == (f"alice.{s}@example.org",)
        and m.message["Subject"] == "Choose your cloud password"
    ]
    browser = FormUser()
    link = link_in(password_mail)
    browser.open(link)
    assert browser.set_password(link, "0123", "A-new-Passw0rd").status_code == 200
    [alice] = client.users.list(name=f"alice.{s}@example.org", domain="default")
    assert can_log_in(keystone_admin, alice.id, "A-new-Passw0rd")

    # the journal holds no link, token or password
    raw = journal.path.read_bytes()
    assert b"token=" not in raw and b"A-new-Passw0rd" not in raw

    # a second run changes nothing: the same refusals (the duplicate's first row is gone now,
    # so it is refused for the project it would create again), no mail, no repeated records
    stack.mail.clear()
    assert main(["provision", "--config", str(stack.settings_path), "--all"]) == 1
    assert "exists already" in capsys.readouterr().out
    assert stack.mail.received == []
    assert len(stack.tabs()[FORM]) == 4
    assert len(Journal(journal.path).errors()) == 4


def run_killed(stack: Stack, after_lines: int) -> int:
    """Run the CLI in its own process and SIGKILL it once it has printed `after_lines` lines."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moc_tui",
            "provision",
            "--config",
            str(stack.settings_path),
            "--all",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for seen, _line in enumerate(proc.stderr, start=1):
        if seen >= after_lines:
            proc.send_signal(signal.SIGKILL)
            break
    return proc.wait(timeout=120)


def final_state(stack: Stack, admin: KeystoneAdmin) -> dict[str, Any]:
    s = stack.suffix
    client = admin.client
    users = sorted(
        u.name.replace(s, "S") for u in client.users.list(domain="default") if s in u.name
    )
    projects = sorted(
        p.name.replace(s, "S") for p in client.projects.list(domain="default") if s in p.name
    )
    tabs = stack.tabs()
    return {
        "users": users,
        "projects": projects,
        "mails": sorted(
            Counter((m.rcpt_tos, str(m.message["Subject"])) for m in stack.mail.received).values()
        ),
        "form": len(tabs[FORM]),
        "done": len(tabs[ACCESS_DONE]),
    }


@pytest.mark.parametrize("after_lines", [1, 2, 3])
def test_a_killed_process_then_a_rerun(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, after_lines: int
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(
        FORM,
        [
            access_row(email=f"kim.{s}@example.org", new_project=f"kim-{s}", timestamp="t1"),
            access_row(
                email=f"lou.{s}@example.org",
                new_project="",
                existing_project=f"kim-{s}",
                timestamp="t2",
            ),
            access_row(email=f"max.{s}@example.org", new_project=f"max-{s}", timestamp="t3"),
        ],
    )
    assert run_killed(stack, after_lines) == -signal.SIGKILL
    assert main(["provision", "--config", str(stack.settings_path), "--all"]) == 0
    stack.mail.wait_for(8)
    state = final_state(stack, keystone_admin)
    assert state == {
        "users": [f"{n}.S@example.org" for n in ("kim", "lou", "max")],
        "projects": ["kim-S", "max-S"],
        "mails": [1] * 8,
        "form": 1,
        "done": 4,
    }
    for user in keystone_admin.client.users.list(domain="default"):
        if s in user.name:
            keystone_admin.cleanup(user)
    for project in keystone_admin.client.projects.list(domain="default"):
        if s in project.name:
            keystone_admin.cleanup(project)
