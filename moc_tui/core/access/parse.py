"""Rows of `Form Responses 1` -> AccessRequest, each with every problem found in plain words.

Only approved and notified rows are requests. A row with any problem is never provisioned; it
stays in the tab and the operator sees why. Problems that involve two rows (the same user twice,
two rows creating the same project) are put on the later row, so the first one can go ahead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from moc_tui.core.access.personal import asks_to_join, personal_project_name
from moc_tui.core.access.request import AccessRequest, ProjectAction
from moc_tui.core.identifiers import (
    canonical,
    email_problems,
    pin_problems,
    project_name_problems,
)
from moc_tui.core.table import Table
from moc_tui.core.text import hidden_characters, trim

REQUIRED_FIELDS = ("first_name", "last_name", "organization", "role", "sponsor")
NAME_MAX = 64
_YES = {"yes", "y", "true"}
_SPLIT_USERS = re.compile(r"[,;\s]+")


def is_pending(table: Table, cells: Sequence[str]) -> bool:
    """Approved (any case, trimmed) and already ticketed to the helpdesk."""
    approved = trim(table.cell(cells, "approved")).casefold() == "approved"
    return approved and bool(trim(table.cell(cells, "notified")))


def _label(field: str) -> str:
    return field.replace("_", " ")


def _resolve_project(
    table: Table, cells: Sequence[str], email: str, aliases: Mapping[str, str]
) -> tuple[str, ProjectAction, bool, list[str]]:
    """The project a row creates or joins; a row that joins none and names none gets a new
    personal project named after the email (`personal_project_name`)."""
    new_name = trim(table.cell(cells, "new_project"))
    existing = trim(table.cell(cells, "existing_project"))
    choice = trim(table.cell(cells, "project_choice"))
    if new_name:
        return new_name, ProjectAction.NEW, False, project_name_problems(new_name, new=True)
    if existing:
        name = aliases.get(canonical(existing), existing)
        return name, ProjectAction.JOIN, False, project_name_problems(name, new=False)
    if asks_to_join(choice):
        return "", ProjectAction.JOIN, False, ["no project to join named: type its name"]
    personal = personal_project_name(email) if not email_problems(email) else ""
    if personal:
        return personal, ProjectAction.NEW, True, project_name_problems(personal, new=True)
    return (
        "",
        ProjectAction.NEW,
        False,
        ["no project named: type the new project's name, or the project to join"],
    )


def _extra_users(raw: str, requester: str) -> tuple[tuple[str, ...], list[str]]:
    users: dict[str, None] = {}
    problems = []
    for address in filter(None, (trim(a) for a in _SPLIT_USERS.split(raw))):
        found = email_problems(address)
        if found:
            problems.append(f"additional user {address!r}: {found[0]}")
        elif address.lower() != requester:
            users.setdefault(address.lower(), None)
    return tuple(users), problems


def _parse_row(
    table: Table, number: int, cells: tuple[str, ...], aliases: Mapping[str, str]
) -> AccessRequest:
    value = {f: trim(table.cell(cells, f)) for f in table.columns}
    problems: list[str] = []
    email = value.get("email", "")
    problems += email_problems(email)
    username = email.lower()
    for f in REQUIRED_FIELDS:
        if f in table.columns and not value[f]:
            problems.append(f"{_label(f)} is blank")
    for f in ("first_name", "last_name"):
        if len(value.get(f, "")) > NAME_MAX:
            problems.append(f"{_label(f)} is longer than {NAME_MAX} characters")
        hidden = hidden_characters(value.get(f, ""))
        if hidden:
            problems.append(
                f"{_label(f)} contains invisible or control characters ({', '.join(hidden)})"
            )
    expects_new_user = value.get("has_account", "").casefold() not in _YES
    pin = table.cell(cells, "pin")  # not trimmed: " 1234" is not a PIN
    if expects_new_user or pin:
        problems += pin_problems(pin)
    project, action, derived, project_problems = _resolve_project(table, cells, email, aliases)
    problems += project_problems
    extra_users, extra_problems = _extra_users(value.get("extra_users", ""), username)
    problems += extra_problems
    return AccessRequest(
        row=number,
        cells=cells,
        timestamp=value.get("timestamp", ""),
        email=email,
        username=username,
        first_name=value.get("first_name", ""),
        last_name=value.get("last_name", ""),
        organization=value.get("organization", ""),
        role=value.get("role", ""),
        phone=value.get("phone", ""),
        sponsor=value.get("sponsor", ""),
        comment=value.get("comment", ""),
        pin=pin,
        expects_new_user=expects_new_user,
        project=project,
        project_action=action,
        project_derived=derived,
        description=value.get("description", ""),
        extra_users=extra_users,
        problems=tuple(problems),
    )


def _cross_row_problems(requests: list[AccessRequest]) -> list[AccessRequest]:
    first_by_user: dict[str, int] = {}
    first_by_new_project: dict[str, int] = {}
    result = []
    for request in requests:
        extra: list[str] = []
        if request.username:
            first = first_by_user.setdefault(request.username, request.row)
            if first != request.row:
                extra.append(f"duplicate request: row {first} is for the same user")
        if request.project and request.project_action is ProjectAction.NEW:
            key = canonical(request.project)
            first = first_by_new_project.setdefault(key, request.row)
            if first != request.row:
                extra.append(
                    f"row {first} already asks for new project {request.project!r}; "
                    "make this row join it instead"
                )
        if extra:
            request = _with_problems(request, extra)
        result.append(request)
    return result


def _with_problems(request: AccessRequest, extra: list[str]) -> AccessRequest:
    return replace(request, problems=request.problems + tuple(extra))


@dataclass(frozen=True)
class ParsedAccessTab:
    """The pending requests of the tab, and problems with the tab itself (missing columns)."""

    requests: tuple[AccessRequest, ...]
    tab_problems: tuple[str, ...]


def parse_access_requests(
    table: Table, aliases: Mapping[str, str] | None = None
) -> ParsedAccessTab:
    """Every pending row of the tab as a request; a missing column is a problem on every row."""
    folded_aliases = {canonical(k): v for k, v in (aliases or {}).items()}
    requests = [
        _parse_row(table, number, cells, folded_aliases)
        for number, cells in table.rows
        if is_pending(table, cells)
    ]
    if table.missing:
        requests = [_with_problems(r, list(table.missing)) for r in requests]
    return ParsedAccessTab(tuple(_cross_row_problems(requests)), table.missing)
