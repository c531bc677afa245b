"""The session log (issue 17, lazygit's command log): `L` shows what this operator did in this
session with outcomes: provisioning (done and failed rows with the reason), edits, resets and
acknowledgements; never a read, never a reset reference."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from textual.widgets import Input

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.session_log import SessionLogModal
from moc_tui.tui.session_log import SessionLog
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import error_record, sample_requests

REFERENCE = "7K3QX-9W2HD"


def test_the_log_keeps_changes_with_outcomes_and_no_reads() -> None:
    log = SessionLog(clock=lambda: datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    rows = {"rows": [{"row": 2, "fingerprint": "f"}, {"row": 3, "fingerprint": "g"}]}
    log.record("list_access", {}, {"requests": []}, "")
    log.record("plan_access", rows, {"plans": []}, "")
    failure = {"row": 3, "email": "b", "step": "user", "message": "Keystone said no"}
    reply = {"done": [2], "cancelled": [], "failed": [failure]}
    log.record("provision", rows, reply, "")
    log.record("reset_password", {"username": "u", "reference": REFERENCE}, None, "refused: x")
    lines = [e.line() for e in log.entries()]
    assert len(lines) == 2, lines
    assert lines[0].endswith("✗ provision rows 2, 3: 1 done, 1 failed (row 3: Keystone said no)")
    assert lines[1].endswith("✗ reset the password of u: refused: x")
    assert all(REFERENCE not in line for line in lines)


def log_text(app: HelpdeskTui) -> str:
    screen = app.screen
    assert isinstance(screen, SessionLogModal)
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(screen.body())
    return console.export_text()


async def test_L_lists_this_sessions_changes_with_outcomes() -> None:
    fake = FakeBackend(
        sample_requests(),
        errors=[error_record(7, "dave@example.org", "SMTP 451")],
        fail={"bob@example.org": ("user", "Keystone refused: conflict on user")},
    )
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("L")
        await wait_for(pilot, lambda: screen_is(app, SessionLogModal))
        assert "nothing yet" in log_text(app)
        await pilot.press("escape", "space", "space", "p")  # alice and bob
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("slash", *"dave", "enter", "e")  # dave: a new project name
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        box = app.screen.query_one("#f-project", Input)
        box.value = "dwarf-lab"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("escape")  # the filter off
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        errors = app.screen
        assert isinstance(errors, ErrorsScreen)
        await wait_for(pilot, lambda: errors.table.row_count == 1)
        await pilot.press("a")
        await wait_for(pilot, lambda: errors.table.row_count == 0)
        await pilot.press("escape", "x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        await pilot.press(*"alice@example.org", "enter", *REFERENCE, "enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.link.session_log.entries()) == 4)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("L")
        await wait_for(pilot, lambda: screen_is(app, SessionLogModal))
        text = log_text(app)
        assert "✗ provision rows 2, 3: 1 done, 1 failed (row 3: Keystone refused" in text
        assert "✓ edit row 4: new project -> dwarf-lab: saved to the sheet" in text
        assert "✓ acknowledge error 7: acknowledged" in text
        assert "✓ reset the password of alice@example.org: link mailed to alice@" in text
        assert REFERENCE not in text and "list_access" not in text and "plan" not in text
