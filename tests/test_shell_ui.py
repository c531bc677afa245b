"""The minimal TUI with a stand-in backend: untrusted values stay literal, doors stay shut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from moc_tui.backend.client import BackendError
from moc_tui.ui.app import HelpdeskApp

HOSTILE = "[@click=app.screenshot('x.svg','{dir}')]Bob[/]"


class FakeBackend:
    def __init__(self, email: str, fail: bool = False) -> None:
        self.email = email
        self.fail = fail
        self.closed = False

    def call(self, op: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.fail:
            raise BackendError("startup", "the backend cannot start: settings are 0640")
        if op == "hello":
            return {"operator": "alice", "cloud": "keystone.example.org"}
        return {"requests": [{"row": 2, "email": self.email, "project": "[/]", "problems": []}]}

    def close(self, timeout: float = 600) -> int:
        self.closed = True
        return 0


async def test_shows_who_where_and_how_many(tmp_path: Path) -> None:
    backend = FakeBackend(HOSTILE.format(dir=tmp_path))
    app = HelpdeskApp("alice", lambda: backend)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.query_one("#status", Static)
        assert "pending rows: 1" in str(status.render())
        assert "cloud: keystone.example.org" in str(status.render())
        table = app.query_one("#pending", DataTable)
        email_cell = table.get_row_at(0)[1]
        assert isinstance(email_cell, Text) and email_cell.plain.startswith("[@click=")
        await pilot.click("#pending", offset=(20, 1))
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # no command palette
        app.action_screenshot("x.svg", str(tmp_path))
        assert app.deliver_binary(tmp_path / "x") is None
        app.open_url("https://evil.example")
        await pilot.press("q")
    assert not list(tmp_path.glob("*.svg"))
    assert backend.closed


async def test_a_backend_refusal_is_shown_as_text() -> None:
    app = HelpdeskApp("alice", lambda: FakeBackend("x", fail=True))
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cannot start" in str(app.query_one("#status", Static).render())
