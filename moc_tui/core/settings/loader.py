"""Read `settings.ini` into `Settings`, reporting every problem at once before anything starts.

Compatible with the original moc-openstack-tools file: same sections and keys, read without
interpolation (a `%` in a password is just a character), the misspelled quota keys accepted with a
warning, the sections this version no longer needs accepted with a warning. A key or section set
twice is a problem (which value is meant cannot be guessed). Problems name the line and the key,
never the value (see `ini_file`).
"""

from __future__ import annotations

import configparser
from pathlib import Path
from urllib.parse import urlsplit

from moc_tui.core.quota_keys import QUOTA_ALIASES, QUOTA_SERVICE
from moc_tui.core.settings import ini_file, job_sections
from moc_tui.core.settings.columns import ACCESS_COLUMNS, ACCESS_NOTE_COLUMN, QUOTA_COLUMNS
from moc_tui.core.settings.model import (
    AuthSettings,
    EmailSettings,
    Settings,
    SheetSettings,
    SmtpSecurity,
    SmtpSettings,
)
from moc_tui.core.settings.reader import Problem, SectionReader
from moc_tui.core.settings.schema import (
    AUTH_KEYS,
    DEFAULT_LINK_LIFETIME,
    DEFAULT_SUBJECTS,
    EMAIL_DEFAULT_URLS,
    EMAIL_KEYS,
    EMAIL_SECTIONS,
    FORMATTINGS,
    KNOWN_KEY_NAMES,
    KNOWN_SECTIONS,
    RETIRED_SECTIONS,
    SETPASS_KEYS,
    SHEET_KEYS,
    SMTP_KEYS,
)
from moc_tui.core.settings.secret_files import secret_file_problems

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
        self.scan = ini_file.IniScan()

    def reader(self, section: str) -> SectionReader:
        return SectionReader(
            self.parser, section, self.problems, self.path.parent, self.scan.line_of
        )

    def file_problem(self, message: str, line: int | None = None) -> None:
        self.problems.append(Problem("", "", message, line))

    def parse(self) -> bool:
        for message in secret_file_problems(self.path, "settings file"):
            self.file_problem(message)
        if not self.path.is_file():
            return False
        try:
            text = ini_file.read_text(self.path)
        except OSError as error:
            self.file_problem(f"settings file {self.path} cannot be read: {error.strerror}")
            return False
        self.scan = ini_file.scan(text, KNOWN_KEY_NAMES)
        for line, message in self.scan.problems:
            self.file_problem(message, line)
        for line, section, first in self.scan.repeated_sections:
            message = f"section [{section}] appears again (first on line {first})"
            if section in RETIRED_SECTIONS:  # the original's example has [mailman] twice
                self.warnings.append(f"line {line}: {message}")
            else:
                self.file_problem(f"{message}; merge the two into one", line)
        parser = ini_file.parse(text, str(self.path))
        if parser is None:
            if not self.scan.problems:
                self.file_problem("is not a valid ini file")
            return False
        self.parser = parser
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
                        self.scan.line_of(section),
                    )
                )
        return True

    def auth(self) -> AuthSettings:
        r = self.reader("auth")
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
        r.refuse_unknown(AUTH_KEYS)
        return settings

    def setpass(self) -> tuple[str, int, Path | None]:
        """The link's base URL, the lifetime the mails state, and setpass's config file."""
        r = self.reader("setpass")
        url = r.url("setpass_url", required=True) or ""
        lifetime = r.integer(
            "token_expiration", DEFAULT_LINK_LIFETIME, minimum=60, maximum=90 * 86400
        )
        config = r.path("setpass_config")
        r.refuse_unknown(SETPASS_KEYS)
        return url, lifetime, config

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
        r.refuse_unknown(SMTP_KEYS)
        return settings

    def state_dir(self) -> Path:
        r = self.reader("state")
        path = r.path("directory", must_exist=False) or DEFAULT_STATE_DIR
        if path.exists() and not path.is_dir():
            r.problem("directory", f"names {path}, which is not a directory")
        r.refuse_unknown(("directory",))
        return path

    def email_defaults(self, link_lifetime: int) -> dict[str, str]:
        """`[email_defaults]`, plus `link_validity` ("48 hours") from `[setpass]
        token_expiration`: the one place the mails' promise comes from."""
        r = self.reader("email_defaults")
        r.email("sender")
        r.email("support_email")
        for key in EMAIL_DEFAULT_URLS:
            r.url(key)
        if r.raw("link_validity") is not None:
            r.problem("link_validity", "comes from [setpass] token_expiration; remove this line")
        return {**r.values, "link_validity": duration_words(link_lifetime)}

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
                r.key_problem(
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

    def columns(
        self, section: str, defaults: dict[str, str], optional: dict[str, str] | None = None
    ) -> dict[str, str]:
        """Every field's header, the `optional` ones included (the caller takes them out)."""
        defaults = {**defaults, **(optional or {})}
        r = self.reader(section)
        r.refuse_unknown(defaults)
        mapping = dict(defaults)
        for field in defaults:
            mapping[field] = r.text(field, defaults[field]) or defaults[field]
        headers = [h.casefold() for h in mapping.values()]
        for field, header in mapping.items():
            if headers.count(header.casefold()) > 1:
                others = [
                    f
                    for f, h in mapping.items()
                    if f != field and h.casefold() == header.casefold()
                ]
                r.problem(field, f"maps to the same header as {', '.join(others)}")
        return mapping


def duration_words(seconds: int) -> str:
    """How a mail states a link lifetime: "48 hours", "90 minutes", "1 hour"."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def load_settings(path: Path) -> Settings:
    """Read and validate a settings file; raise SettingsError listing every problem."""
    path = Path(path).expanduser().absolute()
    loader = _Loader(path)
    if not loader.parse():
        raise SettingsError(path, loader.problems)
    setpass_url, link_lifetime, setpass_config = loader.setpass()
    access_columns = loader.columns("access_columns", ACCESS_COLUMNS, ACCESS_NOTE_COLUMN)
    [note_header] = [access_columns.pop(field) for field in ACCESS_NOTE_COLUMN]
    settings = Settings(
        path=path,
        auth=loader.auth(),
        setpass_url=setpass_url,
        access_sheet=loader.sheet("excelsheet", required=True)
        or SheetSettings(section="excelsheet"),
        quota_sheet=loader.sheet("quota_sheet", required=False),
        smtp=loader.smtp(),
        state_dir=loader.state_dir(),
        helpdesk=job_sections.helpdesk(loader.reader("helpdesk")),
        reminder=job_sections.reminder(loader.reader("reminder")),
        email_defaults=loader.email_defaults(link_lifetime),
        emails={section: loader.email(section) for section in EMAIL_SECTIONS},
        quotas=loader.quotas(),
        access_columns=access_columns,
        access_note_header=note_header,
        quota_columns=loader.columns("quota_columns", QUOTA_COLUMNS),
        project_aliases=loader.project_aliases(),
        quota_ceilings=job_sections.quota_ceilings(loader.reader("quota_ceilings")),
        backup=job_sections.backup(loader.reader("backup")),
        activation=job_sections.activation(loader.reader("activation")),
        link_lifetime=link_lifetime,
        setpass_config=setpass_config,
        warnings=tuple(loader.warnings),
    )
    if loader.problems:
        raise SettingsError(path, loader.problems)
    return settings
