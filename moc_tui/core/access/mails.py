"""The messages a provisioned request sends, queued in the journal's outbox.

The set-password link is never written anywhere: the password mail is queued with a random marker
where the link goes, and the marker is replaced by a fresh link only at the moment of sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from moc_tui.core.access import AccessRequest
from moc_tui.core.mail import build_message
from moc_tui.core.mail.templates import load_template
from moc_tui.core.settings import Settings
from moc_tui.core.workflow.steps import link_marker, with_link

__all__ = ["ADDED", "NEW_PROJECT", "PASSWORD", "SECTIONS", "WELCOME", "compose", "with_link"]

WELCOME, PASSWORD, NEW_PROJECT, ADDED = "welcome", "password", "new_project", "added"
SECTIONS = {
    WELCOME: "welcome_email",
    PASSWORD: "password_email",
    NEW_PROJECT: "new_project_email",
    ADDED: "added_to_project_email",
}


def _values(request: AccessRequest, project: str, fullname: str, username: str) -> dict[str, str]:
    return {
        "FULLNAME": fullname,
        "FIRST_NAME": request.first_name,
        "LAST_NAME": request.last_name,
        "USERNAME": username,
        "EMAIL": request.email,
        "PROJECT": project,
    }


def compose(
    settings: Settings,
    kind: str,
    request: AccessRequest,
    to: Sequence[str],
    *,
    fullname: str | None = None,
    username: str | None = None,
    setpass_user_id: str | None = None,
) -> dict[str, Any]:
    """The outbox payload of one message of `kind` for `request`."""
    section = settings.emails[SECTIONS[kind]]
    values = _values(
        request, request.project, fullname or request.full_name, username or request.username
    )
    payload_extra: dict[str, Any] = {}
    if kind == PASSWORD:
        marker = link_marker()
        values["SETPASS_TOKEN_URL"] = marker
        payload_extra = {"link_marker": marker, "setpass_user_id": setpass_user_id}
    mail = build_message(
        section,
        load_template(section),
        settings.email_defaults,
        values,
        to,
        subject_project=request.project,
    )
    if kind == PASSWORD:
        # the link goes to the user alone, whatever cc the section names
        mail = replace(mail, cc=())
    return {**mail.to_payload(), **payload_extra}
