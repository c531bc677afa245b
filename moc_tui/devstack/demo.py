"""The demo stack: every part on 127.0.0.1, seeded with sample requests, and its settings.ini.

A real Keystone (template cached under ~/.cache/moc-tui), the quota service in its catalog, the
setpass service, a STARTTLS mail sink whose messages land in a Maildir the operator can read,
and the embedded sheet store holding the sample form answers. Each start is fresh: the demo
folder is emptied first, so every demo begins from the same state, and the journal is seeded
with what earlier runs would have left (a user who never set a password, an error to review).

One demo per folder: a lock file beside the folder (flock, so a killed demo leaves no lock
behind) holds the running demo's pid; a second start is refused instead of emptying the folder
under the first one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keystoneclient.v3 import client as ks_client
from werkzeug.serving import BaseWSGIServer, make_server

from moc_tui.core.access.hold import DEFAULT_NOTE_HEADER
from moc_tui.core.journal import Journal
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.workflow.keys import request_key
from moc_tui.devstack import demo_requests
from moc_tui.devstack.keystone import LocalKeystone
from moc_tui.devstack.mail_sink import MailSink
from moc_tui.devstack.quota_service import QuotaService, register_catalog

HELPDESK = "helpdesk@example.org"


class DemoRunning(RuntimeError):
    """Another demo holds this folder."""


class FolderLock:
    """An exclusive flock on `path` holding this process's pid; released when it exits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DemoRunning(f"a demo is already running (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "moc-tui"


