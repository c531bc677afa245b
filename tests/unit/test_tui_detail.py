"""The detail view (issue 17): `d` on a request, an error or a progress row shows every field in
full, wrapped and literal, the problems and what was done (the audit trail, or the run's
steps); it scrolls, copies nothing, and Enter on a request still opens the edit form."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static

from moc_tui.core.step_names import step_label
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.detail import DetailModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_batch import STEPS
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import access_view, error_record, sample_requests

COMMENT = "Please add my student " + "and the lab's shared account " * 20 + "(end of comment)"
HOSTILE = "[@click=app.quit]Mallory[/] \x1b[31mred\x1b[0m"
TRAIL = [
    {"id": 1, "at": "2026-11-02T09:00:00+00:00", "operator": "bob", "action": "edit",
     "request_key": None,
     "detail": {"row": 2, "field": "project", "old": "wondrland", "value": "wonderland"}},
]  # fmt: skip


def detail_text(app: HelpdeskTui) -> str:
    """The body as the terminal shows it, at the widget's width."""
    screen = app.screen
    assert isinstance(screen, DetailModal)
    width = screen.query_one("#detail-text", Static).size.width
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(screen.body())
    return console.export_text()


async def open_detail(pilot: Pilot[Any]) -> DetailModal:
    await pilot.press("d")
    await wait_for(pilot, lambda: screen_is(pilot.app, DetailModal))
    screen = pilot.app.screen
    assert isinstance(screen, DetailModal)
    return screen


def hostile_fake() -> FakeBackend:
    row = access_view(
        2,
        "mallory@example.org",
        first_name=HOSTILE,
        comment=COMMENT,
        problems=["role is blank", "phone is not a number"],
        problem_fields=["role"],
    )
    fake = FakeBackend([row, *sample_requests()[1:]])
    fake.audit = TRAIL  # type: ignore[assignment]
    return fake


async def test_d_on_a_request_shows_every_field_whole_literal_problems_and_trail() -> None:
    fake = hostile_fake()
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        detail = await open_detail(pilot)
        await wait_for(pilot, lambda: detail.trail is not None)
        text = detail_text(app)
        flat = " ".join(text.split())
        assert " ".join(COMMENT.split()) in flat  # whole, wrapped over many lines
        assert "[@click=app.quit]Mallory[/]" in text and "\\x1b[31mred" in text  # literal
        assert "\x1b" not in text
        assert "role is blank" in text and "phone is not a number" in text
        assert "project: wondrland -> wonderland" in text  # the audit trail, in words
        assert "fingerprint" not in text and "Research" in text
        assert "mallory@example.org, row 2" in str(detail.query_one(".title", Static).render())
        body = detail.query_one("#detail-body", VerticalScroll)
        assert body.max_scroll_y > 0
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y)
        await pilot.press("g")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        await pilot.press("j")
        await wait_for(pilot, lambda: body.scroll_y == 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        assert app.clipboard == ""  # nothing was copied
        await pilot.press("enter")  # Enter still opens the edit form (the guide says so)
        await wait_for(pilot, lambda: screen_is(app, EditModal))


async def test_d_on_an_error_shows_the_whole_message_and_its_step() -> None:
    message = "Keystone refused: conflict on user " + "x" * 300 + " (the end)"
    fake = FakeBackend(sample_requests(), errors=[error_record(1, "bob@example.org", message)])
    fake.audit = TRAIL  # type: ignore[assignment]
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        errors = app.screen
        assert isinstance(errors, ErrorsScreen)
        await wait_for(pilot, lambda: errors.table.row_count == 1)
        detail = await open_detail(pilot)
        await wait_for(pilot, lambda: detail.trail is not None)
        text = "".join(detail_text(app).split())
        assert "".join(message.split()) in text
        assert "".join(step_label("user").split()) in text
        assert "2026-11-0209:15" in text  # the time in words, not ISO


async def test_d_on_a_progress_row_lists_the_steps_of_the_run() -> None:
    fake = FakeBackend(sample_requests()[:1])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        await open_detail(pilot)
        text = detail_text(app)
        assert "Steps this run" in text
        assert all(step_label(step) in text for step in STEPS)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is progress)
