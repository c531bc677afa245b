"""The key a request is known by in the journal, stable while its row moves around the tab."""

from __future__ import annotations

import hashlib

from moc_tui.core.text import trim


def request_key(kind: str, timestamp: str, email: str) -> str:
    """`kind` (access, quota, reset), the form's Timestamp and the email, hashed.

    The row number is not part of it: rows above may be deleted or sorted between runs.
    """
    material = "\0".join((kind, trim(timestamp), trim(email).lower()))
    return f"{kind}-{hashlib.sha256(material.encode()).hexdigest()[:20]}"
