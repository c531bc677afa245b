"""settings.ini: compatible with the original, typed, every problem reported at once."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.settings import SettingsError, SmtpSecurity, load_settings
from moc_tui.core.sheets.local import LocalSheetStore
from tests.fixtures.sheets import fill_local
from tests.sample_rows import ACCESS_HEADER
from tests.settings_files import MAIL_DEFAULTS, minimal_sections, write_settings
from tests.tab_names import ACCESS_DONE, FORM, QUOTA_DONE

TABS = (FORM, ACCESS_DONE)
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "settings.example.ini"


def problems_of(path: Path, *, lines: bool = False) -> list[str]:
    """The problems as printed, without the `line N: ` prefix unless `lines`."""
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    found = [str(p) for p in caught.value.problems]
    return found if lines else [re.sub(r"^line \d+: ", "", p) for p in found]


def test_minimal_file_loads_with_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path))
    assert settings.auth.admin_pwd == "pw%with%percent"  # no interpolation
    assert settings.auth.member_role == "member"
    assert settings.access_sheet.is_local
    assert settings.access_sheet.local_store == tmp_path / "access.db"
    assert settings.access_sheet.done_tab == ACCESS_DONE
    assert settings.quota_sheet is None
    assert settings.smtp.security is SmtpSecurity.STARTTLS
    assert (settings.smtp.host, settings.smtp.port) == ("127.0.0.1", 25)
    assert settings.state_dir == tmp_path / "state"
    assert settings.access_columns["email"] == "Email Address"
    assert settings.warnings == ()


def test_the_example_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    shutil.copy(EXAMPLE, path)
    path.chmod(0o600)
    settings = load_settings(path)
    assert settings.quota_sheet is not None
    assert settings.quota_sheet.done_tab == QUOTA_DONE
    assert settings.emails["quota_email"].formatting == "html"
    assert settings.email_defaults["login_url"] == "https://dashboard.example.org/"
    assert settings.reminder.start == 24


def test_five_problems_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sections = minimal_sections(tmp_path)
    sections["auth"]["auth_url"] = "keystone:5000"
    del sections["auth"]["admin_pwd"]
    path = write_settings(
        tmp_path,
        {
            "auth": sections["auth"],
            "quotas": {"cores": "twenty"},
            "smtp": {"hots": "127.0.0.1"},
            "welcome_email": {"cc_list": "ops@example.org, not-an-address"},
        },
    )
    problems = problems_of(path)
    assert len(problems) == 5, problems
    assert problems[0].startswith("[auth] auth_url: must be an http:// or https:// URL")
    assert problems[1] == "[auth] admin_pwd: is required but missing or blank"
    assert any(p.startswith("[smtp] hots: is not a known key") for p in problems)
    assert (
        "[welcome_email] cc_list: holds entries that are not email addresses "
        "(#2 of the list)" in problems
    )
    assert "[quotas] cores: must be a whole number" in problems
    assert not any("twenty" in p or "not-an-address" in p for p in problems)
    assert main(["check", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "5 problems" in err
    assert err.count("\n  - ") == 5


def test_group_readable_settings_are_refused_with_the_chmod_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_settings(tmp_path, mode=0o644)
    assert problems_of(path) == [
        f"settings file {path} is readable or writable by group or others (mode 0644); "
        f"run: chmod 600 {path}"
    ]
    assert main(["check", "--config", str(path)]) == 1
    assert f"run: chmod 600 {path}" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_settings_owned_by_someone_else_are_refused(tmp_path: Path) -> None:
    path = write_settings(tmp_path)
    os.chown(path, 65534, 65534)
    [problem] = problems_of(path)
    assert "is owned by" in problem and "run: chown" in problem


def test_service_account_key_must_be_private(tmp_path: Path) -> None:
    key = tmp_path / "sa.json"
    key.write_text("{}")
    key.chmod(0o640)
    path = write_settings(tmp_path, {"excelsheet": {"auth_file": str(key), "worksheet_key": "k1"}})
    assert problems_of(path) == [
        f"[excelsheet] auth_file: service-account key file {key} is readable or writable by "
        f"group or others (mode 0640); run: chmod 600 {key}"
    ]
    key.chmod(0o600)
    sheet = load_settings(path).access_sheet
    assert (sheet.auth_file, sheet.worksheet_key, sheet.is_local) == (key, "k1", False)


def test_a_sheet_is_local_or_google_not_both(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path,
        {"excelsheet": {"local_store": "a.db", "worksheet_key": "k"}, "quota_sheet": {}},
    )
    problems = problems_of(path)
    assert problems[0].startswith("[excelsheet] local_store: cannot be combined")
    assert problems[1].startswith("[quota_sheet] auth_file: is required")
    assert problems[2].startswith("[quota_sheet] worksheet_key: is required")


def test_quota_values_are_ints_and_old_misspellings_still_work(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path,
        {
            "quotas": {
                "cores": "20",
                "security_group": "-1",
                "per_volume_gigabyte": "100",
                "inject_file_path_bytes": "255",
                "ram": "",
            }
        },
    )
    settings = load_settings(path)
    assert settings.quotas == {
        "cores": 20,
        "security_group": -1,
        "per_volume_gigabytes": 100,
        "injected_file_path_bytes": 255,
    }
    assert len(settings.warnings) == 2
    assert "per_volume_gigabyte is a misspelling of per_volume_gigabytes" in settings.warnings[0]


def test_bad_quotas_name_the_key(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"quotas": {"instances": "-2", "gpus": "1"}})
    problems = problems_of(path)
    assert problems[0] == "[quotas] instances: must be at least -1"
    assert problems[1].startswith("[quotas] gpus: is not a quota that compute, network or volume")


def test_original_file_shapes_are_accepted(tmp_path: Path) -> None:
    path = write_settings(tmp_path)
    with path.open("a") as f:
        f.write(
            "[mailman]\nlist_name = users\n[nova]\nversion = 2\n[output]\nemail_path =\n"
            "[mailman]\nmailman_user = list\n"
        )
    settings = load_settings(path)
    assert any(
        re.match(r"line \d+: section \[mailman\] appears again", w) for w in settings.warnings
    )
    assert any(w.startswith("[nova] is ignored") for w in settings.warnings)
    assert any(w.startswith("[output] is ignored") for w in settings.warnings)


def test_unknown_sections_and_smtp_rules(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path,
        {
            "smpt": {"host": "x"},
            "smtp": {"security": "none", "username": "u", "password": "p", "port": "70000"},
        },
    )
    problems = problems_of(path)
    assert problems[0].startswith("[smpt]: is not a known section")
    assert "[smtp] password: would travel in clear text: use security = starttls or tls" in problems
    assert "[smtp] port: must be at most 65535" in problems


def test_implicit_tls_defaults_to_port_465(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, {"smtp": {"security": "TLS"}}))
    assert (settings.smtp.security, settings.smtp.port) == (SmtpSecurity.TLS, 465)


def test_missing_file_and_broken_ini(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope.ini") == [
        f"settings file {tmp_path / 'nope.ini'} does not exist"
    ]
    broken = tmp_path / "broken.ini"
    broken.write_text("no section header\n")
    broken.chmod(0o600)
    [problem] = problems_of(broken)
    assert problem.startswith("is not `key = value`; put a = between")


def test_column_mapping_by_header_name(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"access_columns": {"email": "E-mail", "pin": "E-MAIL"}})
    assert problems_of(path) == [
        "[access_columns] email: maps to the same header as pin",
        "[access_columns] pin: maps to the same header as email",
    ]
    path = write_settings(tmp_path, {"access_columns": {"email": "Your e-mail"}})
    assert load_settings(path).access_columns["email"] == "Your e-mail"


def test_check_command_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_settings(tmp_path, {"email_defaults": MAIL_DEFAULTS})
    fill_local(LocalSheetStore(tmp_path / "access.db"), {t: [ACCESS_HEADER] for t in TABS})
    assert main(["check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: OK" in out
    assert "pw%with%percent" not in out


def test_api_base_may_point_only_at_loopback(tmp_path: Path) -> None:
    sections = {"excelsheet": {"local_store": "a.db", "api_base": "https://sheets.example.org"}}
    [problem] = problems_of(write_settings(tmp_path, sections))
    assert problem.startswith("[excelsheet] api_base: is for the local Sheets stand-in only")


def test_the_example_documents_every_section_and_key() -> None:
    from moc_tui.core.settings.schema import KNOWN_SECTIONS

    text = EXAMPLE.read_text()
    for section in KNOWN_SECTIONS:
        assert f"[{section}]" in text, section
    settings_keys = {
        "auth": ["user_domain", "project_domain", "member_role", "ca_file", "timeout"],
        "setpass": ["setpass_url", "token_expiration", "setpass_config"],
        "excelsheet": [
            "local_store",
            "auth_file",
            "worksheet_key",
            "requests_tab",
            "done_tab",
            "api_base",
        ],
        "smtp": ["host", "port", "security", "ca_file", "username", "password"],
        "helpdesk": ["timestamp_format", "priority", "queue"],
        "backup": ["keep_daily", "keep_weekly"],
        "activation": ["max_reminders"],
    }
    for section, keys in settings_keys.items():
        body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
        for key in keys:
            assert f"{key} =" in body, f"[{section}] {key}"


def test_job_sections_are_typed(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path,
        {
            "helpdesk": {"email": "hd@example.org", "timestamp_format": "%Y-%m-%d"},
            "backup": {"keep_daily": "3", "keep_weekly": "0"},
            "activation": {"max_reminders": "0"},
            "quota_ceilings": {"cores": "64"},
        },
    )
    settings = load_settings(path)
    assert settings.helpdesk.timestamp_format == "%Y-%m-%d"
    assert (settings.backup.keep_daily, settings.backup.keep_weekly) == (3, 0)
    assert settings.activation.max_reminders == 0
    assert settings.quota_ceilings == {"cores": 64}
    bad = write_settings(
        tmp_path, {"helpdesk": {"timestamp_format": "no format"}, "quota_ceilings": {"gpus": "1"}}
    )
    problems = problems_of(bad)
    assert problems[0] == (
        "[helpdesk] timestamp_format: must be a strftime format such as %d %b %Y %H:%M:%S"
    )
    assert problems[1].startswith("[quota_ceilings] gpus: is not a known key")
