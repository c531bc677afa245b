"""The embedded sheet store: a workbook in one SQLite file, with exactly Google's rules.

It applies (`grid_apply`) the same `:batchUpdate` requests the Google store sends (`batch`), to
the same grid (`grid`) the local Sheets fake uses, so the two stores cannot drift apart.

Choices:
- **Tabs are explicit.** A new store holds no tabs; `ensure_tabs` creates them (and
  `moc-tui sheet import` calls it). Reading or writing a missing tab raises `TabNotFound`, as the
  Google store does, so a typo in a tab name never silently creates an empty tab.
- **The file appears on the first write**, with mode 0600 (it holds people's personal data). A read
  of a missing file sees an empty workbook and so raises `TabNotFound`; it creates nothing.
- **Every call is one SQLite transaction** (`BEGIN IMMEDIATE`: load, apply, save), so a batch is
  atomic, processes sharing the file (cron and the TUI backend) take turns, and the state
  survives restarts. WAL journal.
- Rows are stored as JSON text per tab, so every character round-trips, NUL and lone surrogates
  included.
- Row identity tags (developer metadata, `rowids`) live in their own table and follow the same
  rules as on Google; `update_rows` and `move_rows` find, check and write in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from moc_tui.core.sheets import batch, metadata, rowids
from moc_tui.core.sheets.grid import GridError, Tab, UnknownTab, Workbook, trim_rows
from moc_tui.core.sheets.grid_apply import apply_batch
from moc_tui.core.sheets.store import (
    Row,
    RowRef,
    RowsChanged,
    SheetError,
    SheetUnavailable,
    TabNotFound,
)

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tabs (
    sheet_id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    title TEXT NOT NULL UNIQUE,
    row_count INTEGER NOT NULL,
    col_count INTEGER NOT NULL,
    rows TEXT NOT NULL
)
"""
_SCHEMA_2 = "CREATE TABLE IF NOT EXISTS metadata (metadata_id INTEGER PRIMARY KEY, json TEXT)"


