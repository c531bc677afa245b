"""The progress table follows the terminal (issue 17): the last steps (the set-password and
new-project mails) show at 80 columns, a wider terminal gives the steps column the room, the
detail line wraps a whole failure reason, and after a cancel the notice counts the rows not
sent and says `r` resumes them."""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from moc_tui.core.step_names import step_label
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen, last_steps
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_batch import STEPS
from tests.fixtures.tui_pilot import loaded, screen_is, start_provisioning, wait_for
from tests.fixtures.tui_views import sample_requests

LONG_REASON = (
    "setpass at http://127.0.0.1:8000: connected, but no answer within 10 s (3 attempts);"
    " the registration is kept in the journal and a retry resumes at this step, after the"
    " user account and the project role, which are done"
)


def steps_cell(progress: ProgressScreen, key: str) -> str:
    value = progress.query_one("#rows", DataTable).get_cell(key, "steps")
    assert isinstance(value, Text)
    return value.plain


def shown_width(progress: ProgressScreen, column: str) -> int:
    table = progress.query_one("#rows", DataTable)
    return next(c.width for c in table.columns.values() if c.key.value == column)


def test_last_steps_keeps_the_latest_and_marks_the_cut() -> None:
    steps = ["project", "user account", "project role", "set-password registration", "x mail"]
    assert last_steps(steps, 200) == " › ".join(steps)
    cut = last_steps(steps, 40)
    assert cut == "… › set-password registration › x mail", cut
    assert len(cut) <= 40


async def provision_everything(pilot: Pilot[Any], app: HelpdeskTui) -> ProgressScreen:
    progress: ProgressScreen = await start_provisioning(pilot)
    await wait_for(pilot, lambda: not progress.running)
    return progress


async def test_the_last_steps_show_at_80_columns_and_the_steps_take_a_wide_terminal() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    alice = sample_requests()[0]["request_key"]
    async with app.run_test(size=(80, 24)) as pilot:
        progress = await provision_everything(pilot, app)
        shown = steps_cell(progress, alice)
        assert shown.endswith(step_label(STEPS[-1])), shown  # the new-project mail
        assert shown.startswith("… › "), shown
        assert shown_width(progress, "email") == len("alice@example.org")  # the domain shows
        at_80 = shown_width(progress, "steps")
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: shown_width(progress, "steps") == at_80 + 20)
        shown = steps_cell(progress, alice)
        assert shown.endswith(f"{step_label(STEPS[-2])} › {step_label(STEPS[-1])}"), shown


async def test_the_detail_line_wraps_the_whole_failure_reason() -> None:
    fake = FakeBackend(sample_requests()[:1], fail={"alice@example.org": ("setpass", LONG_REASON)})
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        progress = await provision_everything(pilot, app)
        detail = progress.query_one("#progress-detail", Static)
        await wait_for(pilot, lambda: detail.size.height > 1)
        assert LONG_REASON in str(detail.render()).replace("\n", " ")
        assert "set-password registration failed: s" in steps_cell(
            progress, sample_requests()[0]["request_key"]
        )


async def test_after_a_cancel_the_notice_counts_not_sent_and_says_r_resumes() -> None:
    fake = FakeBackend(sample_requests())
    fake.gate = threading.Event()
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.started.is_set())
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await pilot.press("c")
        await wait_for(pilot, lambda: fake.cancel_marked)
        fake.gate.set()
        await wait_for(pilot, lambda: not progress.running)
        notices = [n.message for n in app._notifications]
        assert "0 done, 0 failed, 1 stopped, 2 not sent — press r to resume them" in notices


async def test_the_step_in_hand_is_named_while_it_runs() -> None:
    """A row waiting inside a step (40 s of setpass retries) says which: `now: …` after the
    steps done, from the backend's `step_started` event; gone once the step is done."""
    fake = FakeBackend(sample_requests()[:1])
    fake.gate, fake.hold_in = threading.Event(), "setpass"
    app = HelpdeskTui("alice", lambda: fake)
    alice = sample_requests()[0]["request_key"]
    async with app.run_test(size=(100, 30)) as pilot:
        progress: ProgressScreen = await start_provisioning(pilot)
        now = f"now: {step_label('setpass')}"
        await wait_for(pilot, lambda: steps_cell(progress, alice).endswith(now))
        assert step_label("member") in steps_cell(progress, alice)
        fake.gate.set()
        await wait_for(pilot, lambda: not progress.running)
        assert "now:" not in steps_cell(progress, alice)
