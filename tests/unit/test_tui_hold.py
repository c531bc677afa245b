"""Hold, deny and release in the TUI (Pilot, the fixture fake that mirrors the backend): the reason
is asked in a dialog, the row shows `⏸ held: reason`, leaves the pending count and cannot be
selected until `u` releases it; Esc in the dialog writes nothing."""

from __future__ import annotations

from textual.widgets import Static

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.hold import ReasonModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.widgets.requests_table import DENIED, HELD, status_cell
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, text_of, wait_for
from tests.fixtures.tui_views import sample_requests


def notified(app: HelpdeskTui, message: str) -> bool:
    return any(n.message == message for n in app._notifications)


async def test_hold_with_a_reason_then_release() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        total = len(table.states)
        await wait_for(pilot, lambda: f"pending rows: {total}" in text_of(app, "#counts"))
        first = table.states[0]
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_is(app, ReasonModal))
        assert "Hold row 2: why?" in str(app.screen.query_one(".title", Static).render())
        await pilot.press(*"blank role", "enter")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await wait_for(pilot, lambda: table.states[0].status == HELD)
        held = table.states[0]
        assert held.reason == "blank role" and held.key == first.key
        assert status_cell(held).plain.startswith("⏸ held: ")
        counts = text_of(app, "#counts")
        assert f"pending rows: {total - 1}" in counts and "1 held" in counts
        assert "row 2: blank role" in text_of(app, "#detail")
        # a held row cannot be selected, so it cannot be provisioned
        await pilot.press("space")  # (space moves the cursor down, as in htop)
        assert held.key not in table.selected
        await pilot.press("up")
        [call] = [params for op, params in fake.calls if op == "hold_access"]
        assert call["kind"] == "held" and call["reason"] == "blank role"
        assert call["fingerprint"] == first.view["fingerprint"]
        await pilot.press("u")
        await wait_for(pilot, lambda: table.states[0].status not in (HELD, DENIED))
        assert f"pending rows: {total}" in text_of(app, "#counts")
        assert "release_access" in fake.ops()


async def test_deny_and_an_escaped_dialog_writes_nothing() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        table = await loaded(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: screen_is(app, ReasonModal))
        await pilot.press(*"bad PIN", "escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        assert "hold_access" not in fake.ops()
        await pilot.press("D")
        await wait_for(pilot, lambda: screen_is(app, ReasonModal))
        await pilot.press("enter")  # no reason: the dialog stays
        assert screen_is(app, ReasonModal) and "hold_access" not in fake.ops()
        await pilot.press(*"bad PIN", "enter")
        await wait_for(pilot, lambda: table.states[0].status == DENIED)
        assert status_cell(table.states[0]).plain.startswith("✗ denied")
        await pilot.press("down", "u")  # a row that is not held: refused before any call
        await wait_for(pilot, lambda: notified(app, "Only a held or denied row can be released."))
        assert "release_access" not in fake.ops()


async def test_a_hold_the_backend_refuses_says_why() -> None:
    fake = FakeBackend(sample_requests())
    fake.note_column = False
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("h", *"blank role", "enter")
        await wait_for(pilot, lambda: "[access_columns] helpdesk_note" in text_of(app, "#detail"))
        assert table.states[0].status != HELD
