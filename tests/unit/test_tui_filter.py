"""The list filter (issue 17): `a|b` keeps rows matching either term, `col:value` looks in one
column named as its header shows it (any case), only what the operator sees is searched, and
the counts line shows the filter text."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.filtering import EVERYWHERE, RowFilter, Term, parse, row_fields
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, wait_for
from tests.fixtures.tui_views import sample_requests

HEADERS = ["Status", "Row", "Email", "Name", "Project"]


def fields(**shown: str) -> dict[str, str]:
    return row_fields({k.capitalize(): v for k, v in shown.items()}, ["project name is missing"])


ALICE = fields(status="ready", row="2", email="alice@bu.edu", name="Alice Liddell", project="lab")
BOB = fields(status="problem", row="3", email="bob@mit.edu", name="Bob Builder", project="")


def test_parse_either_term_and_columns_any_case() -> None:
    assert parse("  ", HEADERS) == RowFilter()
    assert not parse("|", HEADERS)
    assert parse("Alice|BOB", HEADERS).terms == (Term("alice"), Term("bob"))
    assert parse("PROJECT: Lab | email:@bu", HEADERS).terms == (
        Term("lab", "project"),
        Term("@bu", "email"),
    )
    assert parse("comment:x", HEADERS).terms == (Term("comment:x"),)  # no such column: text


def test_a_column_term_looks_only_in_that_column() -> None:
    assert parse("project:lab", HEADERS).keeps(ALICE)
    assert not parse("email:lab", HEADERS).keeps(ALICE)
    assert parse("row:3", HEADERS).keeps(BOB) and not parse("row:3", HEADERS).keeps(ALICE)
    assert parse("status:problem", HEADERS).keeps(BOB)


def test_either_term_keeps_a_row_matching_one() -> None:
    either = parse("email:@bu.edu|name:builder", HEADERS)
    assert either.keeps(ALICE) and either.keeps(BOB)
    assert not parse("carol|dave", HEADERS).keeps(ALICE)


def test_a_plain_term_looks_at_every_shown_column_and_the_problem_only() -> None:
    assert parse("liddell", HEADERS).keeps(ALICE)
    assert parse("name is missing", HEADERS).keeps(BOB)  # the reason under the table
    assert set(ALICE) == {h.casefold() for h in HEADERS} | {EVERYWHERE}  # nothing hidden


def counts(app: HelpdeskTui) -> str:
    return str(app.screen.query_one("#counts", Static).render())


async def test_the_screen_filters_with_either_and_columns_and_says_so() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)

        def emails() -> list[Any]:
            return [s.view["email"] for s in table.visible_states()]

        await pilot.press("slash", *"project:lab|DAVE")
        await wait_for(pilot, lambda: table.row_count == 2)
        assert emails() == ["bob@example.org", "dave@example.org"]
        assert "filter: project:lab|DAVE (2 of 4)" in counts(app)
        await pilot.press("escape", "slash", *"status:problem")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert emails() == ["carol@example.org"]
        # the request key and fingerprint are not shown: a filter never finds a row by them
        await pilot.press("escape", "slash", *sample_requests()[0]["request_key"][:12])
        await wait_for(pilot, lambda: table.row_count == 0)


async def test_keys_typed_right_after_the_slash_go_to_the_filter() -> None:
    """Over SSH a burst of keys arrives in one read: `/alice` must filter for "alice", not
    select all (`a`) and open an edit (`e`) on the table before the box has the focus."""
    from textual import events
    from textual.widgets import Input

    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        for key, character in [("slash", "/"), *((c, c) for c in "alice")]:
            app.post_message(events.Key(key, character))  # one burst: no pause between keys
        await wait_for(pilot, lambda: app.screen.query_one("#filter", Input).value == "alice")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert not table.selected and app.screen is not None
        assert type(app.screen).__name__ == "PendingScreen"
