"""Compare the configured columns with the header rows of the sheets (`moc-tui check --sheet`).

A column mapped to a header the tab does not have makes every row of the tab refused; a header
that maps to no field is a question the product ignores. Both tabs of each sheet are read in one
request (`read_tabs`), with the same header matching as provisioning (`read_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from moc_tui.core.settings.model import Settings, SheetSettings
from moc_tui.core.sheets.store import SheetError, SheetStore
from moc_tui.core.table import read_table
from moc_tui.core.text import trim, visible

Opener = Callable[[SheetSettings], SheetStore]


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def sheet_header_findings(settings: Settings, opener: Opener) -> tuple[list[str], list[str]]:
    """(problems, warnings): configured columns each tab lacks, tab headers nothing maps."""
    problems: list[str] = []
    warnings: list[str] = []
    sheets: list[tuple[SheetSettings, Mapping[str, str], str]] = [
        (settings.access_sheet, settings.access_columns, "access_columns")
    ]
    if settings.quota_sheet is not None:
        sheets.append((settings.quota_sheet, settings.quota_columns, "quota_columns"))
    for sheet, mapping, section in sheets:
        tabs = [sheet.requests_tab, sheet.done_tab]
        if sheet.local_store is not None and not sheet.local_store.exists():
            problems.append(
                f"[{sheet.section}] local_store: {sheet.local_store} does not exist yet; fill it "
                f"with: moc-tui sheet import --config {settings.path}"
                + (" --sheet quota" if sheet is settings.quota_sheet else "")
                + f" --tab {sheet.requests_tab!r} rows.csv"
            )
            continue
        try:
            rows = opener(sheet).read_tabs(tabs)
        except SheetError as error:
            problems.append(f"[{sheet.section}]: cannot read the sheet's tabs: {error}")
            continue
        for tab in tabs:
            header_rows = rows.get(tab, [])[:1]
            table = read_table(tab, header_rows, mapping, section)
            problems += [f"[{sheet.section}] {missing}" for missing in table.missing]
            mapped = set(table.columns.values())
            for index, text in enumerate(table.header):
                if index not in mapped and trim(text):
                    warnings.append(
                        f"[{sheet.section}] tab {tab!r} column {_column(index)} "
                        f"{visible(trim(text), 80)!r} maps to no field of [{section}]"
                    )
    return problems, warnings
