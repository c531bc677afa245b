"""Backups of both request sheets: every tab, checksummed, rotated; verify; diff for restore.

A backup is one snapshot file per sheet (`moc_tui.core.snapshots`: atomic, 0600, SHA-256 inside) in
`<state>/backups/`, apart from the snapshots provisioning takes before each move (rotated by the
same policy, per reason, by `rotate_snapshots`). Rotation keeps the newest file of each of the last
`keep_daily` days that have one and of each of the last `keep_weekly` ISO weeks; everything else of
that sheet goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from moc_tui.core.settings import Settings, SheetSettings
from moc_tui.core.settings.model import BackupSettings
from moc_tui.core.sheets import SheetStore
from moc_tui.core.snapshots import SnapshotDamaged, read_snapshot, write_snapshot

PREFIX = "backup-"
_STAMP = "%Y%m%dT%H%M%S.%fZ"


@runtime_checkable
class ListsTabs(Protocol):
    """Both stores can list their tabs (Google from the metadata read when it was opened)."""

    def tab_titles(self) -> list[str]: ...


def sheets(settings: Settings) -> list[SheetSettings]:
    return [s for s in (settings.access_sheet, settings.quota_sheet) if s is not None]


def backup_dir(settings: Settings) -> Path:
    return settings.state_dir / "backups"


def take_backup(
    settings: Settings,
    sheet: SheetSettings,
    store: SheetStore,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Path:
    """Snapshot every tab of one sheet (one read) and return the file."""
    if isinstance(store, ListsTabs):
        titles = store.tab_titles()
    else:  # a store that cannot list tabs: the two tabs the app knows
        titles = [sheet.requests_tab, sheet.done_tab]
    tabs = store.read_tabs(titles)
    return write_snapshot(backup_dir(settings), PREFIX + sheet.section, tabs, now)


def _taken_at(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name.split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def snapshot_files(directory: Path, section: str | None = None) -> list[Path]:
    """Backup files, oldest first; only one sheet's when `section` is given."""
    if not directory.is_dir():
        return []
    suffix = f"-{PREFIX}{section}.json" if section else ".json"
    found = [p for p in directory.glob("*.json") if p.name.endswith(suffix) and _taken_at(p)]
    return sorted(found, key=lambda p: p.name)


def rotate(directory: Path, section: str, keep: BackupSettings) -> list[Path]:
    """Delete what the rotation does not keep; the deleted files."""
    return _rotate_files(snapshot_files(directory, section), keep)


def rotate_snapshots(directory: Path, keep: BackupSettings) -> list[Path]:
    """The pre-move snapshots (`<state>/snapshots/`) by the same policy, per reason; the kept
    ones made private (0600) in case an older version left them readable."""
    by_reason: dict[str, list[Path]] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        if _taken_at(path) is not None:
            by_reason.setdefault(path.name.split("-", 1)[1], []).append(path)
    deleted = []
    for files in by_reason.values():
        deleted += _rotate_files(files, keep)
    for path in directory.glob("*.json") if directory.is_dir() else []:
        path.chmod(0o600)
    return deleted


def _rotate_files(files: list[Path], keep: BackupSettings) -> list[Path]:
    """Keep the newest file and the newest of each recent day and week; delete the rest."""
    kept: set[Path] = set(files[-1:])
    days: dict[str, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    for path in reversed(files):  # newest first: the first seen of a day/week is its newest
        taken = _taken_at(path)
        assert taken is not None
        days.setdefault(taken.date().isoformat(), path)
        weeks.setdefault(taken.isocalendar()[:2], path)
    kept.update(list(days.values())[: keep.keep_daily])
    kept.update(list(weeks.values())[: keep.keep_weekly])
    deleted = [p for p in files if p not in kept]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


@dataclass(frozen=True)
class Verified:
    path: Path
    ok: bool
    message: str


def verify(directories: Sequence[Path]) -> list[Verified]:
    """Check every snapshot file's checksum (backups and provisioning snapshots alike)."""
    results = []
    for directory in directories:
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            try:
                tabs = read_snapshot(path)
            except SnapshotDamaged:
                results.append(Verified(path, False, "does not match its checksum"))
            except (OSError, ValueError, KeyError, TypeError) as error:
                results.append(Verified(path, False, f"unreadable ({type(error).__name__})"))
            else:
                rows = sum(max(len(r) - 1, 0) for r in tabs.values())
                results.append(Verified(path, True, f"{len(tabs)} tab(s), {rows} data row(s)"))
    return results


def snapshot_section(path: Path) -> str | None:
    """Which settings section (sheet) a backup file was taken of, from its reason."""
    reason = str(json.loads(path.read_text(encoding="utf-8")).get("reason", ""))
    return reason.removeprefix(PREFIX) if reason.startswith(PREFIX) else None


def load_for_restore(path: Path) -> tuple[str | None, dict[str, list[list[str]]]]:
    """The section and the tabs of a snapshot, its checksum checked first."""
    tabs = read_snapshot(path)
    return snapshot_section(path), tabs
