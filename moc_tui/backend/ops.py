"""The operations behind the protocol: each re-reads the sheet, re-checks, then acts.

The TUI's picture of a row is a fingerprint; an op that acts on rows first re-reads the tab. A
plan or an edit refuses when a row no longer holds what the operator saw; a batch (`provision`)
takes every row it is given in one call and fails such a row alone, in its reply's `failed`
list. Mutating ops take the requests' locks (see `locks`) so a second session is told who holds
a row instead of doing it twice (see `batch_claim`).
"""

from __future__ import annotations

import dataclasses
import os
import pwd
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from moc_tui import __version__
from moc_tui.backend import roles, views
from moc_tui.backend.batch_claim import Emit, claim_rows
from moc_tui.backend.ops_hold import HoldOps
from moc_tui.backend.ops_lookup import LookupOps
from moc_tui.backend.ops_more import QuotaResetOps
from moc_tui.core.access import AccessRequest, ParsedAccessTab
from moc_tui.core.access.events import Event
from moc_tui.core.access.keys import ACCESS, access_key, access_lock_keys, legacy_access_key
from moc_tui.core.access.problems import edit_context, edit_problems, written_value_problems
from moc_tui.core.cron.activation import not_activated
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.services import Services, Tabs
from moc_tui.core.settings import Settings
from moc_tui.core.sheets import RowRef
from moc_tui.core.step_names import steps_label
from moc_tui.core.table import read_table
from moc_tui.core.text import trim
from moc_tui.core.workflow.steps import never
from moc_tui.protocol import replies
from moc_tui.protocol.views import NotActivatedView
from moc_tui.protocol.wire import MAX_MESSAGE, MAX_ROWS, MUTATING, PROTOCOL_VERSION, SCHEMAS
from moc_tui.protocol.wire import ProtocolError as Refused

# the cells a request's journal key is made of (`moc_tui.core.access.keys.access_key`)
IDENTITY_FIELDS = frozenset(
    {"timestamp", "email", "new_project", "existing_project", "project_choice", "extra_users"}
)


def _key(request: AccessRequest) -> str:
    return access_key(request)


