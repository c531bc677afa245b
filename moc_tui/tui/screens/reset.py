"""Reset a password: the user name, the reset reference from the ticket, a confirmation, then
the outcome.

The operator never sees or types the user's PIN: the user chose it on setpass's reset form,
setpass keeps it, and the ticket carries only a reference, which setpass binds to the new link.
The reference is read from its Input after the operator confirms and cleared at once. When the
backend answers that this user's password was reset minutes ago, the dialog asks again before
a second reset (and a second mail).

While the user name is typed, the backend's `find_users` lists the matching Keystone users (name
or email contains the text; never admin or reserved accounts) under the field, once typing
pauses. `↓` enters the list, `Enter` puts the name in the field and moves on to the PIN.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from moc_tui.core.identifiers import EMAIL_MAX
from moc_tui.core.text import trim, visible
from moc_tui.protocol.views import UserMatch
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.messages import CallFailed, PasswordResetDone, UsersFound
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.field import SteadyInput
from moc_tui.tui.widgets.suggestions import SuggestionList, note, user_prompt
from moc_tui.tui.worker_errors import reports_failure

MIN_SEARCH = 2  # the backend refuses shorter text
WHAT_THE_PIN_IS = (
    "The PIN protects the new link: setpass asks for it when the link is opened. The user chose "
    "it on the reset form; the ticket names it by this reference. You never see or type a PIN "
    "and nothing here checks one. A reference works once, for its user, for 7 days."
)


class ResetModal(Dialog[None]):
    """Find the user by name (their email), enter the ticket's reference, confirm, see the
    outcome."""

    HELP_NAME = "Reset a password"
    HELP_EXTRA = (
        ("Enter", "Next field; in the reference: ask to confirm; in the list: pick the user"),
        ("Tab", "Next field or button"),
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("down", "matches", "Matching users (in the name field)", show=False),
    ]

    def __init__(self, link: BackendLink) -> None:
        super().__init__()
        self.link = link
        self.busy = False
        self.matches: list[UserMatch] = []
        self.asked = ""
        self.picked = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="small"):
            yield Static(Text("Reset a password", style="bold"), classes="title")
            yield Label(Text("User name (email): type 2+ letters to search, ↓ picks"))
            yield SteadyInput(placeholder="alice@example.org", id="username", compact=True)
            yield SuggestionList("username", id="user-matches")
            yield Label(Text("Reset reference from the ticket"))
            yield SteadyInput(
                placeholder="7K3QX-9W2HD", max_length=32, id="reference", compact=True
            )
            yield Static(Text(WHAT_THE_PIN_IS, style="dim"), id="reset-pin-note")
            yield Static(id="reset-outcome")
            with Horizontal(classes="buttons"):
                yield Button(Text("Close (esc)"), id="close", compact=True)
                yield Button(Text("Reset…"), id="reset", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def say(self, text: str, style: str = "") -> None:
        self.query_one("#reset-outcome", Static).update(Text(plain(text, 400), style=style))

    @on(Input.Submitted, "#username")
    def _next(self) -> None:
        self.query_one("#reference", Input).focus()

    # matching users -----------------------------------------------------------------------------
    @property
    def match_list(self) -> SuggestionList:
        return self.query_one("#user-matches", SuggestionList)

    @on(Input.Changed, "#username")
    def _typed(self, event: Input.Changed) -> None:
        self.match_list.after_typing(self.ask_matches)

    def ask_matches(self) -> None:
        typed = trim(self.query_one("#username", Input).value)
        self.asked = typed
        if not MIN_SEARCH <= len(typed) <= EMAIL_MAX or typed == self.picked:
            self.matches = []
            self.match_list.hide()
            return
        self.picked = ""
        self.search(typed)

    @work(thread=True, exclusive=True, group="find-users", exit_on_error=False)
    @reports_failure("find users")
    def search(self, text: str) -> None:
        self.post_message(UsersFound(text, self.link.find_users(text)))

    def on_users_found(self, message: UsersFound) -> None:
        if message.text != self.asked:
            return  # typing went on: a newer search is coming
        self.matches = list(message.items)
        options = [Option(user_prompt(item), disabled=not item["enabled"]) for item in self.matches]
        self.match_list.show(options or [note(f"no user name or email contains {message.text}")])

    def action_matches(self) -> None:
        if isinstance(self.focused, Input) and self.focused.id == "username":
            self.match_list.enter()

    @on(OptionList.OptionSelected, "#user-matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option_index >= len(self.matches):
            return
        name = visible(self.matches[event.option_index]["name"])
        self.picked = trim(name)
        self.query_one("#username", Input).value = name
        self.match_list.hide()
        self.query_one("#reference", Input).focus()

    @on(Input.Submitted, "#reference")
    @on(Button.Pressed, "#reset")
    def ask(self) -> None:
        if self.busy:
            return
        username = trim(self.query_one("#username", Input).value).lower()
        problems = [] if username else ["user name is missing"]
        if not self.query_one("#reference", Input).value.strip():
            problems.append("the reset reference from the ticket is missing")
        if problems:
            self.say("; ".join(problems), "yellow")
            return
        question = Text("Reset the password of ")
        question.append(plain(username, 80), style="bold")
        question.append(" on ")
        cloud = self.link.greeting["cloud"] if self.link.greeting else "?"
        question.append(plain(cloud, 60), style="bold")
        question.append(
            "?\nThey get a mail with a set-password link; the old password stops working."
        )

        def confirmed(yes: bool | None) -> None:
            box = self.query_one("#reference", Input)
            reference, box.value = box.value, ""
            if yes:
                self.start(username, reference, again=False)

        self.app.push_screen(ConfirmModal(question, "Reset"), confirmed)

    def start(self, username: str, reference: str, *, again: bool) -> None:
        self.busy = True
        self.say("resetting…")
        self.reset(username, reference, again)

    @work(thread=True, exclusive=True, group="reset", exit_on_error=False)
    @reports_failure("reset")
    def reset(self, username: str, reference: str, again: bool) -> None:
        result = self.link.reset_password(username, reference, again, lambda _event: None)
        self.post_message(PasswordResetDone(result, username, reference))

    def on_password_reset_done(self, message: PasswordResetDone) -> None:
        self.busy = False
        result = message.result
        if result["needs_confirmation"]:
            self.ask_again(message.username, message.reference, result["message"])
        elif result["ok"]:
            again = " (finished an earlier attempt)" if result["resumed"] else ""
            self.say(f"✓ done{again}: set-password link mailed to {result['mailed_to']}", "green")
        else:
            self.say(f"✗ not reset: {result['message']}", "bold red")

    def ask_again(self, username: str, reference: str, why: str) -> None:
        """The user was reset minutes ago: a second reset only when the operator says so."""
        self.say("not reset yet: " + why, "yellow")
        question = Text(plain(why, 300) + ".\n\nReset ")
        question.append(plain(username, 80), style="bold")
        question.append(" again?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.start(username, reference, again=True)
            else:
                self.say("not reset: " + why, "yellow")

        self.app.push_screen(ConfirmModal(question, "Reset again"), confirmed)

    def on_call_failed(self, message: CallFailed) -> None:
        if message.what == "find users":  # the search is a help only: say why, keep the form
            self.matches = []
            self.match_list.show([note(f"search failed: {message.text}")])
            return
        self.busy = False
        self.say(f"✗ {message.text}", "bold red")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if not self.busy:
            self.dismiss()
