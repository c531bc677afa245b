"""Access requests behind the protocol: list, plan, provision (a batch of rows) and edit.

The TUI's picture of a row is a fingerprint; an op that acts on rows first re-reads the tab. A
plan or an edit refuses when a row no longer holds what the operator saw; a batch (`provision`)
takes every row it is given in one call and fails such a row alone, in its reply's `failed`
list. Mutating ops take the requests' locks (see `locks`) so a second session is told who holds
a row instead of doing it twice (see `batch_claim`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit, batch_reply, claim_rows
from moc_tui.backend.ops.base import SessionState
from moc_tui.core.access import AccessRequest, ParsedAccessTab
from moc_tui.core.access.events import Event
from moc_tui.core.access.keys import ACCESS, access_key, access_lock_keys, legacy_access_key
from moc_tui.core.access.problems import edit_context, edit_problems, written_value_problems
from moc_tui.core.locks import Busy
from moc_tui.core.services import Services, Tabs
from moc_tui.core.sheets import RowRef
from moc_tui.core.step_names import steps_label
from moc_tui.core.table import read_table
from moc_tui.core.text import trim
from moc_tui.protocol import replies
from moc_tui.protocol.wire import ProtocolError as Refused

# the cells a request's journal key is made of (`moc_tui.core.access.keys.access_key`)
IDENTITY_FIELDS = frozenset(
    {"timestamp", "email", "new_project", "existing_project", "project_choice", "extra_users"}
)


def _key(request: AccessRequest) -> str:
    return access_key(request)


class AccessOps(SessionState):
    """The access request ops of a session."""

    _planned_access: Sequence[AccessRequest] | None = None  # the last plan's read, until used

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
        self._planned_access = parsed.requests  # what a confirmation of it starts from
        return {"plans": [views.plan_view(p) for p in services.plan(selected)]}

    # acting --------------------------------------------------------------------------------
    def op_provision(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.BatchReply:
        """Every row in one run: the plan's read (or one of its own), one re-read under the
        locks, one atomic move."""
        planned, self._planned_access = self._planned_access, None
        with claim_rows(
            self.locks,
            services.journal,
            self.tab,
            params["rows"],
            lambda: self._pending(services),
            key_of=_key,
            lock_keys=access_lock_keys,
            planned=planned,
        ) as claimed:

            def on_event(item: Event) -> None:
                emit(views.event_view(item))

            result = services.provision(
                claimed.requests, claimed.tabs, on_event=on_event, cancelled=self.cancelled
            )
        return batch_reply(claimed, result)

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
                    {
                        "row": row,
                        "field": field,
                        "old": views.clean(trim(table.cell(request.cells, field)), views.SHORT),
                        "value": views.clean(value, views.SHORT),
                    },
                )
        except Busy as error:
            raise self._busy(error, {key: row}) from None
        _, parsed = self._read(services)
        # the same row still (its Timestamp and email, which no edit changes): its key may not be
        same = legacy_access_key(request)
        fresh = [r for r in parsed.requests if r.row == row and legacy_access_key(r) == same]
        if fresh and _key(fresh[0]) != key:  # its trail goes on under the key it has now
            detail = {"row": row, "field": field}
            services.journal.rekey(key, _key(fresh[0]), services.operator, detail)
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
