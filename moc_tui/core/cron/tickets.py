"""What a ticket and a reminder digest say: the original notifier's fields, from one row.

Every value comes from the public form. A one-line field (email, names, project) goes through
`templates.one_line`, the rule every mail shares: a line break in it is shown as `\x0a`, so a
name cannot add a `Queue:` line to a ticket. Free text (description, comments) keeps its line
breaks, each line through `visible()`. Placeholders are filled in one pass, so a value that looks
like `<PLACEHOLDER>` stays literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from moc_tui.core.mail import OutgoingMail, build_message, fill_placeholders
from moc_tui.core.mail.templates import one_line, one_line_values, placeholder_values
from moc_tui.core.quota_keys import QUOTA_FORM_FIELDS
from moc_tui.core.settings import EmailSettings, Settings, SheetSettings
from moc_tui.core.table import Table
from moc_tui.core.text import trim, visible

ACCESS, QUOTA = "access", "quota"
_LIMIT = 2000  # per value: a pasted essay must not turn a ticket into a novel


@dataclass(frozen=True)
class SheetKind:
    """One of the two request sheets and how its tickets and reminders are labelled."""

    kind: str
    sheet: SheetSettings
    columns: dict[str, str]
    columns_section: str
    csr_type: str
    subject: str
    request_type: str


def sheet_kinds(settings: Settings) -> list[SheetKind]:
    """The access sheet, and the quota sheet when one is configured."""
    helpdesk = settings.helpdesk
    kinds = [
        SheetKind(
            ACCESS,
            settings.access_sheet,
            settings.access_columns,
            "access_columns",
            "Access Request",
            helpdesk.access_subject,
            "Access",
        )
    ]
    if settings.quota_sheet is not None:
        kinds.append(
            SheetKind(
                QUOTA,
                settings.quota_sheet,
                settings.quota_columns,
                "quota_columns",
                "Change Quota",
                helpdesk.quota_subject,
                "Quota",
            )
        )
    return kinds


def shown(value: str) -> str:
    """Untrusted free text made safe for a mail body, line breaks kept."""
    return "\n".join(visible(line, _LIMIT) for line in trim(value).splitlines())


def _field(table: Table, cells: Sequence[str], field: str) -> str:
    """A one-line cell as every mail shows one (line breaks escaped, cut to the limit)."""
    return one_line(table.cell(cells, field), _LIMIT)


def _access_comment(table: Table, cells: Sequence[str]) -> tuple[str, str]:
    """The original's summary of an access request, and the project it names (or "")."""

    def cell(field: str) -> str:
        return _field(table, cells, field)

    lines = ["User requested the following access:"]
    if trim(table.cell(cells, "has_account")).casefold() in ("no", "n"):
        lines.append(f" - new OpenStack user account: `{cell('email')}`")
    project = ""
    if cell("new_project"):
        project = cell("new_project")
        lines.append(f" - new OpenStack project: `{project}`")
        if cell("extra_users"):
            lines.append(f" - add existing users to new project: `{cell('extra_users')}`")
        lines += ["", "New Project Description:", shown(table.cell(cells, "description"))]
    elif cell("existing_project"):
        project = cell("existing_project")
        lines.append(f" - access to existing OpenStack project: `{project}`")
    if trim(table.cell(cells, "comment")):
        lines += ["", "Comment:", shown(table.cell(cells, "comment"))]
    return "\n".join(lines), project


def _quota_comment(table: Table, cells: Sequence[str]) -> tuple[str, str]:
    """The requested quotas as the form asked them (RAM and storage in GB), blanks left out."""
    project = _field(table, cells, "project")
    lines = [f"New quota request for project: {project}", "", "Request Details:"]
    for field in QUOTA_FORM_FIELDS:
        value = _field(table, cells, field)
        if value:
            label = table.header[table.columns[field]] if field in table.columns else field
            lines.append(f" - {field} ({one_line(label, _LIMIT)}): {value}")
    duration = _field(table, cells, "duration")
    if duration:
        end = _field(table, cells, "end_date")
        lines.append(f" - duration: {duration}" + (f", until {end}" if end else ""))
    if shown(table.cell(cells, "comments")):
        lines += ["", "Comments:", shown(table.cell(cells, "comments"))]
    return "\n".join(lines), project


def request_values(kind: SheetKind, table: Table, cells: Sequence[str]) -> dict[str, str]:
    """USER_NAME, FIRST_NAME, LAST_NAME, PROJECT (N/A if none) and COMMENT of one row."""
    summary = _access_comment if kind.kind == ACCESS else _quota_comment
    comment, project = summary(table, cells)
    return {
        "USER_NAME": _field(table, cells, "email"),
        "FIRST_NAME": _field(table, cells, "first_name"),
        "LAST_NAME": _field(table, cells, "last_name"),
        "PROJECT": project or "N/A",
        "COMMENT": comment,
    }


def _template(path: Path | None, default: str) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8")
    return (resources.files("moc_tui.core.mail") / "templates" / default).read_text("utf-8")


def ticket_mail(
    settings: Settings, kind: SheetKind, table: Table, cells: Sequence[str]
) -> OutgoingMail:
    """The ticket for one approved row, to `[helpdesk] email`."""
    helpdesk = settings.helpdesk
    assert helpdesk.email is not None
    section = EmailSettings(section="helpdesk", subject=kind.subject)
    values = {
        **request_values(kind, table, cells),
        "CSR_TYPE": kind.csr_type,
        "PRIORITY": helpdesk.priority,
        "QUEUE": helpdesk.queue,
    }
    template = _template(helpdesk.template, "notify_helpdesk.txt")
    return build_message(section, template, settings.email_defaults, values, [helpdesk.email])


def digest_mail(
    settings: Settings, kind: SheetKind, details: Sequence[dict[str, str]]
) -> OutgoingMail:
    """One reminder listing every request of a sheet still waiting for approval."""
    reminder = settings.reminder
    assert reminder.email is not None
    is_html = reminder.formatting == "html"
    detail_template = _template(reminder.detail_template, "reminder_detail.txt")
    merged = placeholder_values(settings.email_defaults)
    filled = [
        fill_placeholders(detail_template, {**merged, **one_line_values(values)}, html_body=is_html)
        for values in details
    ]
    joined = ("<hr>\n" if is_html else "\n-----\n").join(filled)
    values = {
        "REQUEST_COUNT": str(len(details)),
        "REQUEST_TYPE": kind.request_type,
        "START": str(reminder.start),
        "REQUEST_SPREADSHEET": spreadsheet_link(kind.sheet),
    }
    section = EmailSettings(
        section="reminder", subject=reminder.subject, formatting=reminder.formatting
    )
    template = _template(reminder.template, "reminder.txt")
    # The details are already filled (and escaped): split around their placeholder so they are
    # neither escaped twice nor scanned for placeholders again.
    parts = template.split("<REQUEST_DETAILS>")
    pieces = [
        build_message(
            section,
            part,
            settings.email_defaults,
            values,
            [reminder.email],
        )
        for part in parts
    ]
    body = joined.join(piece.body for piece in pieces)
    first = pieces[0]
    return OutgoingMail(first.sender, first.to, first.cc, first.subject, body, first.html)


def spreadsheet_link(sheet: SheetSettings) -> str:
    if sheet.worksheet_key:
        return f"https://docs.google.com/spreadsheets/d/{sheet.worksheet_key}"
    return str(sheet.local_store or "")
