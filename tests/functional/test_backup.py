"""`moc-tui backup`, `--verify` and `restore --dry-run` against the Sheets fake."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.cron.backup import backup_dir, rotate, snapshot_files, take_backup, verify
from moc_tui.core.cron.lock import BUSY_EXIT, job_lock
from moc_tui.core.cron.restore import restore_dry_run
from moc_tui.core.settings.model import BackupSettings
from moc_tui.core.sheets import open_store
from tests.fixtures.stack import MakeCronStack
from tests.sample_rows import access_row, quota_row
from tests.tab_names import ACCESS_DONE, FORM


def people(n: int) -> list[list[str]]:
    return [access_row(email=f"user{i}@example.org", first_name=f"U{i}") for i in range(n)]


def test_backup_then_deleted_rows_show_as_missing(
    make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_cron_stack(people(6), [quota_row()])
    assert main(["backup", "--config", str(stack.settings_path)]) == 0
    files = snapshot_files(backup_dir(stack.settings))
    assert len(files) == 2
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    access_file = next(f for f in files if f.name.endswith("-backup-excelsheet.json"))
    assert set(json.loads(access_file.read_text())["tabs"]) == {FORM, ACCESS_DONE}

    # someone deletes rows 3 and 5 (user1, user3) and edits row 7 (user5)
    store = open_store(stack.settings.access_sheet)
    store.delete_rows(FORM, [3, 5])
    store.write_cells(FORM, {(5, 6): "Renamed"})
    capsys.readouterr()

    sheet, diffs = restore_dry_run(stack.settings, access_file)
    assert sheet.section == "excelsheet"
    form = next(d for d in diffs if d.tab == FORM)
    assert [(c.snapshot_row, c.before[4]) for c in form.missing] == [
        (3, "user1@example.org"),
        (5, "user3@example.org"),
    ]
    assert form.added == []
    assert [(c.snapshot_row, c.live_row, c.after[5]) for c in form.changed] == [(7, 5, "Renamed")]
    assert next(d for d in diffs if d.tab == ACCESS_DONE).same

    config = str(stack.settings_path)
    assert main(["restore", "--config", config, "--dry-run", str(access_file)]) == 0
    out = capsys.readouterr().out
    missing = [line for line in out.splitlines() if "missing" in line]
    assert len(missing) == 2
    assert "snapshot row 3" in missing[0] and "user1@example.org" in missing[0]
    assert "snapshot row 5" in missing[1] and "user3@example.org" in missing[1]
    assert "added" not in out
    assert f"tab {ACCESS_DONE!r}: no difference" in out
    # a dry run changed nothing
    assert len(stack.access()) == 5


def test_added_rows_and_a_deleted_tab(make_cron_stack: MakeCronStack) -> None:
    stack = make_cron_stack(people(2), [])
    store = open_store(stack.settings.access_sheet)
    path = take_backup(stack.settings, stack.settings.access_sheet, store)
    store.append_rows(FORM, [access_row(email="late@example.org")])
    _, diffs = restore_dry_run(stack.settings, path)
    form = next(d for d in diffs if d.tab == FORM)
    assert [(c.live_row, c.after[4]) for c in form.added] == [(4, "late@example.org")]
    assert form.missing == [] and form.changed == []


def test_verify_finds_a_damaged_snapshot(
    make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_cron_stack(people(2), [quota_row()])
    assert main(["backup", "--config", str(stack.settings_path)]) == 0
    assert main(["backup", "--config", str(stack.settings_path), "--verify"]) == 0
    assert capsys.readouterr().out.count("ok  ") == 2
    target = snapshot_files(backup_dir(stack.settings))[0]
    document = json.loads(target.read_text())
    document["tabs"][FORM][1][4] = "mallory@example.org"
    target.write_text(json.dumps(document))
    assert main(["backup", "--config", str(stack.settings_path), "--verify"]) == 1
    out = capsys.readouterr().out
    assert f"DAMAGED  {target}  does not match its checksum" in out
    assert main(["restore", "--config", str(stack.settings_path), "--dry-run", str(target)]) == 1


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_rotation_keeps_daily_and_weekly(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)  # a Thursday
    from moc_tui.core.snapshots import write_snapshot

    for day in range(40):
        for hour in (0, 12):  # two backups a day: only the newest of a day counts
            moment = start + timedelta(days=day, hours=hour)
            write_snapshot(tmp_path, "backup-excelsheet", {"t": [["a"]]}, at(moment))
    write_snapshot(tmp_path, "backup-quota_sheet", {"t": [["a"]]}, lambda: start)
    deleted = rotate(tmp_path, "excelsheet", BackupSettings(keep_daily=3, keep_weekly=2))
    kept = [p.name[:15] for p in snapshot_files(tmp_path, "excelsheet")]
    # last 3 days (Feb 7, 8, 9 at 15:00) and the newest of the 2 newest ISO weeks (Feb 8 is a
    # Sunday: week 6 ends there; week 7 is Feb 9)
    assert kept == ["20260207T150000", "20260208T150000", "20260209T150000"]
    assert len(deleted) == 80 - 3
    assert len(snapshot_files(tmp_path, "quota_sheet")) == 1  # another sheet's files untouched
    keep_weeks = rotate(tmp_path, "excelsheet", BackupSettings(keep_daily=1, keep_weekly=2))
    assert [p.name[:15] for p in keep_weeks] == ["20260207T150000"]
    assert all(v.ok for v in verify([tmp_path]))


def test_a_second_backup_while_one_runs_says_who_holds_it(
    make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_cron_stack(people(1), [])
    with job_lock(stack.settings.state_dir, "backup"):
        assert main(["backup", "--config", str(stack.settings_path)]) == BUSY_EXIT
    err = capsys.readouterr().err
    assert "another backup run is in progress (pid " in err
    assert main(["backup", "--config", str(stack.settings_path)]) == 0


def test_cron_and_systemd_units_run_real_commands_as_the_service_user() -> None:
    import shlex

    from moc_tui.cli import build_parser

    root = Path(__file__).resolve().parents[2] / "config"
    commands = []
    for line in (root / "cron.d" / "moc-tui").read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]:
            fields = line.split(None, 6)
            assert fields[5] == "moc-tools"
            commands.append(shlex.split(fields[6].split(">")[0]))
    units = sorted((root / "systemd").glob("moc-tui-*.service"))
    assert {u.stem for u in units} == {"moc-tui-notify", "moc-tui-activation", "moc-tui-backup"}
    for unit in units:
        text = unit.read_text()
        assert "User=moc-tools" in text and "SuccessExitStatus=75" in text
        assert (root / "systemd" / f"{unit.stem}.timer").is_file()
        for line in text.splitlines():
            if line.startswith(("ExecStart=", "ExecStartPost=")):
                commands.append(shlex.split(line.split("=", 1)[1]))
    assert len(commands) == 8
    for command in commands:
        assert command[0] == "/opt/moc-tui/venv/bin/moc-tui"
        args = build_parser().parse_args(command[1:])
        assert args.command in ("notify", "activation", "backup")
        assert str(args.config) == "/etc/moc-tui/settings.ini"


def test_a_lone_surrogate_in_either_tab_is_backed_up_and_shown(
    make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = make_cron_stack([access_row(first_name="Bad\udfff", email="u@example.org")], [])
    store = open_store(stack.settings.access_sheet)
    store.append_rows(ACCESS_DONE, [access_row(last_name="x" * 49_999 + "\ud800")])
    assert main(["backup", "--config", str(stack.settings_path)]) == 0
    access_file = next(
        f for f in snapshot_files(backup_dir(stack.settings)) if "excelsheet" in f.name
    )
    store.delete_rows(FORM, [2])
    config = str(stack.settings_path)
    assert main(["restore", "--config", config, "--dry-run", str(access_file)]) == 0
    out = capsys.readouterr().out
    assert "Bad\\udfff" in out  # shown as a visible escape
    assert main(["backup", "--config", config, "--verify"]) == 0


def test_pre_move_snapshots_are_rotated_with_the_backup_policy_and_private(
    make_cron_stack: MakeCronStack,
) -> None:
    from moc_tui.core.snapshots import write_snapshot

    stack = make_cron_stack(people(1), [])
    snapshots = stack.settings.state_dir / "snapshots"
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    for day in range(30):
        for reason in ("provision", "quota"):
            write_snapshot(snapshots, reason, {"t": [["PIN 0123"]]}, at(start + timedelta(day)))
    old = next(snapshots.glob("*-provision.json"))
    old.chmod(0o644)  # as an older version might have left one
    assert main(["backup", "--config", str(stack.settings_path)]) == 0
    left = sorted(snapshots.glob("*.json"))
    keep = stack.settings.backup
    for reason in ("provision", "quota"):
        mine = [p for p in left if p.name.endswith(f"-{reason}.json")]
        assert 1 <= len(mine) <= keep.keep_daily + keep.keep_weekly
    assert len(left) < 60
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in left)
