"""The headless core, the setpass client and the cron side never load Textual.

Checked in a fresh interpreter, so what other tests imported cannot hide a stray import.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import moc_tui.core


def headless_modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(moc_tui.core.__path__, "moc_tui.core.")]
    return ["moc_tui.core", *names, "setpass_client"]


def test_core_never_imports_textual() -> None:
    modules = headless_modules()
    assert "moc_tui.core.settings.loader" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", f"textual loaded by the core: {result.stdout}"
