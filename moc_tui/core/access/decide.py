"""What provisioning a request will do, decided from Keystone's answers and the request's journal.

One set of decisions for the plan and the run: the plan looks the names up and renders
`decide()`, and each step looks its name up as it goes (find-or-create) and acts on the same
per-step function (`decide_project`, `decide_user`). So a plan cannot say "create project X"
for a project an earlier run of the request created, and the run cannot do what the plan did not
say. Pure: no cloud calls here, only their answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from moc_tui.core.access import AccessRequest, ProjectAction
from moc_tui.core.cloud.models import Project, User
from moc_tui.core.step_names import Step

Done = Mapping[str, Mapping[str, Any]]


class Verb(StrEnum):
    """What a step will do."""

    CREATE = "create"  # a new object (or the first time for an action)
    REUSE = "reuse"  # an object that exists and is not this request's: used as it is
    RESUME = "resume"  # an object an earlier run of this request created: finished, not redone
    DONE = "done"  # the journal holds the step: skipped
    SKIP = "skip"  # not needed for this request
    REFUSE = "refuse"  # cannot be done; `reason` says why and the request stops there


@dataclass(frozen=True)
class Decision:
    """One step's decision. `own` is whether the object is this request's (created now or by an
    earlier run): what follows (quotas, setpass, the mails) depends on it."""

    step: Step
    verb: Verb
    name: str = ""
    reason: str = ""
    own: bool = False
    object_id: str = ""  # the object's id when known (found, or journaled)

    @property
    def refused(self) -> bool:
        return self.verb is Verb.REFUSE


def decide_project(
    request: AccessRequest, found: Project | None, done: Done, *, planned_by: int | None = None
) -> Decision:
    """The project step: `found` is Keystone's answer for the name; `planned_by` is the row of
    this run that creates the project a joining row names (plans only: the run finds it)."""
    name = request.project
    if Step.PROJECT in done:
        data = done[Step.PROJECT]
        own = bool(data.get("created"))
        return Decision(Step.PROJECT, Verb.DONE, name, "", own, str(data.get("project_id", "")))
    if request.project_action is ProjectAction.JOIN:
        if found is not None:
            return Decision(Step.PROJECT, Verb.REUSE, found.name, object_id=found.id)
        if planned_by is not None:
            return Decision(Step.PROJECT, Verb.REUSE, name, f"row {planned_by} creates it first")
        return Decision(
            Step.PROJECT,
            Verb.REFUSE,
            name,
            f"there is no project named {name!r} to join; correct the name or add it to "
            "[project_aliases]",
        )
    if found is None:
        return Decision(Step.PROJECT, Verb.CREATE, name, own=True)
    if Step.PROJECT_INTENT in done:
        return Decision(Step.PROJECT, Verb.RESUME, found.name, own=True, object_id=found.id)
    return Decision(
        Step.PROJECT,
        Verb.REFUSE,
        found.name,
        f"project {found.name!r} exists already; to add this user to it, make the row join it "
        "instead of creating it",
    )


def decide_user(request: AccessRequest, found: User | None, done: Done) -> Decision:
    """The user step: `found` is Keystone's answer for the user name."""
    name = request.username
    if Step.USER in done:
        data = done[Step.USER]
        own = bool(data.get("created"))
        return Decision(Step.USER, Verb.DONE, name, "", own, str(data.get("user_id", "")))
    if found is None:
        if not request.pin:
            return Decision(
                Step.USER, Verb.REFUSE, name, "the user is new but the row has no PIN; add it"
            )
        return Decision(Step.USER, Verb.CREATE, name, own=True)
    if Step.USER_INTENT in done:
        return Decision(Step.USER, Verb.RESUME, found.name, own=True, object_id=found.id)
    note = "the form says no account, but the user exists" if request.expects_new_user else ""
    return Decision(Step.USER, Verb.REUSE, found.name, note, object_id=found.id)


def sets_quotas(own_project: bool, quotas: Mapping[str, int]) -> bool:
    """`[quotas]` are set on a project the request creates, never on one it joins."""
    return own_project and bool(quotas)


def registers_password(own_user: bool) -> bool:
    """A user the request creates gets a setpass registration (and the password mail)."""
    return own_user


def _then(step: Step, done: Done, needed: bool, name: str = "") -> Decision:
    if not needed:
        return Decision(step, Verb.SKIP, name)
    return Decision(step, Verb.DONE if step in done else Verb.CREATE, name)


@dataclass(frozen=True)
class RequestDecision:
    """Every step of one request in the order the run does them (`refusals` stop it first)."""

    steps: tuple[Decision, ...]
    refusals: tuple[str, ...]  # the row's problems and every refused step's reason

    def of(self, step: Step) -> Decision:
        return next(d for d in self.steps if d.step is step)

    @property
    def ok(self) -> bool:
        return not self.refusals


def decide(
    request: AccessRequest,
    done: Done,
    project: Project | None,
    user: User | None,
    quotas: Mapping[str, int],
    *,
    problems: Sequence[str] = (),
    planned_by: int | None = None,
) -> RequestDecision:
    """What provisioning `request` does, given what Keystone answered for its project and user
    and what its journal holds (`done`); `problems` refuse it before any step."""
    project_step = decide_project(request, project, done, planned_by=planned_by)
    user_step = decide_user(request, user, done)
    steps = (
        project_step,
        _then(Step.QUOTAS, done, sets_quotas(project_step.own, quotas), request.project),
        user_step,
        _then(Step.MEMBER, done, True, request.project),
        _then(Step.EXTRA_USERS, done, bool(request.extra_users)),
        _then(Step.SETPASS, done, registers_password(user_step.own), request.username),
        _then(Step.MAILS_QUEUED, done, True),
        _then(Step.SHEET, done, True),
    )
    refusals = (*problems, *(d.reason for d in steps if d.refused))
    return RequestDecision(steps, tuple(refusals))
