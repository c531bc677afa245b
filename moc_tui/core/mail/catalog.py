"""Every template a run will use, and which placeholders the program fills in each.

`moc-tui check` reads each of them and refuses a placeholder nothing fills: welcome mails once
went out with a literal `<TERMS_URL>` while check said the settings were fine. A placeholder is
filled by the program (`runtime` below, kept equal to what the composers pass by the tests), by
`[email_defaults]`, or by the message's own section; a key set blank fills nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from moc_tui.core.mail.templates import PLACEHOLDER, placeholder_values
from moc_tui.core.settings import Settings
from moc_tui.core.settings.checks import is_example_host

_PERSON = frozenset({"FULLNAME", "FIRST_NAME", "LAST_NAME", "USERNAME", "EMAIL", "PROJECT"})
_LINK = frozenset({"SETPASS_TOKEN_URL"})
_ACCOUNT = frozenset({"FULLNAME", "USERNAME", "EMAIL"})
_ROW = frozenset({"USER_NAME", "FIRST_NAME", "LAST_NAME", "PROJECT", "COMMENT"})
# section -> placeholders the program fills for that message
RUNTIME: dict[str, frozenset[str]] = {
    "welcome_email": _PERSON,
    "new_project_email": _PERSON,
    "added_to_project_email": _PERSON,
    "password_email": _PERSON | _LINK,
    "password_reset_email": _ACCOUNT | _LINK,
    "activation_reminder_email": _ACCOUNT | _LINK,
    "quota_email": frozenset(
        {"FULLNAME", "FIRST_NAME", "LAST_NAME", "EMAIL", "PROJECT", "QUOTA_LIST"}
    ),
    "helpdesk": _ROW | {"CSR_TYPE", "PRIORITY", "QUEUE"},
    "reminder": frozenset(
        {"REQUEST_COUNT", "REQUEST_TYPE", "START", "REQUEST_SPREADSHEET", "REQUEST_DETAILS"}
    ),
    "reminder_detail": _ROW,
}
# Upper-case HTML tags look like placeholders; in an HTML template they are tags.
# fmt: off
HTML_TAGS = frozenset({
    "A", "B", "BIG", "BODY", "BR", "CENTER", "CODE", "DIV", "EM", "FONT", "H1", "H2", "H3", "H4",
    "H5", "H6", "HEAD", "HR", "HTML", "I", "LI", "OL", "P", "PRE", "SMALL", "SPAN", "STRONG",
    "STYLE", "TABLE", "TBODY", "TD", "TH", "THEAD", "TITLE", "TR", "U", "UL",
})
# fmt: on
_URL = re.compile(r"https?://[^\s<>\"')]+", re.IGNORECASE)


@dataclass(frozen=True)
class TemplateUse:
    """One template a run reads: for which message, from which file, filled from what."""

    section: str
    path: Path | None  # None: the text shipped with moc-tui
    shipped: str
    settings_values: dict[str, str]  # [email_defaults] and the section's own keys, upper-cased
    html: bool = False

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else f"(shipped) {self.shipped}"

    def read(self) -> str:
        if self.path is not None:
            return self.path.read_text(encoding="utf-8")
        return (resources.files("moc_tui.core.mail") / "templates" / self.shipped).read_text(
            encoding="utf-8"
        )


def template_uses(settings: Settings) -> list[TemplateUse]:
    """The templates the configured jobs read: provisioning and resets always; the quota mail
    with a quota sheet; reminders of activation, tickets and digests when they are turned on."""
    defaults = settings.email_defaults
    uses = []
    for section, email in settings.emails.items():
        if section == "quota_email" and settings.quota_sheet is None:
            continue
        if section == "activation_reminder_email" and settings.activation.max_reminders == 0:
            continue
        values = placeholder_values(defaults, email.placeholders)
        html = email.formatting == "html"
        uses.append(TemplateUse(section, email.template, f"{section}.txt", values, html))
    plain = placeholder_values(defaults)
    if settings.helpdesk.email:
        uses.append(
            TemplateUse("helpdesk", settings.helpdesk.template, "notify_helpdesk.txt", plain)
        )
    if settings.reminder.email:
        reminder, html = settings.reminder, settings.reminder.formatting == "html"
        uses.append(TemplateUse("reminder", reminder.template, "reminder.txt", plain, html))
        uses.append(
            TemplateUse(
                "reminder_detail", reminder.detail_template, "reminder_detail.txt", plain, html
            )
        )
    return uses


def _lines(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.splitlines(), start=1)


def template_findings(settings: Settings) -> tuple[list[str], list[str]]:
    """(problems, warnings) of every template a run will use."""
    problems: list[str] = []
    warnings: list[str] = []
    for use in template_uses(settings):
        try:
            text = use.read()
        except OSError as error:
            problems.append(
                f"template {use.name} ([{use.section}]) cannot be read: {error.strerror}"
            )
            continue
        except UnicodeDecodeError:
            problems.append(f"template {use.name} ([{use.section}]) is not UTF-8 text")
            continue
        filled = RUNTIME[use.section] | {k for k, v in use.settings_values.items() if v.strip()}
        if use.html:
            filled |= HTML_TAGS
        where = f"[{use.section}] or " if use.section in settings.emails else ""
        for number, line in _lines(text):
            for name in dict.fromkeys(PLACEHOLDER.findall(line)):
                if name not in filled:
                    problems.append(
                        f"template {use.name} line {number}: placeholder <{name}> has no value; "
                        f"set {name.lower()} in {where}[email_defaults]"
                    )
            for url in _URL.findall(line):
                if is_example_host(url):
                    warnings.append(
                        f"template {use.name} line {number}: a link still points at "
                        f"{urlsplit(url).hostname}"
                    )
    return problems, warnings
