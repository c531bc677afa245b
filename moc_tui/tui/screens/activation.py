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

from moc_tui.protocol.views import NotActivatedView as View
from moc_tui.tui.format import WHEN_WIDTH, when
from moc_tui.tui.messages import NotActivatedLoaded
from moc_tui.tui.screens.records import RecordsScreen, record_bindings
from moc_tui.tui.text import cell
from moc_tui.tui.worker_errors import reports_failure


class NotActivatedScreen(RecordsScreen[View]):
    """The not-activated list with a live filter; `Esc` clears the filter, then goes back."""

    BINDINGS: ClassVar[list[BindingType]] = record_bindings()
    HELP_NAME = "Users who never activated"
    HELP_EXTRA = (("↑, ↓, PgUp, PgDn", "Move; the line under the table shows the whole record"),)
    heading = "Not activated"
    filter_placeholder = "filter: user, reason, date"
    title_id = "na-title"
    filter_id = "na-filter"
    table_id = "not-activated"
    detail_id = "na-detail"
    columns = (  # fits 80 columns; the line under the table has the whole record
        ("at", "Recorded", WHEN_WIDTH),
        ("username", "User", 28),
        ("reminders", "Mails", 5),
        ("reason", "Reason", 19),
    )
    flex = "reason"
    failures_on_detail = True

    @work(thread=True, exclusive=True, group="not-activated", exit_on_error=False)
    @reports_failure("not activated")
    def load(self) -> None:
        self.post_message(NotActivatedLoaded(self.link.list_not_activated()))

    def on_not_activated_loaded(self, message: NotActivatedLoaded) -> None:
        self.show_records(message.users)

    def cells(self, record: View) -> tuple[Text, ...]:
        return (
            cell(when(record["at"]), WHEN_WIDTH),
            cell(record["username"], 60),
            cell(record["reminders"], 9),
            cell(record["reason"], 40),
        )

    def title_words(self) -> str:
        words = f"Not activated: {len(self.shown)} of {len(self.records)}"
        needle = self.filter_box.value
        return f"{words} (filter: {needle})" if needle else words

    def describe(self, record: View | None) -> str:
        if record is None:
            if not self.loaded:
                return ""
            return "nobody matches the filter" if self.records else "nobody"
        return (
            f"{record['username']}: {record['reason']} "
            f"(reminder mails: {record['reminders']}, since {when(record['at'])})"
        )

    def trail_subject(self, record: View) -> str:
        return record["username"]

    def action_reload(self) -> None:
        self.line(self.title_id).say("Not activated: loading…", "bold")
        self.load()
