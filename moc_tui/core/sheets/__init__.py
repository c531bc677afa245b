"""Sheet stores: Google Sheets through gspread, or an embedded SQLite file with the same rules."""

from moc_tui.core.sheets.factory import open_store
from moc_tui.core.sheets.retry import RetryPolicy
from moc_tui.core.sheets.store import (
    Row,
    RowMissing,
    RowRef,
    RowsChanged,
    SheetError,
    SheetStore,
    SheetUnavailable,
    TabNotFound,
)

__all__ = [
    "RetryPolicy",
    "Row",
    "RowMissing",
    "RowRef",
    "RowsChanged",
    "SheetError",
    "SheetStore",
    "SheetUnavailable",
    "TabNotFound",
    "open_store",
]
