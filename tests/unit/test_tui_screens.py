"""Each list says which list it is, and its numbers do not mislead (issue 17): the quota
screen has its own header, counts and `esc` in the footer; after a run a done row does not
show the row number a ready row now has."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.quota import QuotaScreen
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, text_of, wait_for
from tests.fixtures.tui_views import quota_view, sample_requests
from tests.tab_names import ACCESS_DONE, FORM


async def test_the_quota_screen_says_it_is_the_quota_list() -> None:
    fake = FakeBackend(sample_requests(), quota=[quota_view(2, "pi@example.org", "k2k", cores=40)])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        access_header = text_of(app, "#header")
        assert access_header.startswith(" Access ")
        await pilot.press("Q")
        await wait_for(pilot, lambda: screen_is(app, QuotaScreen))
        await wait_for(pilot, lambda: "quota requests: 1" in text_of(app, "#counts"))
        header = text_of(app, "#header")
        assert header.startswith(" Quota ") and f"quota sheet: {FORM}" in header
        assert header != access_header
        assert "pending rows" not in text_of(app, "#counts")
        footer = app.screen.query_one(Footer)
        await wait_for(pilot, lambda: bool(footer.query(FooterKey)))
        keys = {(k.key_display, str(k.description)) for k in footer.query(FooterKey)}
        assert ("esc", "Back") in keys, keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))


async def test_a_done_row_never_shows_the_number_of_a_ready_row() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        await pilot.press("space", "p")  # alice, row 2
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await wait_for(pilot, lambda: "1 done" in text_of(app, "#counts"))
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        numbers = [row[2].plain for row in rows]
        statuses = [row[1].plain for row in rows]
        done = statuses.index("✓ done")
        assert numbers[done] not in numbers[:done] + numbers[done + 1 :], numbers
        assert numbers[statuses.index("● ready")] == "2"  # bob moved up to row 2
        table.move_cursor(row=done)
        await wait_for(pilot, lambda: f"moved to {ACCESS_DONE}" in text_of(app, "#detail"))
