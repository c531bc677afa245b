"""The steps of one access request, each find-or-create and journaled before the next.

A rerun after a crash anywhere ends where an uninterrupted run would: a step the journal holds is
not repeated, and an object created just before a crash is recognised by the `*_intent` record
written before creating it (so a project that exists without that record is someone else's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.access import AccessRequest, ProjectAction, mails
from moc_tui.core.access.decide import Verb, decide_project, decide_user
from moc_tui.core.cloud.quotas import adjust_port_quota
from moc_tui.core.journal import Journal
from moc_tui.core.ports import Cloud, MailSender, Setpass
from moc_tui.core.secrets_gen import random_password
from moc_tui.core.settings import Settings
from moc_tui.core.step_names import Step
from moc_tui.core.workflow.events import Event, RowWarning
from moc_tui.core.workflow.steps import (
    Payload,
    StepFailed,
    Steps,
    describe,
    never,
)

__all__ = ["MailSender", "RequestRun", "RunContext", "StepFailed", "describe"]


@dataclass
class RunContext:
    """Everything a run shares; the passwords and tokens live only in this process's memory."""

    settings: Settings
    cloud: Cloud
    setpass: Setpass
    mailer: MailSender
    journal: Journal
    operator: str
    emit: Callable[[Event], None]
    passwords: dict[str, str] = field(default_factory=dict, repr=False)
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    cancelled: Callable[[], bool] = never  # the operator asked to stop (checked between steps)


@dataclass
class RequestRun:
    """One request going through its steps."""

    ctx: RunContext
    request: AccessRequest
    key: str
    done: dict[str, dict[str, Any]]

    def __post_init__(self) -> None:
        self.steps = Steps(
            self.ctx.journal,
            self.key,
            self.request.row,
            self.ctx.emit,
            self.done,
            self.ctx.operator,
            self.ctx.cancelled,
        )

    def step(self, name: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return self.steps.step(name, action)

    def intent(self, name: str, data: dict[str, Any]) -> None:
        self.steps.intent(name, data)

    # steps -----------------------------------------------------------------------------------
    def project(self) -> dict[str, Any]:
        """Find the project, then do what `decide_project` says: use it, create it, or stop."""
        cloud, request = self.ctx.cloud, self.request
        new = request.project_action is ProjectAction.NEW
        found = cloud.find_project(request.project, likely_new=new)
        decision = decide_project(request, found, self.done)
        if decision.refused:
            raise StepFailed(Step.PROJECT, decision.reason)
        if found is None:  # CREATE
            self.intent(Step.PROJECT_INTENT, {"name": request.project})
            found = cloud.create_project(request.project, request.description, checked=True).item
        return {"project_id": found.id, "name": found.name, "created": decision.own}

    def quotas(self, project_id: str) -> dict[str, Any]:
        """`[quotas]` for the new project, the port quota raised as the original did."""
        cloud = self.ctx.cloud
        wanted = self.ctx.settings.quotas
        values, reason = wanted, None
        if "port" not in wanted and {"instances", "network"} & wanted.keys():
            values, reason = adjust_port_quota(
                wanted, cloud.get_quotas(project_id), cloud.ports_in_use(project_id)
            )
        if reason:
            self.ctx.emit(RowWarning(self.request.row, reason))
        return {"applied": cloud.set_quotas(project_id, values), "port_reason": reason}

    def user(self) -> dict[str, Any]:
        """Find the user, then do what `decide_user` says: use them, create them, or stop."""
        cloud, request = self.ctx.cloud, self.request
        found = cloud.find_user(request.username, likely_new=request.expects_new_user)
        decision = decide_user(request, found, self.done)
        if decision.refused:
            raise StepFailed(Step.USER, decision.reason)
        if decision.verb is Verb.REUSE and decision.reason:
            self.ctx.emit(RowWarning(request.row, f"{decision.reason}: adding the existing user"))
        if found is None:  # CREATE
            self.intent(Step.USER_INTENT, {"name": request.username})
            password = random_password()
            found = cloud.create_user(
                request.username, request.email.lower(), request.full_name, password, checked=True
            ).item
            self.ctx.passwords[found.id] = password
        return {"user_id": found.id, "name": found.name, "created": decision.own}

    def member(self, user_id: str, project_id: str) -> dict[str, Any]:
        self.ctx.cloud.ensure_member(user_id, project_id)
        return {"role": self.ctx.settings.auth.member_role}

    def extra_users(self, project_id: str) -> dict[str, Any]:
        added, missing = [], []
        for name in self.request.extra_users:
            user = self.ctx.cloud.find_user(name)
            if user is None:
                missing.append(name)
                self.ctx.emit(
                    RowWarning(
                        self.request.row, f"additional user {name!r} has no account; not added"
                    )
                )
                continue
            self.ctx.cloud.ensure_member(user.id, project_id)
            added.append(user.name)
        return {"added": added, "missing": missing}

    def setpass(self, user_id: str) -> dict[str, Any]:
        password = self.ctx.passwords.pop(user_id, None)
        if password is None:
            # resumed after a crash: the first password was never shown to anyone
            password = random_password()
            self.ctx.cloud.set_password(user_id, password)
        self.ctx.tokens[user_id] = self.ctx.setpass.register(user_id, password, self.request.pin)
        return {"registered": True}

    def queue_mails(self, project: dict[str, Any], user: dict[str, Any], extra: list[str]) -> None:
        if Step.MAILS_QUEUED in self.done:
            return
        settings, request = self.ctx.settings, self.request
        queued: dict[str, Payload] = {}
        to = [request.email]
        if user["created"]:
            queued[mails.WELCOME] = mails.compose(settings, mails.WELCOME, request, to)
            queued[mails.PASSWORD] = mails.compose(
                settings, mails.PASSWORD, request, to, setpass_user_id=user["user_id"]
            )
        else:
            queued[mails.ADDED] = mails.compose(settings, mails.ADDED, request, to)
        if project["created"]:
            queued[mails.NEW_PROJECT] = mails.compose(settings, mails.NEW_PROJECT, request, to)
        for name in extra:
            queued[f"{mails.ADDED}:{name}"] = mails.compose(
                settings, mails.ADDED, request, [name], fullname=name, username=name
            )
        self.steps.queue_mails(queued)

    def send_mails(self) -> None:
        """Send what the outbox holds; the set-password link is made only now, never stored."""

        def prepare(payload: Payload) -> Payload:
            if not payload.get("link_marker"):
                return payload
            user_id = str(payload["setpass_user_id"])
            token = self.ctx.tokens.pop(user_id, None) or self.ctx.setpass.renew(user_id)
            return mails.with_link(payload, self.ctx.setpass.link(token))

        self.steps.send_mails(self.ctx.mailer, prepare)
