"""What provisioning a set of requests will do, computed from the cloud without changing it.

The operator confirms exactly this: for each row, the project and user (new or existing), the
role, the quotas (current -> target), the setpass registration, each mail and the sheet move.
Rows with problems are planned too, so the operator sees why they will be refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moc_tui.core.access import AccessRequest, ProjectAction
from moc_tui.core.identifiers import canonical
from moc_tui.core.journal import Journal
from moc_tui.core.provision import mails
from moc_tui.core.provision.keys import ACCESS
from moc_tui.core.provision.ports import Cloud
from moc_tui.core.settings import Settings
from moc_tui.core.step_names import steps_label


@dataclass(frozen=True)
class QuotaChange:
    name: str
    current: int | None  # None: the cloud's default for a project not created yet
    target: int


@dataclass(frozen=True)
class RequestPlan:
    row: int
    email: str
    request_key: str
    project: str
    creates_project: bool
    user: str
    creates_user: bool
    role: str
    quota_changes: tuple[QuotaChange, ...]
    extra_users: tuple[tuple[str, bool], ...]
    mails: tuple[tuple[str, str], ...]
    move_to: str
    done_steps: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The plan in plain words, one action a line."""
        if self.problems:
            return [f"refused: {p}" for p in self.problems]
        out = [
            f"{'create' if self.creates_project else 'use existing'} project {self.project!r}",
            f"{'create' if self.creates_user else 'use existing'} user {self.user!r}",
            f"grant role {self.role!r} on {self.project!r}",
        ]
        for change in self.quota_changes:
            current = "default" if change.current is None else str(change.current)
            out.append(f"quota {change.name}: {current} -> {change.target}")
        for name, exists in self.extra_users:
            out.append(f"add {name!r}" if exists else f"skip {name!r} (no account)")
        if self.creates_user:
            out.append("register the temporary password and PIN with setpass")
        out += [f"mail {kind} to {to}" for kind, to in self.mails]
        out.append(f"move the row to {self.move_to!r}")
        if self.done_steps:
            out.append(f"already done by an earlier run: {steps_label(self.done_steps)}")
        return out


def _plan_one(
    request: AccessRequest,
    settings: Settings,
    cloud: Cloud,
    journal: Journal,
    created_earlier: dict[str, int],
) -> RequestPlan:
    record = ACCESS.record_key(journal, request)
    done = journal.steps(record)
    problems = list(request.problems)
    problems += filter(None, [ACCESS.refusal(journal, record)])
    creates_project = creates_user = False
    changes: tuple[QuotaChange, ...] = ()
    extra: tuple[tuple[str, bool], ...] = ()
    if not problems:
        project = cloud.find_project(request.project)
        ours = "project_intent" in done
        joins_planned = canonical(request.project) in created_earlier
        if request.project_action is ProjectAction.JOIN and project is None and not joins_planned:
            problems.append(f"there is no project named {request.project!r} to join")
        elif request.project_action is ProjectAction.NEW and project is not None and not ours:
            problems.append(f"project {project.name!r} exists already; make the row join it")
        creates_project = request.project_action is ProjectAction.NEW and (project is None or ours)
        user = cloud.find_user(request.username)
        creates_user = user is None or "user_intent" in done
        if user is None and not request.pin:
            problems.append("the user is new but the row has no PIN")
        if creates_project and settings.quotas:
            current = cloud.get_quotas(project.id) if project is not None else {}
            changes = tuple(
                QuotaChange(name, current.get(name), target)
                for name, target in sorted(settings.quotas.items())
            )
        extra = tuple((name, cloud.find_user(name) is not None) for name in request.extra_users)
    planned_mails = [(mails.WELCOME, request.email), (mails.PASSWORD, request.email)]
    if not creates_user:
        planned_mails = [(mails.ADDED, request.email)]
    if creates_project:
        planned_mails.append((mails.NEW_PROJECT, request.email))
    planned_mails += [(mails.ADDED, name) for name, exists in extra if exists]
    return RequestPlan(
        row=request.row,
        email=request.email,
        request_key=ACCESS.key_of(request),
        project=request.project,
        creates_project=creates_project,
        user=request.username,
        creates_user=creates_user,
        role=settings.auth.member_role,
        quota_changes=changes,
        extra_users=extra,
        mails=tuple(planned_mails),
        move_to=settings.access_sheet.done_tab,
        done_steps=tuple(s for s in done if not s.endswith("_intent")),
        problems=tuple(problems),
    )


def plan(
    requests: Sequence[AccessRequest], settings: Settings, cloud: Cloud, journal: Journal
) -> list[RequestPlan]:
    """The plan of every request, reading the cloud only (at most 2 + extra-user lookups each).

    A row may join a project that an earlier row of the same run creates.
    """
    created_earlier: dict[str, int] = {}
    plans = []
    for request in requests:
        planned = _plan_one(request, settings, cloud, journal, created_earlier)
        if planned.ok and planned.creates_project:
            created_earlier.setdefault(canonical(planned.project), planned.row)
        plans.append(planned)
    return plans
