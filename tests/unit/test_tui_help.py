"""`?` and `F1` in every screen and dialog list that screen's own keys (issue 17): no Textual
internals, Enter said as what it does there, aligned, titled in words, `q Quit` in sight at
80x24; the footer under a dialog shows the dialog's keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.activation import NotActivatedScreen
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.help import HelpScreen
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.trail import TrailModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import quota_view, sample_requests

INTERNALS = ("Copy selected text", "Cursor left", "Focus Next", "Focus Previous", "enter  Select")
Open = Callable[[Pilot[Any]], Awaitable[None]]


def fake() -> FakeBackend:
    return FakeBackend(sample_requests(), quota=[quota_view(2, "pi@example.org", "k2k", cores=40)])


def opener(*keys: str, kind: type[Screen[Any]]) -> Open:
    async def open_it(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await wait_for(pilot, lambda: screen_is(pilot.app, kind))

    return open_it


async def fill_reset(pilot: Pilot[Any]) -> None:
    await opener("x", kind=ResetModal)(pilot)
    await pilot.press(*"alice@example.org", "enter", *"7K3QX-9W2HD", "enter")
    await wait_for(pilot, lambda: screen_is(pilot.app, ConfirmModal))


# (how to get there, the help key that works there, its title, a key it lists, one it must not)
SCREENS = {
    "pending": (opener(kind=PendingScreen), "question_mark", "Access requests", "Provision", ""),
    "plan": (opener("space", "p", kind=PlanModal), "question_mark", "Plan", "Yes, go", "Edit"),
    "edit": (opener("e", kind=EditModal), "f1", "Edit", "Save", "Provision"),
    "reset": (opener("x", kind=ResetModal), "f1", "Reset a password", "Matching users", "Edit"),
    "confirm": (fill_reset, "question_mark", "Confirm", "Yes", "Matching users"),
    "trail": (opener("t", kind=TrailModal), "question_mark", "Audit trail", "Close", "Edit"),
    "quota": (opener("Q", kind=QuotaScreen), "question_mark", "Quota change requests",
              "Apply quotas", "Reset pw"),
    "errors": (opener("E", kind=ErrorsScreen), "question_mark", "Errors log", "Acknowledge",
               "Provision"),
    "not activated": (opener("N", kind=NotActivatedScreen), "f1", "Users who never activated",
                      "Audit trail", "Provision"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCREENS))
async def test_help_lists_the_keys_of_the_screen_in_front(name: str) -> None:
    go, key, title, listed, foreign = SCREENS[name]
    app = HelpdeskTui("alice", fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await go(pilot)
        under = app.screen
        await pilot.press(key)
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        help_screen = app.screen
        assert str(help_screen.query_one(".title", Static).render()) == f"Keys — {title}"
        keys = str(help_screen.query_one("#help-keys", Static).render())
        assert listed in keys
        assert not foreign or foreign not in keys
        assert not any(internal in keys for internal in INTERNALS), keys
        lines = keys.splitlines()
        # aligned: every description starts in the same column, whatever the key names
        starts = {len(line) - len(line.lstrip()) + line.strip().index("  ") for line in lines}
        assert len(starts) == 1, lines
        # the way out is the first line, in sight at 80x24
        assert lines[0].split("  ")[-1] in ("Quit", "Cancel", "Close", "Back"), lines[0]
        body = help_screen.query_one("#help-body")
        assert body.region.height > 0 and body.scroll_y == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is under)


async def test_the_main_help_says_what_enter_does_and_shows_quit_at_80x24() -> None:
    app = HelpdeskTui("alice", fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        keys = str(app.screen.query_one("#help-keys", Static).render())
        assert "Enter  Edit the request under the cursor" in keys
        assert keys.splitlines()[0].endswith("q, ctrl+q  Quit")
        assert "enter  Select" not in keys and "tab  Focus Next" not in keys


async def test_keys_bound_together_are_listed_together() -> None:
    app = HelpdeskTui("alice", fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await opener("space", "p", kind=PlanModal)(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        keys = str(app.screen.query_one("#help-keys", Static).render())
        assert "↓, j  Scroll down" in keys and "End, G  End of the plan" in keys


@pytest.mark.parametrize("name", ["plan", "edit", "reset", "trail"])
async def test_the_footer_under_a_dialog_shows_the_dialog_keys(name: str) -> None:
    go, _key, _title, _listed, foreign = SCREENS[name]
    app = HelpdeskTui("alice", fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await go(pilot)
        dialog = app.screen
        footer = dialog.query_one(Footer)
        await wait_for(pilot, lambda: bool(footer.query(FooterKey)))
        shown = [str(k.description) for k in footer.query(FooterKey)]
        assert "Help" in shown and foreign not in shown
        assert footer.region.bottom == 24  # over the main screen's footer
        if name == "plan":
            assert "Yes, go" in shown


async def test_the_help_has_its_own_footer_and_closes_with_its_keys() -> None:
    app = HelpdeskTui("alice", fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        screen = app.screen
        for close in ("escape", "question_mark", "f1", "q"):
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: screen_is(app, HelpScreen))
            footer = app.screen.query_one(Footer)
            await wait_for(pilot, lambda f=footer: bool(f.query(FooterKey)))  # type: ignore[misc]
            assert [str(k.description) for k in footer.query(FooterKey)] == ["Close"]
            await pilot.press(close)
            await wait_for(pilot, lambda: app.screen is screen)


async def test_help_lists_every_key_of_the_current_screen() -> None:
    backend = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: backend)
    async with app.run_test() as pilot:
        await loaded(pilot)
        screen = app.screen
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        keys = str(app.screen.query_one("#help-keys", Static).render())
        for binding in screen.BINDINGS:
            assert not isinstance(binding, tuple)
            assert binding.description in keys
        assert "Select all visible" in keys and "Audit trail" in keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_the_demo_note_stays_reachable_in_the_help() -> None:
    note = "  setpass:   http://127.0.0.1:5555/\n  mail:      /tmp/demo/mail (a Maildir)"
    app = HelpdeskTui("alice", lambda: FakeBackend(sample_requests()), note=note)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        shown = str(app.screen.query_one("#help-note", Static).render())
        assert "http://127.0.0.1:5555/" in shown and "/tmp/demo/mail" in shown
