"""`moc-tui setup-host` then `moc-tui doctor` on a real (prefixed) host: clean, then each
deviation named; setup-host run twice changes nothing the second time."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.backend.deploy.doctor import check_code, doctor
from moc_tui.backend.deploy.setup import setup_host
from tests.fixtures.sshd import SOURCE, HelpdeskHost, deployed_host

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def helpdesk_host() -> Iterator[HelpdeskHost]:
    yield from deployed_host()


def test_a_fresh_host_has_no_deviation(helpdesk_host: HelpdeskHost) -> None:
    assert doctor(helpdesk_host.layout, sshd_config=helpdesk_host.sshd_config) == []


def test_setup_host_is_idempotent(helpdesk_host: HelpdeskHost) -> None:
    assert setup_host(helpdesk_host.layout, SOURCE, check_sshd=False) == []


def test_each_deviation_is_listed(helpdesk_host: HelpdeskHost, tmp_path: Path) -> None:
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
        found = doctor(layout, sshd_config=helpdesk_host.sshd_config)
        found += check_code(layout, [writable])
    finally:
        layout.settings.chmod(0o600)
        layout.keys_file.chmod(0o644)
        extra_rule.unlink()
    text = "\n".join(found)
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
    found = doctor(helpdesk_host.layout, sshd_config=weak)
    assert any("sshd: disableforwarding is no" in item for item in found)
    assert any("sshd: forcecommand" in item for item in found)


def test_the_cli_exit_status(helpdesk_host: HelpdeskHost) -> None:
    layout = helpdesk_host.layout
    argv = [
        "moc-tui",
        "doctor",
        "--prefix",
        str(layout.prefix),
        "--helpdesk-user",
        layout.helpdesk_user,
        "--service-user",
        layout.service_user,
        "--python",
        layout.python,
        "--sudoers-dir",
        "/etc/sudoers.d",
        "--login-log",
        layout.login_log,
        "--sshd-config",
        str(helpdesk_host.sshd_config),
    ]
    import sys

    argv[0:1] = [sys.executable, "-m", "moc_tui"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "doctor: 0 deviations" in result.stdout
    assert os.geteuid() == 0
