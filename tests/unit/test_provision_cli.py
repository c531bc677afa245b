"""The batch commands' exit status when there is nothing to do: success, one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.access import parse_access_requests
from moc_tui.core.access.keys import access_lock_keys
from moc_tui.core.locks import Locks
from moc_tui.core.settings import load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.table import read_table
from tests.sample_rows import ACCESS_HEADER, QUOTA_HEADER, access_row, quota_row
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM, QUOTA_DONE


def settings_with_empty_tabs(tmp_path: Path) -> Path:
    """Both sheets in local stores; the only rows are not approved (so nothing is pending)."""
    for name, header, row in (
        ("access", ACCESS_HEADER, access_row(approved="")),
        ("quota", QUOTA_HEADER, quota_row(approved="")),
    ):
        store = LocalSheetStore(tmp_path / f"{name}.db")
        done = ACCESS_DONE if name == "access" else QUOTA_DONE
        store.ensure_tabs([FORM, done])
        store.append_rows(FORM, [header, row])
        store.append_rows(done, [header])
    return write_settings(tmp_path, {"quota_sheet": {"local_store": str(tmp_path / "quota.db")}})


@pytest.mark.parametrize("command", ["provision", "quota"])
def test_all_with_nothing_pending_is_a_success(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings_with_empty_tabs(tmp_path)
    for dry in ([], ["--dry-run"]):
        assert main([command, "--config", str(path), "--all", *dry]) == 0
        out, err = capsys.readouterr()
        assert out.startswith("nothing to do") and out.count("\n") == 1, out
        assert "warning" not in err


def test_a_named_target_with_nothing_pending_is_still_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings_with_empty_tabs(tmp_path)
    assert main(["provision", "--config", str(path), "--user", "nobody@example.org"]) == 1
    assert main(["quota", "--config", str(path), "--project", "nothing"]) == 1
    assert "nobody@example.org" in capsys.readouterr().err


def test_a_row_another_run_holds_is_left_to_it_and_the_holder_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings_with_empty_tabs(tmp_path)
    settings = load_settings(path)
    store = LocalSheetStore(tmp_path / "access.db")
    store.append_rows(FORM, [access_row(email="held@example.org")])
    rows = store.read_tabs([FORM])[FORM]
    table = read_table(FORM, rows, ACCESS_COLUMNS, "access_columns")
    [request] = parse_access_requests(table).requests
    with Locks(settings.state_dir / "locks", "bob").hold(access_lock_keys(request)):
        status = main(["provision", "--config", str(path), "--all", "--operator", "carol"])
    out = capsys.readouterr().out
    assert status == 1
    assert f"bob is working on this request (pid {os.getpid()}, since " in out
    assert "busy" in out and "held@example.org" in out
    assert len(store.read_tabs([FORM])[FORM]) == 3
