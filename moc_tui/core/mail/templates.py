"""Fill the original templates' `<UPPERCASE_KEY>` placeholders, in one pass.

One pass matters: a value that itself contains `<SETPASS_TOKEN_URL>` (a name typed into the form)
stays literal instead of being expanded by a later replacement. No `str.format` or `%` either, so
`{admin_pwd}` or `%(admin_pwd)s` in a value is just text. Unknown placeholders stay as they are,
like the original did, so a missing setting shows in the mail instead of vanishing.

HTML bodies escape every value, except the keys named in `raw`: those carry HTML the program built
itself, from escaped cells (the quota table), and are inserted as they are.

A value from the form or the cloud is one line (`one_line`): a name or project holding a line break
would otherwise add lines to the body, and a ticket system that parses `Queue:` lines could be fed
fake ones. Only the placeholders in `MULTILINE_PLACEHOLDERS` keep their line breaks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from importlib import resources

from moc_tui.core.settings import EmailSettings
from moc_tui.core.text import trim, visible

PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
# Values the program composes over several lines itself: the ticket's summary, the quota table,
# the digest's list of requests. Every other value is one line.
MULTILINE_PLACEHOLDERS = frozenset({"COMMENT", "QUOTA_LIST", "REQUEST_DETAILS"})


def one_line(value: str, limit: int | None = None) -> str:
    """A one-line field as it may appear in a mail: trimmed, with line breaks, tabs, control,
    bidi and zero-width characters shown as escapes (`\\x0a`), exactly as the TUI shows it;
    cut to `limit` characters when given."""
    return visible(trim(value), limit)


def one_line_values(
    values: Mapping[str, str], multiline: Collection[str] = MULTILINE_PLACEHOLDERS
) -> dict[str, str]:
    """`values` with every key not in `multiline` passed through `one_line`."""
    return {k: v if k in multiline else one_line(v) for k, v in values.items()}


def fill_placeholders(
    template: str,
    values: Mapping[str, str],
    *,
    html_body: bool,
    raw: Collection[str] = frozenset(),
) -> str:
    """Replace each `<KEY>` with `values[KEY]` (escaped for HTML bodies unless KEY is in `raw`,
    which must then hold already-escaped HTML); others stay."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        value = values.get(key)
        if value is None:
            return match.group(0)
        return html.escape(value) if html_body and key not in raw else value

    return PLACEHOLDER.sub(replace, template)


def placeholder_values(*layers: Mapping[str, str]) -> dict[str, str]:
    """Merge layers (later wins) with keys upper-cased, as `[email_defaults] login_url` fills
    `<LOGIN_URL>`."""
    merged: dict[str, str] = {}
    for layer in layers:
        merged.update({key.upper(): value for key, value in layer.items()})
    return merged


def load_template(section: EmailSettings) -> str:
    """The section's template file, or the default shipped for that message."""
    if section.template is not None:
        return section.template.read_text(encoding="utf-8")
    default = resources.files("moc_tui.core.mail") / "templates" / f"{section.section}.txt"
    return default.read_text(encoding="utf-8")