class Session(QuotaResetOps, LookupOps, HoldOps):
    """One TUI session: the operator named by `hello`, the services, the locks."""

    def __init__(self, settings: Settings, operators_map: Path | None = None) -> None:
        self.settings = settings
        self.operators_map = operators_map  # where roles are read (`roles`); None: development
        self.role = roles.Role.OPERATOR
        self.operator: str | None = None
        self.services: Services | None = None
        self.sudo_user = os.environ.get("SUDO_USER", "")
        self.cancelled: Callable[[], bool] = never  # set by the server around a cancellable op

    def close(self) -> None:
        if self.services is not None:
            self.services.__exit__(None, None, None)

    @property
    def tab(self) -> str:
        return self.settings.access_sheet.requests_tab

    def handle(self, op: str, params: dict[str, Any], emit: Emit) -> Mapping[str, object]:
        if op == "hello":
            return self.hello(params["operator"], params.get("session", ""))
        if self.services is None:
            raise Refused("hello_first", "say hello (with the operator's name) first")
        if op in MUTATING and self.role is roles.Role.VIEWER:
            raise roles.refuse_read_only(self.services.operator)
        handler: Callable[[Services, dict[str, Any], Emit], Mapping[str, object]] = getattr(
            self, f"op_{op}"
        )
        return handler(self.services, params, emit)

    # session -------------------------------------------------------------------------------
    def hello(self, operator: str, session: str = "") -> replies.HelloReply:
        if self.operator is not None and operator != self.operator:
            raise Refused("bad_params", "this session already belongs to another operator")
        self.role = roles.role_of(operator, self.operators_map)
        self.operator = operator
        if self.services is None:
            self.services = Services(self.settings, operator)
            self.services.journal.audit(
                operator,
                "session",
                None,
                {
                    "sudo_user": self.sudo_user,
                    "pid": os.getpid(),
                    "login_session": session,
                    "role": self.role.value,
                },
            )
        auth = urlsplit(self.settings.auth.auth_url)
        quota = self.settings.quota_sheet
        return {
            "protocol": PROTOCOL_VERSION,
            "version": __version__,
            "operator": operator,
            "read_only": self.role is roles.Role.VIEWER,
            "service_user": pwd.getpwuid(os.geteuid()).pw_name,
            "cloud": views.clean(auth.hostname or "", views.SHORT),
            "access_tab": views.clean(self.tab, views.SHORT),
            "done_tab": views.clean(self.settings.access_sheet.done_tab, views.SHORT),
            "quota_tab": None if quota is None else views.clean(quota.requests_tab, views.SHORT),
            "ops": sorted(SCHEMAS),
            "limits": {"max_message": MAX_MESSAGE, "max_rows": MAX_ROWS},
        }

    @property
    def locks(self) -> Locks:
        return Locks(self.settings.state_dir / "locks", self.operator or "?")

    # reading -------------------------------------------------------------------------------
    def _read(self, services: Services) -> tuple[Tabs, ParsedAccessTab]:
        return services.read_access_tab()

    def _pending(self, services: Services) -> tuple[Tabs, Sequence[AccessRequest]]:
        tabs, parsed = services.read_access_tab()
        return tabs, parsed.requests

    def op_list_access(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AccessList:
        _, parsed = self._read(services)
        return {
            "tab": views.clean(self.tab, views.SHORT),
            "requests": [views.access_view(r, self.tab) for r in parsed.requests],
            "tab_problems": [views.clean(p) for p in parsed.tab_problems],
        }

    def _selected(
        self, parsed: ParsedAccessTab, rows: Sequence[tuple[int, str]]
    ) -> list[AccessRequest]:
        """The requests at `rows`, each still holding what the operator saw, or refuse."""
        by_row = {r.row: r for r in parsed.requests}
        selected = []
        for row, seen in rows:
            request = by_row.get(row)
            if request is None:
                raise Refused(
                    "row_changed",
                    f"row {row} is no longer a pending request (moved, edited or unapproved); "
                    "reload the list",
                    row=row,
                )
            if views.fingerprint(self.tab, row, request.cells) != seen:
                raise Refused(
                    "row_changed",
                    f"row {row} changed since it was shown (or rows moved); reload the list",
                    row=row,
                )
            selected.append(request)
        return selected

    def op_plan_access(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AccessPlans:
        _, parsed = self._read(services)
        selected = self._selected(parsed, params["rows"])
        return {"plans": [views.plan_view(p) for p in services.plan(selected)]}

    # acting --------------------------------------------------------------------------------
    def _busy(self, error: Busy, keys: dict[str, int]) -> Refused:
        return Refused(
            "busy",
            f"row {keys.get(error.key, '?')}: {error}",
            row=keys.get(error.key),
            holder=views.clean(error.holder, views.SHORT),
        )

    def op_provision(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.BatchReply:
        """Every row in one run: one read, one re-read under the locks, one atomic move."""
        with claim_rows(
            self.locks,
            services.journal,
            self.tab,
            params["rows"],
            lambda: self._pending(services),
            key_of=_key,
            lock_keys=access_lock_keys,
        ) as claimed:

            def on_event(item: Event) -> None:
                emit(views.event_view(item))

            result = services.provision(
                claimed.requests, claimed.tabs, on_event=on_event, cancelled=self.cancelled
            )
        return {
            "done": [r.row for r in result.done],
            "failed": [*claimed.failed, *(views.failure_view(f) for f in result.failed)],
            "cancelled": [r.row for r in result.cancelled],
        }

    def op_edit_access_field(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.EditReply:
        row, field = params["row"], params["field"]
        value = trim(params["value"])
        unwritable = written_value_problems(value)
        if unwritable:
            raise Refused("bad_value", unwritable[0], problems=views.clean(unwritable))
        _, parsed = self._read(services)
        [request] = self._selected(parsed, [(row, params["fingerprint"])])
        key = _key(request)
        try:
            with self.locks.hold([key]):
                tabs, parsed = self._read(services)
                [request] = self._selected(parsed, [(row, params["fingerprint"])])
                self._refuse_identity_edit(services, request, field)
                table = read_table(
                    self.tab, tabs[self.tab], self.settings.access_columns, "access_columns"
                )
                column = table.columns.get(field)
                if column is None:
                    raise Refused("bad_params", f"the tab has no column for {field}")
                context = edit_context(request, field, frozenset(table.columns))
                refused = edit_problems(field, value, context)  # what the edit form shows
                if refused:
                    message = "; ".join(refused)
                    raise Refused("bad_value", message, row=row, problems=views.clean(refused))
                ref = RowRef(row, key, request.cells)
                if services.store.update_rows(self.tab, [(ref, {column + 1: value})]):
                    raise Refused(
                        "row_changed",
                        f"row {row} moved or changed before the edit was saved; reload the list",
                        row=row,
                    )
                services.journal.audit(
                    services.operator,
                    "edit",
                    key,
                    {"row": row, "field": field, "value": views.clean(value, views.SHORT)},
                )
        except Busy as error:
            raise self._busy(error, {key: row}) from None
        _, parsed = self._read(services)
        # the same row still (its Timestamp and email, which no edit changes): its key may not be
        same = legacy_access_key(request)
        fresh = [r for r in parsed.requests if r.row == row and legacy_access_key(r) == same]
        return {"request": views.access_view(fresh[0], self.tab) if fresh else None}

    def _refuse_identity_edit(self, services: Services, request: AccessRequest, field: str) -> None:
        """A field the request's key covers may not change once a run did part of its work:
        the work would be left behind under the old key and the row start again."""
        if field not in IDENTITY_FIELDS:
            return
        done = services.journal.steps(ACCESS.record_key(services.journal, request))
        started = sorted(s for s in done if not s.endswith("_intent"))
        if started and "sheet" not in done:
            raise Refused(
                "bad_value",
                f"row {request.row} is partly provisioned ({steps_label(started)} done): its "
                f"{field.replace('_', ' ')} can no longer change; provision it to finish it",
                row=request.row,
            )

    # journal -------------------------------------------------------------------------------
    def op_list_errors(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.ErrorList:
        include = bool(params.get("include_acknowledged", False))
        records = services.journal.errors(include_acknowledged=include)
        return {"errors": [views.error_view(r) for r in records[:500]]}

    def op_ack_error(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AckReply:
        error_id = params["error_id"]
        done = services.journal.acknowledge_error(error_id, services.operator)
        if done:
            services.journal.audit(services.operator, "ack-error", None, {"error_id": error_id})
        return {"acknowledged": done}

    def op_audit_trail(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AuditTrail:
        records = services.journal.audit_trail(params["request_key"])
        return {"records": [views.audit_view(r) for r in records[-500:]]}

    def op_list_not_activated(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.NotActivatedList:
        """Users who never set their password, after every renewed link (the cron job's list)."""
        found = not_activated(services.journal)
        users: list[NotActivatedView] = [views.clean(dataclasses.asdict(u)) for u in found[-500:]]
        return {"users": users}
