"""A settings file over an embedded sheet, for tests that drive the backend with no cloud.

Listing, editing and the refusals never reach Keystone, so the auth section points at a closed
port; its admin password is a canary the tests look for in every reply and log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from moc_tui.core.sheets.local import LocalSheetStore
from tests.sample_rows import ACCESS_HEADER
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM

ADMIN_CANARY = "CANARY-ADMIN-PW-7f3e"


def local_settings(tmp_path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """settings.ini (0600) with an embedded sheet holding `rows` under the form header."""
    path = write_settings(
        tmp_path,
        {
            "auth": {
                "auth_url": "http://127.0.0.1:9/v3",
                "admin_user": "admin",
                "admin_pwd": ADMIN_CANARY,
                "admin_project": "admin",
            }
        },
    )
    store = open_store(load_settings(path).access_sheet)
    assert isinstance(store, LocalSheetStore)
    store.ensure_tabs([FORM, ACCESS_DONE])
    store.append_rows(FORM, [ACCESS_HEADER, *rows])
    store.append_rows(ACCESS_DONE, [ACCESS_HEADER])
    return path
