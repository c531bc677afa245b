"""The one worker-error path: whatever a screen's worker raises reaches the screen as
`CallFailed(what, words)`, with the backend's own words, a generic line for a bug (never the
exception's text), or the screen's own words for the exception types it names."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import App
from textual.screen import Screen

from moc_tui.protocol.client import BackendError
from moc_tui.tui.messages import CallFailed
from moc_tui.tui.worker_errors import reports_failure
from tests.fixtures.tui_pilot import wait_for


class Failing(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[str, str]] = []
        self.finished: list[str] = []

    @work(thread=True, exit_on_error=False)
    @reports_failure("load")
    def load(self, error: Exception | None) -> None:
        if error is not None:
            raise error
        self.finished.append("load")

    @work(thread=True, exit_on_error=False)
    @reports_failure("save", own_words=(LookupError,))
    def save(self, error: Exception) -> None:
        raise error

    def on_call_failed(self, message: CallFailed) -> None:
        self.failures.append((message.what, message.text))


class Host(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Failing())


async def test_a_worker_failure_becomes_call_failed_with_safe_words() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, Failing))
        screen: Any = app.screen
        screen.load(None)
        await wait_for(pilot, lambda: screen.finished == ["load"])
        screen.load(BackendError("busy", "row 4 is being provisioned by bob"))
        await wait_for(pilot, lambda: len(screen.failures) == 1)
        screen.load(RuntimeError("secret detail /etc/moc-tui"))
        await wait_for(pilot, lambda: len(screen.failures) == 2)
        screen.save(LookupError("the row left the pending list; reload"))
        await wait_for(pilot, lambda: len(screen.failures) == 3)
        screen.load(LookupError("not mine to show"))
        await wait_for(pilot, lambda: len(screen.failures) == 4)
        assert screen.failures == [
            ("load", "row 4 is being provisioned by bob"),
            ("load", "unexpected error (RuntimeError); the details are in the backend log"),
            ("save", "the row left the pending list; reload"),
            ("load", "unexpected error (LookupError); the details are in the backend log"),
        ]
        assert screen.finished == ["load"]
