"""One set of ports (issue 15): the real parts have each port's whole shape, and the ports module
stays light (the backend imports it on its way to the first reply)."""

from __future__ import annotations

import subprocess
import sys

from moc_tui.core.cloud import KeystoneCloud
from moc_tui.core.mail import Mailer
from moc_tui.core.ports import Cloud, MailSender, Setpass, SheetStore
from moc_tui.core.sheets.google import GoogleSheetStore
from moc_tui.core.sheets.local import LocalSheetStore
from setpass_client import SetpassClient


def the_real_parts_satisfy_the_ports(
    cloud: KeystoneCloud,
    setpass: SetpassClient,
    mailer: Mailer,
    google: GoogleSheetStore,
    local: LocalSheetStore,
) -> tuple[Cloud, Setpass, MailSender, SheetStore, SheetStore]:
    """Never called: mypy (run by the test command) checks each assignment structurally."""
    return cloud, setpass, mailer, google, local


def test_the_ports_import_no_client_library() -> None:
    code = (
        "import sys, moc_tui.core.ports\n"
        "heavy = {'keystoneauth1', 'keystoneclient', 'gspread', 'requests', 'setpass_client'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
