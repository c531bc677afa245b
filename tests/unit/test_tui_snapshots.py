"""Snapshots of the key screens at 80x24 and 100x30 (SVGs under tests/unit/__snapshots__/).

Deterministic: frozen data from the fake backend, no clock on screen, Inputs without blinking
cursors, times shown in UTC (none of them today); every step waits for a condition. Review
changes with the generated snapshot_report.html, then `pytest --snapshot-update` and commit the
SVGs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from moc_tui.protocol.replies import AccessPlans
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.activation import NotActivatedScreen
from moc_tui.tui.screens.detail import DetailModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.help import HelpScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.session_log import SessionLogModal
from moc_tui.tui.screens.trail import TrailModal
from moc_tui.tui.session_log import SessionLog
from moc_tui.tui.widgets.suggestions import SuggestionList
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import access_view, error_record, quota_view, sample_requests

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30")]
Steps = Callable[[Pilot[Any]], Awaitable[None]]
SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times show in the operator's zone: the snapshots are taken in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def fake() -> FakeBackend:
    return FakeBackend(
        sample_requests(),
        quota=[quota_view(2, "pi@example.org", "k2k", cores=40, ram=81920)],
        errors=[
            error_record(1, "bob@example.org", "Keystone refused: conflict on user"),
            error_record(2, "dave@example.org", "SMTP 451: try again later"),
        ],
        fail={"bob@example.org": ("user", "Keystone refused: conflict on user")},
    )


async def pending(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("space", "space", "j")  # space moves down after selecting


async def filtered(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("slash", *"lab")


async def plan(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("space", "space", "p")
    await wait_for(pilot, lambda: screen_is(pilot.app, PlanModal))


def plan_skipped(backend: FakeBackend) -> Steps:
    """The backend finds a problem only when planning (the project exists already): that
    request is listed first, with its reason."""
    planned = backend.op_plan_access

    def op_plan_access(params: dict[str, Any], emit: Any) -> AccessPlans:
        plans = planned(params, emit)["plans"]
        why = "project 'bob-lab' exists already; make the row join it"
        for plan in plans:
            if plan["email"] == "bob@example.org":
                plan["ok"], plan["problems"], plan["lines"] = False, [why], [f"refused: {why}"]
        return {"plans": plans}

    backend.op_plan_access = op_plan_access  # type: ignore[method-assign]
    return lambda pilot: plan(pilot)


async def edit(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("j", "j", "e")
    await wait_for(pilot, lambda: screen_is(pilot.app, EditModal))
    await pilot.press(*"admin")


async def progress_finished(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("a", "p")
    await wait_for(pilot, lambda: screen_is(pilot.app, PlanModal))
    await pilot.press("y")
    await wait_for(pilot, lambda: screen_is(pilot.app, ProgressScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: isinstance(screen, ProgressScreen) and not screen.running)
    await pilot.press("k", "k")  # the cursor on the failed row: its reason in the detail line


def progress_running(backend: FakeBackend) -> Steps:
    backend.gate = threading.Event()  # released when the app closes the backend

    async def steps(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(pilot.app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(pilot.app, ProgressScreen))
        screen = pilot.app.screen
        assert isinstance(screen, ProgressScreen)
        await wait_for(pilot, lambda: any(screen.steps.values()))

    return steps


async def errors(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("E")
    await wait_for(pilot, lambda: screen_is(pilot.app, ErrorsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: isinstance(screen, ErrorsScreen) and screen.table.row_count == 2)


async def help_keys(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: screen_is(pilot.app, HelpScreen))


async def reset_matches(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("x")
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#reference")))
    await pilot.press(*"ali")
    matches = pilot.app.screen.query_one("#user-matches", SuggestionList)
    await wait_for(pilot, lambda: matches.option_count == 3)
    await pilot.press("down")


async def reset(pilot: Pilot[Any]) -> None:
    await reset_matches(pilot)
    await pilot.press("enter", *"7K3QX-9W2HD")  # picks alice@example.org, then the reference
    assert pilot.app.screen.query_one("#reference", Input).value == "7K3QX-9W2HD"
    assert pilot.app.screen.query_one("#username", Input).value == "alice@example.org"


def edit_suggestions(backend: FakeBackend) -> Steps:
    backend.requests[0] = access_view(
        2, "alice@example.org", project_action="join", project="wondrland"
    )

    async def steps(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_is(pilot.app, EditModal))
        listed = pilot.app.screen.query_one("#project-suggestions", SuggestionList)
        await wait_for(pilot, lambda: listed.option_count > 0)
        await pilot.press("down")

    return steps


async def not_activated(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("N")
    await wait_for(pilot, lambda: screen_is(pilot.app, NotActivatedScreen))
    screen = pilot.app.screen
    await wait_for(
        pilot, lambda: isinstance(screen, NotActivatedScreen) and screen.table.row_count == 3
    )


async def quota(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("Q")
    await wait_for(pilot, lambda: screen_is(pilot.app, QuotaScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: isinstance(screen, QuotaScreen) and screen.table.row_count == 1)
    await pilot.press("p")
    await wait_for(pilot, lambda: screen_is(pilot.app, PlanModal))


def trail(backend: FakeBackend) -> Steps:
    backend.audit = [
        {"id": 1, "at": "2026-11-02T09:00:00+00:00", "operator": "bob", "action": "edit",
         "request_key": None,
         "detail": {"row": 3, "field": "project", "old": "bob-lb", "value": "bob-lab"}},
        {"id": 2, "at": "2026-11-02T09:14:58+00:00", "operator": "alice", "action": "provision",
         "request_key": None, "detail": {"row": 3, "email": "bob@example.org"}},
        {"id": 3, "at": "2026-11-02T09:15:00+00:00", "operator": "alice",
         "action": "provision-failed", "request_key": None, "detail": {"row": 3, "step": "user"}},
    ]  # fmt: skip

    async def steps(pilot: Pilot[Any]) -> None:
        await errors(pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: screen_is(pilot.app, TrailModal))
        table = pilot.app.screen.query_one("#trail", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3)

    return steps


async def quota_list(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("Q")
    await wait_for(pilot, lambda: screen_is(pilot.app, QuotaScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: isinstance(screen, QuotaScreen) and screen.table.row_count == 1)


async def help_in_plan(pilot: Pilot[Any]) -> None:
    await plan(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: screen_is(pilot.app, HelpScreen))


def detail(backend: FakeBackend) -> Steps:
    """`d` on a request with a long comment, markup in its name and two problems."""
    backend.requests[0] = access_view(
        2,
        "mallory@example.org",
        first_name="[b]Mallory[/b]",
        comment="Please also add my student; " * 8 + "thanks.",
        problems=["role is blank", "phone is not a number"],
        problem_fields=["role"],
    )
    backend.audit = [
        {"id": 1, "at": "2026-11-02T09:00:00+00:00", "operator": "bob", "action": "edit",
         "request_key": None,
         "detail": {"row": 2, "field": "project", "old": "wondrland", "value": "wonderland"}},
    ]  # fmt: skip

    async def steps(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: screen_is(pilot.app, DetailModal))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: isinstance(screen, DetailModal) and screen.trail is not None)

    return steps


def session_log(backend: FakeBackend) -> Steps:
    """`L` after a run with one failure; the times are the session's, so the clock is fixed."""

    async def steps(pilot: Pilot[Any]) -> None:
        clock = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
        pilot.app.link.session_log = SessionLog(clock=lambda: clock)  # type: ignore[attr-defined]
        await progress_finished(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen_is(pilot.app, ProgressScreen))
        await pilot.press("L")
        await wait_for(pilot, lambda: screen_is(pilot.app, SessionLogModal))

    return steps


