"""Faults that are not crashes, against the Sheets fake through real gspread, many seeded runs each.

A person edits or deletes rows between the move's check and its write; the move's write is applied
late, after the client timed out and retried; a reply is lost after the write was applied; two
movers run at once. Each run prints its seed (in the test id and in every failure message).
Whatever happens, the invariant is the same: every row is in exactly one tab, at most once; only
the rows asked for are in the done tab; a row nobody asked to move is never deleted.
"""

from __future__ import annotations

import dataclasses
import random  # noqa: TID251 - seeded, reproducible fault schedules; nothing secret
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets import batch, grid_apply
from moc_tui.core.sheets.factory import open_store
from moc_tui.core.sheets.google import GoogleSheetStore
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.sheets.store import Row, RowsChanged
from moc_tui.core.workflow.keys import request_key
from moc_tui.devstack.sheets_api import FakeSheetsServer
from tests.fixtures.sheets import (
    HEADER,
    TEST_RETRY,
    ServiceAccount,
    SleepRecorder,
    fill_local,
    google_settings,
    request_row,
    seed_tabs,
)
from tests.fixtures.stack import HELPDESK_EMAIL, MakeCronStack
from tests.notify_run import run_notify
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM
from tests.waiting import wait_until

SEEDS = range(25)
APPROVED, NOTIFIED, TIMESTAMP, MAIL = (
    list(ACCESS_COLUMNS).index(f) for f in ("approved", "notified", "timestamp", "email")
)
EMAIL = 1  # the column a person never edits here: it names the row in the invariants


def _store(
    fake: FakeSheetsServer, account: ServiceAccount, key: str, timeout: float = 5.0
) -> GoogleSheetStore:
    settings = dataclasses.replace(google_settings(fake, account, key), timeout=timeout)
    store = open_store(settings, retry=TEST_RETRY, sleep=SleepRecorder())
    assert isinstance(store, GoogleSheetStore)
    return store


def _person(fake: FakeSheetsServer, key: str, rng: random.Random) -> tuple[str, Callable[[], str]]:
    """A random edit a person makes in the sheet's UI: (what, do); `do` returns the email of the
    row it deleted or edited ("" for an inserted row)."""
    choice = rng.choice(["delete", "insert", "edit"])

    def do() -> str:
        with fake.lock:
            book = fake.sheets[key].book
            tab = book.tab(FORM)
            data = len(tab.values())
            row = rng.randrange(1, data) if data > 1 else 1  # 0-based, never the header
            if choice == "delete" and data > 2:
                email = tab.rows[row][EMAIL]
                grid_apply.apply_batch(book, batch.delete_rows(tab.sheet_id, [row + 1]))
                return email
            if choice == "insert":
                rng_ = {"sheetId": tab.sheet_id, "dimension": "ROWS"}
                span = {**rng_, "startIndex": row, "endIndex": row + 1}
                grid_apply.apply_batch(book, [{"insertDimension": {"range": span}}])
                tab = book.tab(FORM)
                tab.put(row + 1, 1, "typed by hand")
                tab.put(row + 1, 2, "hand@example.org")
                return ""
            tab.put(row + 1, 3, "Edited")
            return str(tab.rows[row][EMAIL])

    return choice, do


def _check(
    fake: FakeSheetsServer, key: str, asked: list[Row], deleted: str, moved_ok: bool, seed: int
) -> None:
    """The invariant above, by email."""
    form, done = fake.values(key, FORM), fake.values(key, ACCESS_DONE)
    where = f"seed {seed}"
    assert form[0] == HEADER and done[0] == HEADER, where
    in_form = [r[EMAIL] for r in form[1:] if r and r[EMAIL] != "hand@example.org"]
    in_done = [r[EMAIL] for r in done[1:]]
    originals = [r[EMAIL] for r in seed_tabs()[FORM][1:]]
    wanted = {r[EMAIL] for r in asked}
    assert len(in_done) == len(set(in_done)), f"{where}: a row is twice in the done tab: {done}"
    assert set(in_done) <= wanted, f"{where}: a row nobody asked for was moved"
    assert sorted(in_form + in_done + ([deleted] if deleted else [])) == sorted(originals), where
    if moved_ok:
        assert set(in_done) == wanted, f"{where}: the move returned but rows are missing"
    else:
        assert in_done == [], f"{where}: a refused move moved something"


def _asked(rng: random.Random) -> list[tuple[int, Row]]:
    rows = sorted(rng.sample(range(2, 14), rng.randrange(1, 6)))
    return [(r, request_row(r - 1)) for r in rows]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed-{s}")
