"""The quota engine's in-memory world: the provision fakes' ports, a quota sheet and a journal.

Built the same way for the quota engine's own tests and for the cancel tests that stop a quota
run between steps, so both start from the same projects, members and quotas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moc_tui.core.journal import Journal
from moc_tui.core.quota import QuotaRequest, parse_quota_requests
from moc_tui.core.quota.engine import QuotaContext, QuotaResult, apply_quota_requests
from moc_tui.core.settings import Settings, load_settings
from moc_tui.core.settings.columns import QUOTA_COLUMNS
from moc_tui.core.table import read_table
from moc_tui.core.workflow.events import Event
from tests.provision_fakes import FakeCloud, FakeMailer, FakeStore
from tests.sample_rows import QUOTA_HEADER, quota_row
from tests.settings_files import write_settings
from tests.tab_names import FORM, QUOTA_DONE

CC = "quota-team@example.org"


@dataclass
class QuotaWorld:
    settings: Settings
    cloud: FakeCloud
    mailer: FakeMailer
    store: FakeStore
    journal: Journal
    events: list[Event]

    def requests(self) -> tuple[dict[str, list[list[str]]], tuple[QuotaRequest, ...]]:
        tabs = self.store.read_tabs([FORM, QUOTA_DONE])
        table = read_table(FORM, tabs[FORM], QUOTA_COLUMNS, "quota_columns")
        return tabs, parse_quota_requests(table).requests

    def run(self, emit_hook: Any = None, cancelled: Any = None) -> QuotaResult:
        def emit(event: Event) -> None:
            self.events.append(event)
            if emit_hook is not None:
                emit_hook(event)

        tabs, requests = self.requests()
        ctx = QuotaContext(self.settings, self.cloud, self.mailer, self.journal, "op", emit)
        if cancelled is not None:
            ctx.cancelled = cancelled
        return apply_quota_requests(ctx, self.store, requests, tabs)


def standard_quota_rows() -> list[list[str]]:
    """Three requests: more of three quotas for k2k, cores for a project that does not exist,
    and ram for mars."""
    return [
        quota_row(timestamp="t1", project="K2K", instances="50", network="10", cores="40"),
        quota_row(timestamp="t2", project="nowhere", cores="8", email="x@example.org"),
        quota_row(timestamp="t3", project="mars", ram="2", email="m@example.org"),
    ]


def make_quota_world(tmp_path: Path) -> QuotaWorld:
    settings = load_settings(
        write_settings(
            tmp_path,
            {
                "quota_sheet": {"local_store": str(tmp_path / "quota.db")},
                "quota_email": {"cc_list": CC},
            },
        )
    )
    cloud = FakeCloud()
    k2k = cloud.create_project("k2k", "").item
    mars = cloud.create_project("mars", "").item
    for name, email in [
        ("pi@example.org", "pi@example.org"),
        ("bob@example.org", "Bob@Example.org"),
        ("carol@example.org", "bob@example.org"),  # same address as bob's, other case
        ("team@example.org", CC),
        ("nomail@example.org", ""),
    ]:
        user = cloud.create_user(name, email, name, "pw").item
        cloud.ensure_member(user.id, k2k.id)
    cloud.quotas[k2k.id] = {"instances": 10, "network": 5, "port": 50, "cores": 20}
    cloud.ports[k2k.id] = 3
    cloud.quotas[mars.id] = {"ram": 51200}
    cloud.calls.clear()
    store = FakeStore({FORM: [QUOTA_HEADER, *standard_quota_rows()], QUOTA_DONE: [QUOTA_HEADER]})
    journal = Journal(settings.state_dir / "journal.sqlite3")
    return QuotaWorld(settings, cloud, FakeMailer(), store, journal, [])
