"""The requests table's own behaviour: columns follow the terminal's width in place, the filter
leaves the rows alone when they do not change, and a reload shows the values as re-read."""

from __future__ import annotations

from rich.text import Text

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.widgets.requests_table import RequestsTable
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, wait_for
from tests.fixtures.tui_views import access_view

LONG_EMAIL = "a.very.long.address.for.a.narrow.column@department.example.org"


def shown(table: RequestsTable, row: int, column: str) -> str:
    """The text the table renders in a cell (cropped to the column's width)."""
    value = table.get_cell(table.ordered_rows[row].key, column)
    assert isinstance(value, Text)
    width = table.columns[next(k for k in table.columns if k.value == column)].width
    return value.plain if len(value.plain) <= width else value.plain[: width - 1] + "…"


def email_width(table: RequestsTable) -> int:
    return next(c.width for k, c in table.columns.items() if k.value == "email")


async def test_a_wider_terminal_widens_the_columns_without_reloading_rows() -> None:
    fake = FakeBackend([access_view(2, LONG_EMAIL), access_view(3, "bob@example.org")])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await loaded(pilot)
        narrow = email_width(table)
        assert narrow < len(LONG_EMAIL)
        first_row = table.ordered_rows[0]
        await pilot.resize_terminal(200, 30)
        await wait_for(pilot, lambda: email_width(table) > narrow)
        assert email_width(table) >= len(LONG_EMAIL)
        assert table.ordered_rows[0] is first_row  # the same row objects: laid out in place
        assert table.virtual_size.width == sum(
            c.get_render_width(table) for c in table.columns.values()
        )
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: email_width(table) == narrow)


async def test_a_filter_keystroke_that_keeps_the_same_rows_does_not_rebuild_them() -> None:
    views = [access_view(n, f"user{n}@example.org") for n in range(2, 40)]
    fake = FakeBackend(views)
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        before = list(table.ordered_rows)
        await pilot.press("slash", "e", "x")  # every address has "ex"
        await wait_for(pilot, lambda: table.filter_text == "ex")
        assert table.ordered_rows == before and table.ordered_rows[0] is before[0]
        await pilot.press("a", "m", "p", "l", "e", ".", "o", "r", "g", "backspace")
        await wait_for(pilot, lambda: table.filter_text == "example.or")
        assert table.ordered_rows[0] is before[0]
        await pilot.press("escape")
        await pilot.press("slash", *"user3")
        await wait_for(pilot, lambda: table.row_count == 11)  # user3, user30..user39


async def test_a_reload_shows_the_values_as_re_read() -> None:
    fake = FakeBackend([access_view(2, "carol@example.org", project="old-name")])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        assert shown(table, 0, "project") == "old-name"
        fake.requests = [access_view(2, "carol@example.org", project="new-name")]
        await pilot.press("R")
        await wait_for(pilot, lambda: shown(table, 0, "project") == "new-name")


async def test_the_filter_shows_and_hides_the_same_rows_without_building_them_again() -> None:
    views = [access_view(n, f"user{n}@example.org") for n in range(2, 40)]
    app = HelpdeskTui("alice", lambda: FakeBackend(views))
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        before = list(table.ordered_rows)
        await pilot.press("slash", *"user3")
        await wait_for(pilot, lambda: table.row_count == 11)
        assert all(row in before for row in table.ordered_rows)
        await pilot.press("enter", "a")  # keep the filter, select every visible row
        await wait_for(pilot, lambda: len(table.selected) == 11)
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == len(views))
        assert all(a is b for a, b in zip(table.ordered_rows, before, strict=True))
        marks = [str(table.get_cell(row.key, "sel")) for row in table.ordered_rows]
        assert marks.count("✓") == 11  # the marks of rows hidden while selected are kept
        await pilot.press("U")
        marks = [str(table.get_cell(row.key, "sel")) for row in table.ordered_rows]
        assert marks.count("✓") == 0


async def test_the_filter_searches_only_what_the_operator_sees() -> None:
    hidden = access_view(2, "carol@example.org", organization="Zebra Institute")
    views = [hidden, access_view(3, "dave@example.org")]
    app = HelpdeskTui("alice", lambda: FakeBackend(views))
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("slash")
        for needle in ("zebra", hidden["fingerprint"][:10], hidden["request_key"][-10:]):
            table.filter_text = needle
            table.refresh_rows(force=False)
            assert table.row_count == 0, needle
        for needle, rows in (("carol", 1), ("liddell", 2), ("wonderland", 2), ("ready", 2)):
            table.filter_text = needle
            table.refresh_rows(force=False)
            assert table.row_count == rows, needle
