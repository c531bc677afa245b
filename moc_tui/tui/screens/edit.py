"""Edit one request (project name, blanks) with inline validation, saved through the backend.

Only changed fields are sent, one `edit_access_field` each; every answer carries the row as
re-read, whose fingerprint the next write uses.

Suggestions for the project name come from the backend (`suggest_projects`: Keystone's projects
and the `[project_aliases]` table), asked in a thread worker once typing pauses
(`SuggestionList.after_typing`).
They are listed under the field: `↓` enters the list, `Enter` puts the Keystone name into the
field. For a row that creates a new project they are names already taken, shown but not
pickable. When the look-up fails, the projects named in the pending list are suggested instead.
`Ctrl+L` fills in the new personal project's name: the email's first part, made a valid name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from moc_tui.core.access.personal import personal_project_name
from moc_tui.core.access.problems import ROW, RowContext, edit_problems
from moc_tui.core.access.request import ProjectAction
from moc_tui.core.identifiers import PROJECT_NAME_MAX
from moc_tui.core.text import trim, visible
from moc_tui.protocol.views import AccessView, ProjectSuggestion
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.messages import CallFailed, ProjectsSuggested, RequestsLoaded
from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.field import SteadyInput
from moc_tui.tui.widgets.suggestions import SuggestionList, project_prompt
from moc_tui.tui.worker_errors import reports_failure

# the fields the form edits: AccessView keys (mypy holds them to it)
EditField = Literal["project", "description", "first_name", "last_name", "organization", "sponsor"]
FIELDS: list[tuple[EditField, str]] = [
    ("project", "Project"),
    ("description", "Description"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("organization", "Organization"),
    ("sponsor", "Sponsor"),
]


def row_context(view: AccessView) -> RowContext:
    """What the rules need of the row's fields the form does not edit (`access.problems`)."""
    return RowContext(
        email=view["email"],
        project_action=ProjectAction(view["project_action"]),
        expects_new_user=view["expects_new_user"],
        columns=frozenset(name for name, _ in FIELDS),
    )


def row_problems(view: AccessView, changed: Mapping[EditField, str]) -> tuple[list[str], list[str]]:
    """(every problem of the row with the `changed` fields typed in, those that refuse the save).

    A field left alone keeps the problems the backend found in it (the form holds its value
    only as shown, escapes visible); a changed field gets the rules the backend's edit applies.
    """
    texts = list(view["problems"])
    fields = list(view["problem_fields"])
    fields += [ROW] * (len(texts) - len(fields))
    kept = [text for text, field in zip(texts, fields, strict=True) if field not in changed]
    context = row_context(view)
    refused = [p for name, value in changed.items() for p in edit_problems(name, value, context)]
    return kept + refused, refused