class DemoStack:
    """Start with `start()` (returns the settings path), stop with `stop()`."""

    def __init__(self, home: Path, cache: Path | None = None) -> None:
        self.home = home
        self.cache = cache or default_cache()
        self.keystone: LocalKeystone | None = None
        self.quota: QuotaService | None = None
        self.mail: MailSink | None = None
        self._setpass: BaseWSGIServer | None = None
        self.setpass_url = ""
        self.settings_path = home / "settings.ini"
        self.maildir = home / "mail"
        self.lock = FolderLock(home.parent / f".{home.name}.lock")

    def start(self) -> Path:
        """Raises `DemoRunning` while another demo uses the same folder (it is left alone)."""
        if not self.lock.held:
            self.lock.acquire()
        if self.home.exists():
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True, mode=0o700)
        self.keystone = LocalKeystone(self.home / "keystone", self.cache / "keystone-template")
        self.keystone.start()
        self.quota = QuotaService(self.keystone.auth_url, self.keystone.admin_session())
        self.quota.start()
        admin = ks_client.Client(session=self.keystone.admin_session(), interface="public")
        register_catalog(admin, self.quota.url)
        self._seed_cloud(admin)
        self.mail = MailSink(self.home, maildir=self.maildir).start()
        self._start_setpass()
        self._write_settings()
        self._seed_sheets()
        self._seed_journal(admin)
        return self.settings_path

    def stop(self) -> None:
        if self._setpass is not None:
            self._setpass.shutdown()
            self._setpass = None
        for part in (self.mail, self.quota, self.keystone):
            if part is not None:
                part.stop()
        self.mail = self.quota = self.keystone = None
        self.lock.release()

    def __enter__(self) -> DemoStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _seed_cloud(self, admin: Any) -> None:
        """What the sample requests expect to exist: a project to join and an existing user."""
        project = admin.projects.create(
            name=demo_requests.EXISTING_PROJECT, domain="default", description="Shared project"
        )
        user = admin.users.create(
            name=demo_requests.EXISTING_USER,
            domain="default",
            email=demo_requests.EXISTING_USER,
            password=secrets.token_urlsafe(18),
            description="Pat Lee",
        )
        admin.roles.grant(admin.roles.find(name="member"), user=user, project=project)

    def _start_setpass(self) -> None:
        from setpass.app import create_app
        from setpass.config import Settings as SetpassSettings

        assert self.keystone is not None and self.mail is not None
        settings = SetpassSettings(
            secret_key=secrets.token_urlsafe(48),
            database=f"sqlite:///{self.home / 'setpass.db'}",
            auth_url=self.keystone.auth_url,
            login_url="http://127.0.0.1/dashboard (demo)",
            helpdesk_email=HELPDESK,
            ticket_sender="setpass@example.org",
            mail_ip=self.mail.host,
            mail_port=self.mail.port,
            mail_ca_file=str(self.mail.ca_file),
        )
        app = create_app(settings, now=lambda: datetime.now(UTC))
        self._setpass = make_server("127.0.0.1", 0, app, threaded=True)
        self.setpass_url = f"http://127.0.0.1:{self._setpass.server_port}/"
        threading.Thread(target=self._setpass.serve_forever, daemon=True).start()

    def _write_settings(self) -> None:
        assert self.keystone is not None and self.mail is not None
        admin = self.keystone.admin_credentials()
        text = f"""# Written by the demo; every part runs on 127.0.0.1.
[auth]
auth_url = {self.keystone.auth_url}
admin_user = {admin["username"]}
admin_pwd = {admin["password"]}
admin_project = {admin["project_name"]}

[setpass]
setpass_url = {self.setpass_url}

[excelsheet]
local_store = {self.home / "access-sheet.db"}

[quota_sheet]
local_store = {self.home / "quota-sheet.db"}

[project_aliases]
{demo_requests.EXISTING_PROJECT_ALIAS} = {demo_requests.EXISTING_PROJECT}

[smtp]
host = {self.mail.host}
port = {self.mail.port}
ca_file = {self.mail.ca_file}

[state]
directory = {self.home / "state"}

[helpdesk]
email = {HELPDESK}

[reminder]
email = approver@example.org

[email_defaults]
sender = cloud-support@example.org
support_email = cloud-support@example.org
login_url = http://127.0.0.1/dashboard
terms_url = http://127.0.0.1/terms (demo)
getting_started_url = http://127.0.0.1/getting-started (demo)
password_reset_form_url = {self.setpass_url}reset

[quotas]
instances = 10
cores = 20
ram = 51200
"""
        self.settings_path.write_text(text, encoding="utf-8")
        self.settings_path.chmod(0o600)

    def _seed_sheets(self) -> None:
        access = LocalSheetStore(self.home / "access-sheet.db")
        access.ensure_tabs(["Form Responses 1", "Current Users"])
        header = [*ACCESS_COLUMNS.values(), DEFAULT_NOTE_HEADER]  # the note column: holds work
        access.append_rows("Form Responses 1", [header])
        access.append_rows("Form Responses 1", demo_requests.ACCESS_ROWS)
        access.append_rows("Current Users", [header])
        quota = LocalSheetStore(self.home / "quota-sheet.db")
        quota.ensure_tabs(["Form Responses 1", "Processed Requests"])
        quota.append_rows("Form Responses 1", [list(QUOTA_COLUMNS.values())])
        quota.append_rows("Form Responses 1", demo_requests.QUOTA_ROWS)
        quota.append_rows("Processed Requests", [list(QUOTA_COLUMNS.values())])

    def _seed_journal(self, admin: Any) -> None:
        """Users who never set a password (the not-activated list), the first one's errors-log
        entry, and each one's audit trail (provisioned, then recorded as not activated)."""
        state = self.home / "state"
        state.mkdir(mode=0o700, exist_ok=True)
        journal = Journal(state / "journal.sqlite3")
        try:
            for name, full_name, timestamp, reason, reminders in demo_requests.NOT_ACTIVATED_USERS:
                user = admin.users.create(
                    name=name,
                    domain="default",
                    email=name,
                    password=secrets.token_urlsafe(18),
                    description=full_name,
                )
                key = request_key("access", timestamp, name)
                with journal.transaction():
                    journal.step_done(key, "user", {"user_id": user.id, "name": name})
                    journal.step_done(key, "setpass", {})
                    journal.audit("demo", "provision", key, {"email": name})
                    if name == demo_requests.NOT_ACTIVATED_USER:
                        journal.record_error(
                            "cron",
                            demo_requests.EARLIER_ERROR,
                            request_key=key,
                            email=name,
                            step="activation_reminder",
                        )
                    data = {"username": name, "reminders": reminders, "reason": reason}
                    journal.step_done(key, "not_activated", {"user_id": user.id, **data})
                    journal.audit("cron", "not-activated", key, data)
        finally:
            journal.close()
