"""The keys requests are known by in the journal and the locks, stable while rows move.

Two schemes exist. `request_key` (kind, Timestamp, lower-cased email) is what versions before
content keys journaled every request under, and what resets and tickets still use. It let two
rows with the same Timestamp and emails differing in case share one record, so the second was
taken for done. Each request kind's own key (`access.keys`, `quota.keys`) is a `content_key` over
what the request asks for; a record of the old scheme is adopted by the request it matches
(`moc_tui.core.workflow.identity`).
"""

from __future__ import annotations

import hashlib

from moc_tui.core.text import trim


def _hashed(kind: str, material: str) -> str:
    return f"{kind}-{hashlib.sha256(material.encode()).hexdigest()[:20]}"


def request_key(kind: str, timestamp: str, email: str) -> str:
    """`kind` (access, quota, reset), the form's Timestamp and the email, hashed.

    The row number is not part of it: rows above may be deleted or sorted between runs.
    """
    return _hashed(kind, "\0".join((kind, trim(timestamp), trim(email).lower())))


def content_key(kind: str, *fields: str) -> str:
    """A key over what a request asks for; `v2` keeps it apart from every `request_key`."""
    return _hashed(kind, "\0".join(("v2", kind, *fields)))


def user_lock_key(username: str) -> str:
    """The lock of a user's password and set-password link (a reset and a provisioning of the
    same user exclude each other; it is the key resets have always been locked by)."""
    return request_key("reset", "", username)
