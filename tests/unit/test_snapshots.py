"""Snapshots of tabs: atomic, private, verified by checksum; random passwords from secrets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from moc_tui.core.secrets_gen import random_password
from moc_tui.core.snapshots import SnapshotDamaged, read_snapshot, write_snapshot
from tests.tab_names import ACCESS_DONE, FORM

TABS = {
    FORM: [["Approved", "Email"], ["Approved", '=HYPERLINK("x")\x1b']],
    ACCESS_DONE: [["Approved", "Email"]],
}


def test_a_snapshot_round_trips_and_is_private(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snapshots", "provision", TABS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_snapshot(path) == TABS
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_damaged_snapshot_is_detected(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path, "edit", TABS)
    document = json.loads(path.read_text())
    document["tabs"][ACCESS_DONE].append(["x"])
    path.write_text(json.dumps(document))
    with pytest.raises(SnapshotDamaged):
        read_snapshot(path)


def test_passwords_are_long_mixed_and_different() -> None:
    passwords = {random_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 24
        assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)


HOSTILE_TABS = {
    FORM: [["Approved", "Email"], ["Approved", "lone \udfff and \ud800 surrogates"]],
    ACCESS_DONE: [["Approved", "Email"], ["x" * 50_000, "bytes \udcff\udcc0\udcaf kept"]],
}


def test_any_text_the_sheet_api_returns_round_trips(tmp_path: Path) -> None:
    """A lone surrogate used to raise UnicodeEncodeError here, after all the Keystone work."""
    path = write_snapshot(tmp_path, "provision", HOSTILE_TABS)
    assert read_snapshot(path) == HOSTILE_TABS
    assert path.read_bytes().isascii()


def test_a_snapshot_written_as_utf8_by_an_older_version_still_verifies(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path, "provision", {"t": [["Zoë 測試"]]})
    document = json.loads(path.read_text(encoding="ascii"))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert read_snapshot(path) == {"t": [["Zoë 測試"]]}
