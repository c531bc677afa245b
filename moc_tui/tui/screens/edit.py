"""Edit one request (project name, blanks) with inline validation, saved through the backend.

Only changed fields are sent, one `edit_access_field` each; every answer carries the row as
re-read, whose fingerprint the next write uses. Suggestions for the project name come from the
projects named in the pending list (the protocol has no op listing Keystone's projects).
"""

from __future__ import annotations

import difflib
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from moc_tui.core.identifiers import project_name_problems
from moc_tui.core.text import trim, visible
from moc_tui.tui.backend_link import BackendLink, View, explain
from moc_tui.tui.messages import CallFailed, RequestsLoaded
from moc_tui.tui.text import plain
from moc_tui.tui.widgets.field import SteadyInput

FIELDS: list[tuple[str, str]] = [
    ("project", "Project"),
    ("description", "Description"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("organization", "Organization"),
    ("sponsor", "Sponsor"),
]
REQUIRED = {"project", "first_name", "last_name"}


def field_problems(name: str, value: str, new_project: bool) -> list[str]:
    """Inline validation, the same rules the backend applies before acting."""
    value = trim(value)
    if name == "project":
        return project_name_problems(value, new=new_project)
    if name in REQUIRED and not value:
        return [f"{name.replace('_', ' ')} is required"]
    return []


class EditModal(ModalScreen[bool]):
    """Returns True when something was saved (the list is reloaded)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, link: BackendLink, view: View, projects: list[str]) -> None:
        super().__init__()
        self.link = link
        self.view = dict(view)
        self.projects = projects
        self.new_project = view.get("project_action", "new") == "new"
        self.saved = False

    def compose(self) -> ComposeResult:
        title = Text("Edit row ", style="bold")
        title.append(str(self.view.get("row", "?")))
        title.append("  ")
        title.append(plain(self.view.get("email", ""), 50))
        with Vertical(id="dialog"):
            yield Static(title, classes="title")
            with Grid(id="edit-grid"):
                for name, label in FIELDS:
                    caption = label
                    if name == "project":
                        caption = "New project" if self.new_project else "Join project"
                    yield Label(Text(caption))
                    yield SteadyInput(value=self.shown(name), id=f"f-{name}", compact=True)
            yield Static(id="edit-problems")
            with Horizontal(classes="buttons"):
                yield Button(Text("Cancel (esc)"), id="cancel")
                yield Button(Text("Save (ctrl+s)"), id="save", variant="primary")

    def shown(self, name: str) -> str:
        """The field as the Input shows it: hidden characters as visible escapes."""
        return visible(str(self.view.get(name, "")))

    def on_mount(self) -> None:
        self.query_one("#f-project", Input).focus()
        self.validate_all()

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#f-{name}", Input).value for name, _ in FIELDS}

    def validate_all(self) -> list[str]:
        problems = []
        for name, value in self.values().items():
            problems += field_problems(name, value, self.new_project)
        text = Text()
        for problem in problems:
            text.append(f"▲ {plain(problem, 150)}\n", style="yellow")
        typed = trim(self.values()["project"])
        close = [p for p in difflib.get_close_matches(typed, self.projects, n=3) if p != typed]
        if close:
            text.append("similar projects: ", style="dim")
            text.append(", ".join(plain(p, 40) for p in close))
        self.query_one("#edit-problems", Static).update(text)
        return problems

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.validate_all()

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
        changes = {
            name: trim(value)
            for name, value in self.values().items()
            if trim(value) != self.shown(name)
        }
        if not changes:
            self.dismiss(self.saved)
            return
        self.query_one("#save", Button).disabled = True
        self.save(changes)

    @work(thread=True, exclusive=True, group="edit", exit_on_error=False)
    def save(self, changes: dict[str, str]) -> None:
        view: View | None = self.view
        try:
            for name, value in changes.items():
                assert view is not None
                field = name
                if name == "project":
                    field = "new_project" if self.new_project else "existing_project"
                view = self.link.edit_field(view, field, value)
                if view is None:
                    raise LookupError("the row left the pending list; reload")
                self.view, self.saved = dict(view), True  # the next write needs the new fingerprint
            self.post_message(RequestsLoaded("edit", [view] if view else []))
        except Exception as error:
            text = str(error) if isinstance(error, LookupError) else explain(error)
            self.post_message(CallFailed("save", text))

    def on_requests_loaded(self, message: RequestsLoaded) -> None:
        self.saved = True
        self.notify("Saved to the sheet.", markup=False)
        self.dismiss(True)

    def on_call_failed(self, message: CallFailed) -> None:
        self.query_one("#save", Button).disabled = False
        problems = self.query_one("#edit-problems", Static)
        problems.update(Text(f"✗ not saved: {plain(message.text, 300)}", style="bold red"))
        if "reload" in message.text:
            self.saved = True  # the list is stale: reload it when the modal closes

    def on_unmount(self) -> None:
        self.view = {}
