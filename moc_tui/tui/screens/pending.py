"""The main screen: approved, notified access requests waiting for an account."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from moc_tui.protocol.views import is_access
from moc_tui.tui.screens.activation import NotActivatedScreen
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.hold import HoldingScreen
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.trail import TrailModal, subject
from moc_tui.tui.widgets.requests_table import ACCESS_COLUMNS, FAILED, PROBLEM, READY


class PendingScreen(HoldingScreen):
    """Review, fix, provision; the other screens are one key away."""

    HELP_NAME = "Access requests"
    HELP_EXTRA = (
        ("Enter", "Edit the request under the cursor (as e)"),
        ("↑, ↓, PgUp, PgDn", "Move"),
    )

    columns = ACCESS_COLUMNS
    BINDINGS: ClassVar[list[BindingType]] = [
        *HoldingScreen.BINDINGS,  # hold, deny, release (screens/hold.py)
        Binding("e", "edit", "Edit"),
        Binding("t", "trail", "Audit trail", show=False),
        Binding("Q", "quota", "Quota"),
        Binding("x", "reset", "Reset pw"),
        Binding("E", "errors", "Errors"),
        Binding("N", "not_activated", "Not activated users", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table's own binding) opens it for editing."""
        self.action_edit()

    def action_edit(self) -> None:
        state = self.table.cursor_state()
        if (
            state is None
            or state.status not in (READY, PROBLEM, FAILED)
            or not is_access(state.view)
        ):
            self.notify("Only pending rows can be edited.", markup=False)
            return
        projects = sorted({s.view["project"] for s in self.table.states if s.view["project"]})

        def edited(changed: bool | None) -> None:
            if changed:
                self.action_reload()

        self.app.push_screen(EditModal(self.link, state.view, projects), edited)

    def action_trail(self) -> None:
        view = self.selected_view()
        if view is None:
            return
        if not view["request_key"]:
            self.notify("This row has no request key yet: it has no audit trail.", markup=False)
            return
        about = subject(view["email"], view["row"])
        self.app.push_screen(TrailModal(self.link, str(view["request_key"]), about))

    def action_quota(self) -> None:
        if not (self.link.greeting and self.link.greeting["quota_tab"]):
            self.notify("Quota requests are not configured.", markup=False)
            return
        self.app.push_screen(QuotaScreen(self.link))

    def action_reset(self) -> None:
        self.app.push_screen(ResetModal(self.link))

    def action_errors(self) -> None:
        self.app.push_screen(ErrorsScreen(self.link))

    def action_not_activated(self) -> None:
        self.app.push_screen(NotActivatedScreen(self.link))
