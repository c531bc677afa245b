"""The TUI against the real backend child process on the whole stack (Keystone, setpass, SMTP,
the Sheets fake): Pilot in-process, and the dev entry in a real terminal under tmux."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from moc_tui.protocol.client import BackendClient, dev_command
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.reset import ResetModal
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.fixtures.terminal import Terminal
from tests.fixtures.tui_pilot import screen_is, wait_for
from tests.reset_form import file_reset_form
from tests.sample_rows import access_row, quota_row
from tests.tab_names import ACCESS_DONE, FORM
from tests.waiting import wait_for_value

pytestmark = pytest.mark.keystone
PIN = "4711"


async def test_fix_then_provision_against_the_real_backend(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(
        FORM,
        [
            access_row(email=f"una.{s}@example.org", new_project="admin", pin=PIN),
            access_row(email=f"vic.{s}@example.org", new_project=f"v-{s}", timestamp="t2"),
        ],
    )
    app = HelpdeskTui("alice", lambda: BackendClient(dev_command(stack.settings_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen), 60)
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 2, 60)
        header = str(screen.query_one("#header", Static).render())
        assert "127.0.0.1" in header and FORM in header and "alice" in header
        # row 2 asks for a reserved project name: fix it in the edit modal
        await pilot.press("g", "e")
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        modal = app.screen
        assert isinstance(modal, EditModal)
        modal.query_one("#f-project", Input).value = f"u-{s}"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, 60)
        await wait_for(pilot, lambda: "2 ready" in str(screen.query_one("#counts").render()), 60)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal), 60)
        plan = str(app.screen.query_one("#plan-text", Static).render())
        assert f"create project 'u-{s}'" in plan and "2 of 2 requests" in plan
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen), 60)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running, 120)
        assert [st.status for st in progress.states.values()] == ["done", "done"], [
            st.reason for st in progress.states.values()
        ]
        await pilot.press("escape")
        await wait_for(pilot, lambda: "2 done" in str(screen.query_one("#counts").render()), 60)
    assert [r[4] for r in stack.tabs()[ACCESS_DONE][1:]] == [
        f"una.{s}@example.org",
        f"vic.{s}@example.org",
    ]
    assert keystone_admin.client.users.list(name=f"una.{s}@example.org")
    assert keystone_admin.client.projects.list(name=f"u-{s}")
    mails = stack.mail.wait_for(4)
    assert any("token=" in m.text for m in mails)
    stack.remove_cloud_objects(keystone_admin)


# -- a real terminal: the dev entry under tmux (tests/fixtures/terminal.py) ----------------------


@pytest.mark.e2e
def test_provision_one_request_in_a_real_terminal(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, terminal: Terminal, tmp_path: Path
) -> None:
    stack = make_stack([])
    s = stack.suffix
    email = f"wes.{s}@example.org"
    stack.store.append_rows(
        FORM,
        [
            access_row(email=email, new_project=f"w-{s}", pin=PIN),
            # a hostile name on screen: its OSC 2 payload must not retitle the pane
            access_row(
                email=f"eve.{s}@example.org",
                first_name="Eve\x1b]2;PWNED\x07",
                new_project=f"e-{s}",
                timestamp="t2",
            ),
        ],
    )
    command = " ".join(
        shlex.quote(part)
        for part in [
            sys.executable,
            "-I",
            "-m",
            "moc_tui.tui",
            "--config",
            str(stack.settings_path),
            "--operator",
            "alice",
        ]
    )
    exit_file = tmp_path / "tui-exit-status"
    terminal.tmux(
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "100",
        "-y",
        "30",
        # the shell records the exit status itself: tmux 3.3 now and then misses the SIGCHLD
        # of its pane's process, leaving it a zombie that never reads as dead
        f"cd {shlex.quote(str(tmp_path))} && TERM=xterm-256color {command}; "
        f"echo $? > {shlex.quote(str(exit_file))}",
    )
    terminal.tmux("set-option", "-t", "tui", "remain-on-exit", "on")
    title_before = terminal.tmux("display-message", "-p", "-t", "tui", "#{pane_title}")
    screen = terminal.wait_for(lambda text: "1 ready · 1 problem" in text)
    assert f"wes.{s}@exampl" in screen and "Eve\\x1b]2;PWN" in screen
    terminal.keys("g", "Space", "p")
    terminal.wait_for(lambda text: "Provision 1 (y)" in text)
    terminal.keys("y")
    screen = terminal.wait_for(lambda text: "finished:" in text, 180)
    assert "1 done" in screen, screen
    terminal.keys("Escape")
    terminal.wait_for(lambda text: "1 problem · 1 done" in text)
    assert terminal.tmux("display-message", "-p", "-t", "tui", "#{pane_title}") == title_before
    assert "PWNED" not in title_before
    terminal.keys("q")
    status = wait_for_value(
        lambda: exit_file.read_text().strip() or None if exit_file.exists() else None,
        60,
        "the TUI to exit",
    )
    assert status == "0"
    assert not re.search(
        r"Traceback|Error", terminal.tmux("capture-pane", "-p", "-t", "tui", "-S", "-")
    )
    assert [r[4] for r in stack.tabs()[ACCESS_DONE][1:]] == [email]
    [user] = keystone_admin.client.users.list(name=email)
    assert user.name == email
    mails = stack.mail.wait_for(2)
    assert any("token=" in m.text and email in m.rcpt_tos for m in mails)
    assert not list(tmp_path.glob("*.svg"))
    stack.remove_cloud_objects(keystone_admin)


async def test_quota_and_reset_against_the_real_backend(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([], quota_rows=[])
    s = stack.suffix
    project = keystone_admin.cleanup(
        keystone_admin.client.projects.create(name=f"q-{s}", domain="default")
    )
    keystone_admin.cleanup(
        keystone_admin.client.users.create(
            name=f"dora.{s}@example.org",
            domain="default",
            email=f"dora.{s}@mail.example.org",
            password="Old-Passw0rd-x",
        )
    )
    assert stack.quota_store is not None
    stack.quota_store.append_rows(
        FORM,
        [quota_row(email=f"pi.{s}@example.org", project=f"q-{s}", cores="40", timestamp="t1")],
    )
    reference = file_reset_form(stack, f"dora.{s}@example.org", PIN)
    app = HelpdeskTui("alice", lambda: BackendClient(dev_command(stack.settings_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen), 60)
        await wait_for(
            pilot, lambda: "pending rows: 0" in str(app.screen.query_one("#counts").render())
        )
        await pilot.press("Q")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, QuotaScreen) and app.screen.table.row_count == 1,
            60,
        )
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal), 60)
        plan = str(app.screen.query_one("#plan-text", Static).render())
        assert re.search(r"cores: \S+ -> 40 -> 40", plan), plan
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen), 60)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running, 120)
        assert [st.status for st in progress.states.values()] == ["done"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, QuotaScreen))
        await pilot.press("escape", "x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        modal = app.screen
        await pilot.press(*f"Dora.{s}@example.org", "enter", *reference, "enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        outcome = modal.query_one("#reset-outcome", Static)
        await wait_for(pilot, lambda: "mailed to" in str(outcome.render()), 60)
        assert f"dora.{s}@mail.example.org" in str(outcome.render())
        assert modal.query_one("#reference", Input).value == ""
    assert stack.quota_service.quotas("compute", project.id)["cores"] == 40
    mails = stack.mail.wait_for(3)  # the reset ticket, the quota mail, the reset link
    assert any("token=" in m.text for m in mails)
