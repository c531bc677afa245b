"""The mail of a quota change: the table of APPLIED values (the original showed the requested
ones), to the requester, cc the project's members (each address once) and `cc_list`.

The table is built here from escaped cells and handed to the template as raw HTML; every other
value (names typed in the form) is escaped by the template filler as usual.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from moc_tui.core.identifiers import email_problems
from moc_tui.core.mail import build_message
from moc_tui.core.mail.templates import load_template
from moc_tui.core.quota import QuotaRequest
from moc_tui.core.quota.plan import label, shown
from moc_tui.core.settings import Settings

SECTION = "quota_email"
KIND = "quota"
HEADER = ("QUOTA", "OLD VALUE", "NEW VALUE")


def table_rows(
    before: Mapping[str, int | None], applied: Mapping[str, int]
) -> list[tuple[str, str, str]]:
    return [(label(name), shown(before.get(name)), shown(value)) for name, value in applied.items()]


def html_table(rows: Sequence[tuple[str, str, str]], note: str | None) -> str:
    def cells(tag: str, row: Iterable[str]) -> str:
        return "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    table = f'<table border="1" cellpadding="4"><tr>{cells("th", HEADER)}</tr>{body}</table>'
    return table + (f"<p>{html.escape(note)}</p>" if note else "")


def text_table(rows: Sequence[tuple[str, str, str]], note: str | None) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [HEADER, *rows]]
    text = "\n".join(line.rstrip() for line in lines)
    return text + (f"\n\n{note}" if note else "")


def cc_addresses(
    requester: str, members: Iterable[str | None], cc_list: Sequence[str]
) -> list[str]:
    """Member addresses, each once ignoring case, without the requester and the cc_list ones
    (those the section adds itself), and without any that is not a valid address."""
    seen = {requester.casefold(), *(a.casefold() for a in cc_list)}
    out = []
    for address in members:
        if not address or email_problems(address) or address.casefold() in seen:
            continue
        seen.add(address.casefold())
        out.append(address)
    return out


def compose(
    settings: Settings,
    request: QuotaRequest,
    project: str,
    before: Mapping[str, int | None],
    applied: Mapping[str, int],
    port_note: str | None,
    members: Sequence[str | None],
) -> dict[str, Any]:
    """The outbox payload of the quota mail."""
    section = settings.emails[SECTION]
    rows = table_rows(before, applied)
    is_html = section.formatting == "html"
    table = html_table(rows, port_note) if is_html else text_table(rows, port_note)
    mail = build_message(
        section,
        load_template(section),
        settings.email_defaults,
        {
            "FULLNAME": request.full_name or request.email,
            "FIRST_NAME": request.first_name,
            "LAST_NAME": request.last_name,
            "EMAIL": request.email,
            "PROJECT": project,
            **({} if is_html else {"QUOTA_LIST": table}),
        },
        [request.email],
        subject_project=project,
        extra_cc=cc_addresses(request.email, members, section.cc_list),
        raw_html={"QUOTA_LIST": table} if is_html else None,
    )
    return mail.to_payload()
