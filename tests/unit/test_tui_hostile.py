"""Hostile names (security.md §7 #1-19) in the table, the edit modal and the plan: shown
literally (control characters as visible escapes), clicking them runs nothing, writes no file,
sends nothing to the terminal, and the app keeps running."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.widgets import Input, Static

from moc_tui.protocol.views import AccessView
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.requests_table import CELL_LIMIT, RequestsTable
from tests.fixtures.tui import FakeBackend, access_view, screen_is, wait_for

HOSTILE = [
    "[@click=app.screenshot('x.svg','{dir}')]Bob[/]",  # 1
    "[@click=app.quit]Alice[/]",  # 2
    "[@click=app.suspend_process]x[/]",
    "[/]",  # 3
    "[/b] x",
    "[/",
    "[TODO] Eve",  # 4
    "[0] Eve",
    "[$accent]Eve",
    "[link='https://evil.example']support[/link]",  # 5
    "Eve\x1b]2;PWNED\x07",  # 6
    "Eve\x1b]52;c;Y3VybCBldmlsfHNoCg==\x07",  # 7
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # 8
    "\x1b[2J\x1b[H",  # 9
    "\x1b[8mhidden",
    "\x1b[31mRED",
    "\x1b[?1049l",
    "\x1bP+q\x1b\\",
    "\x9b31mC1",  # 10
    "Bob\u202egnp.exe",  # 11
    "adm\u200bin",
    "\ufeffEve",
    "Eve\nApproved: yes",  # 12
    "Eve\rMallory",
    "<SETPASS_TOKEN_URL>",  # 13
    "<PROJECT>",
    "{0.__class__}",  # 14
    "{admin_pwd}",
    "%(admin_pwd)s",
    "%s%n",
    "x" * 50000,  # 15
    "[b]" * 5000 + "x",  # 16
    "",  # 17
    "   ",
    "\u00a0",
    "Eve\x00",  # 18
    "\ud800",
    "Z\u0335\u0336\u0337a\u0338lgo",  # 19
    "👩‍👩‍👧",
    "測試",
]


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


def segments_of(widget: Any, lines: int) -> list[Segment]:
    out: list[Segment] = []
    for y in range(lines):
        out += list(widget.render_line(y))
    return out


def assert_inert(segments: list[Segment]) -> None:
    """No escape or control character reaches the terminal; no link or click action rides along."""
    for segment in segments:
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in segment.text), segment
        style = segment.style
        if style is not None:
            assert not style.link
            assert "@click" not in repr(style.meta)


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
