"""Hold, deny and release a request (`h`, `D`, `u`): for a row the helpdesk cannot fix from the
TUI (a blank role, a bad PIN). The reason is asked in a small dialog and written by the backend
to the sheet's note column; the row then shows `⏸ held: reason` or `✗ denied: reason`, cannot be
selected or provisioned, and is counted apart from the pending rows until it is released.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from moc_tui.protocol.views import AccessView, HoldKind, is_access
from moc_tui.tui.messages import WorkerMessage
from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.screens.requests import RequestsScreen
from moc_tui.tui.widgets.field import SteadyInput
from moc_tui.tui.widgets.requests_table import FAILED, HELD_STATES, PROBLEM, READY, RowState
from moc_tui.tui.worker_errors import reports_failure

HOLDABLE = (READY, PROBLEM, FAILED)


class ReasonModal(Dialog[str | None]):
    """One line: why the row waits. Enter saves, Esc cancels (nothing is written)."""

    HELP_NAME = "Reason"
    HELP_EXTRA = (("Enter", "Save the reason"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="small"):
            yield Static(Text(self.question, style="bold"), classes="title")
            # no length cap here: the backend says the limit (`core.access.hold`)
            yield SteadyInput(placeholder="reason (the next operator reads it)", id="reason")

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.notify("Say why: the reason is what the next operator reads.", markup=False)
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteSaved(WorkerMessage):
    """A hold, denial or release was written; `said` is the operator's notice."""

    def __init__(self, said: str) -> None:
        super().__init__()
        self.said = said


class HoldingScreen(RequestsScreen):
    """The access list with hold, deny and release (the backend's `hold_access` ops)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *RequestsScreen.BINDINGS,
        Binding("h", "hold", "Hold", show=False),
        Binding("D", "deny", "Deny", show=False),
        Binding("u", "release", "Release hold", show=False),
    ]

    def _pending_row(self) -> RowState | None:
        state = self.table.cursor_state()
        if state is None or state.status not in HOLDABLE:
            self.notify("Only pending rows can be held or denied.", markup=False)
            return None
        return state

    def action_hold(self) -> None:
        self._ask("held")

    def action_deny(self) -> None:
        self._ask("denied")

    def _ask(self, kind: HoldKind) -> None:
        state = self._pending_row()
        if state is None:
            return
        verb = "Hold" if kind == "held" else "Deny"
        question = f"{verb} row {state.view['row']}: why?"

        def answered(reason: str | None) -> None:
            if reason:
                self.write_note(state, kind, reason)

        self.app.push_screen(ReasonModal(question), answered)

    def action_release(self) -> None:
        state = self.table.cursor_state()
        if state is None or state.status not in HELD_STATES:
            self.notify("Only a held or denied row can be released.", markup=False)
            return
        self.write_note(state, None, "")

    def write_note(self, state: RowState, kind: HoldKind | None, reason: str) -> None:
        view = state.view
        if not is_access(view):  # (the access list's rows all are: quota rows have no hold)
            return
        if kind is None:
            self.release_row(view)
        else:
            self.hold_row(view, kind, reason)

    @work(thread=True, group="hold", exit_on_error=False)
    @reports_failure("hold")
    def hold_row(self, view: AccessView, kind: HoldKind, reason: str) -> None:
        self.link.hold(view, kind, reason)
        row = view["row"]
        self.post_message(NoteSaved(f"Row {row} {kind}; the reason is in the sheet's note column."))

    @work(thread=True, group="hold", exit_on_error=False)
    @reports_failure("release")
    def release_row(self, view: AccessView) -> None:
        self.link.release(view)
        self.post_message(NoteSaved(f"Row {view['row']} released: it is pending again."))

    def on_note_saved(self, message: NoteSaved) -> None:
        self.notify(message.said, markup=False)
        self.action_reload()
