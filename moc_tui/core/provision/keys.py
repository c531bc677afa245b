"""The keys requests are known by in the journal, stable while their rows move around the tab.

Two schemes exist. `request_key` (kind, Timestamp, lower-cased email) is what versions before
content keys journaled every request under, and what resets and tickets still use. It let two
rows with the same Timestamp and emails differing in case share one record, so the second was
taken for done. `access_key` and `quota_key` hash what the request asks for instead; a record of
the old scheme is adopted by the request it matches (`moc_tui.core.workflow.identity`).
"""

from __future__ import annotations

import hashlib

from moc_tui.core.access import AccessRequest
from moc_tui.core.identifiers import canonical
from moc_tui.core.quota_requests import QuotaRequest
from moc_tui.core.step_names import Step
from moc_tui.core.text import trim
from moc_tui.core.workflow.identity import Done, Identity, names_match


def _hashed(kind: str, material: str) -> str:
    return f"{kind}-{hashlib.sha256(material.encode()).hexdigest()[:20]}"


def request_key(kind: str, timestamp: str, email: str) -> str:
    """`kind` (access, quota, reset), the form's Timestamp and the email, hashed.

    The row number is not part of it: rows above may be deleted or sorted between runs.
    """
    return _hashed(kind, "\0".join((kind, trim(timestamp), trim(email).lower())))


def content_key(kind: str, *fields: str) -> str:
    """A key over what a request asks for; `v2` keeps it apart from every `request_key`."""
    return _hashed(kind, "\0".join(("v2", kind, *fields)))


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


def user_lock_key(username: str) -> str:
    """The lock of a user's password and set-password link (a reset and a provisioning of the
    same user exclude each other; it is the key resets have always been locked by)."""
    return request_key("reset", "", username)


def access_lock_keys(request: AccessRequest) -> tuple[str, ...]:
    """What a run provisioning `request` holds: the request, and its user when it may be new."""
    return (access_key(request), user_lock_key(request.username))


def legacy_access_key(request: AccessRequest) -> str:
    return request_key("access", request.timestamp, request.email)


def quota_key(request: QuotaRequest) -> str:
    """Timestamp, requester, project (ignoring case) and every value asked for."""
    return content_key(
        "quota",
        trim(request.timestamp),
        trim(request.email).lower(),
        canonical(request.project),
        ",".join(f"{name}={value}" for name, value in sorted(request.requested.items())),
    )


def legacy_quota_key(request: QuotaRequest) -> str:
    return request_key("quota", request.timestamp, request.email)


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


def _quota_matches(request: QuotaRequest, done: Done) -> bool:
    values = done.get("quota_intent", {}).get("values", {})
    asked = all(values.get(name) == value for name, value in request.requested.items())
    return names_match(done, {Step.PROJECT: request.project}) and asked


ACCESS: Identity[AccessRequest] = Identity(
    access_key, legacy_access_key, _access_matches, "provisioned"
)
QUOTA: Identity[QuotaRequest] = Identity(quota_key, legacy_quota_key, _quota_matches, "applied")
