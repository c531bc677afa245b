"""Times and audit details as an operator reads them (issue 17): local, short when today,
`field: old -> new`; the errors log and the audit trail show them in full, titled by email."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.format import WHEN_WIDTH, detail_words, when
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.trail import TrailModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import error_record, sample_requests
from tests.tab_names import ACCESS_DONE

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The operator's terminal is in New York (the journal writes UTC)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_and_short_today() -> None:
    assert when("2026-12-02T14:15:03+00:00", now=NOW, zone=NEW_YORK) == "09:15"
    assert when("2026-12-01T14:15:03+00:00", now=NOW, zone=NEW_YORK) == "2026-12-01 09:15"
    assert when("2026-12-02 03:00:00", now=NOW, zone=NEW_YORK) == "2026-12-01 22:00"  # naive: UTC
    assert len(when("2026-12-01T14:15:03+00:00", now=NOW, zone=NEW_YORK)) == WHEN_WIDTH
    assert when("not a time") == "not a time"


def test_details_are_words_not_python_reprs() -> None:
    edit = {"row": 3, "field": "project", "old": "wondrland", "value": "wonderland"}
    assert detail_words(edit) == "project: wondrland -> wonderland · row: 3"
    assert detail_words({"row": 3, "field": "sponsor", "value": "Prof. X"}) == (
        "sponsor: -> Prof. X · row: 3"
    )
    assert detail_words({"from": 4, "to": ACCESS_DONE}) == f"4 -> {ACCESS_DONE}"
    applied = {"applied": {"instances": 10, "cores": 20}, "resumed": False, "note": None}
    assert detail_words(applied) == "applied: instances 10, cores 20 · resumed: no · note: —"
    assert "{" not in detail_words({"a": {"b": [1, 2]}}) and "'" not in detail_words({"a": ["x"]})


async def test_errors_log_and_trail_read_in_full(new_york: None) -> None:
    long = "Keystone refused: conflict on user bob@example.org (HTTP 409) " + "x" * 40
    fake = FakeBackend(sample_requests(), errors=[error_record(1, "bob@example.org", long)])
    fake.audit = [
        {"id": 1, "at": "2026-11-02T09:00:00+00:00", "operator": "bob", "action": "edit",
         "request_key": None, "detail": {"row": 3, "field": "project", "old": "bob-lb",
                                         "value": "bob-lab"}},
    ]  # fmt: skip
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 1)
        at = screen.table.get_cell_at(Coordinate(0, 0))
        assert at.plain == "2026-11-02 04:15"  # 09:15 UTC in New York
        assert screen.table.columns[screen.table.ordered_columns[0].key].width >= len(at.plain)
        detail = str(screen.query_one("#errors-detail", Static).render())
        assert detail == f"2026-11-02 04:15 alice at user account: {long}"
        await pilot.press("t")
        await wait_for(pilot, lambda: screen_is(app, TrailModal))
        trail = app.screen
        title = str(trail.query_one(".title", Static).render())
        assert title == "Audit trail of bob@example.org, row 4"
        table = trail.query_one("#trail", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert table.get_cell_at(Coordinate(0, 0)).plain == "2026-11-02 04:00"
        shown = str(trail.query_one("#trail-detail", Static).render())
        assert shown == "2026-11-02 04:00 bob edit: project: bob-lb -> bob-lab · row: 3"


async def test_a_wider_terminal_gives_the_message_the_room() -> None:
    fake = FakeBackend(sample_requests(), errors=[error_record(1, "bob@example.org", "m")])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        widths = {str(c.key.value): c.width for c in screen.table.ordered_columns}
        base = {key: width for key, _, width in ErrorsScreen.columns}["message"]
        assert widths["message"] == base + 40 and widths["at"] == WHEN_WIDTH


async def test_no_errors_says_so_and_t_without_a_request_says_why() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        detail = screen.query_one("#errors-detail", Static)
        await wait_for(pilot, lambda: str(detail.render()) == "no errors")
        fake.errors = [error_record(1, "", "the sheet could not be read")]
        fake.errors[0]["request_key"] = None
        await pilot.press("R")
        await wait_for(pilot, lambda: screen.table.row_count == 1)
        await pilot.press("slash", *"zzz")
        await wait_for(pilot, lambda: str(detail.render()) == "no error matches the filter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.table.row_count == 1)
        await pilot.press("t")
        await wait_for(pilot, lambda: bool(app._notifications))
        [notice] = list(app._notifications)
        assert "no request" in notice.message and "no audit trail" in notice.message
        assert screen_is(app, ErrorsScreen)
