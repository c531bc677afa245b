"""`moc-tui sheet import|export`: copy one tab of a request sheet from or to a CSV file.

Works with either store, through the `SheetStore` interface. This is how an embedded (local)
store gets its first data, and how any tab is backed up or inspected by hand.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from moc_tui.cli.common import add_config_option, load_or_report
from moc_tui.core.settings import SheetSettings
from moc_tui.core.sheets.csv_io import (
    BYTES_KEPT,
    export_rows,
    import_rows,
    read_csv,
    undecodable,
    write_csv,
)
from moc_tui.core.sheets.factory import open_store
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.sheets.store import SheetError, SheetStore

IMPORT_HELP = """\
Append the rows of a CSV file (UTF-8) to a tab. Values are stored as plain text: nothing is
evaluated, numbers stay as written.

The first CSV row is its header. Into an empty tab every row is appended (the header becomes
row 1). Into a tab holding data, the CSV header must equal the tab's header row and only the rows
under it are appended; otherwise nothing is written.

A value that starts with a quote followed by =, +, -, @, TAB, CR or another quote (the way
`sheet export` protects formulas) is imported without that first quote; --verbatim keeps it.

On a local store a missing tab is created; on Google Sheets it must already exist.
"""

EXPORT_HELP = """\
Write every row of a tab as CSV (UTF-8, to FILE or to standard output), padded to the widest row.

So that a spreadsheet app opening the file shows text instead of running a formula, values
starting with =, +, -, @, TAB, CR or ' get a ' in front; `sheet import` removes it again.
--verbatim writes the values exactly as stored.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sheet",
        help="import or export a tab of a request sheet as CSV",
        description="Copy one tab of the access or quota sheet from or to a CSV file.",
    )
    actions = parser.add_subparsers(dest="sheet_action", required=True, metavar="ACTION")
    importer = actions.add_parser(
        "import",
        help="append a CSV file's rows to a tab",
        description=IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(importer)
    importer.add_argument("file", type=Path, metavar="FILE.csv", help="the CSV file to import")
    importer.set_defaults(run=run_import)
    exporter = actions.add_parser(
        "export",
        help="write a tab as CSV",
        description=EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(exporter)
    exporter.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE.csv|-",
        help="where to write (default: - for standard output)",
    )
    exporter.set_defaults(run=run_export)


def _common_options(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument(
        "--sheet",
        choices=("access", "quota"),
        default="access",
        help="[excelsheet] (access, the default) or [quota_sheet] (quota)",
    )
    parser.add_argument("--tab", required=True, help="the tab's name, e.g. 'Form Responses 1'")
    parser.add_argument(
        "--verbatim", action="store_true", help="no quote added or removed before formulas"
    )


def _sheet_settings(args: argparse.Namespace) -> SheetSettings | None:
    settings = load_or_report(args.config)
    if settings is None:
        return None
    if args.sheet == "quota":
        if settings.quota_sheet is None:
            print(f"{settings.path} has no [quota_sheet] section", file=sys.stderr)
        return settings.quota_sheet
    return settings.access_sheet


def _fail(message: str) -> int:
    print(f"moc-tui sheet: {message}", file=sys.stderr)
    return 1


def run_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        with path.open(encoding="utf-8-sig", errors=BYTES_KEPT, newline="") as stream:
            rows = read_csv(stream)
    except OSError as error:
        return _fail(f"cannot read {path}: {error.strerror}")
    except SheetError as error:
        return _fail(f"{path}: {error}")
    sheet = _sheet_settings(args)
    if sheet is None:
        return 1
    try:
        store: SheetStore = open_store(sheet)
        if isinstance(store, LocalSheetStore) and store.ensure_tabs([args.tab]):
            print(f"created tab {args.tab!r} in {store.path}", file=sys.stderr)
        count = import_rows(store, args.tab, rows, verbatim=args.verbatim)
    except SheetError as error:
        return _fail(str(error))
    print(f"imported {count} row(s) from {path} into {args.tab!r}", file=sys.stderr)
    odd = undecodable(rows)
    if odd:
        print(
            f"note: {odd} value(s) hold bytes that are not valid UTF-8; they are kept as they are "
            "(shown as \\udcXX escapes) and `sheet export` writes the same bytes back",
            file=sys.stderr,
        )
    return 0


def run_export(args: argparse.Namespace) -> int:
    sheet = _sheet_settings(args)
    if sheet is None:
        return 1
    try:
        rows = export_rows(open_store(sheet), args.tab, verbatim=args.verbatim)
    except SheetError as error:
        return _fail(str(error))
    data_rows = max(len(rows) - 1, 0)  # the first row is the header
    if args.file == "-":
        sys.stdout.flush()
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors=BYTES_KEPT, newline="")
        try:
            write_csv(rows, out)
            out.flush()
        finally:
            out.detach()
        return 0
    path = Path(args.file)
    try:
        # The rows are people's personal data: a new file is readable by its owner only.
        path.touch(mode=0o600)
        with path.open("w", encoding="utf-8", errors=BYTES_KEPT, newline="") as stream:
            write_csv(rows, stream)
    except OSError as error:
        return _fail(f"cannot write {path}: {error.strerror}")
    print(
        f"exported {data_rows} row(s) of {args.tab!r} (and the header) to {path}", file=sys.stderr
    )
    return 0
