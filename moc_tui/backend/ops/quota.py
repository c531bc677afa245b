"""Quota change requests behind the protocol: list, plan and apply (a batch of rows), with the
same rules as `access`: rows re-read and re-checked, claimed under their locks, a changed row
failing alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit, batch_reply, claim_rows
from moc_tui.backend.ops.base import SessionState
from moc_tui.core.access.events import Event
from moc_tui.core.quota import QuotaRequest
from moc_tui.core.quota.plan import QuotaPlan, quota_key
from moc_tui.core.services import Services
from moc_tui.core.text import looks_like_formula, visible
from moc_tui.protocol import replies
from moc_tui.protocol.views import QuotaPlanView, QuotaView
from moc_tui.protocol.wire import ProtocolError as Refused

_TEXTS = ("email", "first_name", "last_name", "project", "comment", "timestamp")


def quota_view(request: QuotaRequest, tab: str) -> QuotaView:
    def text(name: str) -> str:
        return visible(str(getattr(request, name)), views.LONG)

    return {
        "row": request.row,
        "request_key": quota_key(request),
        "fingerprint": views.fingerprint(tab, request.row, request.cells),
        "requested": dict(request.requested),
        "problems": [views.clean(p) for p in request.problems],
        "formulas": [f for f in _TEXTS if looks_like_formula(str(getattr(request, f)))],
        "email": text("email"),
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "project": text("project"),
        "comment": text("comment"),
        "timestamp": text("timestamp"),
    }


def quota_plan_view(planned: QuotaPlan) -> QuotaPlanView:
    return {
        "row": planned.row,
        "request_key": planned.request_key,
        "email": views.clean(planned.email, views.SHORT),
        "project": views.clean(planned.project, views.SHORT),
        "changes": [
            {"name": c.name, "current": c.current, "requested": c.requested, "applied": c.applied}
            for c in planned.changes
        ],
        "port_reason": views.clean(planned.port_reason),
        "mail_to": views.clean(planned.mail_to, views.SHORT),
        "move_to": views.clean(planned.move_to, views.SHORT),
        "done_steps": list(planned.done_steps),
        "problems": [views.clean(p) for p in planned.problems],
        "ok": planned.ok,
        "lines": [views.clean(line) for line in planned.lines()],
    }


class QuotaOps(SessionState):
    """The quota change request ops of a session."""

    _planned_quota: Sequence[QuotaRequest] | None = None  # the last plan's read, until used

    def _quota_tab(self) -> str:
        if self.settings.quota_sheet is None:
            raise Refused("not_configured", "quota requests are not configured ([quota_sheet])")
        return self.settings.quota_sheet.requests_tab

    def _quota_selected(
        self, services: Services, rows: Sequence[tuple[int, str]]
    ) -> tuple[Any, list[QuotaRequest]]:
        tab = self._quota_tab()
        tabs, parsed = services.read_quota_tab()
        self._planned_quota = parsed.requests  # what a confirmation of the plan starts from
        by_row = {r.row: r for r in parsed.requests}
        selected = []
        for row, seen in rows:
            request = by_row.get(row)
            if request is None or views.fingerprint(tab, row, request.cells) != seen:
                raise Refused(
                    "row_changed",
                    f"quota row {row} changed or is no longer pending; reload the list",
                    row=row,
                )
            selected.append(request)
        return tabs, selected

    def op_list_quota(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.QuotaList:
        tab = self._quota_tab()
        _, parsed = services.read_quota_tab()
        return {
            "tab": views.clean(tab, views.SHORT),
            "requests": [quota_view(r, tab) for r in parsed.requests],
            "tab_problems": [views.clean(p) for p in parsed.tab_problems],
        }

    def op_plan_quota(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.QuotaPlans:
        _, selected = self._quota_selected(services, params["rows"])
        return {"plans": [quota_plan_view(p) for p in services.quota_plan(selected)]}

    def op_apply_quota(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.QuotaBatchReply:
        """Every row in one run, checked one by one as `provision` does (`batch_claim`)."""

        def read() -> tuple[Any, Sequence[QuotaRequest]]:
            tabs, parsed = services.read_quota_tab()
            return tabs, parsed.requests

        planned, self._planned_quota = self._planned_quota, None
        with claim_rows(
            self.locks,
            services.journal,
            self._quota_tab(),
            params["rows"],
            read,
            key_of=quota_key,
            lock_keys=lambda r: [quota_key(r)],
            planned=planned,
        ) as claimed:

            def on_event(item: Event) -> None:
                emit(views.event_view(item))

            result = services.apply_quotas(
                claimed.requests, claimed.tabs, on_event=on_event, cancelled=self.cancelled
            )
        applied = {str(row): values for row, values in result.applied.items()}
        return {**batch_reply(claimed, result), "applied": applied}
