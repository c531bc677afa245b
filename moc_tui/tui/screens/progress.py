"""Progress of a run: per row and per step from the streamed events, an overall bar.

The screen sends every confirmed row in ONE `provision`/`apply_quota` call, with the fingerprint
of what the plan showed; the backend fails alone a row that changed since (or is held by another
session) and runs the rest, streaming each row's and step's events, which drive the rows here;
its reply says each row's outcome. The finished rows move to the done tab together, at the end,
so the row numbers stay valid for the whole run. Cancel (`c`) asks the backend (`cancel`) to
stop before the next step: the step running finishes, what is done stays journaled, the row in
hand stays pending ("stopped") and the rows after it are not started ("not sent"); provisioning
them again resumes where they stopped. `r` retries failed and stopped rows through a fresh plan
and confirm.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.widgets.data_table import ColumnKey

from moc_tui.core.step_names import step_label
from moc_tui.protocol.events import EventKind, ProgressEvent
from moc_tui.protocol.views import HELD, NOT_AS_SHOWN, RequestView
from moc_tui.tui.backend_link import BackendLink, explain
from moc_tui.tui.kinds import RequestKind
from moc_tui.tui.messages import CallFailed, PlansReady, RowEventReceived, RowFinished, RunFinished
from moc_tui.tui.screens.detail import open_detail
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.text import block, cell
from moc_tui.tui.widgets.bars import StatusLine
from moc_tui.tui.widgets.requests_table import DONE, FAILED, GLYPHS, RUNNING, STYLES, RowState
from moc_tui.tui.worker_errors import reports_failure

QUEUED, NOT_SENT, STOPPED = "queued", "not sent", "stopped"
AGAIN = (FAILED, NOT_SENT, STOPPED)  # what `r` retries
ROW_WIDTH, STATUS_WIDTH = 4, 13
EMAIL_MIN, EMAIL_MAX = 16, 32
SEPARATOR, CUT = " › ", "… › "


def progress_widths(total: int, longest_email: int = EMAIL_MAX) -> tuple[int, int]:
    """(email, steps) widths for a table `total` cells wide: the email as long as the longest
    one (16 to 32 cells), the steps all the rest.

    Every column has one cell of padding each side, and a vertical scrollbar may take two.
    """
    rest = total - 2 * 4 - 2 - ROW_WIDTH - STATUS_WIDTH
    email = max(EMAIL_MIN, min(EMAIL_MAX, longest_email, rest // 2))
    return email, max(12, rest - email)


def last_steps(steps: list[str], width: int) -> str:
    """The latest steps that fit in `width`, `… › ` in front when earlier ones are left out:
    the step reached is what matters, the first ones are in the detail line."""
    shown: list[str] = []
    for step in reversed(steps):
        candidate = [step, *shown]
        text = SEPARATOR.join(candidate)
        room = width - (len(CUT) if len(candidate) < len(steps) else 0)
        if len(text) > room and shown:
            break
        shown = candidate
    text = SEPARATOR.join(shown)
    return (CUT + text) if len(shown) < len(steps) else text


class ProgressScreen(Screen[dict[str, RowState]]):
    """Runs the chosen rows; dismisses with the outcome of every row it touched."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_run", "Cancel after this step"),
        Binding("r", "retry", "Retry failed"),
        Binding("d", "detail", "Detail"),
        Binding("escape", "back", "Back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, link: BackendLink, kind: RequestKind, states: list[RowState]) -> None:
        super().__init__()
        self.link = link
        self.kind = kind
        self.states = {s.key: RowState(s.key, s.view, QUEUED) for s in states}
        self.steps: dict[str, list[str]] = {s.key: [] for s in states}
        self.in_hand: dict[str, str] = {}  # the step each running row is in (`step_started`)
        self.running = False
        self.cancel = threading.Event()
        self.retrying: list[RowState] = []

    def compose(self) -> ComposeResult:
        yield StatusLine(Text(self.kind.running_title, style="bold"), id="progress-title")
        yield ProgressBar(total=len(self.states), show_eta=False, id="overall")
        yield DataTable(cursor_type="row", id="rows")
        yield Static(id="progress-detail")  # wraps: a whole failure reason
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#rows", DataTable)
        email, steps = self._widths(self.size.width)
        table.add_column(Text("Row"), key="row", width=ROW_WIDTH)
        table.add_column(Text("Email"), key="email", width=email)
        table.add_column(Text("Status"), key="status", width=STATUS_WIDTH)
        table.add_column(Text("Steps"), key="steps", width=steps)
        for state in self.states.values():
            table.add_row(
                cell(state.view["row"], 6),
                cell(state.view["email"], 120),
                self._status(state),
                Text(""),
                key=state.key,
            )
        table.focus()
        self.start(list(self.states.values()))

    def _widths(self, total: int) -> tuple[int, int]:
        emails = [len(s.view["email"]) for s in self.states.values()]
        return progress_widths(total, max(emails, default=EMAIL_MIN))

    def on_resize(self, event: events.Resize) -> None:
        """The columns follow the terminal: the email up to 32 cells, the steps the rest."""
        table = self.query_one("#rows", DataTable)
        if ColumnKey("steps") not in table.columns:
            return
        email, steps = self._widths(event.size.width)
        table.columns[ColumnKey("email")].width = email
        table.columns[ColumnKey("steps")].width = steps
        for key in self.states:
            self._refresh_row(key)
        table._require_update_dimensions = True  # private; Textual is pinned exactly
        table.refresh()

    def _status(self, state: RowState) -> Text:
        return cell(
            f"{GLYPHS.get(state.status, '·')} {state.status}", 13, STYLES.get(state.status, "")
        )

    def start(self, states: list[RowState]) -> None:
        self.running = True
        self.cancel.clear()
        for state in states:
            state.status, state.reason = QUEUED, ""
            self._refresh_row(state.key)
        self._summarise()
        self.run_rows([(s.key, s.view) for s in states])

    # the worker ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def run_rows(self, rows: list[tuple[str, RequestView]]) -> None:
        """All `rows` in one call; each row's outcome from the reply, its progress from events."""
        keys = {view["row"]: key for key, view in rows}
        started: set[int] = set()

        def on_event(event: ProgressEvent) -> None:
            if event["kind"] == EventKind.ROWS_MOVED:
                return  # the reply says which rows are done
            if event["kind"] == EventKind.ROW_STARTED:
                started.add(event["row"])
            key = keys.get(event["row"])
            if key is not None:
                self.post_message(RowEventReceived(key, event))

        try:
            reply = self.kind.run(self.link, [view for _, view in rows], on_event)
        except Exception as error:  # refused as a whole (every row busy, session lost, ...)
            for key in keys.values():
                self.post_message(RowFinished(key, FAILED, explain(error)))
            self.post_message(RunFinished(self.cancel.is_set()))
            return
        answered: set[int] = set()
        for failure in reply["failed"]:
            if failure["row"] in keys and failure["row"] not in answered:
                answered.add(failure["row"])
                key = keys[failure["row"]]
                # a row that never ran says why in its message; a step failed names its step
                step = "" if failure["step"] in (NOT_AS_SHOWN, HELD) else failure["step"]
                self.post_message(RowFinished(key, FAILED, failure["message"], step))
        for row in reply["cancelled"]:
            if row in keys and row not in answered:
                answered.add(row)
                if row in started:
                    self.post_message(
                        RowFinished(keys[row], STOPPED, "cancelled; retry resumes it")
                    )
                else:
                    self.post_message(
                        RowFinished(keys[row], NOT_SENT, "cancelled before it started")
                    )
        for row in reply["done"]:
            if row in keys and row not in answered:
                answered.add(row)
                self.post_message(RowFinished(keys[row], DONE))
        for row, key in keys.items():
            if row not in answered:
                self.post_message(RowFinished(key, FAILED, "the backend did not answer for it"))
        self.post_message(RunFinished(self.cancel.is_set()))

    # messages ------------------------------------------------------------------------------------
    def on_row_event_received(self, message: RowEventReceived) -> None:
        state = self.states.get(message.key)
        if state is None:
            return
        event = message.event
        if event["kind"] == EventKind.ROW_STARTED:
            state.status = RUNNING
        elif event["kind"] == EventKind.STEP_STARTED:
            self.in_hand[message.key] = step_label(event["step"])
        elif event["kind"] == EventKind.STEP_DONE:
            self.in_hand.pop(message.key, None)
            self.steps[message.key].append(
                step_label(event["step"]) + (" (earlier)" if event["resumed"] else "")
            )
        elif event["kind"] in (EventKind.ROW_WARNING, EventKind.ROW_FAILED):
            state.reason = event["message"]
        elif event["kind"] == EventKind.ROW_CANCELLED:
            step = event["step"]
            self.steps[message.key].append(
                f"stopped before {step_label(step)}" if step else "not started"
            )
        self._refresh_row(message.key)
        self._summarise()

    def on_row_finished(self, message: RowFinished) -> None:
        state = self.states.get(message.key)
        if state is None:
            return
        state.status = message.status
        if message.message:
            where = f"{step_label(message.step)} failed: " if message.step else ""
            state.reason = where + message.message
        self.query_one("#overall", ProgressBar).advance(1)
        self._refresh_row(message.key)
        self._summarise()

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        counts = self._summarise()
        self.notify(
            run_outcome(counts),
            severity="warning" if any(counts.get(s) for s in AGAIN) else "information",
            markup=False,
        )

    def _refresh_row(self, key: str) -> None:
        table = self.query_one("#rows", DataTable)
        state = self.states[key]
        table.update_cell(key, "status", self._status(state))
        width = table.columns[ColumnKey("steps")].width
        in_hand = self.in_hand.get(key) if state.status == RUNNING else None
        steps = last_steps([*self.steps[key], *([f"now: {in_hand}"] if in_hand else [])], width)
        if state.status in AGAIN and state.reason:
            steps = state.reason  # why, rather than how far; the detail line has all of it
        table.update_cell(key, "steps", cell(steps, max(width, 1)))
        self._show_detail()

    def _summarise(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for state in self.states.values():
            counts[state.status] = counts.get(state.status, 0) + 1
        words = " · ".join(f"{n} {status}" for status, n in counts.items())
        prefix = "running" if self.running else "finished"
        if self.cancel.is_set():
            prefix = "cancelling after the current step" if self.running else "cancelled"
        self.query_one("#progress-title", StatusLine).say(f"{prefix}: {words}", "bold")
        return counts

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        table = self.query_one("#rows", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        state = self.states.get(str(key))
        if state is not None:
            steps = SEPARATOR.join(self.steps[state.key]) or "no step yet"
            message = f"row {state.view['row']} {state.view['email']}: {steps}"
            reason = f" — {state.reason}" if state.reason else ""
            self.query_one("#progress-detail", Static).update(block(message + reason, 2000))

    # keys -------------------------------------------------------------------------------------
    def action_detail(self) -> None:
        """The row under the cursor in full, with every step this run streamed."""
        table = self.query_one("#rows", DataTable)
        if not table.row_count:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if key in self.states:
            open_detail(self, self.states[key], self.link, self.steps[key])

    def action_cursor_down(self) -> None:
        self.query_one("#rows", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#rows", DataTable).action_cursor_up()

    def action_cancel_run(self) -> None:
        if self.running and not self.cancel.is_set():
            self.cancel.set()
            self._summarise()
            self.stop_row_in_hand()

    @work(thread=True, group="cancel", exit_on_error=False)
    @reports_failure("cancel")  # then the row finishes all its steps; nothing is lost
    def stop_row_in_hand(self) -> None:
        self.link.cancel_running()

    def action_back(self) -> None:
        if self.running:
            self.notify("Still running: press c to stop after the current step.", markup=False)
            return
        self.dismiss({k: s for k, s in self.states.items() if s.status in (DONE, FAILED)})

    def action_retry(self) -> None:
        failed = [s for s in self.states.values() if s.status in AGAIN]
        if self.running or not failed:
            self.notify("Nothing to retry." if not self.running else "Still running.", markup=False)
            return
        self.retrying = failed
        self.plan_again([s.key for s in failed])

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    @reports_failure("retry", own_words=(LookupError,))
    def plan_again(self, keys: list[str]) -> None:
        fresh = {v["request_key"]: v for v in self.kind.pending(self.link)}
        views = [fresh[k.split("@")[0]] for k in keys if k.split("@")[0] in fresh]
        if not views:
            raise LookupError("the failed rows are no longer pending; reload the list")
        plans = self.kind.plan(self.link, views)
        for state in self.retrying:
            state.view = fresh.get(state.key.split("@")[0], state.view)
        self.post_message(PlansReady(self.kind.name, plans))

    def on_call_failed(self, message: CallFailed) -> None:
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def on_plans_ready(self, message: PlansReady) -> None:
        ok_rows = {p["row"] for p in message.plans if p["ok"]}
        again = [s for s in self.retrying if s.view["row"] in ok_rows]

        def confirmed(yes: bool | None) -> None:
            if yes and again:
                bar = self.query_one("#overall", ProgressBar)
                bar.update(total=len(self.states), progress=len(self.states) - len(again))
                self.start(again)

        cloud = self.link.greeting["cloud"] if self.link.greeting else "?"
        self.app.push_screen(PlanModal(self.kind, message.plans, cloud), confirmed)


def run_outcome(counts: dict[str, int]) -> str:
    """The notice at the end of a run: what was done, what was not, and what `r` does.

    `3 done, 0 failed, 2 not sent — press r to resume them`; `2 done, 1 failed — press r to
    retry`.
    """
    parts = [f"{counts.get(DONE, 0)} done", f"{counts.get(FAILED, 0)} failed"]
    parts += [f"{counts[s]} {s}" for s in (STOPPED, NOT_SENT) if counts.get(s)]
    text = ", ".join(parts)
    if counts.get(STOPPED) or counts.get(NOT_SENT):
        return text + " — press r to resume them"
    return text + (" — press r to retry" if counts.get(FAILED) else "")
