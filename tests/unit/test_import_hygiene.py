"""Import boundaries, checked in fresh interpreters so what other tests imported cannot hide one.

- The headless core, the setpass client and the cron side never load Textual.
- A plain `pip install .` (no extras) runs every production subcommand: the CLI never imports the
  demo stack or anything only an extra installs. The test blocks, with a meta-path finder, every
  module of every distribution that only an extra brings in (computed from the installed
  metadata, so a new extra dependency is blocked without editing this file).
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import moc_tui
import moc_tui.core
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets.local import LocalSheetStore
from tests.settings_files import MAIL_DEFAULTS, write_settings
from tests.tab_names import ACCESS_DONE, FORM

DIST = "moc-tui"
ROOT = Path(moc_tui.__file__).resolve().parent.parent
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


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


def test_the_google_store_does_not_load_the_grid_emulation() -> None:
    """Applying batches to an in-memory grid is for the embedded store and the fake only."""
    code = (
        "import sys\n"
        "import moc_tui.core.sheets.google, moc_tui.core.sheets.google_client\n"
        "loaded = {m for m in sys.modules if m.startswith('moc_tui.core.sheets.')}\n"
        "print(','.join(sorted(loaded)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(result.stdout.strip().split(","))
    assert {"moc_tui.core.sheets.google", "moc_tui.core.sheets.batch"} <= loaded
    assert "moc_tui.core.sheets.grid_apply" not in loaded

    assert "moc_tui.core.sheets.grid_apply" in sys.modules


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: str, extra: str | None = None) -> set[str]:
    """Distribution names `dist` requires: unconditionally, or only with `extra`."""
    found = set()
    for line in metadata.requires(dist) or []:
        spec, _, marker = line.partition(";")
        match = _NAME.match(spec.strip())
        if match is None:
            continue
        wanted = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        if (wanted.group(1) if wanted else None) == extra:
            found.add(_norm(match.group(0).split("[")[0]))
    return found


def _closure(names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += _requirements(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency of a dependency, not installed
    return seen


def extra_only_modules() -> list[str]:
    """Top-level modules of the distributions that only an extra of moc-tui installs."""
    base = _closure(_requirements(DIST)) | {_norm(DIST)}
    extras = set()
    for extra in metadata.metadata(DIST).get_all("Provides-Extra") or []:
        extras |= _requirements(DIST, extra)
    extra_dists = _closure(extras - {_norm(DIST)}) - base
    modules = {"moc_tui.devstack", "tests"}
    for module, dists in metadata.packages_distributions().items():
        if any(_norm(d) in extra_dists for d in dists) and not module.startswith("_"):
            modules.add(module)
    return sorted(modules)


# Records a blocked import when OUR code asked for it (a dependency's own optional imports, such as
# oslo_config trying oslo_log, fail the same way in a plain install and are not our doing).
_BLOCKER = """
import importlib.abc, json, os, sys
BLOCKED = set(json.loads(sys.argv[1]))
OURS = tuple(json.loads(sys.argv[3]))
tried = []
def importer():
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(("<frozen", "<string>")):
        frame = frame.f_back
    return frame.f_code.co_filename if frame is not None else ""
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        for blocked in BLOCKED:
            if name == blocked or name.startswith(blocked + "."):
                if importer().startswith(OURS):
                    tried.append(name)
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = ["moc-tui", *json.loads(sys.argv[2])]
from moc_tui.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
print("TRIED=" + json.dumps(sorted(set(tried))), file=sys.stderr)
sys.exit(status)
"""


def run_without_extras(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    blocked = extra_only_modules()
    ours = [str(ROOT / package) + "/" for package in ("moc_tui", "setpass", "setpass_client")]
    return subprocess.run(
        [sys.executable, "-c", _BLOCKER, json.dumps(blocked), json.dumps(args), json.dumps(ours)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        check=False,
    )


def test_the_blocked_set_covers_the_demo_and_test_stacks() -> None:
    blocked = extra_only_modules()
    for module in ("werkzeug", "flask", "sqlalchemy", "keystone", "aiosmtpd", "pytest"):
        assert module in blocked
    for module in ("gspread", "google", "requests", "keystoneauth1", "textual"):
        assert module not in blocked


def _tried(result: subprocess.CompletedProcess[str]) -> list[str]:
    line = [x for x in result.stderr.splitlines() if x.startswith("TRIED=")]
    return list(json.loads(line[-1].removeprefix("TRIED="))) if line else ["<no report>"]


PRODUCTION = [
    "check",
    "sheet",
    "provision",
    "quota",
    "reset-password",
    "notify",
    "activation",
    "backup",
    "backend",
    "setup-host",
    "doctor",
    "operator",
]


def test_help_of_every_production_subcommand_without_the_extras(tmp_path: Path) -> None:
    result = run_without_extras(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^    ([a-z-]+)\s", result.stdout, re.MULTILINE))
    assert set(PRODUCTION) <= listed, result.stdout
    for command in PRODUCTION:
        result = run_without_extras([command, "--help"], tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert _tried(result) == [], (command, result.stderr)


@pytest.mark.parametrize("command", ["check", "notify", "backend"])
def test_production_commands_run_without_the_extras(tmp_path: Path, command: str) -> None:
    settings = write_settings(
        tmp_path,
        {
            "helpdesk": {"email": "help@test.invalid"},
            "reminder": {"email": "ok@test.invalid"},
            "email_defaults": MAIL_DEFAULTS,
        },
    )
    store = LocalSheetStore(tmp_path / "access.db")
    store.ensure_tabs([FORM, ACCESS_DONE])
    for tab in (FORM, ACCESS_DONE):
        store.append_rows(tab, [list(ACCESS_COLUMNS.values())])
    result = run_without_extras([command, "--config", str(settings)], tmp_path)
    assert _tried(result) == [], result.stderr
    assert "No module named" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr


def test_the_demo_says_which_extra_it_needs(tmp_path: Path) -> None:
    result = run_without_extras(["demo", "--no-tui"], tmp_path)
    assert result.returncode != 0
    assert "moc-tui[demo]" in result.stderr
    assert "Traceback" not in result.stderr
