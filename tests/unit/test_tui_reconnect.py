"""When the backend dies the TUI says so and offers one key that starts a new backend session:
one new process per press, never a restart loop, and the list is loaded again."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from textual.widgets import Static

from moc_tui.protocol.client import BackendClient, dev_command
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.pending import PendingScreen
from tests.fixtures.tui_local import settings_with_pending
from tests.fixtures.tui_pilot import screen_is, wait_for


async def test_a_killed_backend_is_replaced_once_per_press(tmp_path: Path) -> None:
    settings = settings_with_pending(tmp_path, 3)
    started: list[BackendClient] = []

    def connect() -> BackendClient:
        started.append(BackendClient(dev_command(settings)))
        return started[-1]

    app = HelpdeskTui("alice", connect)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen), 60)
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 3, 60)
        assert app.check_action("reconnect", ()) is False  # nothing to reconnect yet

        def detail() -> str:
            return str(screen.query_one("#detail", Static).render())

        os.kill(started[0].process.pid, signal.SIGKILL)
        started[0].process.wait()
        await pilot.press("R")
        await wait_for(pilot, lambda: "the backend" in detail(), 30)
        assert "press C to start a new backend session" in detail()
        assert app.check_action("reconnect", ()) is True
        # reloading again does not start a backend by itself
        await pilot.press("R")
        await wait_for(pilot, lambda: "load failed" in detail(), 30)
        assert len(started) == 1

        await pilot.press("C")
        await wait_for(pilot, lambda: len(started) == 2, 30)
        await wait_for(
            pilot, lambda: "pending rows: 3" in str(screen.query_one("#counts").render()), 60
        )
        assert "failed" not in detail()
        assert started[1].process.poll() is None
        assert app.check_action("reconnect", ()) is False
        await pilot.press("C")  # a second press with a live backend changes nothing
        await pilot.pause()
        assert len(started) == 2
        assert app.link.greeting is not None and app.link.greeting["operator"] == "alice"
    assert all(client.process.poll() is not None for client in started)