def test_a_person_editing_between_check_and_write_never_loses_or_doubles_a_row(
    seed: int, fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    print(f"seed={seed}")
    rng = random.Random(seed)
    key = fake_sheets.create_spreadsheet(seed_tabs())
    store = _store(fake_sheets, sheets_account, key)
    asked = _asked(rng)
    what, do = _person(fake_sheets, key, rng)
    deleted: list[str] = []
    # before one of the move's requests (its checks, its tagging or its final write)
    skip = rng.choice([0, 1, rng.randrange(0, 10)])
    for _ in range(skip):
        fake_sheets.before(lambda: None, spreadsheet=key)
    fake_sheets.before(lambda: deleted.append(do()), spreadsheet=key)
    try:
        store.move_rows(FORM, ACCESS_DONE, [r for r, _ in asked], [c for _, c in asked])
        moved_ok = True
    except RowsChanged:
        moved_ok = False
    finally:
        fake_sheets.clear_faults()
    touched = deleted[0] if deleted else ""
    gone = touched if what == "delete" else ""
    _check(fake_sheets, key, [c for _, c in asked], gone, moved_ok, seed)
    if not moved_ok:  # refused only when a row asked for was deleted, or edited before tagging
        assert touched in {c[EMAIL] for _, c in asked}, f"seed {seed}: {what} refused the move"


@pytest.mark.parametrize("seed", range(8), ids=lambda s: f"seed-{s}")
def test_a_write_applied_late_after_a_timeout_and_retry_is_a_no_op(
    seed: int, fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    print(f"seed={seed}")
    rng = random.Random(seed)
    key = fake_sheets.create_spreadsheet(seed_tabs())
    store = _store(fake_sheets, sheets_account, key, timeout=0.3)
    asked = _asked(rng)
    release = threading.Event()
    # hold the tagging write or the move's write until the client gave up and retried
    for _ in range(rng.randrange(0, 2)):
        fake_sheets.before(lambda: None, spreadsheet=key, path=":batchUpdate")
    fake_sheets.before(lambda: None, spreadsheet=key, path=":batchUpdate", hold=release)
    held_from = len(fake_sheets.log)
    try:
        store.move_rows(FORM, ACCESS_DONE, [r for r, _ in asked], [c for _, c in asked])
    finally:
        release.set()
    fake_sheets.clear_faults()

    def refused() -> bool:  # the held write, applied now: Google refuses it as a whole
        writes = [r for r in fake_sheets.log[held_from:] if r.path.endswith(":batchUpdate")]
        return any(r.spreadsheet == key and r.status == 400 for r in writes)

    wait_until(refused, what="the late write to be answered")
    _check(fake_sheets, key, [c for _, c in asked], "", True, seed)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed-{s}")
def test_a_lost_reply_after_the_write_was_applied_is_not_done_twice(
    seed: int, fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    print(f"seed={seed}")
    rng = random.Random(seed)
    key = fake_sheets.create_spreadsheet(seed_tabs())
    store = _store(fake_sheets, sheets_account, key)
    asked = _asked(rng)
    for _ in range(rng.randrange(0, 8)):
        fake_sheets.before(lambda: None, spreadsheet=key)
    fake_sheets.drop(spreadsheet=key, after_apply=rng.random() < 0.7)
    try:
        store.move_rows(FORM, ACCESS_DONE, [r for r, _ in asked], [c for _, c in asked])
    finally:
        fake_sheets.clear_faults()
    _check(fake_sheets, key, [c for _, c in asked], "", True, seed)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed-{s}")
def test_two_movers_at_once_move_each_row_once(
    seed: int, fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    print(f"seed={seed}")
    rng = random.Random(seed)
    key = fake_sheets.create_spreadsheet(seed_tabs())
    stores = [_store(fake_sheets, sheets_account, key) for _ in range(2)]
    asks = [_asked(rng), _asked(rng)] if rng.random() < 0.5 else [_asked(rng)] * 2
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    done: list[int] = []

    def mover(number: int, store: GoogleSheetStore, asked: list[tuple[int, Row]]) -> None:
        start.wait()
        try:
            store.move_rows(FORM, ACCESS_DONE, [r for r, _ in asked], [c for _, c in asked])
            done.append(number)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=mover, args=(n, s, a))
        for n, (s, a) in enumerate(zip(stores, asks, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], f"seed {seed}: {errors}"  # neither is refused: the other's rows are
    union = {r[EMAIL]: r for ask in asks for _, r in ask}  # followed, or seen as moved
    _check(fake_sheets, key, list(union.values()), "", True, seed)


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed-{s}")
def test_notify_racing_a_provisioning_move_stamps_only_its_own_rows(
    seed: int, make_cron_stack: MakeCronStack
) -> None:
    """Notify tickets and stamps approved rows while a provisioning run moves some of them (at a
    random point of notify's requests after it read the tab): every approved row is ticketed
    once and stamped, in whichever tab it ends up; no other row gets a stamp."""
    print(f"seed={seed}")
    rng = random.Random(seed)
    rows = [
        access_row(
            approved=rng.choice(["Approved", "Approved", "", "Denied"]),
            notified="",
            email=f"u{n}@example.org",
            timestamp=f"11/1/2026 9:{n:02d}:00",
            first_name=f"U{n}",
        )
        for n in range(10)
    ]
    stack = make_cron_stack(rows, [])
    approved = [r for r in rows if r[APPROVED] == "Approved"]
    moving = rng.sample(approved, rng.randrange(0, len(approved) + 1))
    mover = open_store(stack.settings.access_sheet)
    moved: list[bool] = []

    def provisioning_move() -> None:
        moved.append(True)
        current = stack.access()  # as the run read it just before moving
        emails = [r[MAIL] for r in current]
        numbers = [emails.index(r[MAIL]) + 1 for r in moving]
        mover.move_rows(
            FORM,
            ACCESS_DONE,
            numbers,
            [current[n - 1] for n in numbers],
            keys=[request_key("access", r[TIMESTAMP], r[MAIL]) for r in moving],
        )

    # after notify's open and read: mostly right after it (before any stamp is written), else
    # before one of its finding, tagging or writing requests
    for _ in range(rng.choice([2, 2, 2, rng.randrange(3, 11)])):
        stack.fake.before(lambda: None, spreadsheet=stack.access_key)
    stack.fake.before(provisioning_move, spreadsheet=stack.access_key)
    try:
        run_notify(stack)
    finally:
        stack.fake.clear_faults()
    if not moved:  # notify made fewer requests than the schedule skipped: move after it
        provisioning_move()
    run_notify(stack)  # a second run changes nothing and mails nothing new

    tickets = [m for m in stack.mail.received if HELPDESK_EMAIL in m.rcpt_tos]
    assert len(tickets) == len(approved), f"seed {seed}"
    everywhere = stack.access(FORM)[1:] + stack.access(ACCESS_DONE)[1:]
    assert sorted(r[MAIL] for r in everywhere) == sorted(r[MAIL] for r in rows), f"seed {seed}"
    for row in everywhere:
        stamped = bool(row[NOTIFIED : NOTIFIED + 1] and row[NOTIFIED])
        assert stamped == (row[APPROVED] == "Approved"), f"seed {seed}: {row[MAIL]} {stamped}"
    assert {r[MAIL] for r in stack.access(ACCESS_DONE)[1:]} == {r[MAIL] for r in moving}, (
        f"seed {seed}"
    )


@pytest.mark.parametrize("seed", range(10), ids=lambda s: f"seed-{s}")
def test_two_movers_on_the_local_store_move_each_row_once(seed: int, tmp_path: Path) -> None:
    """The same guarantee from the embedded store (its transactions serialise the movers)."""
    print(f"seed={seed}")
    rng = random.Random(seed)
    path = tmp_path / "sheet.db"
    fill_local(LocalSheetStore(path), seed_tabs())
    asks = [_asked(rng), _asked(rng)] if rng.random() < 0.5 else [_asked(rng)] * 2
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def mover(asked: list[tuple[int, Row]]) -> None:
        start.wait()
        try:
            LocalSheetStore(path).move_rows(
                FORM, ACCESS_DONE, [r for r, _ in asked], [c for _, c in asked]
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=mover, args=(a,)) for a in asks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], f"seed {seed}: {errors}"
    tabs = LocalSheetStore(path).read_tabs([FORM, ACCESS_DONE])
    in_done = [r[EMAIL] for r in tabs[ACCESS_DONE][1:]]
    union = {r[EMAIL] for ask in asks for _, r in ask}
    assert sorted(in_done) == sorted(union), f"seed {seed}"
    in_form = [r[EMAIL] for r in tabs[FORM][1:]]
    assert sorted(in_form + in_done) == sorted(r[EMAIL] for r in seed_tabs()[FORM][1:])
