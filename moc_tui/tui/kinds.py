"""The request kinds the TUI runs through one flow (list, select, plan, confirm, run).

Access and quota requests share every screen of that flow; what differs between them (the ops
they call, the words on the screen, where a finished row goes) is one `RequestKind` each, so the
screens hold no `if kind == ...` branches and a new kind is one more object here. Textual-free:
the workers call these in a thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from moc_tui.protocol.events import EventCallback
from moc_tui.protocol.replies import BatchReply, HelloReply, TabKey
from moc_tui.protocol.views import PlanView, RequestView, is_access, is_quota, is_quota_plan
from moc_tui.tui.backend_link import BackendLink


class RequestKind(ABC):
    """One kind of request: its ops on the backend link and its words."""

    name: str  # the kind's word in messages and logs: "access", "quota"
    list_title: str  # the header's first word: which list this is
    tab_key: TabKey  # the `hello` key naming its sheet tab
    done_tab_key: TabKey  # the `hello` key naming the tab finished rows move to
    sheet_label: str  # how the header names its spreadsheet
    noun: str  # what the counts line counts
    run_verb: str  # the confirm button and the plan key: "Provision 3"
    done_word: str  # the plan's heading: "2 of 3 requests will be provisioned"
    running_title: str  # the progress screen's title

    @abstractmethod
    def pending(self, link: BackendLink) -> Sequence[RequestView]:
        """The pending requests of this kind, as the backend reads them now."""

    @abstractmethod
    def plan(self, link: BackendLink, views: Sequence[RequestView]) -> Sequence[PlanView]:
        """What running `views` would do; nothing happens yet."""

    @abstractmethod
    def run(
        self, link: BackendLink, views: Sequence[RequestView], on_event: EventCallback
    ) -> BatchReply:
        """Every confirmed row in one call; `on_event` hears each row's and step's progress."""

    def plan_details(self, plan: PlanView) -> list[str]:
        """Lines the plan shows for one request above its actions (none by default)."""
        return []

    def plan_lines(self, plan: PlanView) -> list[str]:
        """The request's actions, as the backend's plan words them."""
        return [str(line) for line in plan["lines"]]

    def done_tab(self, hello: HelloReply | None) -> str:
        """Where this kind's finished rows went, for the row's detail line."""
        return (hello[self.done_tab_key] if hello else None) or "the done tab"


class AccessKind(RequestKind):
    name = "access"
    list_title = "Access"
    tab_key = "access_tab"
    done_tab_key = "done_tab"
    sheet_label = "sheet"
    noun = "pending rows"
    run_verb = "Provision"
    done_word = "provisioned"
    running_title = "Provisioning"

    def pending(self, link: BackendLink) -> Sequence[RequestView]:
        return link.list_access()

    def plan(self, link: BackendLink, views: Sequence[RequestView]) -> Sequence[PlanView]:
        return link.plan_access([v for v in views if is_access(v)])

    def run(
        self, link: BackendLink, views: Sequence[RequestView], on_event: EventCallback
    ) -> BatchReply:
        return link.provision([v for v in views if is_access(v)], on_event)


class QuotaKind(RequestKind):
    name = "quota"
    list_title = "Quota"
    tab_key = "quota_tab"
    done_tab_key = "quota_done_tab"
    sheet_label = "quota sheet"
    noun = "quota requests"
    run_verb = "Apply quotas"
    done_word = "changed"
    running_title = "Applying quota changes"

    def pending(self, link: BackendLink) -> Sequence[RequestView]:
        return link.list_quota()

    def plan(self, link: BackendLink, views: Sequence[RequestView]) -> Sequence[PlanView]:
        return link.plan_quota([v for v in views if is_quota(v)])

    def run(
        self, link: BackendLink, views: Sequence[RequestView], on_event: EventCallback
    ) -> BatchReply:
        return link.apply_quota([v for v in views if is_quota(v)], on_event)

    def plan_details(self, plan: PlanView) -> list[str]:
        """Every quota as current -> requested -> applied (the plan's own quota lines drop)."""
        if not is_quota_plan(plan):
            return []
        lines = []
        for change in plan["changes"]:
            current = "default" if change["current"] is None else change["current"]
            lines.append(
                f"{change['name']}: {current} -> {change['requested']} -> {change['applied']}"
            )
        return lines

    def plan_lines(self, plan: PlanView) -> list[str]:
        return [line for line in super().plan_lines(plan) if not line.startswith("quota ")]


ACCESS, QUOTA = AccessKind(), QuotaKind()
