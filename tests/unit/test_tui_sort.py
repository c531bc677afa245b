"""Sort by any column, range select and space that moves down (issue 17; htop F6, k9s
Shift+column, lazygit `v`, htop space). The keys are in the help."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.help import HelpScreen
from moc_tui.tui.sorting import SHEET_ORDER, natural_key, next_column, sorted_by
from moc_tui.tui.widgets.requests_table import RequestsTable
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import access_view


def test_natural_order_and_the_column_cycle() -> None:
    values = ["lab10", "Lab2", "lab1", "bob"]
    assert sorted(values, key=natural_key) == ["bob", "lab1", "Lab2", "lab10"]
    assert sorted_by(values, str, reverse=True) == ["lab10", "Lab2", "lab1", "bob"]
    assert sorted_by(["b", "a", "b"], lambda v: v[0], reverse=True) == ["b", "b", "a"]
    columns = ["status", "row", "email"]
    assert next_column(columns, SHEET_ORDER) == "status"
    assert next_column(columns, "row") == "email"
    assert next_column(columns, "email") == SHEET_ORDER


def rows() -> list[Any]:
    return [
        access_view(2, "zoe@example.org", first_name="Zoe", project="lab10"),
        access_view(3, "amy@example.org", first_name="Amy", project="lab2"),
        access_view(10, "mia@example.org", first_name="Mia", project="", problems=["no project"]),
        access_view(11, "bea@example.org", first_name="Bea", project="lab1"),
        access_view(12, "eve@example.org", first_name="Eve", project="lab3"),
    ]


def emails(table: RequestsTable) -> list[str]:
    return [table.state(k).view["email"].split("@")[0] for k in table.shown_keys()]


def counts(app: HelpdeskTui) -> str:
    return str(app.screen.query_one("#counts", Static).render())


async def test_s_cycles_the_sort_column_and_S_reverses_it() -> None:
    fake = FakeBackend(rows())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("j")  # the cursor on amy: it stays on her through the sorts
        await pilot.press("s")  # Status
        assert emails(table)[0] == "mia"  # "problem" before "ready"
        assert "sorted by Status ▲" in counts(app)
        await pilot.press("s")  # Row, by its number (10 after 3)
        assert emails(table) == ["zoe", "amy", "mia", "bea", "eve"]
        await pilot.press("s", "S")  # Email, reversed
        assert emails(table) == ["zoe", "mia", "eve", "bea", "amy"]
        assert "sorted by Email ▼" in counts(app)
        assert "Email ▼" in str(next(c.label for c in table.columns.values() if c.key == "email"))
        await pilot.press("s", "s")  # Name, then Project
        assert emails(table) == ["mia", "bea", "amy", "eve", "zoe"]  # "" lab1 lab2 lab3 lab10
        assert table.cursor_state() is not None
        assert table.cursor_state().view["email"] == "amy@example.org"  # type: ignore[union-attr]
        await pilot.press("s")  # back to the sheet's order
        assert emails(table) == ["zoe", "amy", "mia", "bea", "eve"]
        assert "sorted" not in counts(app)
        await pilot.press("slash", *"lab", "enter", "s", "s", "S")  # a sort keeps the filter
        assert emails(table) == ["eve", "bea", "amy", "zoe"]


async def test_space_selects_and_moves_down() -> None:
    fake = FakeBackend(rows())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("space", "space")
        assert emails(table)[table.cursor_row] == "mia"
        assert sorted(table.state(k).view["row"] for k in table.selected) == [2, 3]
        await pilot.press("space")  # mia has a problem: refused, and the cursor still moves on
        assert emails(table)[table.cursor_row] == "bea" and len(table.selected) == 2


async def test_v_selects_a_range_of_ready_rows() -> None:
    fake = FakeBackend(rows())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("j", "v", "j", "j")  # from amy to bea
        assert len(table.in_range) == 3 and "range: 3 rows" in counts(app)
        assert not table.selected
        await pilot.press("v")
        selected = sorted(table.state(k).view["email"][:3] for k in table.selected)
        assert selected == ["amy", "bea"]  # mia, in between, has a problem
        assert not table.in_range and "range" not in counts(app)
        await pilot.press("G", "v", "k", "space")  # space also takes the range
        assert len(table.selected) == 3
        await pilot.press("v", "k", "escape")  # Esc drops a range, selecting nothing
        assert not table.in_range and len(table.selected) == 3


async def test_the_new_keys_are_in_the_help() -> None:
    fake = FakeBackend(rows())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = dict(help_screen.rows)
        assert described["s"] == "Sort by the next column"
        assert described["S"] == "Reverse the sort"
        assert described["v"] == "Select a range"
