"""One access request as the rest of the program sees it: typed, trimmed, with its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moc_tui.core.access.hold import Hold
    from moc_tui.core.access.problems import Problem


class ProjectAction(StrEnum):
    """Whether the request creates its project or joins one that exists."""

    NEW = "new"
    JOIN = "join"


@dataclass(frozen=True)
class AccessRequest:
    """A pending (approved and notified) row of the access tab.

    `cells` is the row exactly as read, kept to re-check the row before it is moved. `username`
    is the email in lower case: Keystone user names are compared case-insensitively and new users
    are created with this form.
    """

    row: int
    cells: tuple[str, ...] = field(repr=False)  # holds the PIN
    timestamp: str
    email: str
    username: str
    first_name: str
    last_name: str
    organization: str
    role: str
    phone: str
    sponsor: str
    comment: str
    pin: str = field(repr=False)
    expects_new_user: bool
    project: str
    project_action: ProjectAction
    project_derived: bool
    description: str
    extra_users: tuple[str, ...]
    issues: tuple[Problem, ...]  # each problem with the field it is about (`access.problems`)
    hold: Hold | None = None  # held or denied by the helpdesk (`access.hold`): not pending work

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(p.text for p in self.issues)

    def problems_of(self, field: str) -> tuple[str, ...]:
        """The problems filed under `field` (see `access.problems.problem_field`)."""
        return tuple(p.text for p in self.issues if p.field == field)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
