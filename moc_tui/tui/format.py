"""Journal values in the words an operator reads: times and audit details (pure, no Textual).

The journal keeps UTC ISO-8601 times (`2026-12-02T14:15:03+00:00`) and audit details as JSON
objects. The errors log, the audit trail and the not-activated list show times in the operator's
local time zone, `14:15` when it is today and `2026-12-02 14:15` otherwise, and details as
`field: old -> new`, never a Python repr such as `applied={'instances': 10, …}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo

WHEN_WIDTH = 16  # `2026-12-02 14:15`, the longest `when` gives
PAIRS = (("old", "value"), ("old", "new"), ("from", "to"), ("before", "after"), (None, "value"))


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 time from the journal; a time without an offset is UTC (as written)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def when(value: object, *, now: datetime | None = None, zone: tzinfo | None = None) -> str:
    """`value` in `zone` (the operator's local zone by default): `HH:MM` today, else the date
    too. Text that is not a time is returned as it is."""
    moment = parse_time(value)
    if moment is None:
        return str(value or "")
    local = moment.astimezone(zone)
    today = (now or datetime.now(UTC)).astimezone(local.tzinfo).date()
    return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")


def value_words(value: object) -> str:
    """One value without Python syntax: `instances 10, cores 20`, `a, b`, `—` for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {value_words(item)}" for key, item in value.items()) or "—"
    if isinstance(value, list | tuple | set):
        return ", ".join(value_words(item) for item in value) or "—"
    return str(value)


def change_words(detail: Mapping[str, object]) -> tuple[str, set[str]]:
    """The change a detail records, `field: old -> new`, and the keys it used (none: "")."""
    for old, new in PAIRS:
        if new in detail and ((old is None and "field" in detail) or old in detail):
            before = "" if old is None else value_words(detail[old]) + " "
            change = f"{before}-> {value_words(detail[new])}"
            used = {"field", new} | ({old} if old else set())
            return (f"{detail['field']}: {change}" if "field" in detail else change), used
    return "", set()


def detail_words(detail: Mapping[str, object] | None) -> str:
    """An audit record's detail (`AuditView["detail"]`, a JSON object) in words: its change
    first, then each other field; `—` for none."""
    if not isinstance(detail, Mapping):
        return value_words(detail)
    change, used = change_words(detail)
    rest = [f"{key}: {value_words(value)}" for key, value in detail.items() if key not in used]
    return " · ".join(filter(None, [change, *rest]))
