"""The helpdesk TUI, minimal for now: who is logged in, which cloud, how many rows are pending.

Every value from the backend is untrusted (it came from a public form) and is shown as
`rich.text.Text`, never as markup. The ways a default Textual app offers to write files, open a
browser, suspend to a shell or open the command palette are closed (security.md §2.3, §6.5).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol, TextIO

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from moc_tui.backend.client import BackendError


class Backend(Protocol):
    def call(self, op: str, params: dict[str, Any] | None = None) -> dict[str, Any]: ...

    def close(self, timeout: float = ...) -> int: ...


def cell(value: object, limit: int = 60) -> Text:
    """A table cell from untrusted text: literal, one line, cut to `limit`."""
    text = str(value).replace("\n", " ")
    return Text(text if len(text) <= limit else text[: limit - 1] + "…")


class HelpdeskApp(App[None]):
    TITLE = "MOC helpdesk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [  # noqa: RUF012 - Textual's own declaration style
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, operator: str, connect: Callable[[], Backend], session: str = "") -> None:
        super().__init__()
        self.operator = operator
        self.session = session
        self._connect = connect
        self.backend: Backend | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(f"operator: {self.operator}   connecting…"), id="status")
        yield DataTable(id="pending", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pending", DataTable)
        table.add_columns("row", "email", "project", "problems")
        self.run_worker(self._load, thread=True, exit_on_error=False)

    def _load(self) -> None:
        try:
            self.backend = self._connect()
            greeting = {"operator": self.operator}
            if self.session:
                greeting["session"] = self.session
            hello = self.backend.call("hello", greeting)
            listed = self.backend.call("list_access")
        except BackendError as error:
            self.call_from_thread(self._status, f"backend: {error.message}")
            return
        except Exception as error:  # generic words only: the details are the backend's
            self.call_from_thread(self._status, f"backend unavailable ({type(error).__name__})")
            return
        self.call_from_thread(self._show, hello, listed)

    def _status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    def _show(self, hello: dict[str, Any], listed: dict[str, Any]) -> None:
        requests = listed.get("requests", [])
        self._status(
            f"operator: {hello.get('operator', '?')}   cloud: {hello.get('cloud', '?')}   "
            f"pending rows: {len(requests)}"
        )
        table = self.query_one("#pending", DataTable)
        for request in requests[:500]:
            table.add_row(
                cell(request.get("row", "")),
                cell(request.get("email", "")),
                cell(request.get("project", "")),
                cell(len(request.get("problems", []))),
            )

    def on_unmount(self) -> None:
        if self.backend is not None:
            self.backend.close(timeout=600)

    # closed doors ---------------------------------------------------------------------------
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.notify(f"links are not opened here: {url[:200]}", markup=False)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("screenshots are disabled", markup=False)

    def save_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        raise PermissionError("screenshots are disabled")

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        return None

    def deliver_text(
        self,
        path_or_file: str | Path | TextIO,
        *,
        save_directory: str | Path | None = None,
        save_filename: str | None = None,
        open_method: Literal["browser", "download"] = "download",
        encoding: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
    ) -> str | None:
        return None

    def deliver_binary(
        self,
        path_or_file: str | Path | BinaryIO,
        *,
        save_directory: str | Path | None = None,
        save_filename: str | None = None,
        open_method: Literal["browser", "download"] = "download",
        mime_type: str | None = None,
        name: str | None = None,
    ) -> str | None:
        return None

    def action_suspend_process(self) -> None:
        return None
