"""`moc-tui backup` (snapshot both sheets, rotate; `--verify`) and `moc-tui restore --dry-run`.

    moc-tui backup --config PATH [--verify]
    moc-tui restore --config PATH --dry-run SNAPSHOT

A restore that writes is not built: the dry run lists, per tab, the rows the live sheet lost,
gained or changed since the snapshot, so an operator can put back exactly what is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from moc_tui.cli.common import add_config_option, load_or_report
from moc_tui.core.cron.backup import (
    backup_dir,
    rotate,
    rotate_snapshots,
    sheets,
    take_backup,
    verify,
)
from moc_tui.core.cron.lock import BUSY_EXIT, JobBusy, job_lock
from moc_tui.core.cron.restore import RowChange, TabDiff, restore_dry_run
from moc_tui.core.settings import Settings
from moc_tui.core.sheets import SheetError, open_store
from moc_tui.core.snapshots import SnapshotDamaged
from moc_tui.core.text import visible


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="snapshot every tab of both sheets into the state directory (cron)",
        description="Take a checksummed snapshot of every tab of the access and quota sheets, "
        "then delete old ones, and old pre-move snapshots ([backup] keep_daily, keep_weekly). "
        "With --verify, check every snapshot's checksum instead.",
    )
    add_config_option(parser)
    parser.add_argument("--verify", action="store_true", help="check every snapshot; take none")
    parser.set_defaults(run=run)
    restore = subparsers.add_parser(
        "restore",
        help="show what restoring a snapshot would change (--dry-run)",
        description="Compare a snapshot with the live sheet: per tab, the rows missing, added "
        "and changed since the snapshot was taken.",
    )
    add_config_option(restore)
    restore.add_argument("--dry-run", action="store_true", required=True, help="change nothing")
    restore.add_argument("snapshot", type=Path, metavar="SNAPSHOT")
    restore.set_defaults(run=run_restore)


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    if args.verify:
        return _verify(settings)
    try:
        with job_lock(settings.state_dir, "backup"):
            failed = 0
            for sheet in sheets(settings):
                try:
                    path = take_backup(settings, sheet, open_store(sheet))
                except SheetError as error:
                    print(f"[{sheet.section}]: backup failed: {error}", file=sys.stderr)
                    failed += 1
                    continue
                print(f"[{sheet.section}]: {path}")
                for old in rotate(backup_dir(settings), sheet.section, settings.backup):
                    print(f"[{sheet.section}]: rotated out {old.name}")
            for old in rotate_snapshots(settings.state_dir / "snapshots", settings.backup):
                print(f"pre-move snapshots: rotated out {old.name}")
    except JobBusy as busy:
        print(f"backup: {busy}; not started", file=sys.stderr)
        return BUSY_EXIT
    return 1 if failed else 0


def _verify(settings: Settings) -> int:
    results = verify([backup_dir(settings), settings.state_dir / "snapshots"])
    for result in results:
        print(f"{'ok' if result.ok else 'DAMAGED'}  {result.path}  {result.message}")
    if not results:
        print("no snapshots found")
    return 0 if all(r.ok for r in results) else 1


def _row(_change: RowChange, cells: tuple[str, ...]) -> str:
    return visible(" | ".join(cells), 200)


def _print_diff(diff: TabDiff) -> None:
    print(f"tab {diff.tab!r}: " + ("no difference" if diff.same else ""))
    if diff.note:
        print(f"  note: {diff.note}")
    for change in diff.missing:
        print(f"  missing (snapshot row {change.snapshot_row}): {_row(change, change.before)}")
    for change in diff.added:
        print(f"  added (live row {change.live_row}): {_row(change, change.after)}")
    for change in diff.changed:
        print(
            f"  changed (snapshot row {change.snapshot_row}, live row {change.live_row}):\n"
            f"    was: {_row(change, change.before)}\n    now: {_row(change, change.after)}"
        )


def run_restore(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    try:
        sheet, diffs = restore_dry_run(settings, args.snapshot)
    except SnapshotDamaged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SheetError as error:
        print(f"error: reading the live sheet: {error}", file=sys.stderr)
        return 1
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"error: cannot read {args.snapshot}: {error}", file=sys.stderr)
        return 1
    print(f"dry run: {args.snapshot} against the live [{sheet.section}] sheet; nothing changed")
    for diff in diffs:
        _print_diff(diff)
    return 0
