"""Small in-memory stand-ins for the engine's ports, for unit tests of the orchestration.

The functional tests run the same engine against the real Keystone, setpass and SMTP server;
these fakes let a unit test crash the run at any exact point and count what happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.sheets import RowsChanged, TabNotFound


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the engine catches it."""


@dataclass(frozen=True)
class Obj:
    id: str
    name: str
    email: str = ""


@dataclass
class FakeCloud:
    projects: dict[str, Obj] = field(default_factory=dict)
    users: dict[str, Obj] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    members: set[tuple[str, str]] = field(default_factory=set)
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    hook: Callable[[str], None] = lambda call: None

    def _call(self, name: str) -> None:
        self.calls.append(name)
        self.hook(name)

    def find_project(self, name: str) -> Obj | None:
        self._call("find_project")
        return self.projects.get(name.casefold())

    def create_project(self, name: str, description: str) -> Obj:
        project = Obj(uuid.uuid4().hex, name)
        self.projects[name.casefold()] = project
        self._call("create_project")
        return project

    def find_user(self, name: str) -> Obj | None:
        self._call("find_user")
        return self.users.get(name.casefold())

    def create_user(self, name: str, email: str, description: str, password: str) -> Obj:
        user = Obj(uuid.uuid4().hex, name, email)
        self.users[name.casefold()] = user
        self.passwords[user.id] = password
        self._call("create_user")
        return user

    def set_password(self, user_id: str, password: str) -> None:
        self.passwords[user_id] = password
        self._call("set_password")

    def ensure_member(self, user_id: str, project_id: str) -> None:
        self.members.add((user_id, project_id))
        self._call("ensure_member")

    def get_quotas(self, project_id: str) -> dict[str, int]:
        self._call("get_quotas")
        return dict(self.quotas.get(project_id, {}))

    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        self.quotas.setdefault(project_id, {}).update(values)
        self._call("set_quotas")
        return dict(values)


@dataclass
class FakeSetpass:
    """Keeps, like the service, one valid token per user: renewing replaces it."""

    records: dict[str, tuple[str, str]] = field(default_factory=dict)
    valid_token: dict[str, str] = field(default_factory=dict)
    hook: Callable[[str], None] = lambda call: None

    def register(self, user_id: str, password: str, pin: str) -> str:
        self.records[user_id] = (password, pin)
        self.valid_token[user_id] = uuid.uuid4().hex
        self.hook("register")
        return self.valid_token[user_id]

    def renew(self, user_id: str) -> str:
        self.valid_token[user_id] = uuid.uuid4().hex
        self.hook("renew")
        return self.valid_token[user_id]

    def link(self, token: str) -> str:
        return f"https://setpass.example.org/?token={token}"


@dataclass
class FakeMailer:
    sent: list[OutgoingMail] = field(default_factory=list)
    fail_with: Exception | None = None
    hook: Callable[[str], None] = lambda call: None

    def send(self, mail: OutgoingMail) -> SendResult:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(mail)
        self.hook("send")
        return SendResult({})


@dataclass
class FakeStore:
    """Tabs as lists of rows; move_rows re-checks like the real stores."""

    tabs: dict[str, list[list[str]]]

    def read_tabs(self, tabs: Sequence[str]) -> dict[str, list[list[str]]]:
        for tab in tabs:
            if tab not in self.tabs:
                raise TabNotFound(tab)
        return {tab: [list(r) for r in self.tabs[tab]] for tab in tabs}

    def move_rows(
        self, source: str, target: str, rows: Sequence[int], expected: Sequence[Sequence[str]]
    ) -> None:
        src = self.tabs[source]
        changed = [r for r, cells in zip(rows, expected, strict=True)
                   if r > len(src) or src[r - 1] != list(cells)]  # fmt: skip
        if changed:
            raise RowsChanged(source, changed)
        self.tabs[target] += [src[r - 1] for r in rows]
        for r in sorted(rows, reverse=True):
            del src[r - 1]
