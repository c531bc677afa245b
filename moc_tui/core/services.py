"""The composition root: from settings to the live parts (sheet, cloud, setpass, mail, journal).

The CLI, the cron jobs and the backend all go through this, so each builds its parts the same
way: one sheet client and one keystoneauth session per process, created on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from moc_tui.core.access import AccessRequest, ParsedAccessTab, parse_access_requests
from moc_tui.core.journal import Journal
from moc_tui.core.settings import Settings, SheetSettings
from moc_tui.core.sheets import SheetError, SheetStore, open_store
from moc_tui.core.table import Table, read_table
from moc_tui.core.workflow.steps import never

if TYPE_CHECKING:
    # each loaded by the method that uses it: the backend's first reply (a list from the
    # sheet) needs none of them, and together they pull in keystoneauth, keystoneclient and
    # requests, most of a second of start-up
    from moc_tui.core.access.engine import ProvisionResult
    from moc_tui.core.access.events import Event
    from moc_tui.core.access.plan import RequestPlan
    from moc_tui.core.cloud import KeystoneCloud
    from moc_tui.core.mail import Mailer
    from moc_tui.core.password_reset import ResetResult
    from moc_tui.core.quota import ParsedQuotaTab, QuotaRequest
    from moc_tui.core.quota.engine import QuotaResult
    from moc_tui.core.quota.plan import QuotaPlan
    from setpass_client import SetpassClient

Tabs = Mapping[str, Sequence[Sequence[str]]]


class ServicesError(Exception):
    """A part could not be reached or opened; the message says which and why."""


class Services:
    """Everything a job needs, built lazily from settings; use as a context manager."""

    def __init__(self, settings: Settings, operator: str) -> None:
        self.settings = settings
        self.operator = operator

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if "journal" in self.__dict__:
            self.journal.close()

    @cached_property
    def store(self) -> SheetStore:
        try:
            return open_store(self.settings.access_sheet)
        except SheetError as error:
            raise ServicesError(f"access sheet: {error}") from error

    def _quota_sheet(self) -> SheetSettings:
        if self.settings.quota_sheet is None:
            raise ServicesError("quota sheet: [quota_sheet] is not configured")
        return self.settings.quota_sheet

    @cached_property
    def quota_store(self) -> SheetStore:
        """The quota sheet (`[quota_sheet]`), opened on first use."""
        try:
            return open_store(self._quota_sheet())
        except SheetError as error:
            raise ServicesError(f"quota sheet: {error}") from error

    @cached_property
    def cloud(self) -> KeystoneCloud:
        from moc_tui.core.cloud import KeystoneCloud

        return KeystoneCloud.from_settings(self.settings.auth)

    @cached_property
    def setpass(self) -> SetpassClient:
        from setpass_client import SetpassClient

        return SetpassClient(self.cloud.session, self.settings.setpass_url)

    @cached_property
    def mailer(self) -> Mailer:
        from moc_tui.core.mail import Mailer

        return Mailer(self.settings.smtp)

    @cached_property
    def journal(self) -> Journal:
        return Journal(self.settings.state_dir / "journal.sqlite3")

    def read_access_tab(self) -> tuple[Tabs, ParsedAccessTab]:
        """Both access tabs in one read, and the pending requests parsed from the first."""
        tabs, table = _read_requests(
            "access sheet",
            self.store,
            self.settings.access_sheet,
            self.settings.access_columns,
            "access_columns",
        )
        return tabs, parse_access_requests(
            table, self.settings.project_aliases, self.settings.access_note_header
        )

    def plan(self, requests: Sequence[AccessRequest]) -> list[RequestPlan]:
        from moc_tui.core.access.plan import plan

        return plan(requests, self.settings, self.cloud, self.journal)

    def provision(
        self,
        requests: Sequence[AccessRequest],
        tabs: Tabs,
        on_event: Callable[[Event], None] = lambda event: None,
        cancelled: Callable[[], bool] = never,
    ) -> ProvisionResult:
        from moc_tui.core.access.engine import provision
        from moc_tui.core.access.steps import RunContext

        ctx = RunContext(
            self.settings,
            self.cloud,
            self.setpass,
            self.mailer,
            self.journal,
            self.operator,
            on_event,
            cancelled=cancelled,
        )
        with self.mailer.connection():  # one SMTP connection for the run's mails
            return provision(ctx, self.store, requests, tabs)

    # quota change requests -------------------------------------------------------------------
    def read_quota_tab(self) -> tuple[Tabs, ParsedQuotaTab]:
        """Both quota tabs in one read, and the pending requests parsed from the first."""
        from moc_tui.core.quota import parse_quota_requests

        tabs, table = _read_requests(
            "quota sheet",
            self.quota_store,
            self._quota_sheet(),
            self.settings.quota_columns,
            "quota_columns",
        )
        return tabs, parse_quota_requests(table, self.settings.quota_ceilings)

    def quota_plan(self, requests: Sequence[QuotaRequest]) -> list[QuotaPlan]:
        """current -> requested -> applied for each request; changes nothing."""
        from moc_tui.core.quota.plan import plan_quota_changes

        return plan_quota_changes(requests, self.settings, self.cloud, self.journal)

    def apply_quotas(
        self,
        requests: Sequence[QuotaRequest],
        tabs: Tabs,
        on_event: Callable[[Event], None] = lambda event: None,
        cancelled: Callable[[], bool] = never,
    ) -> QuotaResult:
        """Apply, mail the applied values, move the finished rows to the done tab."""
        from moc_tui.core.quota.engine import QuotaContext, apply_quota_requests

        ctx = QuotaContext(
            self.settings, self.cloud, self.mailer, self.journal, self.operator, on_event, cancelled
        )
        with self.mailer.connection():
            return apply_quota_requests(ctx, self.quota_store, requests, tabs)

    # password reset --------------------------------------------------------------------------
    def reset_password(
        self,
        username: str,
        *,
        reference: str | None = None,
        pin: str | None = None,
        again: bool = False,
        on_event: Callable[[Event], None] = lambda event: None,
    ) -> ResetResult:
        """New random password (setpass first, then Keystone), link to the address on file;
        the link's PIN is the one filed under the ticket's `reference` (or a typed `pin`).

        Refusals and failures come back in the result (and the errors log), not as exceptions.
        """
        from moc_tui.core.password_reset import ResetContext, reset_password

        ctx = ResetContext(
            self.settings,
            self.cloud,
            self.setpass,
            self.mailer,
            self.journal,
            self.operator,
            on_event,
        )
        with self.mailer.connection():
            return reset_password(ctx, username, reference=reference, pin=pin, again=again)


def _read_requests(
    what: str,
    store: SheetStore,
    sheet: SheetSettings,
    columns: Mapping[str, str],
    columns_section: str,
) -> tuple[Tabs, Table]:
    """The requests tab and the done tab in one read; the first mapped by header names."""
    try:
        tabs = store.read_tabs([sheet.requests_tab, sheet.done_tab])
    except SheetError as error:
        raise ServicesError(f"{what}: {error}") from error
    rows = tabs[sheet.requests_tab]
    return tabs, read_table(sheet.requests_tab, rows, columns, columns_section)
