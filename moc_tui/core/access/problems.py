"""What is wrong with an access row, field by field: the one rule set for access requests.

The parser puts these problems on every request, the backend's edit op refuses an edit that
leaves its field with one, and the edit form shows them as the operator types; so the form shows
exactly what the backend will refuse. Pure (no settings, cloud or sheet): the TUI imports it.
Each problem names the field it is about, so a form can replace a field's problems as it changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moc_tui.core.access.personal import personal_project_name
from moc_tui.core.access.request import AccessRequest, ProjectAction
from moc_tui.core.identifiers import email_problems, pin_problems, project_name_problems
from moc_tui.core.text import hidden_characters, trim

REQUIRED_FIELDS = ("first_name", "last_name", "organization", "role", "sponsor")
NAME_FIELDS = ("first_name", "last_name")
NAME_MAX = 64
VALUE_MAX = 2000  # the longest value one edit writes (the protocol's limit on `value`)
PROJECT = "project"  # what the problems of `new_project` and `existing_project` are filed under
ROW = ""  # a problem of the whole row (two rows, a missing column): no one field fixes it
_SPLIT_USERS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class Problem:
    """One problem in plain words, and the field it is about (`PROJECT`, `ROW` or a field)."""

    field: str
    text: str


@dataclass(frozen=True)
class RowContext:
    """What a field's rules need of the rest of its row (none of it is edited in the form)."""

    email: str
    project_action: ProjectAction
    expects_new_user: bool
    columns: frozenset[str]  # the fields the tab has a column for


def edit_context(request: AccessRequest, field: str, columns: frozenset[str]) -> RowContext:
    """The context of an edit of `field`: writing a project column makes the row create
    (`new_project`) or join (`existing_project`) that project."""
    action = {"new_project": ProjectAction.NEW, "existing_project": ProjectAction.JOIN}
    return RowContext(
        request.email,
        action.get(field, request.project_action),
        request.expects_new_user,
        columns,
    )


def problem_field(field: str) -> str:
    """The field a column's problems are filed under: both project columns are `PROJECT`."""
    return PROJECT if field in ("new_project", "existing_project") else field


def label(field: str) -> str:
    return field.replace("_", " ")


def project_problems(name: str, action: ProjectAction, email: str) -> list[str]:
    """Problems of the project a row creates (`NEW`) or joins; a `NEW` row naming none gets
    the personal project named after its email (`personal_project_name`)."""
    if name:
        return project_name_problems(name, new=action is ProjectAction.NEW)
    if action is ProjectAction.JOIN:
        return ["no project to join named: type its name"]
    personal = personal_project_name(email) if not email_problems(email) else ""
    if personal:
        return project_name_problems(personal, new=True)
    return ["no project named: type the new project's name, or the project to join"]


def extra_user_problems(raw: str) -> list[str]:
    return [
        f"additional user {address!r}: {found[0]}"
        for address in filter(None, (trim(a) for a in _SPLIT_USERS.split(raw)))
        if (found := email_problems(address))
    ]


def split_users(raw: str) -> list[str]:
    """The additional users' addresses as typed (comma, semicolon or space separated)."""
    return [a for a in (trim(a) for a in _SPLIT_USERS.split(raw)) if a]


def field_problems(field: str, value: str, row: RowContext) -> list[str]:
    """The problems of one field's value (trimmed, except a PIN: " 1234" is not a PIN)."""
    if field == PROJECT:
        return project_problems(trim(value), row.project_action, row.email)
    if field == "pin":
        return pin_problems(value) if row.expects_new_user or value else []
    value = trim(value)
    if field == "email":
        return email_problems(value)
    if field == "extra_users":
        return extra_user_problems(value)
    problems = []
    if field in REQUIRED_FIELDS and field in row.columns and not value:
        problems.append(f"{label(field)} is blank")
    if field in NAME_FIELDS:
        if len(value) > NAME_MAX:
            problems.append(f"{label(field)} is longer than {NAME_MAX} characters")
        hidden = hidden_characters(value)
        if hidden:
            problems.append(
                f"{label(field)} contains invisible or control characters ({', '.join(hidden)})"
            )
    return problems


def written_value_problems(value: str) -> list[str]:
    """What an edit may never write into a cell, whatever the field: hidden characters, or
    more than `VALUE_MAX` characters."""
    value = trim(value)
    hidden = hidden_characters(value)
    if hidden:
        return ["the value contains control or invisible characters: " + ", ".join(hidden[:5])]
    if len(value) > VALUE_MAX:
        return [f"the value is {len(value)} characters; at most {VALUE_MAX} can be saved"]
    return []


def edit_problems(field: str, value: str, row: RowContext) -> list[str]:
    """Why an edit writing `value` into `field` is refused (empty: it is written)."""
    return written_value_problems(value) or field_problems(problem_field(field), value, row)


ROW_FIELDS = ("email", *REQUIRED_FIELDS, "pin", PROJECT, "extra_users")


def row_problems(values: dict[str, str], project: str, row: RowContext) -> list[Problem]:
    """Every problem of one row by itself (`values` by field, as stored; `project` resolved)."""
    found = []
    for field in ROW_FIELDS:
        value = project if field == PROJECT else values.get(field, "")
        found += [Problem(field, text) for text in field_problems(field, value, row)]
    return found
