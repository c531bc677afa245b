"""Users who never set their password, after every renewed link (`list_not_activated`).

Read-only: the activation cron job records them; the operator looks, filters, opens the audit
trail of the request (`t`), and follows up by hand (a password reset, a mail). Oldest first, as
the backend sends them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import BindingType

from moc_tui.protocol.views import RecordView as View
from moc_tui.tui.backend_link import explain
from moc_tui.tui.messages import CallFailed, NotActivatedLoaded
from moc_tui.tui.screens.records import RecordsScreen, record_bindings
from moc_tui.tui.text import cell


def when(value: object) -> str:
    """`2026-11-03T06:00:00` as `2026-11-03 06:00`."""
    return str(value or "")[:16].replace("T", " ")


class NotActivatedScreen(RecordsScreen):
    """The not-activated list with a live filter; `Esc` clears the filter, then goes back."""

    BINDINGS: ClassVar[list[BindingType]] = record_bindings()
    heading = "Not activated"
    filter_placeholder = "filter: user, reason, date"
    title_id = "na-title"
    filter_id = "na-filter"
    table_id = "not-activated"
    detail_id = "na-detail"
    columns = (  # fits 80 columns; the line under the table has the whole record
        ("at", "Recorded", 16),
        ("username", "User", 28),
        ("reminders", "Mails", 5),
        ("reason", "Reason", 19),
    )
    failures_on_detail = True

    @work(thread=True, exclusive=True, group="not-activated", exit_on_error=False)
    def load(self) -> None:
        try:
            self.post_message(NotActivatedLoaded(self.link.list_not_activated()))
        except Exception as error:
            self.post_message(CallFailed("not activated", explain(error)))

    def on_not_activated_loaded(self, message: NotActivatedLoaded) -> None:
        self.show_records(message.users)

    def cells(self, record: View) -> tuple[Text, ...]:
        return (
            cell(when(record.get("at")), 16),
            cell(record.get("username", ""), 60),
            cell(record.get("reminders", ""), 9),
            cell(record.get("reason", ""), 40),
        )

    def title_words(self) -> str:
        words = f"Not activated: {len(self.shown)} of {len(self.records)}"
        needle = self.filter_box.value
        return f"{words} (filter: {needle})" if needle else words

    def describe(self, record: View | None) -> str:
        if record is None:
            return "nobody" if self.loaded and not self.records else ""
        return (
            f"{record.get('username', '')}: {record.get('reason', '')} "
            f"(reminder mails: {record.get('reminders', 0)}, since {when(record.get('at'))})"
        )

    def action_reload(self) -> None:
        self.line(self.title_id).say("Not activated: loading…", "bold")
        self.load()
