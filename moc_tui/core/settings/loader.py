"""Read `settings.ini` into `Settings`, reporting every problem at once before anything starts.

Compatible with the original moc-openstack-tools file: same sections and keys, read without
interpolation (a `%` in a password is just a character), the misspelled quota keys accepted with a
warning, the sections this version no longer needs accepted with a warning.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from urllib.parse import urlsplit

from moc_tui.core.quota_keys import QUOTA_ALIASES, QUOTA_SERVICE
from moc_tui.core.settings import job_sections
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS
from moc_tui.core.settings.model import (
    AuthSettings,
    EmailSettings,
    Settings,
    SheetSettings,
    SmtpSecurity,
    SmtpSettings,
)
from moc_tui.core.settings.reader import Problem, SectionReader
from moc_tui.core.settings.secret_files import secret_file_problems

EMAIL_SECTIONS = (
    "welcome_email",
    "new_project_email",
    "password_email",
    "password_reset_email",
    "quota_email",
    "added_to_project_email",
    "activation_reminder_email",
)
DEFAULT_SUBJECTS = {
    "welcome_email": "Welcome to the cloud",
    "new_project_email": "Your new cloud project",
    "password_email": "Choose your cloud password",
    "password_reset_email": "Your cloud password was reset",
    "quota_email": "Quota change for your cloud project {project}",
    "added_to_project_email": "You were added to a cloud project",
    "activation_reminder_email": "Reminder: choose your cloud password",
}
EMAIL_KEYS = ("template", "subject", "cc_list", "formatting", "sender")
FORMATTINGS = ("plain", "html")
SHEET_KEYS = (
    "auth_file",
    "worksheet_key",
    "local_store",
    "api_base",
    "timeout",
    "call_deadline",
    "requests_tab",
    "done_tab",
)
# Sections of the original file that this version does not use.
RETIRED_SECTIONS = {
    "nova": "the compute API version is found from the catalog",
    "mailman": "mailing-list subscription is not done by this version",
    "listserv": "mailing-list subscription is not done by this version",
    "output": "unsent mail stays in the journal's outbox instead of a dump folder",
}
KNOWN_SECTIONS = {
    "auth",
    "setpass",
    "excelsheet",
    "quota_sheet",
    "helpdesk",
    "email_defaults",
    "reminder",
    "quotas",
    "smtp",
    "state",
    "access_columns",
    "quota_columns",
    "project_aliases",
    "quota_ceilings",
    "backup",
    "activation",
    *EMAIL_SECTIONS,
}
DEFAULT_STATE_DIR = Path("/var/lib/moc-tui")
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


class SettingsError(Exception):
    """The settings file cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        lines = [f"{self.path}: {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.parser = configparser.ConfigParser(interpolation=None)

    def reader(self, section: str) -> SectionReader:
        return SectionReader(self.parser, section, self.problems, self.path.parent)

    def file_problem(self, message: str) -> None:
        self.problems.append(Problem("", "", message))

    def parse(self) -> bool:
        for message in secret_file_problems(self.path, "settings file"):
            self.file_problem(message)
        if not self.path.is_file():
            return False
        text = self.path.read_text(encoding="utf-8", errors="replace")
        try:
            self.parser.read_string(text, source=str(self.path))
        except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as error:
            # The original example file has [mailman] twice; merge duplicates like it did.
            self.warnings.append(f"{error.message}; later values win")
            self.parser = configparser.ConfigParser(interpolation=None, strict=False)
            self.parser.read_string(text, source=str(self.path))
        except configparser.Error as error:
            self.file_problem(f"is not a valid ini file: {error.message}")
            return False
        for section in self.parser.sections():
            if section in RETIRED_SECTIONS:
                self.warnings.append(f"[{section}] is ignored: {RETIRED_SECTIONS[section]}")
            elif section not in KNOWN_SECTIONS:
                self.problems.append(
                    Problem(
                        section,
                        "",
                        "is not a known section; known sections: "
                        + ", ".join(sorted(KNOWN_SECTIONS)),
                    )
                )
        return True

    def auth(self) -> AuthSettings:
        r = self.reader("auth")
        keys = (
            "auth_url",
            "admin_user",
            "admin_pwd",
            "admin_project",
            "user_domain",
            "project_domain",
            "member_role",
            "ca_file",
            "timeout",
        )
        settings = AuthSettings(
            auth_url=r.url("auth_url", required=True) or "",
            admin_user=r.text("admin_user", required=True) or "",
            admin_pwd=r.text("admin_pwd", required=True) or "",
            admin_project=r.text("admin_project", required=True) or "",
            user_domain=r.text("user_domain", "default") or "default",
            project_domain=r.text("project_domain", "default") or "default",
            member_role=r.text("member_role", "member") or "member",
            ca_file=r.path("ca_file"),
            timeout=r.seconds("timeout", 30.0),
        )
        r.refuse_unknown(keys)
        return settings

    def setpass_url(self) -> str:
        r = self.reader("setpass")
        url = r.url("setpass_url", required=True) or ""
        r.refuse_unknown(("setpass_url",))
        return url

    def sheet(self, section: str, *, required: bool) -> SheetSettings | None:
        r = self.reader(section)
        if not r.present:
            if required:
                r.problem("", "is required: set local_store, or auth_file and worksheet_key")
            return None
        local_store = r.path("local_store", must_exist=False)
        auth_file = r.path("auth_file", must_exist=False)
        worksheet_key = r.text("worksheet_key")
        api_base = r.url("api_base")
        if api_base is not None and urlsplit(api_base).hostname not in LOOPBACK_HOSTS:
            r.problem(
                "api_base",
                "is for the local Sheets stand-in only: it must be a loopback "
                "URL (127.0.0.1, ::1 or localhost), since the key's signed token goes there",
            )
            api_base = None
        if local_store is not None and (auth_file or worksheet_key):
            r.problem(
                "local_store",
                "cannot be combined with auth_file / worksheet_key: "
                "choose the embedded store or Google Sheets",
            )
        elif local_store is None:
            if auth_file is None:
                r.problem(
                    "auth_file",
                    "is required (the service-account key file) unless local_store is set",
                )
            else:
                for message in secret_file_problems(auth_file, "service-account key file"):
                    r.problem("auth_file", message)
            if worksheet_key is None:
                r.problem(
                    "worksheet_key",
                    "is required (the id in the sheet's URL) unless local_store is set",
                )
        default_done = "Current Users" if section == "excelsheet" else "Processed Requests"
        settings = SheetSettings(
            section=section,
            auth_file=None if local_store else auth_file,
            worksheet_key=None if local_store else worksheet_key,
            local_store=local_store,
            api_base=api_base,
            timeout=r.seconds("timeout", 30.0),
            call_deadline=r.seconds("call_deadline", 60.0),
            requests_tab=r.text("requests_tab", "Form Responses 1") or "Form Responses 1",
            done_tab=r.text("done_tab", default_done) or default_done,
        )
        r.refuse_unknown(SHEET_KEYS)
        return settings

    def smtp(self) -> SmtpSettings:
        r = self.reader("smtp")
        keys = ("host", "port", "security", "ca_file", "username", "password", "timeout")
        security = SmtpSecurity(r.choice("security", [s.value for s in SmtpSecurity], "starttls"))
        default_port = 465 if security is SmtpSecurity.TLS else 25
        username, password = r.text("username"), r.text("password")
        if (username is None) != (password is None):
            r.problem(
                "username" if username is None else "password",
                "username and password go together: set both or neither",
            )
        if password is not None and security is SmtpSecurity.NONE:
            r.problem("password", "would travel in clear text: use security = starttls or tls")
        settings = SmtpSettings(
            host=r.text("host", "127.0.0.1") or "127.0.0.1",
            port=r.integer("port", default_port, minimum=1, maximum=65535),
            security=security,
            ca_file=r.path("ca_file"),
            username=username,
            password=password,
            timeout=r.seconds("timeout", 30.0),
        )
        r.refuse_unknown(keys)
        return settings

    def state_dir(self) -> Path:
        r = self.reader("state")
        path = r.path("directory", must_exist=False) or DEFAULT_STATE_DIR
        if path.exists() and not path.is_dir():
            r.problem("directory", f"names {path}, which is not a directory")
        r.refuse_unknown(("directory",))
        return path

    def email_defaults(self) -> dict[str, str]:
        r = self.reader("email_defaults")
        r.email("sender")
        r.email("support_email")
        for key in ("login_url", "terms_url", "getting_started_url", "password_reset_form_url"):
            r.url(key)
        return dict(r.values)

    def email(self, section: str) -> EmailSettings:
        r = self.reader(section)
        return EmailSettings(
            section=section,
            template=r.path("template"),
            subject=r.text("subject", DEFAULT_SUBJECTS[section]) or DEFAULT_SUBJECTS[section],
            cc_list=r.email_list("cc_list"),
            formatting=r.choice(
                "formatting", FORMATTINGS, "html" if section == "quota_email" else "plain"
            ),
            sender=r.email("sender"),
            # any other key fills the <UPPERCASE_KEY> placeholder of the same name
            placeholders={k: v for k, v in r.values.items() if k not in EMAIL_KEYS},
        )

    def quotas(self) -> dict[str, int]:
        r = self.reader("quotas")
        quotas: dict[str, int] = {}
        for key in r.values:
            name = QUOTA_ALIASES.get(key, key)
            if name not in QUOTA_SERVICE:
                r.problem(
                    key,
                    "is not a quota that compute, network or volume knows; known: "
                    + ", ".join(sorted(QUOTA_SERVICE)),
                )
                continue
            if name != key:
                self.warnings.append(
                    f"[quotas] {key} is a misspelling of {name}; "
                    f"rename it, it is read as {name} for now"
                )
            before = len(self.problems)
            value = r.integer(key, 0, minimum=-1)
            if r.raw(key) is not None and len(self.problems) == before:
                quotas[name] = value
        return quotas

    def project_aliases(self) -> dict[str, str]:
        """What people type for an existing project -> its Keystone name (case-insensitive)."""
        r = self.reader("project_aliases")
        return {key: value for key in r.values if (value := r.text(key)) is not None}

    def columns(self, section: str, defaults: dict[str, str]) -> dict[str, str]:
        r = self.reader(section)
        r.refuse_unknown(defaults)
        mapping = dict(defaults)
        for field in defaults:
            mapping[field] = r.text(field, defaults[field]) or defaults[field]
        headers = [h.casefold() for h in mapping.values()]
        for field, header in mapping.items():
            if headers.count(header.casefold()) > 1:
                r.problem(field, f"header {header!r} is used for more than one field")
        return mapping


def load_settings(path: Path) -> Settings:
    """Read and validate a settings file; raise SettingsError listing every problem."""
    path = Path(path).expanduser().absolute()
    loader = _Loader(path)
    if not loader.parse():
        raise SettingsError(path, loader.problems)
    settings = Settings(
        path=path,
        auth=loader.auth(),
        setpass_url=loader.setpass_url(),
        access_sheet=loader.sheet("excelsheet", required=True)
        or SheetSettings(section="excelsheet"),
        quota_sheet=loader.sheet("quota_sheet", required=False),
        smtp=loader.smtp(),
        state_dir=loader.state_dir(),
        helpdesk=job_sections.helpdesk(loader.reader("helpdesk")),
        reminder=job_sections.reminder(loader.reader("reminder")),
        email_defaults=loader.email_defaults(),
        emails={section: loader.email(section) for section in EMAIL_SECTIONS},
        quotas=loader.quotas(),
        access_columns=loader.columns("access_columns", ACCESS_COLUMNS),
        quota_columns=loader.columns("quota_columns", QUOTA_COLUMNS),
        project_aliases=loader.project_aliases(),
        quota_ceilings=job_sections.quota_ceilings(loader.reader("quota_ceilings")),
        backup=job_sections.backup(loader.reader("backup")),
        activation=job_sections.activation(loader.reader("activation")),
        warnings=tuple(loader.warnings),
    )
    if loader.problems:
        raise SettingsError(path, loader.problems)
    return settings
