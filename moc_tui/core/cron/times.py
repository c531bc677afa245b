"""Reading the dates people and Google Forms put in the sheet, and writing our stamps.

Forms writes the Timestamp column in the spreadsheet's locale ("11/1/2026 9:00:00" in the US);
people sometimes paste other shapes. Like the original (which used dateutil), times are naive and
read in the server's local time zone: run the cron jobs with TZ set to the sheet's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from moc_tui.core.text import trim

Now = Callable[[], datetime]

# Tried in order after the configured stamp format; month-first like Google Forms in the US.
FORMATS = (
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%d %B %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%m/%d/%y %H:%M:%S",
)


def local_now() -> datetime:
    """The server's local wall time, naive (what the stamps and Form timestamps are in)."""
    return datetime.now()


def parse_sheet_time(value: str, stamp_format: str | None = None) -> datetime | None:
    """The moment a cell names, naive local time; None when it is blank or unreadable."""
    text = " ".join(trim(value).split())
    if not text:
        return None
    for fmt in (stamp_format, *FORMATS) if stamp_format else FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone().replace(tzinfo=None) if parsed.tzinfo else parsed


def stamp(moment: datetime, stamp_format: str) -> str:
    """The text written into Helpdesk Notified / Reminder Sent (the original's format)."""
    return moment.strftime(stamp_format)
