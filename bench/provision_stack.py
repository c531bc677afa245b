"""The real parts the provisioning bench runs against, on 127.0.0.1, and the settings files.

Two Keystones (one seeded with `crowd` users and projects, one with `few`), each with its own
setpass service; one Sheets fake (driven by gspread in the measured processes) and one SMTP
server with STARTTLS. Every measured run gets a spreadsheet and a state directory of its own.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from bench.keystone_seed import (
    MIXED_CASE_EVERY,
    prepare_state,
    seed_project_name,
    seed_user_name,
    seeded_template,
)
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.devstack.keystone import LocalKeystone
from moc_tui.devstack.mail_sink import MailSink
from moc_tui.devstack.sheets_api import FakeSheetsServer
from moc_tui.devstack.sheets_auth import write_key_file
from setpass.app import create_app
from setpass.config import RateLimit
from setpass.config import Settings as SetpassSettings

FORM, DONE = "Form Responses 1", "Current Users"
HEADER = list(ACCESS_COLUMNS.values())


def access_row(
    email: str, *, new_project: str = "", join: str = "", new_user: bool = True
) -> list[str]:
    """One approved, ticketed access request as the form writes it."""
    fields = {
        "approved": "Approved",
        "notified": "x",
        "timestamp": f"t-{email}",
        "email": email,
        "first_name": "Bench",
        "last_name": "User",
        "has_account": "No" if new_user else "Yes",
        "organization": "BU",
        "role": "Student",
        "sponsor": "X",
        "pin": "1357",
        "new_project": new_project,
        "existing_project": join,
        "description": "bench",
    }
    return [fields.get(f, "") for f in ACCESS_COLUMNS]


def new_rows(tag: str, count: int) -> list[list[str]]:
    """`count` requests, each a new user asking for a new project."""
    return [access_row(f"{tag}-{n}@example.org", new_project=f"{tag}-{n}") for n in range(count)]


def joining_rows(count: int, crowd: int, *, capitalised: bool = False) -> list[list[str]]:
    """`count` existing (seeded) users, each joining an existing (seeded) project.

    The users are stored in lower case, or with `capitalised` spelled with capitals (as the
    original created them from what was typed) and typed in lower case in the row.
    """
    picks = [n for n in range(crowd - 1, -1, -1) if capitalised == (n % MIXED_CASE_EVERY == 0)]
    return [
        access_row(seed_user_name(n).lower(), join=seed_project_name(n), new_user=False)
        for n in picks[:count]
    ]


@dataclass
class Cloud:
    """One Keystone and the setpass service that logs in to it."""

    keystone: LocalKeystone
    setpass: BaseWSGIServer
    users: int

    def stop(self) -> None:
        self.setpass.shutdown()
        self.keystone.stop()


def start_cloud(tmp: Path, cache: Path, name: str, users: int) -> Cloud:
    state = tmp / f"keystone-{name}"
    prepare_state(state, seeded_template(cache, users, users))
    keystone = LocalKeystone(state, cache).start()
    app = create_app(
        SetpassSettings(
            secret_key=secrets.token_urlsafe(48),
            database=f"sqlite:///{tmp}/setpass-{name}.db",
            auth_url=keystone.auth_url,
            secure_cookies=False,
            api_rate_limit=RateLimit(10**9, 60),  # lifted: the bench registers many users
            form_rate_limit=RateLimit(10**9, 60),
        ),
        now=lambda: datetime.now(UTC),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Cloud(keystone, server, users)


class Stack:
    """Both clouds, the Sheets fake and the SMTP server; `settings_file` writes a settings.ini."""

    def __init__(self, tmp: Path, cache: Path, crowd: int, few: int) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.tmp = tmp
        self.clouds = {
            "crowd": start_cloud(tmp, cache, "crowd", crowd),
            "few": start_cloud(tmp, cache, "few", few),
        }
        self.sheets = FakeSheetsServer().start()
        self.mail = MailSink(tmp).start()
        self.key_file = write_key_file(tmp / "sa.json", self.sheets.new_service_account())
        self._runs = 0

    def sheet(self, rows: list[list[str]]) -> str:
        return self.sheets.create_spreadsheet({FORM: [HEADER, *rows], DONE: [HEADER]})

    def settings_file(self, cloud: str, key: str) -> Path:
        """A settings.ini for one run on `cloud` against sheet `key`, with its own state dir."""
        self._runs += 1
        side = self.clouds[cloud]
        admin = side.keystone.admin_credentials()
        name = f"run{self._runs}"
        path = self.tmp / f"{name}.ini"
        path.write_text(
            f"[auth]\nauth_url = {side.keystone.auth_url}\nadmin_user = {admin['username']}\n"
            f"admin_pwd = {admin['password']}\nadmin_project = {admin['project_name']}\n"
            f"[setpass]\nsetpass_url = http://127.0.0.1:{side.setpass.server_port}/\n"
            f"[excelsheet]\nauth_file = {self.key_file}\nworksheet_key = {key}\n"
            f"api_base = {self.sheets.url}\n"
            f"[smtp]\nhost = 127.0.0.1\nport = {self.mail.port}\nca_file = {self.mail.ca_file}\n"
            f"[state]\ndirectory = {self.tmp / name}\n"
            f"[email_defaults]\nsender = bench@example.org\n"
        )
        path.chmod(0o600)
        return path

    def ports(self, cloud: str) -> dict[str, Any]:
        side = self.clouds[cloud]
        return {
            "keystone": side.keystone.port,
            "setpass": side.setpass.server_port,
            "sheets": int(self.sheets.url.rsplit(":", 1)[1].rstrip("/")),
            "smtp": self.mail.port,
        }

    def stop(self) -> None:
        for side in self.clouds.values():
            side.stop()
        self.mail.stop()
        self.sheets.stop()
