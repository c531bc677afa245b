"""`moc-tui sheet import|export` through `moc_tui.cli.main`, on both stores."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.settings import SheetSettings
from moc_tui.core.sheets.factory import open_store
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.devstack.sheets_api import FakeSheetsServer
from tests.fixtures.sheets import HEADER, ServiceAccount, request_row
from tests.settings_files import write_settings
from tests.tab_names import FORM

ROWS = [
    HEADER,
    request_row(1),
    ["5/1/2024 9:02:00", "o'brien@example.org", "Seán, Jr.", 'say "hi"', "line1\nline2"],
    ["5/1/2024 9:03:00", "", "", "Blank In The Middle", "proj-3"],
    ["5/1/2024 9:04:00", "测试@example.org", "👩‍👩‍👧", "\u00a0", "0123"],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def sheet(*args: str | Path) -> list[str]:
    return ["sheet", *(str(a) for a in args)]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_settings(tmp_path)


def local_rows(tmp_path: Path, tab: str = FORM) -> list[list[str]]:
    store = open_store(SheetSettings(section="excelsheet", local_store=tmp_path / "access.db"))
    return store.read_tabs([tab])[tab]


def test_import_then_export_gives_the_same_bytes(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes(ROWS))
    assert main(sheet("import", "--config", config, "--tab", FORM, source)) == 0
    assert "imported 4 row(s)" in capsys.readouterr().err
    assert local_rows(tmp_path) == [r if r[-1] else r[:-1] for r in ROWS]

    target = tmp_path / "out.csv"
    assert main(sheet("export", "--config", config, "--tab", FORM, target)) == 0
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_mode & 0o077 == 0

    assert main(sheet("export", "--config", config, "--tab", FORM, "-")) == 0
    assert capsys.readouterr().out.replace("\r\n", "\n") == csv_bytes(ROWS).decode().replace(
        "\r\n", "\n"
    )


def test_import_into_a_tab_with_data_appends_rows_under_a_matching_header(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(csv_bytes(ROWS[:2]))
    second.write_bytes(csv_bytes([HEADER, request_row(7)]))
    assert main(sheet("import", "--config", config, "--tab", FORM, first)) == 0
    assert main(sheet("import", "--config", config, "--tab", FORM, second)) == 0
    assert local_rows(tmp_path) == [HEADER, request_row(1), request_row(7)]

    other = tmp_path / "c.csv"
    other.write_bytes(csv_bytes([["Email", "Name"], ["x@example.org", "X"]]))
    capsys.readouterr()
    assert main(sheet("import", "--config", config, "--tab", FORM, other)) == 1
    assert "does not match the header" in capsys.readouterr().err
    assert local_rows(tmp_path) == [HEADER, request_row(1), request_row(7)]


def test_formulas_are_quoted_on_export_and_unquoted_on_import(config: Path, tmp_path: Path) -> None:
    hostile = [["Value"], ['=HYPERLINK("http://x")'], ["+1"], ["-1+2"], ["@SUM(A1)"], ["'=x"]]
    source = tmp_path / "hostile.csv"
    source.write_bytes(csv_bytes(hostile))
    assert main(sheet("import", "--config", config, "--tab", "Raw", "--verbatim", source)) == 0
    assert local_rows(tmp_path, "Raw") == hostile

    exported = tmp_path / "safe.csv"
    assert main(sheet("export", "--config", config, "--tab", "Raw", exported)) == 0
    with exported.open(newline="", encoding="utf-8") as stream:
        safe = list(csv.reader(stream))
    assert safe == [["Value"], *[["'" + v] for (v,) in hostile[1:]]]

    assert main(sheet("import", "--config", config, "--tab", "Again", exported)) == 0
    assert local_rows(tmp_path, "Again") == hostile
    verbatim = tmp_path / "verbatim.csv"
    assert main(sheet("export", "--config", config, "--tab", "Raw", "--verbatim", verbatim)) == 0
    assert verbatim.read_bytes() == source.read_bytes()


def test_a_missing_csv_file_is_reported(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert main(sheet("import", "--config", config, "--tab", FORM, missing)) == 1
    err = capsys.readouterr().err
    assert f"cannot read {missing}" in err and "No such file" in err
    assert "Traceback" not in err
    assert not (tmp_path / "access.db").exists()


def test_bad_files_and_tabs_are_reported(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(sheet("import", "--config", config, "--tab", FORM, empty)) == 1
    assert "empty" in capsys.readouterr().err
    assert main(sheet("export", "--config", config, "--tab", "Nope")) == 1
    assert "no tab named 'Nope'" in capsys.readouterr().err
    assert main(sheet("export", "--config", config, "--sheet", "quota", "--tab", "X")) == 1
    assert "no [quota_sheet]" in capsys.readouterr().err


def test_import_and_export_work_on_google_sheets(
    tmp_path: Path,
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
    fake_spreadsheet: str,
) -> None:
    google = {
        "auth_file": str(sheets_account.key_file),
        "worksheet_key": fake_spreadsheet,
        "api_base": fake_sheets.url,
    }
    config = write_settings(tmp_path, {"excelsheet": google})
    source = tmp_path / "more.csv"
    source.write_bytes(csv_bytes([HEADER, request_row(40)]))
    assert main(sheet("import", "--config", config, "--tab", FORM, source)) == 0
    assert fake_sheets.values(fake_spreadsheet, FORM)[-1] == request_row(40)
    target = tmp_path / "out.csv"
    assert main(sheet("export", "--config", config, "--tab", FORM, target)) == 0
    with target.open(newline="", encoding="utf-8") as stream:
        assert list(csv.reader(stream)) == fake_sheets.values(fake_spreadsheet, FORM)
    assert main(sheet("import", "--config", config, "--tab", "Nope", source)) == 1


HOSTILE_BYTES = [
    b"overlong slash \xc0\xaf",
    b"encoded surrogate \xed\xa0\x80",
    b"stray \x80 and \xff",
    b"latin-1 caf\xe9",
    b"truncated \xe6\xb8",
    b"nul \x00 inside",
    b"y" * 50_000,
]


def test_any_bytes_import_show_and_export_unchanged(
    config: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Invalid and overlong UTF-8 and a 50,000-character cell: stored, then written back as the
    same bytes (reference/security.md section 7); nothing raises."""
    lines = [b"Timestamp,Email Address,First Name"] + [
        b"5/1/2024 9:%02d:00,u%d@example.org,%s" % (n, n, value)
        for n, value in enumerate(HOSTILE_BYTES)
    ]
    source = tmp_path / "bytes.csv"
    source.write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert main(sheet("import", "--config", config, "--tab", FORM, source)) == 0
    err = capsysbinary.readouterr().err.decode()
    assert f"imported {len(HOSTILE_BYTES)} row(s)" in err
    assert "5 value(s) hold bytes that are not valid UTF-8" in err
    stored = local_rows(tmp_path)
    assert stored[1][2] == "overlong slash \udcc0\udcaf"
    assert len(stored[-1][2]) == 50_000
    target = tmp_path / "out.csv"
    assert main(sheet("export", "--config", config, "--tab", FORM, target)) == 0
    assert f"exported {len(HOSTILE_BYTES)} row(s)" in capsysbinary.readouterr().err.decode()
    assert target.read_bytes() == source.read_bytes()
    assert main(sheet("export", "--config", config, "--tab", FORM, "-")) == 0
    assert capsysbinary.readouterr().out == source.read_bytes()


def test_a_lone_surrogate_from_the_sheet_api_exports_without_an_error(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(SheetSettings(section="excelsheet", local_store=tmp_path / "access.db"))
    assert isinstance(store, LocalSheetStore)
    store.ensure_tabs([FORM])
    store.append_rows(FORM, [["Name"], ["lone \udfff"]])
    target = tmp_path / "out.csv"
    assert main(sheet("export", "--config", config, "--tab", FORM, target)) == 0
    assert f"exported 1 row(s) of {FORM!r} (and the header)" in capsys.readouterr().err
    assert target.read_bytes() == b"Name\r\nlone \xed\xbf\xbf\r\n"
