"""A read-only operator (a viewer in the operator map): the header says read-only, the keys that
change something are not in the footer or the help, and pressing them sends nothing."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from moc_tui.tui.app import MUTATING_ACTIONS, HelpdeskTui
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.help import key_rows
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.quota import QuotaScreen
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import error_record, quota_view, sample_requests


def footer_keys(app: HelpdeskTui) -> set[str]:
    return {str(k.description) for k in app.screen.query_one(Footer).query(FooterKey)}


def viewer() -> FakeBackend:
    fake = FakeBackend(
        sample_requests(),
        quota=[quota_view(2, "pi@example.org", "k2k", cores=40)],
        errors=[error_record(1, "alice@example.org", "quota service refused")],
    )
    fake.read_only = True
    return fake


async def test_the_header_says_read_only_and_the_mutating_keys_are_gone() -> None:
    fake = viewer()
    app = HelpdeskTui("vera", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        header = str(app.screen.query_one("#header", Static).render())
        assert "read-only" in header and "operator: vera" in header
        await wait_for(pilot, lambda: "Errors" in footer_keys(app))
        keys = footer_keys(app)
        assert not {"Provision", "Edit", "Reset pw"} & keys, keys
        described = {description for _, description in key_rows(app.screen)}
        assert "Filter" in described and not {"Provision", "Edit", "Reset pw"} & described
        assert not {"Hold", "Deny", "Release hold"} & described
        await pilot.press("space", "p", "e", "x", "h", "D", "u")
        await pilot.pause()
        assert screen_is(app, PendingScreen)
        assert not {"plan_access", "edit_access_field", "reset_password"} & set(fake.ops())
        assert not {"hold_access", "release_access"} & set(fake.ops())
        await pilot.press("Q")
        await wait_for(pilot, lambda: screen_is(app, QuotaScreen))
        await wait_for(pilot, lambda: "Back" in footer_keys(app))
        assert "Apply quotas" not in footer_keys(app)
        await pilot.press("escape", "E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        await wait_for(pilot, lambda: "Back" in footer_keys(app))
        assert "Acknowledge" not in footer_keys(app)
        await pilot.press("a")
        await pilot.pause()
        assert "ack_error" not in fake.ops()


async def test_an_operator_keeps_every_key_and_no_read_only_mark() -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: "Provision" in footer_keys(app))
        assert "read-only" not in str(app.screen.query_one("#header", Static).render())
        assert {"Edit", "Reset pw"} <= footer_keys(app)


def test_the_hidden_actions_are_the_screens_mutating_ones() -> None:
    # each hidden action is bound on some screen (a renamed action would silently show again)
    from moc_tui.tui.screens import errors, pending, progress, quota, requests

    bound: set[Any] = set()
    for module in (errors, pending, progress, quota, requests):
        for value in vars(module).values():
            for binding in getattr(value, "BINDINGS", []):
                bound.add(getattr(binding, "action", None))
    assert bound >= MUTATING_ACTIONS
