"""Users who never set their password, after every renewed link (`list_not_activated`).

Read-only: the activation cron job records them; the operator looks, filters, opens the audit
trail of the request (`t`), and follows up by hand (a password reset, a mail). Oldest first, as
the backend sends them.
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from moc_tui.tui.backend_link import BackendLink, View, explain
from moc_tui.tui.messages import CallFailed, NotActivatedLoaded
from moc_tui.tui.screens.errors import TrailModal
from moc_tui.tui.text import cell
from moc_tui.tui.widgets.bars import StatusLine
from moc_tui.tui.widgets.field import SteadyInput

COLUMNS = (  # fits 80 columns; the line under the table has the whole record
    ("at", "Recorded", 16),
    ("username", "User", 28),
    ("reminders", "Mails", 5),
    ("reason", "Reason", 19),
)


def when(value: object) -> str:
    """`2026-11-03T06:00:00` as `2026-11-03 06:00`."""
    return str(value or "")[:16].replace("T", " ")


class NotActivatedScreen(Screen[None]):
    """The not-activated list with a live filter; `Esc` clears the filter, then goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("t", "trail", "Audit trail"),
        Binding("R", "reload", "Reload"),
        Binding("escape", "back", "Back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, link: BackendLink) -> None:
        super().__init__()
        self.link = link
        self.users: list[View] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield StatusLine(Text("Not activated", style="bold"), id="na-title")
        yield SteadyInput(placeholder="filter: user, reason, date", id="na-filter")
        yield DataTable(cursor_type="row", id="not-activated")
        yield StatusLine(id="na-detail")
        yield Footer(compact=True)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#not-activated", DataTable)

    @property
    def filter_box(self) -> Input:
        return self.query_one("#na-filter", Input)

    def on_mount(self) -> None:
        self.filter_box.display = False
        for key, label, width in COLUMNS:
            self.table.add_column(Text(label), key=key, width=width)
        self.table.focus()
        self.action_reload()

    @work(thread=True, exclusive=True, group="not-activated", exit_on_error=False)
    def load(self) -> None:
        try:
            self.post_message(NotActivatedLoaded(self.link.list_not_activated()))
        except Exception as error:
            self.post_message(CallFailed("not activated", explain(error)))

    def on_not_activated_loaded(self, message: NotActivatedLoaded) -> None:
        self.users = message.users
        self.loaded = True
        self.refresh_rows()

    def on_call_failed(self, message: CallFailed) -> None:
        self.query_one("#na-detail", StatusLine).say(
            f"{message.what} failed: {message.text}", "red"
        )
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def visible_users(self) -> list[View]:
        needle = self.filter_box.value.casefold()
        return [
            u
            for u in self.users
            if not needle or needle in json.dumps(u, ensure_ascii=False).casefold()
        ]

    def refresh_rows(self) -> None:
        self.table.clear()
        shown = self.visible_users()
        for index, user in enumerate(shown):
            self.table.add_row(
                cell(when(user.get("at")), 16),
                cell(user.get("username", ""), 60),
                cell(user.get("reminders", ""), 9),
                cell(user.get("reason", ""), 40),
                key=str(index),
            )
        needle = self.filter_box.value
        words = f"Not activated: {len(shown)} of {len(self.users)}"
        if needle:
            words += f" (filter: {needle})"
        self.query_one("#na-title", StatusLine).say(words, "bold")
        self._show_detail()

    def cursor_user(self) -> View | None:
        if not self.table.row_count:
            return None
        shown = self.visible_users()
        row = self.table.cursor_row
        return shown[row] if 0 <= row < len(shown) else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        user = self.cursor_user()
        detail = self.query_one("#na-detail", StatusLine)
        if user is None:
            detail.say("nobody" if self.loaded and not self.users else "")
            return
        detail.say(
            f"{user.get('username', '')}: {user.get('reason', '')} "
            f"(reminder mails: {user.get('reminders', 0)}, since {when(user.get('at'))})"
        )

    def action_filter(self) -> None:
        self.filter_box.display = True
        self.filter_box.focus()

    @on(Input.Changed, "#na-filter")
    def _filtered(self, event: Input.Changed) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#na-filter")
    def _kept(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_back(self) -> None:
        if self.filter_box.display:
            self.filter_box.value = ""
            self.filter_box.display = False
            self.table.focus()
        else:
            self.dismiss()

    def action_trail(self) -> None:
        user = self.cursor_user()
        if user is not None and user.get("request_key"):
            self.app.push_screen(TrailModal(self.link, str(user["request_key"])))

    def action_reload(self) -> None:
        self.query_one("#na-title", StatusLine).say("Not activated: loading…", "bold")
        self.load()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()
