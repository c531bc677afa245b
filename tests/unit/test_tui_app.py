"""The app as a whole, over the in-process fake backend: a backend that fails is one short line
(no exception text), an unexpected exception in the UI ends the app with one line (no traceback,
no secrets), and quitting mid-run lets the row in hand finish and starts no new backend."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from moc_tui.protocol.replies import AccessList
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.plan import PlanModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, text_of, wait_for
from tests.fixtures.tui_views import sample_requests


async def test_backend_failure_is_a_short_message() -> None:
    class Broken(FakeBackend):
        def op_list_access(self, params: dict[str, Any], emit: Any) -> AccessList:
            raise RuntimeError("secret-canary in a traceback")

    broken = Broken()
    app = HelpdeskTui("alice", lambda: broken)
    async with app.run_test(notifications=True) as pilot:
        await wait_for(pilot, lambda: "load failed" in text_of(app, "#detail"))
        detail = text_of(app, "#detail")
        assert "unexpected error (RuntimeError)" in detail and "canary" not in detail
        assert app.is_running


async def test_an_unexpected_ui_exception_ends_with_one_line(
    capfd: pytest.CaptureFixture[str],
) -> None:
    fake = FakeBackend(sample_requests())
    app = HelpdeskTui("alice", lambda: fake)
    with pytest.raises(RuntimeError):  # run_test re-raises it for the test framework
        async with app.run_test() as pilot:
            await loaded(pilot)
            app._handle_exception(RuntimeError("pin=4321 admin_pwd=canary"))
            await pilot.pause()
    out, err = capfd.readouterr()
    assert "The helpdesk stopped on an unexpected error" in err
    for leak in ("canary", "4321", "Traceback", "locals"):
        assert leak not in out + err


async def test_quitting_mid_run_finishes_the_row_and_starts_no_new_backend() -> None:
    fake = FakeBackend(sample_requests())
    fake.gate = threading.Event()  # close() releases it, as the real backend finishes its op
    connects: list[FakeBackend] = []

    def connect() -> FakeBackend:
        connects.append(fake)
        return fake

    app = HelpdeskTui("alice", connect)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.started.is_set())
        await pilot.press("ctrl+q")
    await app.workers.wait_for_complete()
    assert fake.closed and len(connects) == 1
    assert fake.ops().count("provision") == 1
