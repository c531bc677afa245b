"""The helpdesk App: global keys, the backend link, and every door of a default Textual app shut.

The app receives a `connect` callable (the login wrapper builds the sudo command; tests pass a
fake) and never creates a client at import time. Closed doors (security.md §2.3, §6.5): no
command palette, no screenshots or file deliveries, no `open_url`, no suspend, and an unexpected
exception ends the app with one short line instead of Textual's traceback with locals, and
exit status 1. The terminal's size is read and clamped by `terminal.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Literal, TextIO

from rich.text import Text
from textual import constants, events
from textual.actions import ActionParseResult
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.driver import Driver
from textual.geometry import Size
from textual.widgets import Input

from moc_tui.tui.backend_link import RECONNECT_KEY, Backend, BackendLink
from moc_tui.tui.screens.help import open_help
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.terminal import TerminalDriver, clamp

CRASH_LINE = "The helpdesk stopped on an unexpected error. Nothing was lost; log in again."
# the screens' actions that change something (provision, apply quotas, edit, reset, acknowledge,
# retry, hold, deny, release): hidden from a read-only operator (`hello`'s `read_only`); the
# backend refuses the ops anyway (`wire.MUTATING`), this only keeps the screen from promising them
MUTATING_ACTIONS = frozenset(
    {"plan", "edit", "reset", "acknowledge", "retry", "hold", "deny", "release"}
)


def action_name(action: str) -> str:
    """`plan` of `plan`, `screen.plan` or `plan('x')`."""
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


class HelpdeskTui(App[None]):
    """`HelpdeskTui(operator, connect, session)`: the same arguments as the login wrapper's."""

    CSS_PATH = "app.tcss"
    TITLE = "MOC helpdesk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding(RECONNECT_KEY, "reconnect", "Reconnect"),
    ]

    def __init__(
        self,
        operator: str,
        connect: Callable[[], Backend],
        session: str = "",
        *,
        link: BackendLink | None = None,
        note: str = "",
    ) -> None:
        super().__init__()
        self.operator = operator
        self.note = note  # the demo's addresses, shown in the help screen
        self.link = link or BackendLink(connect, operator, session)
        self.link.on_lost = self._backend_lost

    def on_mount(self) -> None:
        self.push_screen(PendingScreen(self.link))

    def action_help(self) -> None:
        open_help(self)

    # a backend that died: a new session on the operator's key, once per press ----------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reconnect":
            return self.link.lost
        return True

    # a read-only operator: the keys that change something are hidden and do nothing ----------
    @property
    def read_only(self) -> bool:
        greeting = self.link.greeting
        return greeting is not None and greeting["read_only"]

    def allows(self, action: str) -> bool:
        """False for an action a read-only operator may not take (`action` without arguments)."""
        return not (self.read_only and action in MUTATING_ACTIONS)

    def _check_action_state(self, action: str, default_namespace: DOMNode) -> bool | None:
        if not self.allows(action_name(action)):
            return False  # the footer leaves the key out
        return super()._check_action_state(action, default_namespace)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        if isinstance(action, str) and not self.allows(action_name(action)):
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the app while a text box has the focus was read in the
        same burst as the key that moved the focus there (`/alice` or `e` then a name, over
        SSH one read): it went to the widget focused before and would be lost. It goes to the
        box, in order; a box handles every printable key it gets, so none comes here twice."""
        focused = self.focused
        if isinstance(focused, Input) and event.is_printable and event.character:
            focused.post_message(events.Key(event.key, event.character))

    def _backend_lost(self) -> None:
        """The session ended (a worker thread saw it): show the reconnect key in the footer."""
        loop = self._loop  # not call_from_thread: it blocks, and may run on the app's thread
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: self.screen.refresh_bindings())

    def action_reconnect(self) -> None:
        if not self.link.lost:
            return
        self.link.reconnect()
        self.screen.refresh_bindings()
        self.notify("Starting a new backend session…", markup=False)
        for screen in reversed(self.screen_stack):  # the screen in front that can reload
            reload = getattr(screen, "action_reload", None)
            if callable(reload):
                reload()
                return

    # the terminal: its size from the tty the app is on, clamped (terminal.py) ------------------
    def get_driver_class(self) -> type[Driver]:
        return super().get_driver_class() if constants.DRIVER else TerminalDriver

    @property
    def size(self) -> Size:
        return Size(*clamp(*super().size))

    async def _on_resize(self, event: events.Resize) -> None:
        size = Size(*clamp(*event.size))
        if size != event.size:
            event = events.Resize(size, size, pixel_size=event.pixel_size)
        await super()._on_resize(event)

    def on_unmount(self) -> None:
        self.link.close()

    # an unexpected exception: one short line, no traceback, no locals (security.md T6) ---------
    def _fatal_error(self) -> None:
        self._exit_renderables.append(Text(CRASH_LINE))
        self._close_messages_no_wait()

    # closed doors -------------------------------------------------------------------------------
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.notify("Links are not opened here.", markup=False)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("Screenshots are disabled.", markup=False)

    def save_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str:
        raise PermissionError("screenshots are disabled")

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        return None

    def deliver_text(
        self,
        path_or_file: str | Path | TextIO,
        *,
        save_directory: str | Path | None = None,
        save_filename: str | None = None,
        open_method: Literal["browser", "download"] = "download",
        encoding: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
    ) -> str | None:
        return None

    def deliver_binary(
        self,
        path_or_file: str | Path | BinaryIO,
        *,
        save_directory: str | Path | None = None,
        save_filename: str | None = None,
        open_method: Literal["browser", "download"] = "download",
        mime_type: str | None = None,
        name: str | None = None,
    ) -> str | None:
        return None

    def action_suspend_process(self) -> None:
        return None

    def action_command_palette(self) -> None:
        return None

    def get_system_commands(self, screen: Any) -> Any:
        return iter(())
