"""The login path imports only what its first screen needs (issue 16).

The backend answers `hello` and its first `list_access` from the local store without loading
the Keystone, Google or HTTP clients, and `moc-tui backend` imports only its own subcommand.
Checked in a fresh interpreter, so what other tests imported cannot hide a stray import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from moc_tui.cli import SUBCOMMAND_MODULES, SUBCOMMANDS, build_parser
from moc_tui.core.settings import load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets import open_store
from moc_tui.core.sheets.local import LocalSheetStore
from tests.sample_rows import access_row
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM

CLIENTS = ("keystoneauth1", "keystoneclient", "gspread", "google", "requests", "setpass_client")


def fresh(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_first_list_reply_loads_no_cloud_or_sheet_client(tmp_path: Path) -> None:
    config = write_settings(tmp_path)
    store = open_store(load_settings(config).access_sheet)
    assert isinstance(store, LocalSheetStore)
    store.ensure_tabs([FORM, ACCESS_DONE])
    header = list(ACCESS_COLUMNS.values())
    store.append_rows(FORM, [header, access_row(), access_row(email="bob@example.org")])
    store.append_rows(ACCESS_DONE, [header])
    requests = [
        {"id": 1, "op": "hello", "params": {"operator": "alice"}},
        {"id": 2, "op": "list_access", "params": {}},
    ]
    code = (
        "import io, json, sys\n"
        "from moc_tui.cli import main\n"
        f"lines = {''.join(json.dumps(r) + chr(10) for r in requests)!r}.encode()\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(lines))\n"
        "out = io.BytesIO()\n"
        "sys.stdout = io.TextIOWrapper(out)\n"
        f"status = main(['backend', '--config', {str(config)!r}])\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({CLIENTS!r}))\n"
        "print(json.dumps({'status': status, 'out': out.getvalue().decode(), 'loaded': loaded}),"
        " file=sys.__stdout__)\n"
    )
    result = json.loads(fresh(code))
    assert result["status"] == 0
    replies = [json.loads(line) for line in result["out"].splitlines()]
    assert [r["ok"] for r in replies] == [True, True], replies
    assert len(replies[1]["result"]["requests"]) == 2
    assert result["loaded"] == []


def test_backend_imports_only_its_own_subcommand() -> None:
    code = (
        "import sys\n"
        "from moc_tui.cli import build_parser\n"
        "build_parser('backend').parse_args(['backend'])\n"
        f"print(sorted(m for m in sys.modules if m in {SUBCOMMAND_MODULES!r}))\n"
    )
    assert fresh(code).strip() == "['moc_tui.cli.backend']"


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_is_found_by_its_own_name(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser(name).parse_args([name, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: moc-tui {name} ")


def test_the_full_parser_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    listed = capsys.readouterr().out
    assert all(f"    {name}" in listed for name in SUBCOMMANDS)


def test_the_cloud_package_still_offers_every_name() -> None:
    """Its names load on first use; each one listed resolves to the class it always was."""
    code = (
        "import sys\n"
        "import moc_tui.core.cloud as cloud\n"
        "import moc_tui.core.cloud.models\n"
        "before = 'keystoneclient' in sys.modules\n"
        "assert sorted(cloud.__all__) == sorted(cloud._MODULE_OF)\n"
        "found = [getattr(cloud, name).__module__ for name in cloud.__all__]\n"
        "from moc_tui.core.cloud import KeystoneCloud\n"
        "from moc_tui.core.cloud.backend import KeystoneCloud as real\n"
        "print(before, KeystoneCloud is real, len(found))\n"
    )
    assert fresh(code).split() == ["False", "True", "20"]  # CloudBackend left for core.ports.Cloud
