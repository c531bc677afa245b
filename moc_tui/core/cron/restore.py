"""What restoring a snapshot would change: per tab, rows missing, added and changed.

Rows are matched by the request's identity (Timestamp + Email, found by header name) where the
tab has those columns, so a row that only moved up because others were deleted is not "changed";
other tabs match rows by their whole content. Duplicates are matched one to one, in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from moc_tui.core.cron.backup import ListsTabs, load_for_restore, sheets
from moc_tui.core.settings import Settings, SheetSettings
from moc_tui.core.sheets import SheetStore, open_store
from moc_tui.core.table import read_table
from moc_tui.core.text import trim

Row = tuple[str, ...]
Rows = Sequence[Sequence[str]]


@dataclass(frozen=True)
class RowChange:
    """One row: its number in the snapshot and/or live tab (1-based, header is 1)."""

    snapshot_row: int | None
    live_row: int | None
    before: Row
    after: Row


@dataclass
class TabDiff:
    tab: str
    missing: list[RowChange] = field(default_factory=list)
    added: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    note: str = ""

    @property
    def same(self) -> bool:
        return not (self.missing or self.added or self.changed or self.note)


def _clean(row: Sequence[str]) -> Row:
    cells = list(row)
    while cells and cells[-1] == "":
        cells.pop()
    return tuple(cells)


def _keys(rows: Sequence[Row], identity: Mapping[str, str]) -> list[Row]:
    """Each data row's identity: (timestamp, email) when the tab has both, else its content."""
    table = read_table("", [list(r) for r in rows], identity, "") if rows else None
    if table is None or table.missing:
        return [r for r in rows[1:]]
    ts, email = table.columns["timestamp"], table.columns["email"]
    keys = []
    for row in rows[1:]:
        padded = row + ("",) * (max(ts, email) + 1 - len(row))
        key = (trim(padded[ts]), trim(padded[email]).casefold())
        keys.append(key if any(key) else row)
    return keys


def diff_tab(tab: str, snapshot: Rows, live: Rows, identity: Mapping[str, str]) -> TabDiff:
    """Compare one tab's data rows; the header row is compared on its own."""
    before = [_clean(r) for r in snapshot]
    after = [_clean(r) for r in live]
    result = TabDiff(tab)
    if before[:1] != after[:1]:
        result.note = "the header row differs"
    waiting: dict[Row, list[int]] = defaultdict(list)
    for index, key in enumerate(_keys(after, identity)):
        waiting[key].append(index + 1)
    for index, key in enumerate(_keys(before, identity)):
        old = before[index + 1]
        if waiting.get(key):
            live_index = waiting[key].pop(0)
            new = after[live_index]
            if new != old:
                result.changed.append(RowChange(index + 2, live_index + 1, old, new))
        else:
            result.missing.append(RowChange(index + 2, None, old, ()))
    for positions in waiting.values():
        for live_index in positions:
            result.added.append(RowChange(None, live_index + 1, (), after[live_index]))
    result.added.sort(key=lambda c: c.live_row or 0)
    return result


def diff_tabs(
    snapshot: Mapping[str, Rows], live: Mapping[str, Rows | None], identity: Mapping[str, str]
) -> list[TabDiff]:
    """Every tab of the snapshot against the live sheet (None: the tab is gone)."""
    diffs = []
    for tab, rows in snapshot.items():
        current = live.get(tab)
        if current is None:
            gone = TabDiff(tab, note="the tab no longer exists in the live sheet")
            gone.missing = [RowChange(i + 2, None, _clean(r), ()) for i, r in enumerate(rows[1:])]
            diffs.append(gone)
        else:
            diffs.append(diff_tab(tab, rows, current, identity))
    return diffs


def restore_dry_run(
    settings: Settings, path: Path, open_sheet: Callable[[SheetSettings], SheetStore] = open_store
) -> tuple[SheetSettings, list[TabDiff]]:
    """The sheet a backup file was taken of and how the live sheet differs from it.

    Raises SnapshotDamaged, OSError/ValueError for an unreadable file, SheetError, or
    LookupError when the snapshot's sheet is not configured. Costs one read.
    """
    section, tabs = load_for_restore(path)
    sheet = {s.section: s for s in sheets(settings)}.get(section or "excelsheet")
    if sheet is None:
        raise LookupError(f"the snapshot is of [{section}], which is not configured")
    columns = settings.quota_columns if sheet.section == "quota_sheet" else settings.access_columns
    identity = {k: columns[k] for k in ("timestamp", "email")}
    store = open_sheet(sheet)
    existing = set(store.tab_titles()) if isinstance(store, ListsTabs) else set(tabs)
    live: dict[str, Rows | None] = dict.fromkeys(tabs)
    live.update(store.read_tabs([t for t in tabs if t in existing]))
    return sheet, diff_tabs(tabs, live, identity)
