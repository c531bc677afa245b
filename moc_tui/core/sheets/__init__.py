"""Sheet stores: Google Sheets through gspread, or an embedded SQLite file with the same rules."""

from moc_tui.core.sheets.store import (
    Row,
    RowsChanged,
    SheetError,
    SheetStore,
    SheetUnavailable,
    TabNotFound,
)

__all__ = ["Row", "RowsChanged", "SheetError", "SheetStore", "SheetUnavailable", "TabNotFound"]
