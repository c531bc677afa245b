"""A "New" row without a project name: the edit form offers the personal project in one key."""

from __future__ import annotations

from textual.widgets import Input

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.pending import PendingScreen
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import access_view


async def test_one_key_offers_the_emails_first_part_as_a_valid_project_name() -> None:
    rows = [
        access_view(
            2,
            "Pat+Lab@example.org",
            project="",
            problems=["no project named"],
            problem_fields=["project"],
        ),
        access_view(3, "joe@example.org", project="k2k", project_action="join"),
    ]
    fake = FakeBackend(rows)
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        box = app.screen.query_one("#f-project", Input)
        assert box.has_focus and box.value == ""
        await pilot.press("ctrl+l")
        assert box.value == "pat-lab"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        edits = [p for op, p in fake.calls if op == "edit_access_field"]
        assert [(p["field"], p["value"]) for p in edits] == [("new_project", "pat-lab")]

        # a row that joins a project is not offered one
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        box = app.screen.query_one("#f-project", Input)
        await pilot.press("ctrl+l")
        assert box.value == "k2k"
