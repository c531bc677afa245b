"""Help: every key of the screen or dialog the operator is on, and only this project's keys.

Keys come from the `BINDINGS` this project declares (the screen's, its own widgets' such as the
requests table, the app's), never Textual's built-in ones (`tab Focus Next`, an Input's `left
Cursor left`, a DataTable's `enter Select`). What a widget does with a key the project did not
bind (Enter on a row, Tab between fields) is said by the screen's `HELP_EXTRA`. The keys that
leave come first, so `q Quit` shows on an 80x24 terminal; long key names stay aligned.

`Dialog` is the base of every dialog: `?` and `F1` open this help (a modal screen does not
reach the app's keys), and the dialog has its own footer, so the keys shown under a dialog are
the dialog's.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "enter": "Enter",
    "f1": "F1",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
}
LEAVING = ("quit", "escape", "back", "close", "cancel")  # listed first: how to get out
HELP_BINDINGS: list[BindingType] = [  # a dialog's footer shows F1: `?` goes into a text field
    Binding("question_mark", "help", "Help", key_display="?", show=False),
    Binding("f1", "help", "Help", key_display="F1"),
]
Row = tuple[str, str]  # (keys, what they do)
R = TypeVar("R")


def key_name(key: str) -> str:
    return NAMES.get(key, key)


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings `node` answers that this project declared (first per key, as Textual
    runs them), without Textual's built-in ones."""
    declared = {
        (key.strip(), b.action, b.description)
        for cls in type(node).__mro__
        if cls.__module__.startswith("moc_tui.")
        for b in cls.__dict__.get("BINDINGS", [])
        if isinstance(b, Binding)
        for key in b.key.split(",")  # `Binding("down,j", …)` is one binding per key
    }
    found = []
    for key, bindings in node._bindings.key_to_bindings.items():
        first = bindings[0]
        if (key, first.action, first.description) in declared and first.description:
            found.append(first)
    return found


def enabled(node: DOMNode, binding: Binding) -> bool:
    """False for a key the node hides now (the reconnect key while the backend is up)."""
    if "." in binding.action:
        return True
    action = binding.action.split("(", 1)[0]
    allows = getattr(node.app, "allows", None)  # a read-only operator's hidden keys (app.py)
    if callable(allows) and not allows(action):
        return False
    return node.check_action(action, ()) is not False


def key_rows(screen: Screen[Any]) -> list[Row]:
    """(keys, description) for `screen`: keys with the same action on one line."""
    nodes: list[DOMNode] = [screen]
    nodes += [w for w in screen.query("*") if type(w).__module__.startswith("moc_tui.")]
    modal = screen.is_modal
    found: dict[str, tuple[str, list[str]]] = {}  # action: (description, keys)
    for node in [*nodes, screen.app]:
        for binding in own_bindings(node):
            if node is screen.app and modal and not binding.priority:
                continue  # a dialog does not reach the app's keys
            if not enabled(node, binding):
                continue
            action = binding.action.removeprefix("app.")
            name = binding.key_display or key_name(binding.key)
            _, keys = found.setdefault(action, (binding.description, []))
            if name not in keys:
                keys.append(name)

    def rank(action: str) -> int:
        return LEAVING.index(action) if action in LEAVING else len(LEAVING)

    rows = [(", ".join(found[a][1]), found[a][0]) for a in sorted(found, key=rank)]
    return rows + list(getattr(screen, "HELP_EXTRA", ()))


def keys_text(rows: list[Row]) -> Text:
    """One line a key, the descriptions in one column however long the key names are."""
    width = max((len(keys) for keys, _ in rows), default=0)
    text = Text()
    for keys, description in rows:
        text.append(keys.rjust(width) + "  ", style="bold")
        text.append(description + "\n")
    return text


def screen_name(screen: Screen[Any]) -> str:
    """The screen as the operator knows it: its `HELP_NAME`, else its class name in words."""
    named = getattr(screen, "HELP_NAME", "")
    if named:
        return str(named)
    base = re.sub(r"(Screen|Modal)$", "", type(screen).__name__) or "main"
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base).split()
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def open_help(app: App[Any]) -> None:
    """Help for the screen in front (once: help on the help does nothing)."""
    if isinstance(app.screen, HelpScreen):
        return
    app.push_screen(HelpScreen(app.screen, str(getattr(app, "note", ""))))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "close", "Close", key_display="esc"),
        Binding("f1", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, screen: Screen[Any], note: str = "") -> None:
        super().__init__()
        self.rows = key_rows(screen)
        self.keys = keys_text(self.rows)
        self.note = note  # e.g. the demo's setpass address and Maildir, which the TUI covers
        self.title_text = f"Keys — {screen_name(screen)}"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="title")
            with VerticalScroll(id="help-body"):
                yield Static(self.keys, id="help-keys")
                if self.note:
                    yield Static(Text(self.note, style="dim"), id="help-note")
            yield Static(Text("↑ ↓ PgUp PgDn scroll", style="dim"))
        yield Footer(compact=True)  # its own keys, not those of the screen under it

    def action_close(self) -> None:
        self.dismiss()


class Dialog(ModalScreen[R]):
    """A dialog: `?`/`F1` list its own keys, and its footer shows them."""

    HELP_NAME: ClassVar[str] = ""
    HELP_EXTRA: ClassVar[tuple[Row, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = HELP_BINDINGS

    def on_mount(self) -> None:
        """After the dialog's own mount handler (Textual runs each class's in turn)."""
        self.mount(Footer(compact=True))

    def action_help(self) -> None:
        open_help(self.app)
