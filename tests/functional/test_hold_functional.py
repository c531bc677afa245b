"""Hold, deny and release against the real backend session and both sheet stores (the embedded
store, and the Google store over the Sheets fake through gspread): the mark is written RAW to
the note column through the guarded row write, read back as the row's hold, audited, and a held
row is refused by a run (`provision --all` says why) until it is released."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from moc_tui.backend.ops import Session
from moc_tui.cli import main as cli_main
from moc_tui.core.access.hold import DEFAULT_NOTE_HEADER, Hold, HoldKind, parse_note
from moc_tui.core.journal import Journal
from moc_tui.core.settings import Settings, load_settings
from moc_tui.core.sheets import open_store
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.sheets.store import SheetStore
from moc_tui.devstack.sheets_api import FakeSheetsServer
from moc_tui.protocol.wire import ProtocolError
from tests.fixtures.sheets import ServiceAccount, google_settings
from tests.sample_rows import ACCESS_HEADER, access_row
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM

HEADER = [*ACCESS_HEADER, DEFAULT_NOTE_HEADER]
REASON = '=HYPERLINK("http://127.0.0.1/x") blank role; asked the PI'
Tabs = dict[str, list[list[str]]]


def tabs_with(header: list[str]) -> Tabs:
    rows = [access_row(role=""), access_row(email="bob@example.org", timestamp="t2")]
    return {FORM: [header, *rows], ACCESS_DONE: [header]}


@pytest.fixture(params=["local", "google"])
def make_settings(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
) -> Iterator[Callable[[Tabs], tuple[Settings, SheetStore]]]:
    """Settings whose access sheet holds `tabs`, in the parametrised store; and that store."""
    path = write_settings(tmp_path)
    base = load_settings(path)
    spreadsheets: list[str] = []

    def make(tabs: Tabs) -> tuple[Settings, SheetStore]:
        if request.param == "local":
            store = open_store(base.access_sheet)
            assert isinstance(store, LocalSheetStore)
            store.ensure_tabs(list(tabs))
            for title, rows in tabs.items():
                store.append_rows(title, rows)
            return base, store
        key = fake_sheets.create_spreadsheet(tabs)
        spreadsheets.append(key)
        sheet = google_settings(fake_sheets, sheets_account, key)
        return dataclasses.replace(base, access_sheet=sheet), open_store(sheet)

    yield make
    for key in spreadsheets:  # Google would have stored every write as the literal text sent
        assert fake_sheets.flagged(key) == []


def note_cell(store: SheetStore) -> str:
    """The first request's note (a store may leave out trailing empty cells)."""
    row = store.read_tabs([FORM])[FORM][1]
    note = HEADER.index(DEFAULT_NOTE_HEADER)
    return row[note] if note < len(row) else ""


def call(session: Session, op: str, **params: Any) -> Any:
    return session.handle(op, params, lambda event: None)


def ref(view: dict[str, Any]) -> dict[str, Any]:
    return {"row": view["row"], "fingerprint": view["fingerprint"]}


def test_hold_deny_and_release_go_through_the_sheet(
    make_settings: Callable[[Tabs], tuple[Settings, SheetStore]],
) -> None:
    settings, store = make_settings(tabs_with(HEADER))
    session = Session(settings)
    try:
        session.hello("alice")
        first, bob = call(session, "list_access")["requests"]
        assert first["hold"] is None and first["problems"]  # the blank role
        held = call(session, "hold_access", **ref(first), kind="held", reason=f"  {REASON} ")
        view = held["request"]
        assert view["hold"] == {"kind": "held", "reason": REASON}
        assert (
            view["problems"][-1] == f"held by the helpdesk: {REASON}; an operator releases it (u)"
        )
        assert note_cell(store) == f"held: {REASON}"  # RAW: the formula stays text
        # the list agrees, and the other row is untouched
        listed = call(session, "list_access")["requests"]
        assert [v["hold"] for v in listed] == [view["hold"], None]
        assert listed[1]["fingerprint"] == bob["fingerprint"]
        # the old picture of the row is refused: the note changed it
        with pytest.raises(ProtocolError) as stale:
            call(session, "release_access", **ref(first))
        assert stale.value.code == "row_changed"
        denied = call(session, "hold_access", **ref(view), kind="denied", reason="bad PIN")
        assert denied["request"]["hold"] == {"kind": "denied", "reason": "bad PIN"}
        released = call(session, "release_access", **ref(denied["request"]))["request"]
        assert released["hold"] is None and not any("helpdesk" in p for p in released["problems"])
        assert note_cell(store) == ""
        with pytest.raises(ProtocolError) as again:
            call(session, "release_access", **ref(released))
        assert again.value.code == "not_held"
        for reason in ("   ", "blank\u202erole", "x" * 201):
            with pytest.raises(ProtocolError) as refused:
                call(session, "hold_access", **ref(released), kind="held", reason=reason)
            assert refused.value.code == "bad_value", reason
        trail = call(session, "audit_trail", request_key=first["request_key"])["records"]
        assert [(r["action"], r["operator"]) for r in trail] == [
            ("hold", "alice"),
            ("deny", "alice"),
            ("release", "alice"),
        ]
        assert trail[2]["detail"]["was"] == "denied"
    finally:
        session.close()


def test_a_tab_without_the_note_column_refuses_a_hold_naming_the_setting(
    make_settings: Callable[[Tabs], tuple[Settings, SheetStore]],
) -> None:
    settings, _ = make_settings(tabs_with(list(ACCESS_HEADER)))
    session = Session(settings)
    try:
        session.hello("alice")
        first, _ = call(session, "list_access")["requests"]
        assert first["hold"] is None  # no column: no holds, rows as before
        with pytest.raises(ProtocolError) as refused:
            call(session, "hold_access", **ref(first), kind="held", reason="blank role")
        assert refused.value.code == "no_note_column"
        assert "[access_columns] helpdesk_note" in refused.value.message
        assert "'Helpdesk Note'" in refused.value.message
    finally:
        session.close()


def test_provision_all_skips_a_held_row_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_settings(tmp_path)
    store = open_store(load_settings(path).access_sheet)
    assert isinstance(store, LocalSheetStore)
    store.ensure_tabs([FORM, ACCESS_DONE])
    store.append_rows(FORM, [HEADER, [*access_row(), "held: waiting for the sponsor"]])
    store.append_rows(ACCESS_DONE, [HEADER])
    status = cli_main(["provision", "--config", str(path), "--all"])
    out = capsys.readouterr().out
    assert status == 0  # nothing failed: the one row waits
    [line] = [line for line in out.splitlines() if line.startswith("2 ")]
    assert "skipped" in line and "held by the helpdesk: waiting for the sponsor" in line
    assert len(store.read_tabs([FORM])[FORM]) == 2  # still waiting in the form tab
    journal = Journal(load_settings(path).state_dir / "journal.sqlite3")
    assert journal.errors() == []  # a held row is no error, run after run


def test_only_a_held_or_denied_mark_holds_a_row() -> None:
    assert parse_note(" Held :  blank role ") == Hold(HoldKind.HELD, "blank role")
    assert parse_note("denied: bad PIN") == Hold(HoldKind.DENIED, "bad PIN")
    for plain_note in ("", "called the PI on Monday", "held up at the border", "on hold"):
        assert parse_note(plain_note) is None, plain_note
