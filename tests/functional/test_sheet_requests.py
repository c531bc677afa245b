"""The Google store over the Sheets fake: what goes over the wire, and how failures are handled."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.core.sheets.factory import open_store
from moc_tui.core.sheets.google import GoogleSheetStore
from moc_tui.core.sheets.retry import RetryPolicy
from moc_tui.core.sheets.store import RowRef, SheetError, SheetUnavailable
from moc_tui.devstack.sheets_api import FakeSheetsServer, LoggedRequest
from moc_tui.devstack.sheets_auth import new_service_account, write_key_file
from tests.fixtures.sheets import (
    HEADER,
    TEST_RETRY,
    ServiceAccount,
    SleepRecorder,
    google_settings,
    request_row,
    seed_tabs,
)
from tests.tab_names import ACCESS_DONE, FORM


@pytest.fixture(autouse=True)
def _never_parsed_input(sheets_fake: FakeSheetsServer) -> Iterator[None]:
    """After each test, the whole log: every write RAW, no cell Google would have parsed."""
    yield
    for logged in sheets_fake.log:
        assert logged.value_input_option in (None, "RAW"), logged
        assert "USER_ENTERED" not in repr(logged.query), logged
    assert sheets_fake.flagged() == []


def sheets_calls(fake: FakeSheetsServer, key: str, since: int = 0) -> list[LoggedRequest]:
    """Requests to this spreadsheet from log position `since` on."""
    return [r for r in fake.log[since:] if r.spreadsheet == key]


def test_open_costs_one_metadata_get_and_one_token(
    fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount, fake_spreadsheet: str
) -> None:
    mark = len(fake_sheets.log)
    open_store(google_settings(fake_sheets, sheets_account, fake_spreadsheet))
    calls = sheets_calls(fake_sheets, fake_spreadsheet, mark)
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in calls] == [("GET", fake_spreadsheet)]
    tokens = [r for r in fake_sheets.log[mark:] if r.path == "/token"]
    assert [r.status for r in tokens] == [200]


def test_reading_both_tabs_is_one_request(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    mark = len(fake_sheets.log)
    assert google_store.tab_titles() == [FORM, ACCESS_DONE]  # cached at open
    assert google_store.read_tabs([FORM, ACCESS_DONE]) == seed_tabs()
    (call,) = sheets_calls(fake_sheets, fake_spreadsheet, mark)
    assert call.path.endswith("/values:batchGet")
    assert call.query["ranges"] == [repr(FORM), repr(ACCESS_DONE)]


def test_fifty_cell_writes_are_one_raw_request(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    cells = {(row, col): f"=cell {row},{col}" for row in range(2, 12) for col in range(6, 11)}
    assert len(cells) == 50
    mark = len(fake_sheets.log)
    google_store.write_cells(FORM, cells)
    (call,) = sheets_calls(fake_sheets, fake_spreadsheet, mark)
    assert (call.method, call.path.rsplit("/", 1)[-1]) == ("POST", "values:batchUpdate")
    assert call.value_input_option == "RAW"
    assert len(call.body["data"]) == 50
    rows = fake_sheets.values(fake_spreadsheet, FORM)
    assert rows[1] == [
        *request_row(1),
        "=cell 2,6",
        "=cell 2,7",
        "=cell 2,8",
        "=cell 2,9",
        "=cell 2,10",
    ]


def _call_kinds(calls: list[LoggedRequest], key: str) -> list[str]:
    return [f"{r.method} {r.path.removeprefix(f'/v4/spreadsheets/{key}') or '/'}" for r in calls]


SEARCH = "POST /developerMetadata:search"
FIND = ["GET /", SEARCH, "GET /values:batchGet", SEARCH]


@pytest.mark.parametrize("count", [1, 10])
def test_moving_rows_costs_the_same_requests_for_one_row_or_ten(
    count: int, google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    moved = [2, 3, 4, 6, 7, 9, 10, 11, 12, 13][:count]
    mark = len(fake_sheets.log)
    google_store.move_rows(FORM, ACCESS_DONE, moved, [request_row(r - 1) for r in moved])
    calls = sheets_calls(fake_sheets, fake_spreadsheet, mark)
    # find, tag the untagged rows, find again (checks the tags), one atomic write
    assert _call_kinds(calls, fake_spreadsheet) == [
        *FIND,
        "POST :batchUpdate",
        *FIND,
        "POST :batchUpdate",
    ]
    write = calls[-1]
    kinds = [next(iter(r)) for r in write.body["requests"]]
    runs = 3 if count == 10 else 1  # 2-4, 6-7, 9-13
    assert kinds == [
        "insertDimension",
        "deleteDimension",  # the row-count floor
        *["deleteDeveloperMetadata", "createDeveloperMetadata"] * count,  # position checks
        "appendCells",
        *["deleteDimension"] * runs,
    ]
    starts = [r["deleteDimension"]["range"]["startIndex"] for r in write.body["requests"][-runs:]]
    assert starts == sorted(starts, reverse=True)
    assert fake_sheets.values(fake_spreadsheet, ACCESS_DONE) == [HEADER] + [
        request_row(r - 1) for r in moved
    ]
    if count == 10:
        assert fake_sheets.values(fake_spreadsheet, FORM) == [
            HEADER,
            request_row(4),
            request_row(7),
        ]


def test_writing_tagged_rows_is_four_reads_and_one_write(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    refs = [RowRef(r, f"key-{r}", request_row(r - 1)) for r in range(2, 12)]
    google_store.update_rows(FORM, [(ref, {6: "x"}) for ref in refs])  # tags them
    mark = len(fake_sheets.log)
    google_store.update_rows(FORM, [(ref, {6: "y", 7: "z"}) for ref in refs])
    calls = sheets_calls(fake_sheets, fake_spreadsheet, mark)
    assert _call_kinds(calls, fake_spreadsheet) == [*FIND, "POST :batchUpdate"]


def test_a_429_storm_is_waited_out(
    google_store: GoogleSheetStore,
    fake_sheets: FakeSheetsServer,
    fake_spreadsheet: str,
    sleeps: SleepRecorder,
) -> None:
    fake_sheets.fail(429, times=3, spreadsheet=fake_spreadsheet)
    mark = len(fake_sheets.log)
    assert google_store.read_tabs([FORM]) == {FORM: seed_tabs()[FORM]}
    assert [r.status for r in sheets_calls(fake_sheets, fake_spreadsheet, mark)] == [429] * 3 + [
        200
    ]
    assert sleeps.delays == [1.0, 2.0, 4.0]  # increasing, and bounded by the policy
    assert all(d <= TEST_RETRY.max_delay for d in sleeps.delays)


def test_endless_server_errors_give_up_with_a_clear_message(
    google_store: GoogleSheetStore,
    fake_sheets: FakeSheetsServer,
    fake_spreadsheet: str,
    sleeps: SleepRecorder,
) -> None:
    fake_sheets.fail(503, times=None, spreadsheet=fake_spreadsheet)
    with pytest.raises(SheetUnavailable) as caught:
        google_store.move_rows(FORM, ACCESS_DONE, [2], [request_row(1)])
    message = str(caught.value)
    assert f"moving row(s) 2 from {FORM!r} to {ACCESS_DONE!r}" in message
    assert "HTTP 503" in message and "4 attempts" in message
    assert sleeps.delays == [1.0, 2.0, 4.0]
    fake_sheets.clear_faults()
    assert fake_sheets.values(fake_spreadsheet, FORM) == seed_tabs()[FORM]
    assert fake_sheets.values(fake_spreadsheet, ACCESS_DONE) == [HEADER]


def test_an_expired_token_is_refreshed_on_401(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    fake_sheets.tokens.revoke_all()
    mark = len(fake_sheets.log)
    assert google_store.read_tabs([ACCESS_DONE]) == {ACCESS_DONE: [HEADER]}
    seen = [(r.path.rsplit("/", 1)[-1], r.status) for r in fake_sheets.log[mark:]]
    assert [s for s in seen if s[0] != "allowedLocations"] == [
        ("values:batchGet", 401),
        ("token", 200),
        ("values:batchGet", 200),
    ]


def test_a_key_that_does_not_match_is_refused_clearly(
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
    fake_spreadsheet: str,
    tmp_path: Path,
) -> None:
    forged, _ = new_service_account(fake_sheets.token_uri, sheets_account.email)
    key_file = write_key_file(tmp_path / "forged.json", forged)
    account = ServiceAccount(forged, key_file)
    with pytest.raises(SheetError) as caught:
        open_store(google_settings(fake_sheets, account, fake_spreadsheet), retry=TEST_RETRY)
    message = str(caught.value)
    assert f"refused to sign in the service account {sheets_account.email}" in message
    assert "Invalid JWT Signature" in message


def test_an_unshared_sheet_says_whom_to_share_it_with(
    fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    key = fake_sheets.create_spreadsheet(seed_tabs(), editors=["someone@else.example"])
    with pytest.raises(SheetError) as caught:
        open_store(google_settings(fake_sheets, sheets_account, key))
    assert f"the service account {sheets_account.email} has no access to sheet {key}" in str(
        caught.value
    )
    assert f"share it with {sheets_account.email}" in str(caught.value)


def test_an_unknown_key_is_named(
    fake_sheets: FakeSheetsServer, sheets_account: ServiceAccount
) -> None:
    with pytest.raises(SheetError, match="no spreadsheet with key NoSuchKey"):
        open_store(google_settings(fake_sheets, sheets_account, "NoSuchKey"))


def test_a_write_lost_before_it_reached_google_is_sent_again(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    fake_sheets.drop(spreadsheet=fake_spreadsheet, method="POST")
    google_store.move_rows(FORM, ACCESS_DONE, [2, 5], [request_row(1), request_row(4)])
    assert fake_sheets.values(fake_spreadsheet, ACCESS_DONE) == [
        HEADER,
        request_row(1),
        request_row(4),
    ]


def test_a_move_whose_answer_was_lost_is_not_done_twice(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    fake_sheets.drop(spreadsheet=fake_spreadsheet, method="POST", after_apply=True)
    google_store.move_rows(FORM, ACCESS_DONE, [2, 5], [request_row(1), request_row(4)])
    assert fake_sheets.values(fake_spreadsheet, ACCESS_DONE) == [
        HEADER,
        request_row(1),
        request_row(4),
    ]
    assert len(fake_sheets.values(fake_spreadsheet, FORM)) == 11


def test_an_append_whose_answer_was_lost_is_not_done_twice(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    fake_sheets.drop(spreadsheet=fake_spreadsheet, method="POST", after_apply=True)
    google_store.append_rows(ACCESS_DONE, [["a", "b"]])
    assert fake_sheets.values(fake_spreadsheet, ACCESS_DONE) == [HEADER, ["a", "b"]]


def test_a_delete_whose_answer_was_lost_asks_for_a_reload(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    fake_sheets.drop(spreadsheet=fake_spreadsheet, method="POST", after_apply=True)
    with pytest.raises(SheetUnavailable, match="may or may not be deleted"):
        google_store.delete_rows(FORM, [2])
    assert len(fake_sheets.values(fake_spreadsheet, FORM)) == 12  # it was deleted once


def test_every_call_has_a_timeout(
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
    fake_spreadsheet: str,
    sleeps: SleepRecorder,
) -> None:
    settings = google_settings(fake_sheets, sheets_account, fake_spreadsheet)
    quick = dataclasses.replace(settings, timeout=0.3)
    store = open_store(quick, retry=TEST_RETRY, sleep=sleeps)
    release = threading.Event()
    fake_sheets.hold(release, spreadsheet=fake_spreadsheet)
    try:
        assert store.read_tabs([ACCESS_DONE]) == {ACCESS_DONE: [HEADER]}
    finally:
        release.set()
    assert sleeps.delays == [1.0]  # one timed-out attempt, then success


def test_no_drive_calls_and_only_google_hosts(
    google_store: GoogleSheetStore, fake_sheets: FakeSheetsServer, fake_spreadsheet: str
) -> None:
    google_store.read_tabs([FORM, ACCESS_DONE])
    google_store.append_rows(ACCESS_DONE, [["x"]])
    google_store.move_rows(FORM, ACCESS_DONE, [2], [request_row(1)])
    for logged in fake_sheets.log:
        assert "/drive/" not in logged.path and "/upload/" not in logged.path
        if logged.path != "/token":  # token_uri of the test key points at the fake itself
            assert logged.host.endswith(".googleapis.com"), logged
    assert {r.status for r in sheets_calls(fake_sheets, fake_spreadsheet)} == {200}


def test_a_real_token_uri_is_routed_to_the_fake_too(
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
    fake_spreadsheet: str,
    tmp_path: Path,
) -> None:
    info = {**sheets_account.info, "token_uri": "https://oauth2.googleapis.com/token"}
    key_file = write_key_file(tmp_path / "real-uri.json", info)
    mark = len(fake_sheets.log)
    open_store(google_settings(fake_sheets, ServiceAccount(info, key_file), fake_spreadsheet))
    (token,) = [r for r in fake_sheets.log[mark:] if r.path == "/token"]
    assert token.host == "oauth2.googleapis.com"
    assert token.status == 200


def test_a_call_that_never_answers_stops_at_the_call_deadline(
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
    fake_spreadsheet: str,
    sleeps: SleepRecorder,
) -> None:
    """7 attempts of the timeout plus the pauses would be minutes; one setting caps it all."""
    settings = google_settings(fake_sheets, sheets_account, fake_spreadsheet)
    quick = dataclasses.replace(settings, timeout=0.3, call_deadline=2.5)
    store = open_store(quick, retry=RetryPolicy(), sleep=sleeps)  # the production policy
    release = threading.Event()
    fake_sheets.hold(release, times=None, spreadsheet=fake_spreadsheet)
    try:
        with pytest.raises(SheetUnavailable) as caught:
            store.read_tabs([ACCESS_DONE])
    finally:
        release.set()
        fake_sheets.clear_faults()
    message = str(caught.value)
    assert "the [excelsheet] call_deadline of 2.5s would pass" in message
    assert "no answer from Google" in message
    assert sum(sleeps.delays) < 2.5  # the pauses stayed within the deadline too
    assert len(sleeps.delays) < RetryPolicy().attempts - 1
