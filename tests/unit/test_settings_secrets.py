"""No error about the settings file ever quotes a value: file, line number and key only.

Canary values sit in every place a broken file can put a secret (a key that lost its `=`, a file
without a header, a repeated key, every key that is not a path given a value it refuses); the
loader's problems, `moc-tui check` and `moc-tui backend` (stdout and stderr) must not show them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.core.settings import SettingsError, load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from tests.settings_files import write_settings

CANARY = "Canary-S3cret-7f3a"
LOWER = "hunterzcanary"  # a lowercase word that looks like a key name, but is no known key

HEADER = "[auth]\nauth_url = http://127.0.0.1:5000/v3\nadmin_user = admin\nadmin_project = a\n"


def _file(tmp_path: Path, text: str | bytes) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "settings.ini"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def _every_value_refused(tmp_path: Path) -> str:
    """Every key that is not a path, set to a canary (which each of them refuses)."""
    from moc_tui.core.settings.schema import AUTH_KEYS, SHEET_KEYS, SMTP_KEYS

    lines = ["[auth]", *(f"{k} = {CANARY}" for k in AUTH_KEYS if k != "ca_file")]
    lines += ["[setpass]", f"setpass_url = {CANARY}", f"token_expiration = {CANARY}"]
    lines += ["[excelsheet]", *(f"{k} = {CANARY}" for k in SHEET_KEYS if k not in
              ("auth_file", "local_store"))]  # fmt: skip
    lines += ["[smtp]", *(f"{k} = {CANARY}" for k in SMTP_KEYS if k != "ca_file")]
    lines += ["security = none"]
    lines += ["[state]", f"directory = {tmp_path / 'state'}"]
    lines += ["[email_defaults]", f"sender = {CANARY}", f"login_url = {CANARY}"]
    lines += ["[welcome_email]", f"cc_list = {CANARY}", f"formatting = {CANARY}"]
    lines += ["[quotas]", f"cores = {CANARY}"]
    lines += ["[access_columns]", f"email = {CANARY}", f"pin = {CANARY}"]
    lines += ["[reminder]", f"start = {CANARY}", f"email = {CANARY}"]
    lines += ["[backup]", f"keep_daily = {CANARY}"]
    return "\n".join(lines).replace("security = " + CANARY + "\n", "") + "\n"


CASES = {
    "key without =": HEADER + f"admin_pwd {CANARY}\n",
    "key without = but a colon": HEADER + f"admin_pwd {CANARY}:x\nadmin_pwd = x\n"
    f"[quotas]\ncores {LOWER}: 1\n[smtp]\nport {LOWER}: 1\nport {LOWER}: 2\n",
    "lowercase word without =": HEADER + f"admin_pwd = x\n{LOWER}\n",
    "no section header": f"admin_pwd = {CANARY}\n" + HEADER,
    "header-less word": f"{LOWER}\n" + HEADER,
    "repeated key": HEADER + f"admin_pwd = {CANARY}\nadmin_pwd = {CANARY}2\n",
    "repeated section": HEADER + f"admin_pwd = {CANARY}\n[auth]\nadmin_pwd = {CANARY}\n",
    "value refused": "",  # filled by _every_value_refused
}


def _text(case: str, tmp_path: Path) -> str | bytes:
    if case == "value refused":
        return _every_value_refused(tmp_path)
    return CASES[case]


def _assert_clean(text: str) -> None:
    """Neither canary, in any case (configparser lower-cases what it takes for a key name)."""
    assert CANARY.lower() not in text.lower()
    assert LOWER not in text.lower()


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_error_quotes_a_value(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, _text(case, tmp_path))
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    report = caught.value.report()
    _assert_clean(report)
    assert "line " in report
    assert main(["check", "--config", str(path)]) == 1
    out, err = capsys.readouterr()
    _assert_clean(out + err)
    backend = subprocess.run(
        [sys.executable, "-m", "moc_tui", "backend", "--config", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert backend.returncode == 78, backend.stderr
    _assert_clean(backend.stdout + backend.stderr)
    assert "line " in backend.stdout


def test_problems_name_the_line_and_the_key(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "# comment\n"
        "[auth]\n"
        "auth_url = http://127.0.0.1:5000/v3\n"
        f"admin_pwd {CANARY}\n"
        "admin_user = admin\n"
        "admin_user = root\n"
        "[smtp]\n"
        "port = many\n",
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    problems = [str(p) for p in caught.value.problems]
    assert problems[:2] == [
        "line 4: is not `key = value` (key admin_pwd); put a = between the key and its value, "
        "or # before a comment",
        "line 6: [auth] admin_user is set again (first on line 5); keep one",
    ]
    assert "line 8: [smtp] port: must be a whole number" in problems


def test_a_repeated_key_is_a_problem_not_a_warning(tmp_path: Path) -> None:
    path = write_settings(tmp_path)
    with path.open("a") as f:
        f.write("[smtp]\nhost = 127.0.0.1\nhost = 127.0.0.2\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    [problem] = caught.value.problems
    assert str(problem) == ("line 17: [smtp] host is set again (first on line 16); keep one")


def test_a_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    plain = write_settings(tmp_path)
    path = _file(tmp_path / "bom", b"\xef\xbb\xbf" + plain.read_bytes())
    settings = load_settings(path)
    assert settings.auth.admin_pwd == "pw%with%percent"
    assert settings.access_columns == ACCESS_COLUMNS


def test_bytes_that_are_not_utf8_are_not_quoted_either(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER.encode() + b"admin_pwd \xff" + CANARY.encode() + b"\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    _assert_clean(caught.value.report())


@pytest.mark.parametrize(
    "tail", ["", "stray words\n", "[smtp]\nhost = a\nhost = b\n"], ids=["plain", "no =", "twice"]
)
def test_the_backend_redactor_reads_the_file_as_the_loader_does(tmp_path: Path, tail: str) -> None:
    from moc_tui.backend.server import secrets_of

    body = HEADER + f"admin_pwd = {CANARY}\n" + tail
    path = _file(tmp_path, b"\xef\xbb\xbf" + body.encode())
    assert CANARY in secrets_of(path, None)


@pytest.mark.parametrize(
    "private_key",
    [
        f"-----BEGIN PRIVATE KEY-----\n{CANARY}\n-----END PRIVATE KEY-----\n",
        CANARY,
        "",
    ],
)
def test_a_broken_google_key_is_refused_in_our_words(private_key: str) -> None:
    """Every sheet client is built by `make_client`: google-auth's and the key parser's own
    messages may quote the key, the client's refusal names the account and the fault only."""
    from moc_tui.core.sheets.google_client import make_client
    from moc_tui.core.sheets.store import SheetError

    info = {
        "type": "service_account",
        "client_email": "robot@project.test",
        "token_uri": "http://127.0.0.1:9/token",
        "private_key": private_key,
    }
    with pytest.raises(SheetError) as caught:
        make_client(info)
    assert "robot@project.test is unusable" in str(caught.value)
    assert CANARY not in str(caught.value) and CANARY.lower() not in str(caught.value).lower()
