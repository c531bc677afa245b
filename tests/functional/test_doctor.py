"""`moc-tui setup-host` then `moc-tui doctor` on a real (prefixed) host: clean, then each
planted fault named by its check; setup-host run twice changes nothing the second time."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.host.checks import Context, check, files
from moc_tui.host.doctor import doctor, run_checks
from moc_tui.host.interpreter import describe
from moc_tui.host.layout import Layout
from moc_tui.host.setup import setup_host
from tests.fixtures.sshd import SOURCE, HelpdeskHost, deployed_host

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def helpdesk_host() -> Iterator[HelpdeskHost]:
    yield from deployed_host()


def found(host: HelpdeskHost, name: str, layout: Layout | None = None) -> list[str]:
    """The deviations of the one check `name` on the host as it is now."""
    ctx = Context(layout or host.layout, SOURCE, sshd_config=host.sshd_config)
    [result] = [r for r in run_checks(ctx) if r.name == name]
    assert result.error is None, result.error
    return list(result.deviations)


def run(*argv: str) -> None:
    subprocess.run(list(argv), check=True, capture_output=True, timeout=60)


def test_a_fresh_host_has_no_deviation(helpdesk_host: HelpdeskHost) -> None:
    assert doctor(helpdesk_host.layout, sshd_config=helpdesk_host.sshd_config) == []


def test_setup_host_is_idempotent(helpdesk_host: HelpdeskHost) -> None:
    assert setup_host(helpdesk_host.layout, SOURCE, check_sshd=False) == []


def cli(host: HelpdeskHost, *extra: str) -> subprocess.CompletedProcess[str]:
    layout = host.layout
    argv = [sys.executable, "-m", "moc_tui", "doctor", "--prefix", str(layout.prefix)]
    argv += ["--helpdesk-user", layout.helpdesk_user, "--service-user", layout.service_user]
    argv += ["--python", layout.python, "--sudoers-dir", "/etc/sudoers.d"]
    for site in layout.site_dirs:
        argv += ["--site-dir", site]
    argv += ["--login-log", layout.login_log, "--sshd-config", str(host.sshd_config), *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_exit_status(helpdesk_host: HelpdeskHost) -> None:
    result = cli(helpdesk_host)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "doctor: 0 deviations" in result.stdout


def test_json_lists_every_check(helpdesk_host: HelpdeskHost) -> None:
    result = cli(helpdesk_host, "--json", "--operator-address", "198.51.100.7")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    names = [entry["name"] for entry in report["checks"]]
    assert names == [item.name for item in check.checks] and len(names) >= 16
    assert all(entry["status"] == "ok" and entry["detail"] for entry in report["checks"])
    assert report["addresses"] == ["198.51.100.7"] and report["deviations"] == 0


def test_modes_rules_and_code(helpdesk_host: HelpdeskHost, tmp_path: Path) -> None:
    layout = helpdesk_host.layout
    extra_rule = Path(f"/etc/sudoers.d/moc-tui-extra-{layout.helpdesk_user}")
    layout.settings.chmod(0o640)
    layout.keys_file.chmod(0o666)
    extra_rule.write_text(f"{layout.helpdesk_user} ALL=(root) NOPASSWD: /usr/bin/id\n")
    extra_rule.chmod(0o440)
    writable = tmp_path / "code"
    writable.mkdir()
    (writable / "module.py").write_text("")
    (writable / "module.py").chmod(0o666)
    try:
        text = "\n".join(
            doctor(layout, sshd_config=helpdesk_host.sshd_config, code_roots=[writable])
        )
    finally:
        layout.settings.chmod(0o600)
        layout.keys_file.chmod(0o644)
        extra_rule.unlink()
    assert f"{layout.settings} has mode 0640, expected at most 0600" in text
    assert f"{layout.keys_file} has mode 0666" in text
    assert "shows 2 rule(s)" in text and "/usr/bin/id" in text
    assert f"{writable / 'module.py'} is writable by group or others" in text


def test_sshd_settings_are_checked(helpdesk_host: HelpdeskHost, tmp_path: Path) -> None:
    weak = tmp_path / "sshd_config"
    weak.write_text(
        helpdesk_host.sshd_config.read_text().replace(
            f"Include {helpdesk_host.layout.sshd_dropin.parent}/*.conf\n", ""
        )
    )
    deviations = doctor(helpdesk_host.layout, sshd_config=weak)
    assert any("disableforwarding is no" in item for item in deviations)
    assert any("forcecommand" in item for item in deviations)


def test_an_address_scoped_match_block_is_named(helpdesk_host: HelpdeskHost) -> None:
    layout = helpdesk_host.layout
    early = layout.sshd_dropin.parent / "10-local.conf"  # sorts before the drop-in: it wins
    early.write_text(
        f"Match User {layout.helpdesk_user} Address 127.0.0.0/8\n  ForceCommand none\n"
    )
    try:
        effective = found(helpdesk_host, "sshd.effective")
        blocks = found(helpdesk_host, "sshd.match-blocks")
    finally:
        early.unlink()
    assert effective == [
        f"sshd (from 127.0.0.1): forcecommand is none, expected {layout.forced_command}"
    ]
    assert len(blocks) == 1 and f"{early}:1 `Match User {layout.helpdesk_user} Address" in blocks[0]


def test_a_match_block_by_address_alone_or_another_user(helpdesk_host: HelpdeskHost) -> None:
    other = helpdesk_host.layout.sshd_dropin.parent / "60-other.conf"
    other.write_text(
        "Match Address 10.0.0.0/8\n  Banner none\nMatch User root,backup\n  Banner none\n"
    )
    try:
        blocks = found(helpdesk_host, "sshd.match-blocks")
    finally:
        other.unlink()
    assert len(blocks) == 1 and "60-other.conf:1 `Match Address 10.0.0.0/8`" in blocks[0]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("LogLevel VERBOSE", "loglevel"),
        ("    SetEnv LANG=C.UTF-8 LC_ALL=C.UTF-8", "setenv"),
        ("    UnusedConnectionTimeout 60s", "unusedconnectiontimeout"),
        ("    ClientAliveInterval 60", "clientaliveinterval"),
        # 3 is also sshd's default: nothing changes in effect, but the file is not ours
        ("    ClientAliveCountMax 3", None),
    ],
)
def test_a_setting_removed_from_the_drop_in(
    helpdesk_host: HelpdeskHost, line: str, key: str | None
) -> None:
    dropin = helpdesk_host.layout.sshd_dropin
    original = dropin.read_text()
    assert f"\n{line}\n" in original
    dropin.write_text(original.replace(f"\n{line}\n", "\n"))
    try:
        effective = found(helpdesk_host, "sshd.effective")
        content = found(helpdesk_host, "files.content")
    finally:
        dropin.write_text(original)
    if key is not None:
        assert effective and all(f": {key} is " in item for item in effective), effective
    assert content == [f"{dropin} differs from what setup-host installs; re-run setup-host"]


@pytest.mark.parametrize("which", ["wrapper", "backend", "login_conf", "ui"])
def test_a_changed_launcher_or_login_conf(helpdesk_host: HelpdeskHost, which: str) -> None:
    path: Path = getattr(helpdesk_host.layout, which)
    original = path.read_text()
    path.write_text(original + "\n# harmless looking\n")  # owner and mode stay right
    try:
        content = found(helpdesk_host, "files.content")
        modes = found(helpdesk_host, "files.modes")
    finally:
        path.write_text(original)
    assert content == [f"{path} differs from what setup-host installs; re-run setup-host"]
    assert modes == []


@pytest.mark.parametrize(
    "option", ['environment="LD_PRELOAD=/x.so"', "port-forwarding", 'command="/bin/sh"']
)
def test_a_key_line_with_extra_options(helpdesk_host: HelpdeskHost, option: str) -> None:
    keys = helpdesk_host.layout.keys_file
    original = keys.read_text()
    head, sep, rest = original.partition(" ssh-ed25519 ")
    keys.write_text(f"{head},{option}{sep}{rest}")
    try:
        lines = found(helpdesk_host, "keys.lines")
    finally:
        keys.write_text(original)
    name = option.split("=")[0]
    assert lines == [f"a key of alice carries extra options: {name}"]


def test_a_password_on_the_helpdesk_account(helpdesk_host: HelpdeskHost) -> None:
    user = helpdesk_host.user
    hashed = "$6$abcdefgh$" + "Q" * 86  # a SHA-512 crypt line (usermod -p takes it as is)
    run("usermod", "-p", hashed, user)
    try:
        deviations = found(helpdesk_host, "accounts.helpdesk-password")
    finally:
        run("usermod", "-p", "*", user)
    assert len(deviations) == 1 and f"{user} has a password" in deviations[0]
    assert hashed not in deviations[0]


def test_helpdesk_in_the_service_users_group(helpdesk_host: HelpdeskHost) -> None:
    layout = helpdesk_host.layout
    run("gpasswd", "-a", layout.helpdesk_user, layout.service_user)
    try:
        deviations = found(helpdesk_host, "accounts.helpdesk-groups")
    finally:
        run("gpasswd", "-d", layout.helpdesk_user, layout.service_user)
    assert deviations == [
        f"{layout.helpdesk_user} is in group {layout.service_user} of the service user "
        f"{layout.service_user}; run: gpasswd -d {layout.helpdesk_user} {layout.service_user}"
    ]


def test_a_world_writable_folder_in_the_helpdesk_home(helpdesk_host: HelpdeskHost) -> None:
    folder = helpdesk_host.layout.helpdesk_home / "cache" / "drop"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    try:
        deviations = found(helpdesk_host, "accounts.helpdesk-home")
    finally:
        shutil.rmtree(folder.parent)
    assert len(deviations) == 1 and f"{folder} in the helpdesk home is writable" in deviations[0]


def test_the_cron_file_not_root_s(helpdesk_host: HelpdeskHost) -> None:
    cron = helpdesk_host.layout.cron_dir / "moc-tui"
    shutil.chown(cron, helpdesk_host.layout.service_user)
    try:
        deviations = found(helpdesk_host, "files.cron")
    finally:
        shutil.chown(cron, "root")
    assert deviations == [f"{cron} is owned by {helpdesk_host.layout.service_user}, expected root"]


def test_a_login_log_that_cannot_be_written(
    helpdesk_host: HelpdeskHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syslog_layout = dataclasses.replace(helpdesk_host.layout, login_log="syslog")
    monkeypatch.setattr(files, "DEV_LOG", tmp_path / "no-syslog-here")
    [missing] = found(helpdesk_host, "files.login-log", syslog_layout)
    assert "the login log is syslog but" in missing and "does not exist" in missing
    log = helpdesk_host.login_log
    shutil.chown(log, "root")
    try:
        deviations = found(helpdesk_host, "files.login-log")
    finally:
        shutil.chown(log, helpdesk_host.user)
    assert deviations == [f"{log} is owned by root, expected {helpdesk_host.user}"]


@pytest.mark.parametrize(
    ("entry", "scope"),
    [
        ("!env_reset", "{helpdesk}"),
        ('env_keep += "HTTP_PROXY"', "{helpdesk}"),
        ("setenv", ">{svc}"),
    ],
)
def test_sudo_defaults_that_pass_an_environment(
    helpdesk_host: HelpdeskHost, entry: str, scope: str
) -> None:
    layout = helpdesk_host.layout
    scope = scope.format(helpdesk=":" + layout.helpdesk_user, svc=layout.service_user)
    drop = Path(f"/etc/sudoers.d/moc-tui-defaults-{layout.helpdesk_user}")
    drop.write_text(f"Defaults{scope} {entry}\n")
    drop.chmod(0o440)
    try:
        deviations = found(helpdesk_host, "sudo.defaults")
    finally:
        drop.unlink()
    assert deviations and all(f"sudo Defaults for {layout.helpdesk_user}" in d for d in deviations)
    assert entry.split()[0].replace('"', "") in deviations[0]


def test_a_writable_folder_on_the_launchers_path(
    helpdesk_host: HelpdeskHost, tmp_path: Path
) -> None:
    writable = tmp_path / "site"
    writable.mkdir()
    writable.chmod(0o777)
    layout = dataclasses.replace(
        helpdesk_host.layout, site_dirs=(*helpdesk_host.layout.site_dirs, str(writable))
    )
    deviations = found(helpdesk_host, "python.path", layout)
    assert any(f"{writable} is writable by group or others (mode 0777)" in d for d in deviations)


def test_a_world_writable_site_packages_of_the_interpreter(
    helpdesk_host: HelpdeskHost, tmp_path: Path
) -> None:
    """The issue's case: the interpreter's own site-packages writable by everyone."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = list(venv.glob("lib/python3*/site-packages"))
    # what the launchers would list for it (Debian's site says dist-packages; a venv has not)
    assert describe(str(venv / "bin" / "python")).library == (str(site),)
    site.chmod(0o777)
    layout = dataclasses.replace(helpdesk_host.layout, python=str(venv / "bin" / "python"))
    deviations = found(helpdesk_host, "python.path", layout)
    assert f"{site} is writable by group or others (mode 0777)" in deviations
