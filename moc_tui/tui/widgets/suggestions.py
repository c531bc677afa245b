"""A short list of suggestions under an Input: `↓` in the field enters it, `Enter` picks,
`Esc` (or `↑` on the first entry) goes back to the field. Hidden while it has nothing to show.
`after_typing` asks for new entries once typing pauses (`DEBOUNCE`), not on every keystroke.

Entries come from the backend (Keystone names, settings), so every prompt is a literal `Text`
built with `tui.text.plain`: an OptionList given a `str` would parse it as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from moc_tui.protocol.views import ProjectSuggestion, UserMatch
from moc_tui.tui.text import plain

DEBOUNCE = 0.3  # seconds of no typing before the backend is asked


def project_prompt(item: ProjectSuggestion, taken: bool) -> Text:
    """`name  Keystone` or `alias  alias of target`; `taken` marks names a new project can't use."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if taken:
        text.append("taken: ", style="yellow")
    text.append(plain(item["name"], 40))
    if item["source"] == "alias":
        text.append("  alias of ", style="dim")
        text.append(plain(item["target"], 40), style="dim")
    else:
        text.append("  Keystone", style="dim")
    return text


def user_prompt(item: UserMatch) -> Text:
    """`name  email  (disabled)`: the email only when it differs from the name."""
    text = Text(no_wrap=True, overflow="ellipsis")
    name, email = item["name"], item["email"]
    text.append(plain(name, 50))
    if email and email.casefold() != name.casefold():
        text.append("  ")
        text.append(plain(email, 50), style="dim")
    if not item["enabled"]:
        text.append("  (disabled: cannot be reset)", style="yellow")
    return text


def note(words: str) -> Option:
    """A line that cannot be picked ("no match", "search failed: ...")."""
    return Option(Text(plain(words, 120), style="dim", no_wrap=True), disabled=True)


class SuggestionList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to the field", show=False),
    ]

    def __init__(self, field_id: str, *, id: str) -> None:
        super().__init__(id=id, compact=True)
        self.field_id = field_id
        self.display = False
        self._pause: Timer | None = None

    def after_typing(self, ask: Callable[[], None]) -> None:
        """Call `ask` once the field has not changed for `DEBOUNCE` seconds (restarts the wait).

        The timer belongs to this widget, so it stops when the form closes.
        """
        self.stop_waiting()
        self._pause = self.set_timer(DEBOUNCE, ask)

    def stop_waiting(self) -> None:
        if self._pause is not None:
            self._pause.stop()
            self._pause = None

    def show(self, options: Sequence[Option]) -> None:
        was_focused = self.has_focus
        self.clear_options()
        self.add_options(options)
        self.display = bool(options)
        if was_focused and not self.enter():
            self.action_leave()

    def hide(self) -> None:
        if self.has_focus:
            self.action_leave()
        self.clear_options()
        self.display = False

    def first_pickable(self) -> int | None:
        return next((i for i, option in enumerate(self.options) if not option.disabled), None)

    def enter(self) -> bool:
        """Focus the list on its first pickable entry; False (and no focus) when there is none."""
        first = self.first_pickable()
        if first is None or not self.display:
            return False
        self.highlighted = first
        self.focus()
        return True

    def action_leave(self) -> None:
        self.screen.query_one(f"#{self.field_id}").focus()

    def action_cursor_up(self) -> None:
        if self.highlighted is None or self.highlighted == self.first_pickable():
            self.action_leave()
        else:
            super().action_cursor_up()
