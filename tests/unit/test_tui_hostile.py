"""Hostile names (security.md §7 #1-19) in the table, the edit modal and the plan: shown
literally (control characters as visible escapes), clicking them runs nothing, writes no file,
sends nothing to the terminal, and the app keeps running."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from moc_tui.protocol.views import AccessView
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.requests_table import CELL_LIMIT, RequestsTable
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import screen_is, wait_for
from tests.fixtures.tui_views import access_view
from tests.hostile_values import HOSTILE
from tests.rendered_segments import assert_inert, segments_of


def hostile_rows(directory: Path) -> list[AccessView]:
    rows = []
    for index, raw in enumerate(HOSTILE):
        value = raw.replace("{dir}", str(directory))
        rows.append(
            access_view(
                index + 2,
                f"user{index}@example.org",
                first_name=value,
                last_name=value[:100],
                project=value,
                description=value,
            )
        )
    return rows


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


async def test_hostile_names_render_literally_and_do_nothing(home: Path) -> None:
    target = home / "hd"
    target.mkdir()
    fake = FakeBackend(hostile_rows(target))
    app = HelpdeskTui("alice", lambda: fake)
    started = time.monotonic()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        table = app.screen.query_one(RequestsTable)
        await wait_for(pilot, lambda: table.row_count == len(HOSTILE))
        assert time.monotonic() - started < 20  # 50,000-character and nested-markup cells included
        for index, raw in enumerate(HOSTILE):
            value = raw.replace("{dir}", str(target))
            name_cell = table.get_row_at(index)[4]
            assert name_cell.plain == plain(f"{value} {value[:100]}".strip(), CELL_LIMIT)
        # click every name cell, including the action-link payloads at the top
        for y in range(1, 12):
            await pilot.click(RequestsTable, offset=(48, y))
        await pilot.pause()
        assert_inert(segments_of(table, 28))
        # the edit modal shows the full value literally, escapes visible
        await pilot.press("g", "e")
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        first = app.screen.query_one("#f-first_name", Input)
        assert first.value == HOSTILE[0].replace("{dir}", str(target))
        for _ in range(10):  # row 11: the terminal-title payload, escapes visible in the Input
            await pilot.press("escape", "j", "e")
            await wait_for(pilot, lambda: screen_is(app, EditModal))
        title = app.screen.query_one("#f-first_name", Input).value
        assert title == "Eve\\x1b]2;PWNED\\x07"
        await pilot.click("#f-first_name")
        assert_inert(segments_of(app.screen, 30))
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        # the plan of hostile rows: literal and inert
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        plan = str(app.screen.query_one("#plan-text", Static).render())
        assert "Eve\\x1b]2;PWNED\\x07" in plan and "[@click=app.quit]Alice[/]" in plan
        assert_inert(segments_of(app.screen, 30))
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("ctrl+p")  # no command palette (and so no Screenshot command)
        await pilot.pause()
        assert isinstance(app.screen, PendingScreen)
        assert app.is_running
    assert not list(home.rglob("*.svg")), "a screenshot was written"
    assert not any(target.iterdir())


async def test_closed_doors(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = home / "browser-ran"
    monkeypatch.setenv("BROWSER", f"touch {marker}")
    app = HelpdeskTui("alice", lambda: FakeBackend([]))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.open_url("https://evil.example")
        app.action_screenshot("x.svg", str(home))
        with pytest.raises(PermissionError):
            app.save_screenshot("y.svg", str(home))
        assert app.deliver_binary(home / "z") is None
        assert app.deliver_text(home / "t") is None
        app.action_suspend_process()
        await pilot.press("ctrl+z", "ctrl+p")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, PendingScreen)
    assert not marker.exists()
    assert not list(home.rglob("*.svg"))
