"""Quota change requests end to end against the real parts: Keystone, the quota service in its
catalog, SMTP and the Sheets fake through gspread. The CLI is the entry point."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import pytest

from moc_tui.cli import main
from moc_tui.core.journal import Journal
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack, Stack
from tests.sample_rows import quota_row
from tests.tab_names import FORM, QUOTA_DONE

pytestmark = pytest.mark.keystone
PROJECT_COLUMN = 8
CC = "quota-team@example.org"
APIS = ("compute", "network", "volume")


def project_with_members(stack: Stack, admin: KeystoneAdmin, name: str) -> Any:
    """A project whose members are the requester (pi), bob (twice: direct and via a group)."""
    s, client = stack.suffix, admin.client
    project = admin.cleanup(client.projects.create(name=name, domain="default"))
    member = client.roles.find(name="member")
    reader = client.roles.find(name="reader")
    for who in ("pi", "bob"):
        user = admin.cleanup(
            client.users.create(
                name=f"{who}.{s}@example.org",
                domain="default",
                email=f"{who}.{s}@example.org",
                password="x-Passw0rd",
            )
        )
        client.roles.grant(member, user=user, project=project)
        if who == "bob":
            client.roles.grant(reader, user=user, project=project)
            group = admin.cleanup(client.groups.create(name=f"g-{s}", domain="default"))
            client.users.add_to_group(user, group)
            client.roles.grant(member, group=group, project=project)
    return project


def all_quotas(stack: Stack, project_id: str) -> dict[str, int]:
    merged: dict[str, int] = {}
    for api in APIS:
        merged.update(stack.quota_service.quotas(api, project_id))
    return merged


def test_a_request_changes_exactly_the_requested_values(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_stack([], quota_rows=[], sections={"quota_email": {"cc_list": CC}})
    s = stack.suffix
    project = project_with_members(stack, keystone_admin, f"Lab-{s}")
    big = keystone_admin.cleanup(
        keystone_admin.client.projects.create(name=f"big-{s}", domain="default")
    )
    stack.quota_service.add_port(big.id, device_owner="network:dhcp")
    stack.quota_service.add_port(big.id, device_owner="compute:nova")
    assert stack.quota_store is not None
    stack.quota_store.append_rows(
        FORM,
        [
            quota_row(
                timestamp="t1",
                email=f"pi.{s}@example.org",
                project=f"lab-{s}",  # another case than Keystone's
                instances="20",
                cores="40",
                ram="4",
                gigabytes="500",
            ),
            quota_row(timestamp="t2", project=f"nowhere-{s}", cores="8"),
            quota_row(
                timestamp="t3", email=f"pi.{s}@example.org", project=f"big-{s}", instances="200"
            ),
        ],
    )
    before = all_quotas(stack, project.id)
    config = ["--config", str(stack.settings_path)]

    # the dry run shows current -> requested -> applied and changes nothing
    assert main(["quota", *config, "--all", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "quota Instances: 10 -> 20" in out and "quota RAM (MB): 51200 -> 4096" in out
    assert "quota Ports: 155 -> not asked -> 206" in out
    assert f"there is no project named 'nowhere-{s}'" in out
    assert all_quotas(stack, project.id) == before and stack.mail.received == []

    assert main(["quota", *config, "--all", "--operator", "olga"]) == 1
    out = capsys.readouterr().out
    after = all_quotas(stack, project.id)
    changed = {k: v for k, v in after.items() if before[k] != v}
    assert changed == {"instances": 20, "cores": 40, "ram": 4096, "gigabytes": 500}
    # 200 instances + 1 port in use outside instances + 5 spare
    assert stack.quota_service.quotas("network", big.id)["port"] == 206
    assert "done" in out and "failed (project)" in out

    mails = stack.mail.wait_for(2)
    assert len({m.peer for m in mails}) == 1  # one SMTP connection for the run
    lab = next(m for m in mails if f"Lab-{s}" in str(m.message["Subject"]))
    assert lab.rcpt_tos == (f"pi.{s}@example.org", CC, f"bob.{s}@example.org")
    assert str(lab.message["Cc"]) == f"{CC}, bob.{s}@example.org"
    for quota, old, new in [("Instances", 10, 20), ("RAM (MB)", 51200, 4096)]:
        assert f"<td>{quota}</td><td>{old}</td><td>{new}</td>" in lab.text
    big_mail = next(m for m in mails if f"big-{s}" in str(m.message["Subject"]))
    assert "<td>Ports</td><td>155</td><td>206</td>" in big_mail.text

    tabs = stack.quota_tabs()
    assert [r[PROJECT_COLUMN] for r in tabs[FORM][1:]] == [f"nowhere-{s}"]
    assert [r[PROJECT_COLUMN] for r in tabs[QUOTA_DONE][1:]] == [f"lab-{s}", f"big-{s}"]
    journal = Journal(stack.settings.state_dir / "journal.sqlite3")
    [error] = journal.errors()
    assert error.operator == "olga" and error.step == "project" and error.row == 3
    assert "correct the project name in the sheet" in error.message

    # a second run: the unknown project still waits with its reason, nothing else happens
    stack.mail.clear()
    assert main(["quota", *config, "--project", f"NOWHERE-{s}"]) == 1
    assert f"there is no project named 'nowhere-{s}'" in capsys.readouterr().out
    assert stack.mail.received == [] and len(Journal(journal.path).errors()) == 1


def run_killed(stack: Stack, after_lines: int) -> int:
    """Run the CLI in its own process and SIGKILL it once it has printed `after_lines` lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "moc_tui", "quota", "--config", str(stack.settings_path), "--all"],
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


@pytest.mark.parametrize("after_lines", [1, 2, 3])
def test_a_killed_process_then_a_rerun(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, after_lines: int
) -> None:
    stack = make_stack([], quota_rows=[])
    s = stack.suffix
    projects = [
        keystone_admin.cleanup(
            keystone_admin.client.projects.create(name=f"p{n}-{s}", domain="default")
        )
        for n in range(3)
    ]
    assert stack.quota_store is not None
    stack.quota_store.append_rows(
        FORM,
        [
            quota_row(timestamp=f"t{n}", project=f"p{n}-{s}", cores=str(30 + n), volumes="12")
            for n in range(3)
        ],
    )
    assert run_killed(stack, after_lines) == -signal.SIGKILL
    assert main(["quota", "--config", str(stack.settings_path), "--all"]) == 0
    mails = stack.mail.wait_for(3)
    assert sorted(str(m.message["Subject"]) for m in mails) == [
        f"Quota change for your cloud project p{n}-{s}" for n in range(3)
    ]
    for n, project in enumerate(projects):
        assert stack.quota_service.quotas("compute", project.id)["cores"] == 30 + n
        [mail] = [m for m in mails if f"p{n}-{s}" in str(m.message["Subject"])]
        # the old value, even when the kill came after the change reached the cloud
        assert f"<td>Cores</td><td>20</td><td>{30 + n}</td>" in mail.text
    tabs = stack.quota_tabs()
    assert len(tabs[FORM]) == 1 and len(tabs[QUOTA_DONE]) == 4
