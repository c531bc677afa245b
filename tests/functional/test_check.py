"""`moc-tui check` reads what a run reads: templates, the Google key, setpass's link lifetime,
the backend's file rules and the sheets' header rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.mail import build_message
from moc_tui.core.mail.templates import PLACEHOLDER, load_template
from moc_tui.core.settings import load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.devstack.sheets_api import FakeSheetsServer
from tests.fixtures.sheets import ServiceAccount, fill_local
from tests.sample_rows import ACCESS_HEADER, QUOTA_HEADER
from tests.settings_files import MAIL_DEFAULTS, write_settings
from tests.tab_names import ACCESS_DONE, FORM, QUOTA_DONE

BEGIN, END = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "settings.example.ini"
ACCESS_TABS = (FORM, ACCESS_DONE)
QUOTA_TABS = (FORM, QUOTA_DONE)


def check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    status = main(["check", "--config", str(path), *extra])
    out, err = capsys.readouterr()
    return status, out, err


def seed(path: Path, header: list[str], tabs: tuple[str, str] = ACCESS_TABS) -> None:
    fill_local(LocalSheetStore(path), {tab: [header] for tab in tabs})


def fill_in_the_example(tmp_path: Path) -> Path:
    """What the example's header says to fill: the password, every example.org value, the sheet
    store paths and the state directory."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("admin_pwd = change-me", "admin_pwd = Xq7-long-random")
    text = text.replace("/var/lib/moc-tui", str(tmp_path / "state"))
    text = re.sub(r"(?m)^(\w+ = .*)example\.org", r"\1cloud.mysite.test", text)
    path = tmp_path / "settings.ini"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    (tmp_path / "state").mkdir(mode=0o700)
    seed(tmp_path / "state" / "access-sheet.db", ACCESS_HEADER)
    seed(tmp_path / "state" / "quota-sheet.db", QUOTA_HEADER, QUOTA_TABS)
    return path


def test_the_filled_in_example_checks_without_a_single_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fill_in_the_example(tmp_path)
    status, out, err = check(capsys, path)
    assert (status, err) == (0, ""), err
    assert f"{path}: OK" in out
    assert "the backend's (owned by the user running it, mode 0600, not a symbolic link" in out


def test_the_example_as_shipped_warns_about_each_example_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fill_in_the_example(tmp_path)
    path.write_text(path.read_text().replace("cloud.mysite.test", "example.org"))
    _, _, err = check(capsys, path)
    for key in ("auth_url", "setpass_url", "login_url", "terms_url", "getting_started_url"):
        assert re.search(rf"warning: \[\w+\] {key} still points at [\w.]*example\.org", err), key


def test_a_placeholder_nothing_fills_fails_naming_the_template_and_placeholder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path / "access.db", ACCESS_HEADER)
    defaults = {k: v for k, v in MAIL_DEFAULTS.items() if k != "getting_started_url"}
    custom = tmp_path / "added.txt"
    custom.write_text("Hello <FULLNAME>,\nsee <WIKI_URL> and https://wiki.example.com/x\n")
    path = write_settings(
        tmp_path,
        {
            "email_defaults": {**defaults, "terms_url": ""},
            "added_to_project_email": {"template": str(custom)},
        },
    )
    status, _, err = check(capsys, path)
    assert status == 1
    assert (
        "(shipped) welcome_email.txt line 13: placeholder <GETTING_STARTED_URL> has no value; "
        "set getting_started_url in [welcome_email] or [email_defaults]" in err
    )
    assert "(shipped) welcome_email.txt line 14: placeholder <TERMS_URL> has no value" in err
    assert "(shipped) new_project_email.txt line 7: placeholder <TERMS_URL>" in err
    assert f"{custom} line 2: placeholder <WIKI_URL> has no value" in err
    assert f"warning: template {custom} line 2: a link still points at wiki.example.com" in err
    ok = write_settings(
        tmp_path,
        {
            "email_defaults": MAIL_DEFAULTS,
            "added_to_project_email": {"template": str(custom), "wiki_url": "http://w.test/"},
        },
    )
    assert check(capsys, ok)[0] == 0


def test_templates_of_jobs_that_are_turned_on_are_read_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path / "access.db", ACCESS_HEADER)
    seed(tmp_path / "quota.db", QUOTA_HEADER, QUOTA_TABS)
    ticket = tmp_path / "ticket.txt"
    ticket.write_text("Queue: <QUEUE>\n<TEAM_NAME>\n")
    path = write_settings(
        tmp_path,
        {
            "email_defaults": MAIL_DEFAULTS,
            "quota_sheet": {"local_store": str(tmp_path / "quota.db")},
            "helpdesk": {"email": "hd@test.invalid", "template": str(ticket)},
            "reminder": {"email": "ap@test.invalid"},
        },
    )
    status, _, err = check(capsys, path)
    assert status == 1
    [problem] = [line for line in err.splitlines() if "placeholder" in line]
    assert f"{ticket} line 2: placeholder <TEAM_NAME> has no value" in problem


