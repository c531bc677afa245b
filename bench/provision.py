"""Benchmark provisioning against the real parts, beside a baseline that works like addusers.

    .venv/bin/python bench/provision.py [--requests 100]

Starts a real Keystone (template cached under ~/.cache/moc-tui-bench), the quota service in its
catalog, the setpass service, an SMTP server and the Sheets fake (driven by gspread), then
provisions `--requests` new users, each with a new project, twice:

- ours: the engine (`moc_tui.core.provision`), targeted lookups, one read of the tabs, one
  atomic move of all finished rows (plus its re-check read);
- baseline: what the original addusers did: list every user and project first, then create and
  grant per request, and move each row with its own sheet requests (append, then delete).

It prints, for each: Keystone calls per request, Sheets requests per run and wall time; and
ours again with a tenth of the rows, to show the Sheets requests do not grow with the rows.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from keystoneclient.v3 import client as ks_client  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moc_tui.core.access import parse_access_requests  # noqa: E402
from moc_tui.core.cloud import KeystoneCloud  # noqa: E402
from moc_tui.core.cloud.session import install_counter  # noqa: E402
from moc_tui.core.journal import Journal  # noqa: E402
from moc_tui.core.mail import Mailer  # noqa: E402
from moc_tui.core.provision.engine import provision  # noqa: E402
from moc_tui.core.provision.request_steps import RunContext  # noqa: E402
from moc_tui.core.secrets_gen import random_password  # noqa: E402
from moc_tui.core.settings import Settings, load_settings  # noqa: E402
from moc_tui.core.settings.columns import ACCESS_COLUMNS  # noqa: E402
from moc_tui.core.sheets import open_store  # noqa: E402
from moc_tui.core.table import read_table  # noqa: E402
from moc_tui.devstack.keystone import LocalKeystone  # noqa: E402
from moc_tui.devstack.mail_sink import MailSink  # noqa: E402
from moc_tui.devstack.quota_service import QuotaService, register_catalog  # noqa: E402
from moc_tui.devstack.sheets_api import FakeSheetsServer  # noqa: E402
from moc_tui.devstack.sheets_auth import write_key_file  # noqa: E402
from setpass.app import create_app  # noqa: E402
from setpass.config import RateLimit  # noqa: E402
from setpass.config import Settings as SetpassSettings  # noqa: E402
from setpass_client import SetpassClient  # noqa: E402

FORM, DONE = "Form Responses 1", "Current Users"
HEADER = list(ACCESS_COLUMNS.values())


@dataclass
class Figures:
    name: str
    requests: int
    keystone_calls: int
    sheet_requests: int
    seconds: float

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.requests:>5} requests   "
            f"{self.keystone_calls / self.requests:6.1f} Keystone calls/request   "
            f"{self.sheet_requests:>5} Sheets requests/run   {self.seconds:6.1f} s"
        )


def rows(tag: str, count: int) -> list[list[str]]:
    values = []
    for n in range(count):
        fields = {
            "approved": "Approved",
            "notified": "x",
            "timestamp": f"{tag}-{n}",
            "email": f"{tag}-{n}@example.org",
            "first_name": "Bench",
            "last_name": f"User{n}",
            "has_account": "No",
            "organization": "BU",
            "role": "Student",
            "sponsor": "X",
            "pin": "1357",
            "new_project": f"{tag}-{n}",
            "description": "bench",
        }
        values.append([fields.get(f, "") for f in ACCESS_COLUMNS])
    return values


class Stack:
    """Every real part on 127.0.0.1, and a settings.ini pointing at them."""

    def __init__(self, tmp: Path, ks: LocalKeystone) -> None:
        self.tmp, self.ks = tmp, ks
        self.quota = QuotaService(ks.auth_url, ks.admin_session())
        self.quota.start()
        register_catalog(ks_client.Client(session=ks.admin_session()), self.quota.url)
        self.sheets = FakeSheetsServer().start()
        self.mail = MailSink(tmp).start()
        app = create_app(
            SetpassSettings(
                secret_key=secrets.token_urlsafe(48),
                database=f"sqlite:///{tmp}/setpass.db",
                auth_url=ks.auth_url,
                secure_cookies=False,
                api_rate_limit=RateLimit(10**9, 60),
                form_rate_limit=RateLimit(10**9, 60),
            ),
            now=lambda: datetime.now(UTC),
        )
        self.setpass = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self.setpass.serve_forever, daemon=True).start()
        self.key_file = write_key_file(tmp / "sa.json", self.sheets.new_service_account())

    def settings(self, key: str, name: str) -> Settings:
        admin = self.ks.admin_credentials()
        path = self.tmp / f"{name}.ini"
        path.write_text(
            f"[auth]\nauth_url = {self.ks.auth_url}\nadmin_user = {admin['username']}\n"
            f"admin_pwd = {admin['password']}\nadmin_project = {admin['project_name']}\n"
            f"[setpass]\nsetpass_url = http://127.0.0.1:{self.setpass.server_port}/\n"
            f"[excelsheet]\nauth_file = {self.key_file}\nworksheet_key = {key}\n"
            f"api_base = {self.sheets.url}\n"
            f"[smtp]\nhost = 127.0.0.1\nport = {self.mail.port}\nca_file = {self.mail.ca_file}\n"
            f"[state]\ndirectory = {self.tmp / name}\n[quotas]\ncores = 8\ninstances = 4\n"
            f"[email_defaults]\nsender = bench@example.org\n"
        )
        path.chmod(0o600)
        return load_settings(path)

    def stop(self) -> None:
        self.setpass.shutdown()
        self.mail.stop()
        self.sheets.stop()
        self.quota.stop()


def ours(stack: Stack, count: int, tag: str) -> Figures:
    key = stack.sheets.create_spreadsheet({FORM: [HEADER, *rows(tag, count)], DONE: [HEADER]})
    settings = stack.settings(key, tag)
    cloud = KeystoneCloud.from_settings(settings.auth)
    counter = install_counter(cloud.session, settings.auth.auth_url)
    journal = Journal(settings.state_dir / "journal.sqlite3")
    start = time.perf_counter()
    store = open_store(settings.access_sheet)
    tabs = store.read_tabs([FORM, DONE])
    requests = parse_access_requests(read_table(FORM, tabs[FORM], ACCESS_COLUMNS, "c")).requests
    ctx = RunContext(
        settings,
        cloud,
        SetpassClient(cloud.session, settings.setpass_url),
        Mailer(settings.smtp),
        journal,
        "bench",
        lambda event: None,
    )
    result = provision(ctx, store, requests, tabs)
    seconds = time.perf_counter() - start
    assert result.ok and len(result.done) == count, result.failed[:3]
    return Figures(
        f"ours ({tag})", count, counter.keystone_calls, len(stack.sheets.requests(key)), seconds
    )


def baseline(stack: Stack, count: int, tag: str) -> Figures:
    """addusers' way: list everything, create per request, move each row by itself."""
    key = stack.sheets.create_spreadsheet({FORM: [HEADER, *rows(tag, count)], DONE: [HEADER]})
    settings = stack.settings(key, tag)
    cloud = KeystoneCloud.from_settings(settings.auth)
    counter = install_counter(cloud.session, settings.auth.auth_url)
    client: Any = cloud.client
    mailer, setpass = Mailer(settings.smtp), SetpassClient(cloud.session, settings.setpass_url)
    start = time.perf_counter()
    store = open_store(settings.access_sheet)
    form = store.read_tabs([FORM])[FORM]
    users = {u.name.lower() for u in client.users.list(domain="default")}
    projects = {p.name.lower() for p in client.projects.list(domain="default")}
    role = client.roles.find(name="member")
    from moc_tui.core.mail.message import OutgoingMail

    for number, row in enumerate(form[1:], start=2):
        email, project_name = row[4], row[15]
        assert email not in users and project_name not in projects
        project = client.projects.create(name=project_name, domain="default", description="b")
        cloud.set_quotas(project.id, settings.quotas)
        password = random_password()
        user = client.users.create(name=email, domain="default", email=email, password=password)
        client.roles.grant(role, user=user, project=project)
        token = setpass.register(user.id, password, "1357")
        for subject in ("Welcome", "Your password", "Your project"):
            body = setpass.link(token) if subject == "Your password" else "hello"
            mailer.send(OutgoingMail("bench@example.org", (email,), (), subject, body, False))
        store.append_rows(DONE, [row])
        store.read_tabs([FORM])  # the original looked the row up again before deleting it
        del number
    for number in range(len(form), 1, -1):
        store.delete_rows(FORM, [number])
    seconds = time.perf_counter() - start
    return Figures(
        f"baseline ({tag})", count, counter.keystone_calls, len(stack.sheets.requests(key)), seconds
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "moc-tui-bench"
    run = secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as tmp, LocalKeystone(Path(tmp) / "ks", cache) as ks:
        ks.start() if not ks.running else None
        stack = Stack(Path(tmp), ks)
        try:
            print(f"provisioning {args.requests} requests each way ...", flush=True)
            small = max(1, args.requests // 10)
            results = [
                ours(stack, args.requests, f"o{run}"),
                baseline(stack, args.requests, f"b{run}"),
                ours(stack, small, f"s{run}"),
            ]
        finally:
            stack.stop()
    print()
    for figures in results:
        print(figures.line())
    mine, base, few = results
    print(
        f"\nKeystone calls/request: ours {mine.keystone_calls / mine.requests:.1f} vs baseline "
        f"{base.keystone_calls / base.requests:.1f} (the baseline also lists every user and "
        f"project, which Keystone caps at 1000 entries);\nSheets requests/run: ours "
        f"{mine.sheet_requests} for {mine.requests} rows and {few.sheet_requests} for "
        f"{few.requests} rows (constant) vs baseline {base.sheet_requests} "
        f"({base.sheet_requests / base.requests:.1f} per row); wall time ratio baseline/ours "
        f"{base.seconds / mine.seconds:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