SCENES: dict[str, Callable[[FakeBackend], Steps]] = {
    "pending": lambda _: pending,
    "filter": lambda _: filtered,
    "plan": lambda _: plan,
    "plan_skipped": plan_skipped,
    "edit_invalid": lambda _: edit,
    "progress_running": progress_running,
    "progress_finished": lambda _: progress_finished,
    "errors": lambda _: errors,
    "help": lambda _: help_keys,
    "reset_password": lambda _: reset,
    "reset_matches": lambda _: reset_matches,
    "edit_suggestions": edit_suggestions,
    "not_activated": lambda _: not_activated,
    "quota_plan": lambda _: quota,
    "quota": lambda _: quota_list,
    "trail": trail,
    "help_plan": lambda _: help_in_plan,
    "detail": detail,
    "session_log": session_log,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(snap_compare: SnapCompare, scene: str, size: tuple[int, int]) -> None:
    backend = fake()
    app = HelpdeskTui("alice", lambda: backend)
    assert snap_compare(app, terminal_size=size, run_before=SCENES[scene](backend))


def test_no_color_keeps_every_status_readable(
    snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: monochrome, and the status column still says glyph + word."""
    monkeypatch.setenv("NO_COLOR", "1")
    backend = fake()
    app = HelpdeskTui("alice", lambda: backend)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=progress_finished)
