"""An access request's journal key and locks (the generic schemes are in `workflow.keys`)."""

from __future__ import annotations

from moc_tui.core.access.request import AccessRequest
from moc_tui.core.identifiers import canonical
from moc_tui.core.step_names import Step
from moc_tui.core.text import trim
from moc_tui.core.workflow.identity import Done, Identity, names_match
from moc_tui.core.workflow.keys import content_key, request_key, user_lock_key


def access_key(request: AccessRequest) -> str:
    """Timestamp, user, project (new or join, compared ignoring case), additional users.

    The PIN, names and free text are not part of it: fixing them keeps the request's record.
    """
    return content_key(
        "access",
        trim(request.timestamp),
        request.username,
        str(request.project_action),
        canonical(request.project),
        ",".join(sorted(request.extra_users)),
    )


def access_lock_keys(request: AccessRequest) -> tuple[str, ...]:
    """What a run provisioning `request` holds: the request, and its user when it may be new."""
    return (access_key(request), user_lock_key(request.username))


def legacy_access_key(request: AccessRequest) -> str:
    return request_key("access", request.timestamp, request.email)


def _access_matches(request: AccessRequest, done: Done) -> bool:
    project, user = request.project, request.username
    return names_match(
        done,
        {
            Step.PROJECT_INTENT: project,
            Step.PROJECT: project,
            Step.USER_INTENT: user,
            Step.USER: user,
        },
    )


ACCESS: Identity[AccessRequest] = Identity(
    access_key, legacy_access_key, _access_matches, "provisioned"
)
