"""What provisioning a set of requests will do, computed from the cloud without changing it.

The operator confirms exactly this: for each row, the project and user (new, existing, or done by
an earlier run), the role, the quotas (current -> target), the setpass registration, each mail
and the sheet move. The decisions are `decide.decide()`'s, the ones the steps act on; this module
looks the names up and puts the decisions in words. Rows with problems are planned too, so the
operator sees why they will be refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from moc_tui.core.access import AccessRequest, mails
from moc_tui.core.access.decide import Decision, Done, RequestDecision, Verb, decide
from moc_tui.core.access.keys import ACCESS
from moc_tui.core.identifiers import canonical
from moc_tui.core.journal import Journal
from moc_tui.core.ports import Cloud
from moc_tui.core.settings import Settings
from moc_tui.core.step_names import Step, mail_label

EARLIER = "by an earlier run"
SETPASS = "register the temporary password and PIN with setpass"


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
    user: str
    role: str
    move_to: str
    done_steps: tuple[str, ...]  # the journal's steps of the request (not its intents)
    creates_project: bool = False  # the project is the request's own (now or by an earlier run)
    creates_user: bool = False  # the same for the user
    quota_changes: tuple[QuotaChange, ...] = ()
    extra_users: tuple[tuple[str, bool], ...] = ()
    mails: tuple[tuple[str, str], ...] = ()  # (outbox kind, recipient) still to send
    problems: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = ()  # `decide()`'s, one per step

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The plan in plain words, one action a line; a step done earlier says so, once."""
        if self.problems:
            return [f"refused: {p}" for p in self.problems]
        verbs = {d.step: d.verb for d in self.decisions}
        by_step = {d.step: d for d in self.decisions}
        granted = f"role {self.role!r} on {self.project!r}"
        return [
            _object_line("project", by_step[Step.PROJECT]),
            _object_line("user", by_step[Step.USER]),
            *_step_line(verbs[Step.MEMBER], f"grant {granted}", granted, "granted"),
            *_step_line(verbs[Step.QUOTAS], "", "quotas", "set"),  # the changes follow
            *(_quota_line(change) for change in self.quota_changes),
            *self._extra_lines(verbs[Step.EXTRA_USERS]),
            *_step_line(verbs[Step.SETPASS], SETPASS, "the setpass registration", "made"),
            *self._mail_lines(verbs[Step.MAILS_QUEUED] is Verb.DONE),
            f"move the row to {self.move_to!r}",
        ]

    def _extra_lines(self, verb: Verb) -> list[str]:
        if verb is Verb.DONE:
            return [_done_line("additional users", "added")]
        return [f"add {n!r}" if ok else f"skip {n!r} (no account)" for n, ok in self.extra_users]

    def _mail_lines(self, written: bool) -> list[str]:
        """The mails to send; once written, the outbox's (or none left: all sent)."""
        if written and not self.mails:
            return [_done_line("the mails", "sent")]
        earlier = f" (written {EARLIER})" if written else ""
        return [f"send the {mail_label(kind)} to {to}{earlier}" for kind, to in self.mails]


@dataclass
class Ahead:
    """What the rows planned so far create: a later row may join or add it."""

    projects: dict[str, int] = field(default_factory=dict)  # canonical name -> row
    users: set[str] = field(default_factory=set)

    def note(self, planned: RequestPlan) -> None:
        if planned.creates_project:
            self.projects.setdefault(canonical(planned.project), planned.row)
        if planned.creates_user:
            self.users.add(planned.user)


def _step_line(verb: Verb, todo: str, what: str, done: str) -> list[str]:
    """A step's line: `todo` when it is to be done, what an earlier run did, or none."""
    if verb is Verb.DONE:
        return [_done_line(what, done)]
    return [todo] if verb is Verb.CREATE and todo else []


def _quota_line(change: QuotaChange) -> str:
    current = "default" if change.current is None else str(change.current)
    return f"quota {change.name}: {current} -> {change.target}"


def _done_line(what: str, verb: str) -> str:
    return f"{what}: {verb} {EARLIER}"


def _object_line(kind: str, decision: Decision) -> str:
    """The project's or user's line: create, use existing, or what an earlier run did."""
    name = f"{kind} {decision.name!r}"
    if decision.verb is Verb.CREATE:
        return f"create {name}"
    if decision.verb is Verb.RESUME:
        return f"use {name}, created {EARLIER}"
    if decision.verb is Verb.DONE:
        return (
            _done_line(name, "created") if decision.own else _done_line(f"existing {name}", "used")
        )
    return f"use existing {name}" + (f" ({decision.reason})" if decision.reason else "")