def test_the_catalog_names_what_the_provisioning_mails_fill(tmp_path: Path) -> None:
    from moc_tui.core.access import mails
    from moc_tui.core.access.parse import parse_access_requests
    from moc_tui.core.mail.catalog import RUNTIME
    from moc_tui.core.table import read_table
    from tests.sample_rows import access_row

    table = read_table("F", [ACCESS_HEADER, access_row()], ACCESS_COLUMNS, "access_columns")
    [request] = parse_access_requests(table).requests
    for kind, section in mails.SECTIONS.items():
        template = tmp_path / f"{section}.txt"
        template.write_text(" ".join(f"<{name}>" for name in sorted(RUNTIME[section])))
        settings = load_settings(write_settings(tmp_path, {section: {"template": str(template)}}))
        body = mails.compose(settings, kind, request, [request.email])["body"]
        assert PLACEHOLDER.findall(body) == [], (section, body)


def test_the_mails_state_the_configured_link_lifetime(tmp_path: Path) -> None:
    from moc_tui.core.settings.checks import setpass_default_lifetime
    from moc_tui.core.settings.schema import DEFAULT_LINK_LIFETIME

    assert DEFAULT_LINK_LIFETIME == setpass_default_lifetime() == 172800
    for lifetime, words in ((None, "48 hours"), ("3600", "1 hour"), ("5400", "90 minutes")):
        setpass = {"setpass_url": "http://127.0.0.1:5001/"}
        if lifetime:
            setpass["token_expiration"] = lifetime
        settings = load_settings(write_settings(tmp_path, {"setpass": setpass}))
        for section in ("welcome_email", "password_email", "password_reset_email",
                        "activation_reminder_email"):  # fmt: skip
            email = settings.emails[section]
            body = build_message(
                email, load_template(email), settings.email_defaults, {}, ["a@test.invalid"]
            ).body
            assert f"valid for {words}" in body, (section, body)
            assert "48 hours" not in body or words == "48 hours"


def test_a_lifetime_that_differs_from_setpass_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(tmp_path / "access.db", ACCESS_HEADER)
    conf = tmp_path / "setpass.conf"
    conf.write_text("[DEFAULT]\ntoken_expiration = 3600\nsecret_key = x\n")
    setpass = {"setpass_url": "http://127.0.0.1:5001/", "setpass_config": str(conf)}
    path = write_settings(tmp_path, {"setpass": setpass, "email_defaults": MAIL_DEFAULTS})
    status, _, err = check(capsys, path)
    assert status == 1
    assert (
        "the mails say links last 172800 s (48 hours), but setpass "
        f"({conf}) makes them last 3600 s (1 hour)" in err
    )
    assert "secret_key" not in err
    conf.write_text("[DEFAULT]\nsecret_key = x\n")  # setpass's default: 48 hours
    status, out, _ = check(capsys, path)
    assert status == 0 and f"as setpass's {conf}" in out
    # found where setpass looks for it ($SETPASS_CONFIG), without [setpass] setpass_config
    conf.write_text("[DEFAULT]\ntoken_expiration = 60\n")
    monkeypatch.setenv("SETPASS_CONFIG", str(conf))
    path = write_settings(tmp_path, {"email_defaults": MAIL_DEFAULTS})
    assert check(capsys, path)[0] == 1
    monkeypatch.delenv("SETPASS_CONFIG")
    status, out, _ = check(capsys, path)
    assert status == 0 and "not compared" in out


def test_a_symlinked_settings_file_fails_check_as_the_backend_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = write_settings(tmp_path / "real", {"email_defaults": MAIL_DEFAULTS})
    seed(tmp_path / "real" / "access.db", ACCESS_HEADER)
    assert check(capsys, real)[0] == 0
    link = tmp_path / "settings-link.ini"
    link.symlink_to(real)
    status, _, err = check(capsys, link)
    assert status == 1
    assert f"settings file {link} is a symbolic link; use the real file" in err


def test_local_sheet_headers_are_compared_with_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = [h for h in ACCESS_HEADER if h != "PIN"] + ["Favourite colour"]
    fill_local(
        LocalSheetStore(tmp_path / "access.db"),
        {FORM: [header], ACCESS_DONE: [ACCESS_HEADER]},
    )
    path = write_settings(tmp_path, {"email_defaults": MAIL_DEFAULTS})
    status, _, err = check(capsys, path)
    assert status == 1
    assert (
        f"[excelsheet] tab {FORM!r} has no column headed 'PIN' (field pin); "
        "rename the header or set [access_columns] pin = <header>" in err
    )
    assert (
        f"warning: [excelsheet] tab {FORM!r} column U 'Favourite colour' maps to no "
        "field of [access_columns]" in err
    )
    assert ACCESS_DONE not in err


