"""The detail view (k9s describe, lazygit's side panel): one request, error or progress row in
full, wrapped, scrollable, then its problems and what was done to it.

`d` opens it from the request lists, the errors log and the progress screen. Every value is
literal (`text.block`: markup stays text, control characters become escapes) and shown whole;
nothing is copied anywhere. What was done comes from the progress screen's streamed steps when
it has them, and from the request's audit trail (the `audit_trail` op) otherwise: the list
views do not carry the journal's steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from moc_tui.core.step_names import action_label
from moc_tui.protocol.views import AuditView, RequestView
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.format import detail_words, value_words, when
from moc_tui.tui.messages import CallFailed, TrailLoaded
from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.text import block, plain
from moc_tui.tui.widgets.requests_table import RowState
from moc_tui.tui.worker_errors import reports_failure

HIDDEN = frozenset({"fingerprint", "problems"})  # a checksum; the problems have their section
# what the form asked, first; the backend's bookkeeping last
FIRST = ("row", "email", "username", "first_name", "last_name", "organization", "role")
LAST = ("problem_fields", "formulas", "request_key")
LIMIT = 5000  # a value longer than this is cut (the backend caps cells far below)
Fields = Sequence[tuple[str, object]]


def label(key: str) -> str:
    return key.replace("_", " ")


def view_fields(view: RequestView) -> list[tuple[str, object]]:
    """Every field of an access or quota view, in its order, by a readable name."""
    values: Mapping[str, object] = view  # every key, whichever kind of request it is
    keys = [k for k in FIRST if k in values]
    keys += [k for k in values if k not in FIRST and k not in LAST]
    keys += [k for k in LAST if k in values]
    return [(label(key), values[key]) for key in keys if key not in HIDDEN]


def detail_text(
    fields: Fields, problems: Sequence[str] = (), done: Sequence[str] = (), done_title: str = ""
) -> Group:
    """The body: `name  value` per field (lists and mappings in words; a long value wraps in its
    column), the problems, then what was done; literal, never cut at the screen's width."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in fields:
        words = value if isinstance(value, str) else value_words(value)
        grid.add_row(Text(name), block(words or "—", LIMIT))
    text = Text()
    text.append("\nProblems\n", style="bold underline")
    for problem in problems or ["none"]:
        text.append("  ")
        text.append_text(block(problem, LIMIT))
        text.append("\n")
    if done_title:
        text.append(f"\n{done_title}\n", style="bold underline")
        for line in done or ["nothing yet"]:
            text.append("  ")
            text.append_text(block(line, LIMIT))
            text.append("\n")
    return Group(grid, text)


def trail_lines(records: Sequence[AuditView]) -> list[str]:
    return [
        f"{when(r['at'])} {r['operator']} {action_label(r['action'])}"
        + (f": {words}" if (words := detail_words(r["detail"])) else "")
        for r in records
    ]


class DetailModal(Dialog[None]):
    """Everything about one entry; `request_key` given and no `done`: its audit trail loads."""

    HELP_NAME = "Detail"
    DEFAULT_CSS = "#detail-body { height: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("down,j", "scroll('down')", "Scroll down", show=False),
        Binding("up,k", "scroll('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("end,G", "scroll('end')", "End", show=False),
        Binding("home,g", "scroll('home')", "Top", show=False),
    ]

    def __init__(
        self,
        title: str,
        fields: Fields,
        problems: Sequence[str] = (),
        *,
        link: BackendLink | None = None,
        request_key: str = "",
        done: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.title_words = title
        self.fields = list(fields)
        self.problems = list(problems)
        self.link = link
        self.request_key = request_key
        self.done = list(done) if done is not None else None
        self.trail: list[str] | None = None  # the audit trail once loaded

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="plan"):
            yield Static(Text(plain(self.title_words, 120), style="bold"), classes="title")
            with VerticalScroll(id="detail-body"):
                yield Static(self.body(), id="detail-text")

    def on_mount(self) -> None:
        if self.done is None and self.link is not None and self.request_key:
            self.load_trail(self.link, self.request_key)

    def body(self) -> Group:
        if self.done is not None:
            return detail_text(self.fields, self.problems, self.done, "Steps this run")
        if not self.request_key:
            return detail_text(self.fields, self.problems, (), "")
        trail = ["loading…"] if self.trail is None else self.trail
        return detail_text(self.fields, self.problems, trail, "Audit trail")

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    @reports_failure("audit trail")
    def load_trail(self, link: BackendLink, request_key: str) -> None:
        self.post_message(TrailLoaded(link.audit_trail(request_key)))

    def on_trail_loaded(self, message: TrailLoaded) -> None:
        self.trail = trail_lines(message.records)
        self.query_one("#detail-text", Static).update(self.body())

    def on_call_failed(self, message: CallFailed) -> None:
        self.trail = [f"{message.what} failed: {message.text}"]
        self.query_one("#detail-text", Static).update(self.body())

    def action_scroll(self, where: str) -> None:
        getattr(self.query_one("#detail-body", VerticalScroll), f"scroll_{where}")(animate=False)

    def action_close(self) -> None:
        self.dismiss()


def open_detail(
    screen: Screen[Any],
    state: RowState,
    link: BackendLink | None,
    done: Sequence[str] | None = None,
) -> None:
    """The detail of a table row's `RowState` (its view, status and reason) over `screen`."""
    view = state.view
    problems = list(view["problems"])
    if state.reason and state.reason not in problems:
        problems.append(state.reason)
    fields = [("status", state.status), *view_fields(view)]
    title = f"{view['email'] or 'a request'}, row {view['row']}"
    key = view["request_key"]
    screen.app.push_screen(
        DetailModal(title, fields, problems, link=link, request_key=key, done=done)
    )
