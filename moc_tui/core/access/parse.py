"""Rows of `Form Responses 1` -> AccessRequest, each with every problem found in plain words.

Only approved and notified rows are requests. A row with any problem is never provisioned; it
stays in the tab and the operator sees why. Problems that involve two rows (the same user twice,
two rows creating the same project) are put on the later row, so the first one can go ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from moc_tui.core.access.hold import note_column, parse_note
from moc_tui.core.access.personal import asks_to_join, personal_project_name
from moc_tui.core.access.problems import (
    PROJECT,
    ROW,
    Problem,
    RowContext,
    row_problems,
    split_users,
)
from moc_tui.core.access.request import AccessRequest, ProjectAction
from moc_tui.core.identifiers import canonical, email_problems
from moc_tui.core.table import Table
from moc_tui.core.text import trim

_YES = {"yes", "y", "true"}


def is_pending(table: Table, cells: Sequence[str]) -> bool:
    """Approved (any case, trimmed) and already ticketed to the helpdesk."""
    approved = trim(table.cell(cells, "approved")).casefold() == "approved"
    return approved and bool(trim(table.cell(cells, "notified")))


def _resolve_project(
    table: Table, cells: Sequence[str], email: str, aliases: Mapping[str, str]
) -> tuple[str, ProjectAction, bool]:
    """The project a row creates or joins; a row that joins none and names none gets a new
    personal project named after the email (`personal_project_name`)."""
    new_name = trim(table.cell(cells, "new_project"))
    existing = trim(table.cell(cells, "existing_project"))
    if new_name:
        return new_name, ProjectAction.NEW, False
    if existing:
        return aliases.get(canonical(existing), existing), ProjectAction.JOIN, False
    if asks_to_join(trim(table.cell(cells, "project_choice"))):
        return "", ProjectAction.JOIN, False
    personal = personal_project_name(email) if not email_problems(email) else ""
    return personal, ProjectAction.NEW, bool(personal)


def _extra_users(raw: str, requester: str) -> tuple[str, ...]:
    """The valid additional addresses, lower-cased, once each, the requester left out."""
    users = [a.lower() for a in split_users(raw) if not email_problems(a)]
    return tuple(dict.fromkeys(u for u in users if u != requester))


def parse_access_row(
    table: Table, number: int, cells: tuple[str, ...], aliases: Mapping[str, str]
) -> AccessRequest:
    """One row as a request with its own problems (`aliases`: case-folded name -> project)."""
    value = {f: trim(table.cell(cells, f)) for f in table.columns}
    email = value.get("email", "")
    username = email.lower()
    expects_new_user = value.get("has_account", "").casefold() not in _YES
    pin = table.cell(cells, "pin")  # not trimmed: " 1234" is not a PIN
    project, action, derived = _resolve_project(table, cells, email, aliases)
    context = RowContext(email, action, expects_new_user, frozenset(table.columns))
    issues = row_problems({**value, "pin": pin}, project, context)
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
        extra_users=_extra_users(value.get("extra_users", ""), username),
        issues=tuple(issues),
    )


def _cross_row_problems(requests: list[AccessRequest]) -> list[AccessRequest]:
    first_by_user: dict[str, int] = {}
    first_by_new_project: dict[str, int] = {}
    result = []
    for request in requests:
        extra: list[Problem] = []
        if request.username:
            first = first_by_user.setdefault(request.username, request.row)
            if first != request.row:
                extra.append(Problem(ROW, f"duplicate request: row {first} is for the same user"))
        if request.project and request.project_action is ProjectAction.NEW:
            key = canonical(request.project)
            first = first_by_new_project.setdefault(key, request.row)
            if first != request.row:
                text = (
                    f"row {first} already asks for new project {request.project!r}; "
                    "make this row join it instead"
                )
                extra.append(Problem(PROJECT, text))
        if extra:
            request = _with_problems(request, extra)
        result.append(request)
    return result


def _with_problems(request: AccessRequest, extra: list[Problem]) -> AccessRequest:
    return replace(request, issues=request.issues + tuple(extra))


@dataclass(frozen=True)
class ParsedAccessTab:
    """The pending requests of the tab, and problems with the tab itself (missing columns)."""

    requests: tuple[AccessRequest, ...]
    tab_problems: tuple[str, ...]


def _with_hold(request: AccessRequest, note: int | None) -> AccessRequest:
    """The row's hold (from the note column at index `note`), as a problem a run skips."""
    hold = None if note is None else parse_note(request.cells[note])
    if hold is None:
        return request
    return replace(request, hold=hold, issues=(*request.issues, Problem(ROW, hold.problem)))


def parse_access_requests(
    table: Table, aliases: Mapping[str, str] | None = None, note_header: str | None = None
) -> ParsedAccessTab:
    """Every pending row of the tab as a request; a missing column is a problem on every row.
    `note_header`: the optional note column whose `held:` / `denied:` marks hold rows."""
    folded_aliases = {canonical(k): v for k, v in (aliases or {}).items()}
    note = None if note_header is None else note_column(table.header, note_header)
    requests = [
        parse_access_row(table, number, cells, folded_aliases)
        for number, cells in table.rows
        if is_pending(table, cells)
    ]
    if table.missing:
        missing = [Problem(ROW, text) for text in table.missing]
        requests = [_with_problems(r, missing) for r in requests]
    held = [_with_hold(r, note) for r in _cross_row_problems(requests)]  # the hold's last
    return ParsedAccessTab(tuple(held), table.missing)
