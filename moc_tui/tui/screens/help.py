"""Help: every key of the screen the operator was on, one line each (hidden aliases too)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

NAMES = {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc"}


def key_name(key: str) -> str:
    return NAMES.get(key, key)


def bindings_text(screen: Screen[object]) -> Text:
    """Keys of `screen` (its widgets', its own, the app's), first description wins per key."""
    text = Text()
    seen: set[str] = set()

    own = {(b.key, b.action) for b in type(screen).BINDINGS if isinstance(b, Binding)}

    def rank(item: tuple[str, ActiveBinding]) -> int:
        """This screen's own keys first, then the app's, then Textual's defaults."""
        node = item[1].node
        if (item[1].binding.key, item[1].binding.action) in own or node is screen.app:
            return 0
        return 1 if node is screen else 2

    for key, active in sorted(screen.active_bindings.items(), key=rank):
        binding = active.binding
        if key in seen or not binding.description:
            continue
        seen.add(key)
        text.append(f"{key_name(binding.key_display or key):>10}  ", style="bold")
        text.append(f"{binding.description}\n")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, screen: Screen[object], note: str = "") -> None:
        super().__init__()
        self.keys = bindings_text(screen)
        self.note = note  # e.g. the demo's setpass address and Maildir, which the TUI covers
        self.title_text = f"Keys — {type(screen).__name__.removesuffix('Screen') or 'main'}"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="title")
            with VerticalScroll():
                if self.note:
                    yield Static(Text(self.note, style="dim"), id="help-note")
                yield Static(self.keys, id="help-keys")
            yield Static(Text("esc closes", style="dim"))

    def action_close(self) -> None:
        self.dismiss()
