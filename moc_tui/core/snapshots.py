"""A local copy of tabs taken before any change to them, so no edit or move can lose a row.

Snapshots are JSON files in `<state>/snapshots/`, written atomically (temp file + rename) and
private (0600, in a 0700 directory: the rows hold PINs), named with the time and the reason, with
a SHA-256 of the content stored inside so a later reader can tell a damaged file from a good one.
`moc-tui backup` rotates them with the backup policy.

Any text the Sheets API can return is kept exactly, lone surrogates included: the file is written
as ASCII JSON (`\udfff` escapes), and the checksum hashes the text as UTF-8 with surrogates passed
through (identical bytes to plain UTF-8 for every other string, so older files still verify).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Rows = Sequence[Sequence[str]]


class SnapshotDamaged(Exception):
    """A snapshot file does not match its own checksum."""


def _digest(tabs: Mapping[str, Rows]) -> str:
    canonical = json.dumps(tabs, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def write_snapshot(
    directory: Path,
    reason: str,
    tabs: Mapping[str, Rows],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Path:
    """Write `tabs` (title -> rows) to a new snapshot file and return its path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    plain = {title: [list(row) for row in rows] for title, rows in tabs.items()}
    stamp = now().strftime("%Y%m%dT%H%M%S.%fZ")
    document: dict[str, Any] = {
        "taken_at": now().isoformat(),
        "reason": reason,
        "sha256": _digest(plain),
        "tabs": plain,
    }
    fd, temp = tempfile.mkstemp(prefix=".snapshot-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:  # mkstemp made it 0600
            json.dump(document, out, ensure_ascii=True)
            out.flush()
            os.fsync(out.fileno())
        target = directory / f"{stamp}-{reason}.json"
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def read_snapshot(path: Path) -> dict[str, list[list[str]]]:
    """The tabs of a snapshot; SnapshotDamaged if the content does not match its checksum."""
    document = json.loads(path.read_text(encoding="utf-8"))
    tabs: dict[str, list[list[str]]] = document["tabs"]
    if _digest(tabs) != document.get("sha256"):
        raise SnapshotDamaged(f"{path} does not match its checksum")
    return tabs
