"""Notices never cover the lines an operator reads: "Saved to the sheet." leaves the counts,
detail and footer lines visible (issue 17)."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from textual.widgets._toast import Toast

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.pending import PendingScreen
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import sample_requests


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_saved_to_the_sheet_leaves_the_counts_line_visible(size: tuple[int, int]) -> None:
    app = HelpdeskTui("alice", lambda: FakeBackend(sample_requests()))
    async with app.run_test(size=size, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "enter")  # carol: project missing
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        app.screen.query_one("#f-project", Input).value = "carol-lab"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        [toast] = app.screen.query(Toast)
        assert "Saved to the sheet." in str(toast.render())
        for line in ("#counts", "#detail", "Footer"):
            region = app.screen.query_one(line).region
            assert not toast.region.overlaps(region), (line, toast.region, region)
