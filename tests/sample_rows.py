"""Rows shaped like the MOC forms' answers, for tests: defaults plus what a test changes."""

from __future__ import annotations

from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS

ACCESS_HEADER = list(ACCESS_COLUMNS.values())
QUOTA_HEADER = list(QUOTA_COLUMNS.values())


def access_row(**values: str) -> list[str]:
    """An approved, notified request for a new user and a new project, unless told otherwise."""
    base = {
        "approved": "Approved",
        "notified": "01 Nov 2026 10:00:00",
        "timestamp": "11/1/2026 9:00:00",
        "email": "alice@example.org",
        "first_name": "Alice",
        "last_name": "Liddell",
        "has_account": "No",
        "organization": "BU",
        "role": "Student",
        "sponsor": "Prof. X",
        "pin": "0123",
        "new_project": "wonderland",
        "description": "Research",
    }
    base.update(values)
    return [base.get(field, "") for field in ACCESS_COLUMNS]


def quota_row(**values: str) -> list[str]:
    base = {
        "approved": "Approved",
        "notified": "x",
        "email": "pi@example.org",
        "first_name": "Pat",
        "last_name": "Investigator",
        "project": "k2k",
    }
    base.update(values)
    return [base.get(field, "") for field in QUOTA_COLUMNS]