def test_google_sheet_headers_through_gspread_and_the_fake(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_sheets: FakeSheetsServer,
    sheets_account: ServiceAccount,
) -> None:
    quota_header = [*QUOTA_HEADER[:-1], "Notes"]
    key = fake_sheets.create_spreadsheet({FORM: [ACCESS_HEADER], ACCESS_DONE: [ACCESS_HEADER[:-1]]})
    quota_key = fake_sheets.create_spreadsheet({FORM: [quota_header], QUOTA_DONE: [QUOTA_HEADER]})
    google = {"auth_file": str(sheets_account.key_file), "api_base": fake_sheets.url}
    path = write_settings(
        tmp_path,
        {
            "excelsheet": {**google, "worksheet_key": key},
            "quota_sheet": {**google, "worksheet_key": quota_key},
            "email_defaults": MAIL_DEFAULTS,
        },
    )
    status, out, err = check(capsys, path)
    assert status == 0, err
    assert "sheet headers not compared (Google Sheets: use --sheet)" in out
    status, _, err = check(capsys, path, "--sheet")
    assert status == 1
    missing = ACCESS_COLUMNS["project_contact_email"]
    assert f"[excelsheet] tab {ACCESS_DONE!r} has no column headed {missing!r}" in err
    assert f"[quota_sheet] tab {FORM!r} has no column headed {QUOTA_COLUMNS['moc_notes']!r}" in err
    assert f"warning: [quota_sheet] tab {FORM!r} column V 'Notes' maps to no field" in err


@pytest.mark.parametrize(
    "content",
    [
        "not json at all CANARY-KEY",
        json.dumps(
            {
                "type": "service_account",
                "client_email": "a@b.test",
                "token_uri": "http://127.0.0.1/t",
                "private_key": f"{BEGIN}\nCANARY-KEY\n{END}\n",
            }
        ),
    ],
)
def test_a_google_key_is_loaded_as_google_auth_will(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    key = tmp_path / "sa.json"
    key.write_text(content)
    key.chmod(0o600)
    sheet = {"auth_file": str(key), "worksheet_key": "k1"}
    path = write_settings(tmp_path, {"excelsheet": sheet, "email_defaults": MAIL_DEFAULTS})
    status, out, err = check(capsys, path)
    assert status == 1
    assert "CANARY-KEY" not in out + err
    assert re.search(rf"\[excelsheet\] auth_file: .*{re.escape(str(key))}.*(not JSON|PEM)", err)
    backend = subprocess.run(
        [sys.executable, "-m", "moc_tui", "backend", "--config", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert backend.returncode == 78  # the backend refuses to start, for the same reason
    assert re.search(r"auth_file: .*(not JSON|PEM)", backend.stdout)
    assert "CANARY-KEY" not in backend.stdout + backend.stderr


def test_a_good_google_key_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheets_account: ServiceAccount
) -> None:
    key = tmp_path / "sa.json"
    key.write_text(json.dumps(sheets_account.info))
    key.chmod(0o600)
    sheet = {"auth_file": str(key), "worksheet_key": "k1"}
    path = write_settings(tmp_path, {"excelsheet": sheet, "email_defaults": MAIL_DEFAULTS})
    status, _, err = check(capsys, path)
    assert status == 0, err


def _catalog_template(tmp_path: Path, section: str) -> dict[str, dict[str, str]]:
    from moc_tui.core.mail.catalog import RUNTIME

    template = tmp_path / f"{section}.txt"
    template.write_text(" ".join(f"<{name}>" for name in sorted(RUNTIME[section])))
    return {section: {"template": str(template), "formatting": "plain"}}


def test_the_catalog_names_what_quota_reset_and_activation_mails_fill(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from moc_tui.core.cloud.models import User
    from moc_tui.core.cron import activation
    from moc_tui.core.password_reset import reset
    from moc_tui.core.quota import QuotaRequest
    from moc_tui.core.quota import mail as quota_mail

    user = User(id="u1", name="pat@test.invalid", email="pat@test.invalid", description="Pat")
    sections = {
        **_catalog_template(tmp_path, "quota_email"),
        **_catalog_template(tmp_path, "password_reset_email"),
        **_catalog_template(tmp_path, "activation_reminder_email"),
    }
    settings = load_settings(write_settings(tmp_path, sections))
    request = QuotaRequest(
        row=2,
        cells=(),
        timestamp="t",
        email="pi@test.invalid",
        first_name="Pat",
        last_name="I",
        project="k2k",
        requested={"cores": 40},
        comment="",
        problems=(),
    )
    bodies = {
        "quota": quota_mail.compose(settings, request, "k2k", {"cores": 2}, {"cores": 4}, None, [])[
            "body"
        ],
        "activation": activation._compose(settings, user)["body"],
        "reset": reset._compose(
            SimpleNamespace(settings=settings),  # type: ignore[arg-type]
            user,
            "pat@test.invalid",
        )["body"],
    }
    for kind, body in bodies.items():
        assert PLACEHOLDER.findall(body) == [], (kind, body)


def test_a_local_store_not_yet_filled_says_how_to_fill_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_settings(tmp_path, {"email_defaults": MAIL_DEFAULTS})
    status, _, err = check(capsys, path)
    assert status == 1
    assert (
        f"[excelsheet] local_store: {tmp_path / 'access.db'} does not exist yet; fill it with: "
        f"moc-tui sheet import --config {path} --tab {FORM!r} rows.csv" in err
    )
    assert not (tmp_path / "access.db").exists()