class LocalSheetStore:
    """`SheetStore` over a SQLite file; safe to share between processes."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self._timeout = timeout

    # -- SQLite --------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.path.touch(mode=0o600, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version in (0, 1):  # new, or made before row tags: add what is missing
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                conn.execute(_SCHEMA_2)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise SheetError(f"{self.path} is a sheet store of another version ({version})")
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn storage and grid failures into plain-words sheet errors."""
        try:
            yield
        except UnknownTab as error:
            raise TabNotFound(error.tab) from None
        except GridError as error:
            raise SheetError(f"{what}: {error.message}") from None
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise SheetUnavailable(
                    f"{what}: {self.path} stayed locked by another process for "
                    f"{self._timeout:.0f}s; try again"
                ) from None
            raise SheetError(f"{what}: cannot use {self.path}: {error}") from None
        except sqlite3.DatabaseError as error:
            raise SheetError(f"{what}: {self.path} is not a sheet store: {error}") from None
        except OSError as error:
            raise SheetError(f"{what}: cannot use {self.path}: {error.strerror}") from None

    @staticmethod
    def _load(conn: sqlite3.Connection, titles: Sequence[str] | None = None) -> Workbook:
        rows = conn.execute(
            "SELECT sheet_id, title, row_count, col_count, rows FROM tabs ORDER BY position"
        ).fetchall()
        metas = {}
        if titles is None:
            for (text,) in conn.execute("SELECT json FROM metadata"):
                meta = metadata.parse(json.loads(text))
                metas[meta.metadata_id] = meta
        return Workbook(
            (
                Tab(sheet_id, title, json.loads(data), row_count, col_count)
                for sheet_id, title, row_count, col_count, data in rows
                if titles is None or title in titles
            ),
            metas,
        )

    @contextmanager
    def _change(self, what: str) -> Iterator[Workbook]:
        """Load the workbook under a write lock, let the caller change it, save what changed."""
        with self._errors(what):
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                book = self._load(conn)
                before = {t.sheet_id: _record(t, i) for i, t in enumerate(book.tabs)}
                metas = dict(book.metadata)
                yield book
                for position, tab in enumerate(book.tabs):
                    record = _record(tab, position)
                    if before.get(tab.sheet_id) != record:
                        conn.execute(
                            "INSERT OR REPLACE INTO tabs VALUES (?, ?, ?, ?, ?, ?)", record
                        )
                if book.metadata != metas:
                    conn.execute("DELETE FROM metadata")
                    conn.executemany(
                        "INSERT INTO metadata VALUES (?, ?)",
                        [(m.metadata_id, json.dumps(m.resource())) for m in book.metadata.values()],
                    )
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                conn.close()

    # -- tabs ----------------------------------------------------------------------------------

    def tab_titles(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._errors("listing tabs"):
            conn = self._connect()
            try:
                return [t for (t,) in conn.execute("SELECT title FROM tabs ORDER BY position")]
            finally:
                conn.close()

    def ensure_tabs(self, titles: Sequence[str]) -> list[str]:
        """Create the tabs that do not exist yet (empty, 1000 x 26); return the created ones."""
        created = []
        with self._change("creating tabs") as book:
            for title in dict.fromkeys(titles):
                if book.find(title) is None:
                    book.add_tab(title)
                    created.append(title)
        return created

    # -- SheetStore ----------------------------------------------------------------------------

    def read_tabs(self, tabs: Sequence[str]) -> dict[str, list[Row]]:
        titles = list(dict.fromkeys(tabs))
        if not titles:
            return {}
        book = Workbook()
        if self.path.exists():
            with self._errors("reading tabs"):
                conn = self._connect()
                try:
                    book = self._load(conn, titles)
                finally:
                    conn.close()
        return {title: _tab(book, title).values() for title in titles}

    def write_cells(self, tab: str, cells: Mapping[tuple[int, int], str]) -> None:
        if not cells:
            return
        data = batch.cell_updates(tab, cells)
        with self._change(f"writing {len(cells)} cell(s) of {tab!r}") as book:
            _tab(book, tab)
            book.batch_write(data, "RAW")

    def append_rows(self, tab: str, rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        with self._change(f"appending {len(rows)} row(s) to {tab!r}") as book:
            apply_batch(book, [batch.append_cells(_tab(book, tab).sheet_id, rows)])

    def delete_rows(self, tab: str, rows: Sequence[int]) -> None:
        if not rows:
            return
        batch.row_runs(rows)  # refuses bad row numbers before the file is touched
        with self._change(f"deleting {len(rows)} row(s) of {tab!r}") as book:
            apply_batch(book, batch.delete_rows(_tab(book, tab).sheet_id, rows))

    def update_rows(
        self, tab: str, updates: Sequence[tuple[RowRef, Mapping[int, str]]]
    ) -> list[int]:
        if not updates:
            return []
        refs = rowids.update_refs(updates)
        changes = {ref.key: dict(cells) for ref, cells in updates}
        with self._change(f"writing {len(updates)} row(s) of {tab!r}") as book:
            src = _tab(book, tab)
            placement = self._placed(book, src, refs, None)
            src = _tab(book, tab)
            if placement.tagged:
                requests = rowids.update_batch(
                    src.sheet_id, src.row_count, placement.tagged, changes
                )
                apply_batch(book, requests)
            return [r.row for r in placement.missing]

    def move_rows(
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
        keys: Sequence[str] | None = None,
    ) -> None:
        refs = rowids.row_refs(rows, expected, keys)
        if not refs:
            return
        with self._change(f"moving {len(rows)} row(s) from {source!r} to {target!r}") as book:
            src, dst = _tab(book, source), _tab(book, target)
            placement = self._placed(book, src, refs, dst.sheet_id)
            src = _tab(book, source)
            if placement.missing:
                raise RowsChanged(source, [r.row for r in placement.missing])
            if placement.tagged:
                now = rowids.now()
                stale = rowids.stale_markers(book.metadata, dst.sheet_id, now)
                requests = rowids.move_batch(
                    src.sheet_id,
                    dst.sheet_id,
                    src.row_count,
                    placement.tagged,
                    src.values(),
                    now,
                    stale,
                )
                apply_batch(book, requests)

    @staticmethod
    def _placed(
        book: Workbook, tab: Tab, refs: Sequence[RowRef], done_id: int | None
    ) -> rowids.Placement:
        """Place the refs, tagging the rows found by content (same transaction, so no race)."""
        placement = rowids.place(refs, tab.values(), book.metadata, tab.sheet_id, done_id)
        if placement.untagged:
            apply_batch(book, rowids.tag_batch(tab.sheet_id, tab.row_count, placement.untagged))
            placement = rowids.place(refs, tab.values(), book.metadata, tab.sheet_id, done_id)
        return placement


def _tab(book: Workbook, title: str) -> Tab:
    found = book.find(title)
    if found is None:
        raise TabNotFound(title)
    return found


def _record(tab: Tab, position: int) -> tuple[int, int, str, int, int, str]:
    """The `tabs` table row for a tab (rows trimmed: trailing blanks carry no information)."""
    rows = json.dumps(trim_rows(tab.rows))
    return tab.sheet_id, position, tab.title, tab.row_count, tab.col_count, rows