class EditModal(Dialog[bool]):
    """Returns True when something was saved (the list is reloaded)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+l", "personal_project", "Project from the email's first part"),
        Binding("down", "suggestions", "Suggestions (in the project field)", show=False),
    ]

    def __init__(self, link: BackendLink, view: AccessView, projects: list[str]) -> None:
        super().__init__()
        self.link = link
        self.view = view.copy()
        self.projects = projects
        self.new_project = view["project_action"] == "new"
        self.saved = False
        self.suggestions: list[ProjectSuggestion] = []
        self.asked = ""  # the text the latest look-up was for
        self.picked = ""  # a name just picked: its own suggestions are not shown again
        self.lookup_failed = False  # then the pending list's names are suggested instead

    def compose(self) -> ComposeResult:
        title = Text("Edit row ", style="bold")
        title.append(str(self.view["row"]))
        title.append("  ")
        title.append(plain(self.view["email"], 50))
        with Vertical(id="dialog"):
            yield Static(title, classes="title")
            with Horizontal(id="project-row"):
                caption = "New project" if self.new_project else "Join project"
                yield Label(Text(caption))
                yield SteadyInput(value=self.shown("project"), id="f-project", compact=True)
            yield SuggestionList("f-project", id="project-suggestions")
            with Grid(id="edit-grid"):
                for name, label in FIELDS[1:]:
                    yield Label(Text(label))
                    yield SteadyInput(value=self.shown(name), id=f"f-{name}", compact=True)
            yield Static(id="edit-problems")
            with Horizontal(classes="buttons"):
                yield Button(Text("Cancel (esc)"), id="cancel")
                yield Button(Text("Save (ctrl+s)"), id="save", variant="primary")

    def shown(self, name: EditField) -> str:
        """The field as the Input shows it: hidden characters as visible escapes."""
        return visible(self.view[name])

    def on_mount(self) -> None:
        self.query_one("#f-project", Input).focus()
        self.validate_all()
        if trim(self.values()["project"]):
            self.ask_suggestions()

    def values(self) -> dict[EditField, str]:
        return {name: self.query_one(f"#f-{name}", Input).value for name, _ in FIELDS}

    def changes(self) -> dict[EditField, str]:
        """The fields the operator changed, trimmed (only these are sent)."""
        return {
            name: trim(value)
            for name, value in self.values().items()
            if trim(value) != self.shown(name)
        }

    def validate_all(self) -> list[str]:
        """Show the row's problems as typed; the ones that refuse the save are returned."""
        shown, problems = row_problems(self.view, self.changes())
        text = Text()
        for problem in shown:
            text.append(f"▲ {plain(problem, 150)}\n", style="yellow")
        typed = trim(self.values()["project"])
        if self.lookup_failed:
            close = [p for p in difflib.get_close_matches(typed, self.projects, n=3) if p != typed]
            if close:
                text.append("similar projects: ", style="dim")
                text.append(", ".join(plain(p, 40) for p in close))
        elif self.suggestion_list.first_pickable() is not None and not problems:
            text.append("↓ suggestions, enter picks one", style="dim")
        self.query_one("#edit-problems", Static).update(text)
        return problems

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.validate_all()

    # suggestions --------------------------------------------------------------------------------
    @property
    def suggestion_list(self) -> SuggestionList:
        return self.query_one("#project-suggestions", SuggestionList)

    @on(Input.Changed, "#f-project")
    def _project_typed(self, event: Input.Changed) -> None:
        self.suggestion_list.stop_waiting()
        if trim(event.value) != self.asked:  # (the Input's first Changed repeats on_mount's)
            self.suggestion_list.after_typing(self.ask_suggestions)

    def ask_suggestions(self) -> None:
        typed = trim(self.values()["project"])
        self.asked = typed
        if not typed or len(typed) > PROJECT_NAME_MAX or typed == self.picked:
            self.suggestions = []
            self.suggestion_list.hide()
            self.validate_all()
            return
        self.picked = ""
        self.suggest(typed)

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    @reports_failure("suggestions")
    def suggest(self, text: str) -> None:
        self.post_message(ProjectsSuggested(text, self.link.suggest_projects(text)))

    def on_projects_suggested(self, message: ProjectsSuggested) -> None:
        if message.text != self.asked:
            return  # typing went on: a newer look-up is coming
        self.lookup_failed = False
        typed = message.text.casefold()
        items = message.items
        if self.new_project:  # every name here is taken, the same name above all
            self.suggestions = list(items)
        else:  # the name typed is already the one to join: nothing to offer for it
            self.suggestions = [item for item in items if item["target"].casefold() != typed]
        options = [
            Option(project_prompt(item, self.new_project), disabled=self.new_project)
            for item in self.suggestions
        ]
        self.suggestion_list.show(options)
        self.validate_all()

    def action_personal_project(self) -> None:
        """The new personal project's name (the email's first part, as the parser derives it)."""
        if not self.new_project:
            self.notify("This row joins a project; type its name.", markup=False)
            return
        name = personal_project_name(self.view["email"])
        if not name:
            self.notify("The email has no usable first part; type a name.", markup=False)
            return
        box = self.query_one("#f-project", Input)
        box.value = name
        box.cursor_position = len(name)
        box.focus()

    def action_suggestions(self) -> None:
        if isinstance(self.focused, Input) and self.focused.id == "f-project":
            self.suggestion_list.enter()

    @on(OptionList.OptionSelected, "#project-suggestions")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        item = self.suggestions[event.option_index]
        target = visible(item["target"])
        self.picked = trim(target)
        box = self.query_one("#f-project", Input)
        box.value = target
        box.cursor_position = len(target)
        self.suggestion_list.hide()
        box.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(self.saved)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.validate_all():
            self.notify("Fix the marked fields first.", severity="warning", markup=False)
            return
        changes = self.changes()
        if not changes:
            self.dismiss(self.saved)
            return
        self.query_one("#save", Button).disabled = True
        self.save(changes)

    @work(thread=True, exclusive=True, group="edit", exit_on_error=False)
    @reports_failure("save", own_words=(LookupError,))
    def save(self, changes: dict[EditField, str]) -> None:
        view: AccessView | None = self.view
        for name, value in changes.items():
            assert view is not None
            field: str = name
            if name == "project":
                field = "new_project" if self.new_project else "existing_project"
            view = self.link.edit_field(view, field, value)
            if view is None:
                raise LookupError("the row left the pending list; reload")
            self.view, self.saved = view.copy(), True  # the next write needs the new fingerprint
        self.post_message(RequestsLoaded("edit", []))  # saved: the modal closes

    def on_requests_loaded(self, message: RequestsLoaded) -> None:
        self.saved = True
        self.notify("Saved to the sheet.", markup=False)
        self.dismiss(True)

    def on_call_failed(self, message: CallFailed) -> None:
        if message.what == "suggestions":  # fall back to the names in the pending list
            self.lookup_failed = True
            self.suggestions = []
            self.suggestion_list.hide()
            self.validate_all()
            return
        self.query_one("#save", Button).disabled = False
        problems = self.query_one("#edit-problems", Static)
        problems.update(Text(f"✗ not saved: {plain(message.text, 300)}", style="bold red"))
        if "reload" in message.text:
            self.saved = True  # the list is stale: reload it when the modal closes
