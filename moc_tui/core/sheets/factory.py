"""Open the sheet store a settings section describes: the one place that chooses the backend."""

from __future__ import annotations

import time
from collections.abc import Callable

from moc_tui.core.settings.model import SheetSettings
from moc_tui.core.sheets.retry import Deadline, RetryPolicy
from moc_tui.core.sheets.store import SheetError, SheetStore


def open_store(
    sheet: SheetSettings,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SheetStore:
    """The local store if `local_store` is set, else Google Sheets with the key in `auth_file`.

    Opening Google costs one metadata request (plus the token), so a missing share or a wrong key
    is reported here, before any work starts. Failures raise `SheetError` in plain words.
    """
    if sheet.local_store is not None:
        # here, not at the top: a host on Google never loads the embedded store's grid emulation
        from moc_tui.core.sheets.local import LocalSheetStore

        return LocalSheetStore(sheet.local_store, timeout=sheet.timeout)
    if sheet.auth_file is None or not sheet.worksheet_key:
        raise SheetError(f"[{sheet.section}] needs either local_store or auth_file + worksheet_key")
    # here, not at the top: gspread and google-auth take a third of a second to import, and the
    # local store (the backend's first `list` in tests and the demo) needs neither
    from moc_tui.core.sheets.google import GoogleSheetStore
    from moc_tui.core.sheets.google_client import load_key_file

    return GoogleSheetStore.open(
        load_key_file(sheet.auth_file),
        sheet.worksheet_key,
        api_base=sheet.api_base,
        timeout=sheet.timeout,
        retry=retry,
        sleep=sleep,
        deadline=Deadline(sheet.call_deadline, f"[{sheet.section}] call_deadline"),
    )
