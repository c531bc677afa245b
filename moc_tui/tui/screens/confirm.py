"""The one confirmation dialog: a question, Cancel and a red yes, for every action that changes
something (a reset, a plan of provisioning or quotas).

Focus starts on Cancel, so a stray Enter does nothing harmful; `y` confirms, `n`/Esc cancels,
← → move between the buttons, `?`/F1 list the keys. `ScrollingConfirmModal` is the same dialog
with a title above a body that may be longer than the screen: the body scrolls with the usual
keys (↓ j PgDn End …) wherever the focus is, so the operator reads it all without leaving Cancel.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from moc_tui.tui.screens.help import Dialog


class ConfirmModal(Dialog[bool]):
    """A yes/no question; returns True only when the operator confirms an allowed action."""

    HELP_NAME = "Confirm"
    HELP_EXTRA = (("Enter", "Press the focused button (Cancel at first)"),)
    SIZE: ClassVar[str] = "small"  # the dialog's class in app.tcss

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n", "cancel", "Cancel"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
    ]

    def __init__(self, question: Text, yes: str, *, allowed: bool = True) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.allowed = allowed  # False: nothing to confirm, the yes button is disabled

    def body(self) -> ComposeResult:
        """What is asked, above the buttons."""
        yield Static(self.question)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes=self.SIZE):
            yield from self.body()
            with Horizontal(classes="buttons"):
                yield Button(Text("Cancel (n)"), id="cancel", compact=True)
                yield Button(
                    Text(f"{self.yes} (y)"),
                    id="confirm",
                    variant="error",
                    disabled=not self.allowed,
                    compact=True,
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(self.allowed)


class ScrollingConfirmModal(ConfirmModal):
    """A confirmation with a title and a long body that scrolls while the focus stays put."""

    SIZE = "long"
    BODY_ID: ClassVar[str] = "confirm-text"  # the body's Static, for tests and subclasses

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll('down')", "Scroll down", show=False),
        Binding("up,k", "scroll('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("end,G", "scroll('end')", "End", show=False),
        Binding("home,g", "scroll('home')", "Top", show=False),
    ]

    def __init__(self, title: Text, question: Text, yes: str, *, allowed: bool = True) -> None:
        super().__init__(question, yes, allowed=allowed)
        self.title_text = title

    def body(self) -> ComposeResult:
        yield Static(self.title_text, classes="title")
        with VerticalScroll(id="confirm-body"):
            yield Static(self.question, id=self.BODY_ID)

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        getattr(body, f"scroll_{where}")(animate=False)