def _quota_changes(
    decision: RequestDecision, settings: Settings, cloud: Cloud, project_id: str
) -> tuple[QuotaChange, ...]:
    if decision.of(Step.QUOTAS).verb is not Verb.CREATE:
        return ()
    current = cloud.get_quotas(project_id) if project_id else {}
    return tuple(
        QuotaChange(name, current.get(name), target)
        for name, target in sorted(settings.quotas.items())
    )


def _extra_users(
    request: AccessRequest, decision: RequestDecision, cloud: Cloud, done: Done, ahead: Ahead
) -> tuple[tuple[str, bool], ...]:
    """Each additional user and whether they will be added (they exist, or an earlier row of
    this run creates them)."""
    verb = decision.of(Step.EXTRA_USERS).verb
    if verb is Verb.DONE:
        added = set(done[Step.EXTRA_USERS].get("added", []))
        return tuple((name, name in added) for name in request.extra_users)
    if verb is Verb.SKIP:
        return ()
    return tuple(
        (name, name in ahead.users or cloud.find_user(name) is not None)
        for name in request.extra_users
    )


def _mails(
    request: AccessRequest,
    decision: RequestDecision,
    extra: tuple[tuple[str, bool], ...],
    journal: Journal,
    record: str,
) -> tuple[tuple[str, str], ...]:
    """The mails still to send: those the outbox holds once written, else the ones to write."""
    if decision.of(Step.MAILS_QUEUED).verb is Verb.DONE:
        return tuple(
            (item.kind.partition(":")[0], ", ".join(item.payload.get("to", [])))
            for item in journal.pending_mail(record)
        )
    planned = [(mails.ADDED, request.email)]
    if decision.of(Step.USER).own:
        planned = [(mails.WELCOME, request.email), (mails.PASSWORD, request.email)]
    if decision.of(Step.PROJECT).own:
        planned.append((mails.NEW_PROJECT, request.email))
    planned += [(mails.ADDED, name) for name, exists in extra if exists]
    return tuple(planned)


def _plan_one(
    request: AccessRequest,
    settings: Settings,
    cloud: Cloud,
    journal: Journal,
    ahead: Ahead,
) -> RequestPlan:
    record = ACCESS.record_key(journal, request)
    done = journal.steps(record)
    base = RequestPlan(
        request.row,
        request.email,
        ACCESS.key_of(request),
        request.project,
        request.username,
        settings.auth.member_role,
        settings.access_sheet.done_tab,
        tuple(s for s in done if not s.endswith("_intent")),
    )
    problems = [*request.problems, *filter(None, [ACCESS.refusal(journal, record)])]
    if problems:  # refused before any step: nothing is looked up
        return replace(base, problems=tuple(problems))
    project = None if Step.PROJECT in done else cloud.find_project(request.project)
    user = None if Step.USER in done else cloud.find_user(request.username)
    planned_by = ahead.projects.get(canonical(request.project))
    decision = decide(request, done, project, user, settings.quotas, planned_by=planned_by)
    project_id = decision.of(Step.PROJECT).object_id
    extra = _extra_users(request, decision, cloud, done, ahead) if decision.ok else ()
    return replace(
        base,
        creates_project=decision.of(Step.PROJECT).own,
        creates_user=decision.of(Step.USER).own,
        quota_changes=_quota_changes(decision, settings, cloud, project_id) if decision.ok else (),
        extra_users=extra,
        mails=_mails(request, decision, extra, journal, record),
        problems=decision.refusals,
        decisions=decision.steps,
    )


def plan(
    requests: Sequence[AccessRequest], settings: Settings, cloud: Cloud, journal: Journal
) -> list[RequestPlan]:
    """The plan of every request, reading the cloud only (at most 2 + extra-user lookups each,
    fewer once an earlier run did the project or user step).

    A row may join a project, or add a user, that an earlier row of the same run creates.
    """
    ahead = Ahead()
    plans = []
    for request in requests:
        planned = _plan_one(request, settings, cloud, journal, ahead)
        if planned.ok:
            ahead.note(planned)
        plans.append(planned)
    return plans
