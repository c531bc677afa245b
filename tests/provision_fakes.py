"""Small in-memory stand-ins for the engine's ports, for unit tests of the orchestration.

The functional tests run the same engine against the real Keystone, setpass and SMTP server;
these fakes let a unit test crash the run at any exact point and count what happened.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moc_tui.core.access import parse_access_requests
from moc_tui.core.access.engine import ProvisionResult, provision
from moc_tui.core.access.events import Event
from moc_tui.core.access.steps import RunContext
from moc_tui.core.cloud.models import Ensured, Member, Project, User
from moc_tui.core.journal import Journal
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.settings import Settings, load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets import RowsChanged, TabNotFound
from moc_tui.core.table import read_table
from tests.port_fakes import UnusedCloud, UnusedSetpass
from tests.sample_rows import ACCESS_HEADER, access_row
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the engine catches it."""


@dataclass
class FakeCloud(UnusedCloud):
    projects: dict[str, Project] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    members: set[tuple[str, str]] = field(default_factory=set)
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    hook: Callable[[str], None] = lambda call: None
    admins: set[str] = field(default_factory=set)  # user ids holding the admin role
    ports: dict[str, int] = field(default_factory=dict)  # project id -> ports in use

    def _call(self, name: str) -> None:
        self.calls.append(name)
        self.hook(name)

    def get_user(self, user_id: str) -> User:
        self._call("get_user")
        return next(u for u in self.users.values() if u.id == user_id)

    def is_admin_user(self, user: User) -> bool:
        from moc_tui.core.identifiers import is_reserved

        self._call("is_admin_user")
        return is_reserved(user.name) or user.id in self.admins

    def project_members(self, project_id: str) -> list[Member]:
        self._call("project_members")
        users = {u.id: u for u in self.users.values()}
        return [Member(users[u], ("member",)) for u, p in sorted(self.members) if p == project_id]

    def find_project(self, name: str, *, likely_new: bool = False) -> Project | None:
        self._call("find_project")
        return self.projects.get(name.casefold())

    def create_project(
        self, name: str, description: str, *, exist_ok: bool = True, checked: bool = False
    ) -> Ensured[Project]:
        project = Project(uuid.uuid4().hex, name, description, "default")
        self.projects[name.casefold()] = project
        self._call("create_project")
        return Ensured(project, created=True)

    def find_user(self, name: str, *, likely_new: bool = False) -> User | None:
        self._call("find_user")
        return self.users.get(name.casefold())

    def create_user(
        self,
        name: str,
        email: str,
        description: str,
        password: str,
        *,
        exist_ok: bool = True,
        checked: bool = False,
    ) -> Ensured[User]:
        user = User(uuid.uuid4().hex, name, email, description)
        self.users[name.casefold()] = user
        self.passwords[user.id] = password
        self._call("create_user")
        return Ensured(user, created=True)

    def set_password(self, user_id: str, password: str) -> User:
        self.passwords[user_id] = password
        self._call("set_password")
        return next(u for u in self.users.values() if u.id == user_id)

    def ensure_member(self, user_id: str, project_id: str) -> None:
        self.members.add((user_id, project_id))
        self._call("ensure_member")

    def get_quotas(self, project_id: str) -> dict[str, int]:
        self._call("get_quotas")
        defaults = {"instances": 10, "network": 5, "port": 50}
        return {**defaults, **self.quotas.get(project_id, {})}

    def ports_in_use(self, project_id: str) -> int:
        self._call("ports_in_use")
        return self.ports.get(project_id, 0)

    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        self.quotas.setdefault(project_id, {}).update(values)
        self._call("set_quotas")
        return dict(values)


@dataclass
class FakeSetpass(UnusedSetpass):
    """Keeps, like the service, one valid token per user: renewing replaces it."""

    records: dict[str, tuple[str, str]] = field(default_factory=dict)
    valid_token: dict[str, str] = field(default_factory=dict)
    hook: Callable[[str], None] = lambda call: None

    def register(self, user_id: str, password: str | None, pin: str | None) -> str:
        assert password is not None and pin is not None  # provisioning sets both
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
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
        keys: Sequence[str] | None = None,
    ) -> None:
        src = self.tabs[source]
        changed = [r for r, cells in zip(rows, expected, strict=True)
                   if r > len(src) or src[r - 1] != list(cells)]  # fmt: skip
        if changed:
            raise RowsChanged(source, changed)
        self.tabs[target] += [src[r - 1] for r in rows]
        for r in sorted(rows, reverse=True):
            del src[r - 1]


@dataclass
class World:
    settings: Settings
    cloud: FakeCloud
    setpass: FakeSetpass
    mailer: FakeMailer
    store: FakeStore
    journal: Journal
    events: list[Event]

    def requests(self) -> tuple[dict[str, list[list[str]]], Any]:
        tabs = self.store.read_tabs([FORM, ACCESS_DONE])
        table = read_table(FORM, tabs[FORM], ACCESS_COLUMNS, "access_columns")
        return tabs, parse_access_requests(table).requests

    def run(self, emit_hook: Any = None, cancelled: Any = None) -> ProvisionResult:
        def emit(event: Event) -> None:
            self.events.append(event)
            if emit_hook is not None:
                emit_hook(event)

        tabs, requests = self.requests()
        ctx = RunContext(
            self.settings,
            self.cloud,
            self.setpass,
            self.mailer,
            self.journal,
            "alice-operator",
            emit,
        )
        if cancelled is not None:
            ctx.cancelled = cancelled
        return provision(ctx, self.store, requests, tabs)


def make_world(tmp_path: Path, rows: list[list[str]]) -> World:
    settings = load_settings(
        write_settings(tmp_path, {"quotas": {"cores": "20", "instances": "10"}})
    )
    store = FakeStore({FORM: [ACCESS_HEADER, *rows], ACCESS_DONE: [ACCESS_HEADER]})
    return World(
        settings,
        FakeCloud(),
        FakeSetpass(),
        FakeMailer(),
        store,
        Journal(settings.state_dir / "journal.sqlite3"),
        [],
    )


def outcome(world: World) -> dict[str, Any]:
    """What a run leaves behind, without ids that differ between runs."""
    names = {u.id: u.name for u in world.cloud.users.values()}
    projects = {p.id: p.name for p in world.cloud.projects.values()}
    return {
        "projects": sorted(projects.values()),
        "users": sorted(names.values()),
        "members": sorted((names[u], projects[p]) for u, p in world.cloud.members),
        "quotas": sorted(
            (projects[p], tuple(sorted(q.items()))) for p, q in world.cloud.quotas.items()
        ),
        "mails": sorted(Counter((m.to, m.subject) for m in world.mailer.sent).items()),
        "form": [row[4] for row in world.store.tabs[FORM][1:]],
        "done": [row[4] for row in world.store.tabs[ACCESS_DONE][1:]],
        "setpass": sorted(names[u] for u in world.setpass.records),
    }


def standard_rows() -> list[list[str]]:
    return [
        access_row(),
        access_row(
            email="bob@example.org",
            new_project="",
            existing_project="wonderland",
            has_account="Yes",
            pin="",
            timestamp="t2",
        ),
        access_row(
            email="carol@example.org",
            new_project="",
            project_choice="personal",
            extra_users="alice@example.org, ghost@example.org",
            timestamp="t3",
        ),
    ]
