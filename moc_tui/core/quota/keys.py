"""A quota request's journal key (the generic schemes are in `workflow.keys`)."""

from __future__ import annotations

from moc_tui.core.identifiers import canonical
from moc_tui.core.quota.request import QuotaRequest
from moc_tui.core.step_names import Step
from moc_tui.core.text import trim
from moc_tui.core.workflow.identity import Done, Identity, names_match
from moc_tui.core.workflow.keys import content_key, request_key


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


def _quota_matches(request: QuotaRequest, done: Done) -> bool:
    values = done.get("quota_intent", {}).get("values", {})
    asked = all(values.get(name) == value for name, value in request.requested.items())
    return names_match(done, {Step.PROJECT: request.project}) and asked


QUOTA: Identity[QuotaRequest] = Identity(quota_key, legacy_quota_key, _quota_matches, "applied")
