"""Pilot tests of the look-ups while typing and the not-activated list, against the fake backend:
project suggestions in the edit modal (pick, alias, fallback), user search in the reset modal,
the not-activated screen (rows, filter, back), and hostile names in all three, shown literally."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList, Static

from moc_tui.protocol.client import BackendError
from moc_tui.protocol.replies import Suggestions, UserMatches
from moc_tui.protocol.views import AccessView
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.activation import NotActivatedScreen
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.help import HelpScreen
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.trail import TrailModal
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.suggestions import SuggestionList
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import screen_is, wait_for
from tests.fixtures.tui_views import access_view, not_activated_record, sample_requests
from tests.hostile_values import HOSTILE
from tests.rendered_segments import assert_inert, segments_of

Events = Any


def join_requests() -> list[AccessView]:
    """alice joins a project whose name she mistyped; the others as in `sample_requests`."""
    rows = sample_requests()
    rows[0] = access_view(2, "alice@example.org", project_action="join", project="wondrland")
    return rows


async def open_edit(pilot: Any, fake: FakeBackend) -> EditModal:
    app = pilot.app
    await wait_for(pilot, lambda: screen_is(app, PendingScreen))
    await wait_for(pilot, lambda: app.screen.table.row_count > 0)
    await pilot.press("e")
    await wait_for(pilot, lambda: screen_is(app, EditModal))
    modal: EditModal = app.screen
    return modal


def focus(app: HelpdeskTui) -> object:
    """The focused widget (a function, so mypy does not narrow it across key presses)."""
    return app.focused


def prompts(options: OptionList) -> list[str]:
    return [str(o.prompt) for o in options.options]


async def test_suggestions_appear_and_picking_one_fills_the_field() -> None:
    fake = FakeBackend(join_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        modal = await open_edit(pilot, fake)
        box = modal.query_one("#f-project", Input)
        listed = modal.query_one("#project-suggestions", SuggestionList)
        # asked at once for the name in the row
        await wait_for(pilot, lambda: listed.display and listed.option_count > 0)
        assert prompts(listed)[0] == "wonderland  Keystone"
        assert "↓ suggestions" in str(modal.query_one("#edit-problems", Static).render())
        await pilot.press("down")
        assert focus(app) is listed and listed.highlighted == 0
        await pilot.press("enter")
        assert box.value == "wonderland" and focus(app) is box
        assert not listed.display
        # an alias: offered by its name, picking it writes the Keystone name
        box.value = ""
        await pilot.press("w", "l")
        await wait_for(pilot, lambda: "wl  alias of wonderland" in prompts(listed))
        await pilot.press("down")
        for _ in range(prompts(listed).index("wl  alias of wonderland")):
            await pilot.press("down")
        await pilot.press("enter")
        assert box.value == "wonderland"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
    edits = [p for op, p in fake.calls if op == "edit_access_field"]
    assert [(p["field"], p["value"]) for p in edits] == [("existing_project", "wonderland")]


async def test_typing_is_debounced_and_esc_or_up_returns_to_the_field() -> None:
    fake = FakeBackend(join_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        modal = await open_edit(pilot, fake)
        box = modal.query_one("#f-project", Input)
        listed = modal.query_one("#project-suggestions", SuggestionList)
        await wait_for(pilot, lambda: listed.option_count > 0)
        before = fake.ops().count("suggest_projects")
        box.value = ""
        for char in "bob-la":  # six changes in a row, faster than any typist
            box.value += char
        await wait_for(pilot, lambda: prompts(listed)[:1] == ["bob-lab  Keystone"])
        asked = [p["text"] for op, p in fake.calls if op == "suggest_projects"][before:]
        assert asked == ["bob-la"]  # one look-up once the typing paused
        await pilot.press("down")
        assert focus(app) is listed
        await pilot.press("escape")  # back to the field, the modal stays open
        assert focus(app) is box and isinstance(app.screen, EditModal)
        await pilot.press("down", "up")
        assert focus(app) is box
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        assert "edit_access_field" not in fake.ops()


async def test_a_failed_lookup_falls_back_to_the_pending_list() -> None:
    fake = FakeBackend(sample_requests())
    fake.lookup_error = BackendError("unavailable", "cannot reach Keystone")
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await wait_for(pilot, lambda: app.screen.table.row_count > 0)  # type: ignore[attr-defined]
        await pilot.press("j", "j", "e")  # carol: no project yet
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        modal = app.screen
        await pilot.press(*"wonderlan")
        problems = modal.query_one("#edit-problems", Static)
        await wait_for(pilot, lambda: "similar projects: wonderland" in str(problems.render()))
        assert not modal.query_one("#project-suggestions", SuggestionList).display
        assert app.is_running


async def test_user_search_fills_the_username_then_the_reference() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        modal = app.screen
        matches = modal.query_one("#user-matches", SuggestionList)
        await pilot.press("a")  # one character: nobody is asked
        await wait_for(pilot, lambda: modal.asked == "a")  # type: ignore[attr-defined]
        assert "find_users" not in fake.ops() and not matches.display
        await pilot.press("l", "i")
        await wait_for(pilot, lambda: matches.option_count == 3)
        assert prompts(matches) == [
            "alice@example.org",
            "alicia@example.org  a.keys@example.net",
            "alina@example.org  (disabled: cannot be reset)",
        ]
        assert matches.options[2].disabled
        await pilot.press("down", "down")
        assert matches.highlighted == 1
        await pilot.press("down")  # the disabled entry is skipped (the cursor wraps)
        assert matches.highlighted == 0
        await pilot.press("down")
        await pilot.press("enter")
        username = modal.query_one("#username", Input)
        reference = modal.query_one("#reference", Input)
        assert username.value == "alicia@example.org" and focus(app) is reference
        assert not matches.display
        await pilot.press(*"7K3QX-9W2HD")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        outcome = modal.query_one("#reset-outcome", Static)
        await wait_for(pilot, lambda: "mailed to alicia@example.org" in str(outcome.render()))
        assert reference.value == ""
        sent = {"username": "alicia@example.org", "reference": "7K3QX-9W2HD", "again": False}
        assert fake.calls[-1] == ("reset_password", sent)


async def test_user_search_says_no_match_and_why_it_failed() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        matches = app.screen.query_one("#user-matches", SuggestionList)
        await pilot.press("z", "z")
        await wait_for(pilot, lambda: prompts(matches) == ["no user name or email contains zz"])
        await pilot.press("down")  # nothing to pick: the focus stays in the field
        assert isinstance(app.focused, Input) and app.focused.id == "username"
        fake.lookup_error = BackendError("unavailable", "cannot reach Keystone")
        await pilot.press("z")
        await wait_for(pilot, lambda: prompts(matches) == ["search failed: cannot reach Keystone"])
        assert str(app.screen.query_one("#reset-outcome", Static).render()) == ""


async def test_not_activated_screen_lists_filters_and_goes_back() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        pending = app.screen
        await pilot.press("N")
        await wait_for(pilot, lambda: screen_is(app, NotActivatedScreen))
        screen = app.screen
        assert isinstance(screen, NotActivatedScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        title = screen.query_one("#na-title", Static)
        assert "Not activated: 3 of 3" in str(title.render())
        assert [screen.table.get_row_at(i)[1].plain for i in range(3)] == [
            "erin@example.org",
            "frank@example.org",
            "grace@example.org",
        ]
        await pilot.press("slash", *"locked")
        assert screen.table.row_count == 1
        assert "1 of 3 (filter: locked)" in str(title.render())
        await pilot.press("enter")
        detail = str(screen.query_one("#na-detail", Static).render())
        assert detail == (
            "frank@example.org: link locked by wrong PINs "
            "(reminder mails: 1, since 2026-11-03 06:00)"
        )
        await pilot.press("t")  # the audit trail of the request
        await wait_for(pilot, lambda: screen_is(app, TrailModal))
        assert ("audit_trail", {"request_key": fake.not_activated[1]["request_key"]}) in fake.calls
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("escape")  # clears the filter
        assert screen.table.row_count == 3 and not screen.filter_box.display
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        keys = str(app.screen.query_one("#help-keys", Static).render())
        assert "Filter" in keys and "Back" in keys
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is pending)
        assert fake.ops().count("list_not_activated") == 1


async def test_help_of_the_pending_screen_lists_the_not_activated_key() -> None:
    app = HelpdeskTui("alice", lambda: FakeBackend(sample_requests()))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_is(app, HelpScreen))
        keys = str(app.screen.query_one("#help-keys", Static).render())
        assert "N  Not activated users" in keys


# -- hostile names (security.md §7) ---------------------------------------------------------


class HostileBackend(FakeBackend):
    """Answers every look-up with every hostile name, raw (a backend bug must not matter)."""

    def op_suggest_projects(self, params: dict[str, Any], emit: Events) -> Suggestions:
        return {
            "suggestions": [
                {"name": value, "source": "alias" if i % 2 else "keystone", "target": value}
                for i, value in enumerate(HOSTILE)
            ]
        }

    def op_find_users(self, params: dict[str, Any], emit: Events) -> UserMatches:
        if params["text"] != "eve":  # only the last search typed answers: a list of them shown
            return {"users": []}  # is that search's, not an earlier one about to be replaced
        return {"users": [{"name": v, "email": v + "@x", "enabled": True} for v in HOSTILE]}


async def test_hostile_suggestions_render_literally() -> None:
    fake = HostileBackend(join_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        modal = await open_edit(pilot, fake)
        listed = modal.query_one("#project-suggestions", SuggestionList)
        await wait_for(pilot, lambda: listed.option_count == len(HOSTILE))
        for option, value in zip(listed.options, HOSTILE, strict=True):
            assert str(option.prompt).startswith(plain(value, 40))
        await pilot.press("down")
        for _ in range(len(HOSTILE)):  # every entry highlighted (and so drawn) once
            assert_inert(segments_of(listed, 3))
            await pilot.press("down")
        await pilot.click(listed, offset=(2, 0))  # clicking an entry picks it, nothing else
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, EditModal)
        assert_inert(segments_of(app.screen, 30))


async def test_hostile_user_matches_render_literally() -> None:
    fake = HostileBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        matches = app.screen.query_one("#user-matches", SuggestionList)
        await pilot.press("e", "v", "e")
        await wait_for(pilot, lambda: matches.option_count == len(HOSTILE))
        for option, value in zip(matches.options, HOSTILE, strict=True):
            assert str(option.prompt).startswith(plain(value, 50))
        await pilot.click(matches, offset=(2, 0))
        field = app.screen.query_one("#username", Input)
        await wait_for(pilot, lambda: field.value != "eve")  # the click is handled
        assert field.value == HOSTILE[0]  # picked, as a value in the field: nothing ran
        assert app.is_running
        assert_inert(segments_of(app.screen, 30))


async def test_hostile_not_activated_users_render_literally() -> None:
    records = [not_activated_record(value, 2, value[:300]) for value in HOSTILE]
    fake = FakeBackend(sample_requests(), not_activated=records)
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("N")
        await wait_for(pilot, lambda: screen_is(app, NotActivatedScreen))
        screen = app.screen
        assert isinstance(screen, NotActivatedScreen)
        await wait_for(pilot, lambda: screen.table.row_count == len(HOSTILE))
        for index, value in enumerate(HOSTILE):
            assert screen.table.get_row_at(index)[1].plain == plain(value, 60)
        for y in range(1, 12):
            await pilot.click("#not-activated", offset=(25, y))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, NotActivatedScreen)
        assert_inert(segments_of(app.screen, 30))
        await pilot.press("slash", *"PWNED")
        assert screen.table.row_count == 1  # the terminal-title payload
