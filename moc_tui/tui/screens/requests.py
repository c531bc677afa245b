"""The shared request-list screen: load, filter, select, plan, confirm, run, show outcomes.

`PendingScreen` (access requests) and `QuotaScreen` (quota requests) differ only in their
`RequestKind` (the ops they call, their words: `tui/kinds.py`) and a few keys. Workers call
the backend link in a thread and post messages back.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from moc_tui.protocol.views import RequestView
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.kinds import ACCESS, RequestKind
from moc_tui.tui.messages import CallFailed, Greeted, PlansReady, RequestsLoaded
from moc_tui.tui.screens.detail import open_detail
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.session_log import SessionLogModal
from moc_tui.tui.widgets.bars import HeaderBar, StatusLine
from moc_tui.tui.widgets.field import SteadyInput
from moc_tui.tui.widgets.requests_table import (
    DONE,
    FAILED,
    SELECTABLE,
    RequestsTable,
    RowState,
    unique_keys,
)
from moc_tui.tui.worker_errors import reports_failure


class RequestsScreen(Screen[None]):
    """A table of requests of one `kind` with the plan -> confirm -> progress flow."""

    kind: ClassVar[RequestKind] = ACCESS  # its ops and words (`tui/kinds.py`)
    columns: ClassVar[list[tuple[str, str, int]]] = []
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("space", "toggle_row", "Select"),
        Binding("v", "range", "Select a range", show=False),
        Binding("a", "select_visible", "Select all visible", show=False),
        Binding("U", "clear_selection", "Clear selection", show=False),
        Binding("p", "plan", "Provision"),
        Binding("d", "detail", "Detail", show=False),
        Binding("L", "session_log", "Session log", show=False),
        Binding("R", "reload", "Reload", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("escape", "escape", "Back / clear filter", show=False),
    ]

    def __init__(self, link: BackendLink) -> None:
        super().__init__()
        self.link = link
        self.outcomes: dict[str, RowState] = {}  # done/failed in this session, by key
        self.planning: list[RowState] = []  # what the operator chose when asking for the plan
        self.range_anchor: str | None = None  # where a range (`v`) started

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield SteadyInput(placeholder="filter: name, email, project, status", id="filter")
        yield RequestsTable(self.columns, id="requests")
        yield StatusLine(id="detail")
        yield StatusLine(id="counts")
        yield Footer(compact=True)

    @property
    def table(self) -> RequestsTable:
        return self.query_one(RequestsTable)

    AUTO_FOCUS = "#requests"

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self._show_header()
        self.action_reload()

    def _show_header(self) -> None:
        self.query_one(HeaderBar).show(
            self.link.greeting,
            self.kind.tab_key,
            self.link.operator,
            self.kind.list_title,
            self.kind.sheet_label,
        )

    # backend calls (thread workers; they only post messages) ------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    @reports_failure("load")
    def load(self) -> None:
        if self.link.greeting is None:
            self.post_message(Greeted(self.link.hello()))
        self.post_message(RequestsLoaded(self.kind.name, self.kind.pending(self.link)))

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    @reports_failure("plan")
    def plan(self, views: list[RequestView]) -> None:
        self.post_message(PlansReady(self.kind.name, self.kind.plan(self.link, views)))

    # messages -----------------------------------------------------------------------------------
    def on_greeted(self, message: Greeted) -> None:
        self._show_header()
        self.refresh_bindings()  # a read-only operator's keys hide (app.py `allows`)

    def on_requests_loaded(self, message: RequestsLoaded) -> None:
        states = []
        present = set()
        for key, view in unique_keys(message.views):
            present.add(key)
            state = RowState.of(key, view)
            earlier = self.outcomes.get(key)
            if earlier is not None and earlier.status == FAILED and not state.reason:
                state.status, state.reason = FAILED, earlier.reason
            states.append(state)
        # rows done in this session have left the list: keep them visible, marked done
        states += [s for k, s in self.outcomes.items() if s.status == DONE and k not in present]
        self.table.load(states)
        self.update_counts()

    def on_call_failed(self, message: CallFailed) -> None:
        self.update_counts()
        self.query_one("#detail", StatusLine).say(f"{message.what} failed: {message.text}", "red")
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def on_plans_ready(self, message: PlansReady) -> None:
        chosen = {s.view["row"]: s for s in self.planning}
        plans = message.plans
        runnable = [chosen[p["row"]] for p in plans if p["ok"] and p["row"] in chosen]
        cloud = self.link.greeting["cloud"] if self.link.greeting else "?"

        def confirmed(yes: bool | None) -> None:
            if yes and runnable:
                self.app.push_screen(
                    ProgressScreen(self.link, self.kind, runnable), self.run_finished
                )

        self.app.push_screen(PlanModal(self.kind, plans, cloud), confirmed)

    def run_finished(self, outcomes: dict[str, RowState] | None) -> None:
        self.outcomes.update(outcomes or {})
        self.table.selected -= {k for k, s in (outcomes or {}).items() if s.status == DONE}
        self.action_reload()

    # table events ------------------------------------------------------------------------------
    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.range_anchor is not None:  # moving extends the range
            self._extend_range()
            self.update_counts()
        else:
            self.show_detail()

    @on(RequestsTable.SortChanged)
    def _sort_changed(self) -> None:
        self.update_counts()

    def show_detail(self) -> None:
        state = self.table.cursor_state()
        detail = self.query_one("#detail", StatusLine)
        if state is None:
            detail.say("")
        elif state.status == DONE:
            moved = self.kind.done_tab(self.link.greeting)
            detail.say(f"done: was row {state.view['row']}, moved to {moved}")
        elif state.reason:
            detail.say(f"row {state.view['row']}: {state.reason}", "yellow")
        else:
            detail.say(f"row {state.view['row']}: {state.status}")

    def update_counts(self) -> None:
        counts = self.table.counts(self.kind.noun)
        if self.table.sort_label():
            counts += f" · sorted by {self.table.sort_label()}"
        if self.range_anchor is not None:
            counts += f" · range: {len(self.table.in_range)} rows (v or space selects)"
        self.query_one("#counts", StatusLine).say(counts, "bold")
        self.show_detail()

    # filter -------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # at once, not `box.focus()` (a callback queued behind keys already read): `/alice`
        # arriving in one burst over SSH is a filter, not `a` (select all) and `e` (edit)
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value
        self.table.refresh_rows(force=False)
        self.update_counts()

    @on(Input.Submitted, "#filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        """Enter keeps the filter and gives its room back to the table (as k9s does): the
        counts line shows the filter, `/` edits it again, Esc clears it."""
        self.query_one("#filter", Input).display = False
        self.table.focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if self.range_anchor is not None:
            self.range_anchor = None
            self.table.mark_range(set())
        elif box.display or box.value:
            box.value = ""
            box.display = False
            self.table.focus()
        elif self.app.screen_stack.index(self) > 1:
            self.dismiss()

    # selection and actions ----------------------------------------------------------------------
    def action_toggle_row(self) -> None:
        """Select or unselect, then down one row (htop); in a range, select the range."""
        if self.range_anchor is not None:
            self.action_range()
            return
        state = self.table.cursor_state()
        if state is not None and not self.table.toggle(state.key):
            self.notify(
                f"row {state.view['row']} is {state.status}: it cannot be selected",
                severity="warning",
                markup=False,
            )
        self.table.action_cursor_down()
        self.update_counts()

    def action_range(self) -> None:
        """`v` starts a range at the cursor, moving extends it, `v` or space selects it."""
        if self.range_anchor is None:
            self.range_anchor = self.table.cursor_key()
            self._extend_range()
            self.update_counts()
            return
        chosen = [self.table.state(k) for k in self.table.in_range]
        self.range_anchor = None
        self.table.mark_range(set())
        for state in chosen:
            if state.status in SELECTABLE and state.key not in self.table.selected:
                self.table.toggle(state.key)
        self.update_counts()

    def _extend_range(self) -> None:
        shown, cursor = self.table.shown_keys(), self.table.cursor_key()
        keys: set[str] = set()
        if self.range_anchor in shown and cursor in shown:
            ends = sorted((shown.index(self.range_anchor), shown.index(cursor)))
            keys = set(shown[ends[0] : ends[1] + 1])
        self.table.mark_range(keys)

    def action_select_visible(self) -> None:
        self.table.select_visible()
        self.update_counts()

    def action_clear_selection(self) -> None:
        self.table.clear_selection()
        self.update_counts()

    def action_plan(self) -> None:
        chosen = self.table.chosen()
        if not chosen:
            self.notify("Nothing to do: select ready rows with space.", markup=False)
            return
        self.planning = chosen
        self.plan([s.view for s in chosen])

    def action_reload(self) -> None:
        self.query_one("#counts", StatusLine).say("loading…")
        self.load()

    def action_detail(self) -> None:
        """The row under the cursor in full, with its problems and audit trail."""
        state = self.table.cursor_state()
        if state is not None:
            open_detail(self, state, self.link)

    def action_session_log(self) -> None:
        self.app.push_screen(SessionLogModal(self.link.session_log, self.link.operator))

    def selected_view(self) -> RequestView | None:
        state = self.table.cursor_state()
        return None if state is None else state.view
