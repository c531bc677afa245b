"""`moc-tui setup-host`: make a host match the layout; safe to run again (idempotent).

Accounts: the helpdesk account (login shell /bin/sh, never bash: bash reads ~/.bashrc before a
forced command; never nologin: it breaks forced commands), with a root-owned home and the
password field `*` (key logins only); the service user with nologin, owning the secrets and state.
Files: root-owned code and configuration, the one sudoers rule (checked with visudo before it is
installed), the sshd drop-in. Nothing here reloads sshd; the command says to.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from moc_tui.backend.deploy.layout import WRAPPER_PYTHON, Layout

SHELL = "/bin/sh"
NOLOGIN = "/usr/sbin/nologin"


class SetupError(Exception):
    """A step failed; the message names the step."""


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise SetupError(f"{' '.join(argv)}: {result.stderr.strip() or result.returncode}")


def _user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def ensure_accounts(layout: Layout, done: list[str]) -> None:
    home = layout.helpdesk_home
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, 0, 0)
    home.chmod(0o755)
    account = _user(layout.helpdesk_user)
    if account is None:
        _run(["useradd", "-M", "-d", str(home), "-s", SHELL, "-U", layout.helpdesk_user])
        done.append(f"created account {layout.helpdesk_user}")
    elif account.pw_shell != SHELL or account.pw_dir != str(home):
        _run(["usermod", "-d", str(home), "-s", SHELL, layout.helpdesk_user])
        done.append(f"fixed shell/home of {layout.helpdesk_user}")
    # '*': no password can match, but the account is not "locked" ('!'), which would make
    # sshd refuse even key logins when PAM is off
    _run(["usermod", "-p", "*", layout.helpdesk_user])
    service = _user(layout.service_user)
    if service is None:
        _run(
            [
                "useradd",
                "--system",
                "-M",
                "-d",
                str(layout.state_dir),
                "-s",
                NOLOGIN,
                "-U",
                layout.service_user,
            ]
        )
        done.append(f"created service user {layout.service_user}")
    elif service.pw_shell != NOLOGIN:
        _run(["usermod", "-s", NOLOGIN, layout.service_user])
        done.append(f"fixed shell of {layout.service_user}")


def _own(path: Path, user: str, mode: int) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    path.chmod(mode)


def _write(path: Path, text: str, user: str, mode: int, done: list[str]) -> None:
    """Write `text` atomically when it differs; always fix owner and mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        _own(Path(temp), user, mode)
        Path(temp).replace(path)
        done.append(f"wrote {path}")
    _own(path, user, mode)


def ensure_files(layout: Layout, source: Path, done: list[str]) -> None:
    svc = layout.service_user
    for directory in (layout.config_dir, layout.state_dir):
        directory.mkdir(parents=True, exist_ok=True)
        _own(directory, svc, 0o700)
    if not layout.settings.exists():
        example = source / "config" / "settings.example.ini"
        _write(layout.settings, example.read_text(encoding="utf-8"), svc, 0o600, done)
        done.append(f"{layout.settings} is the example: edit it (as root) before use")
    else:
        _own(layout.settings, svc, 0o600)
    for directory in (layout.keys_dir, layout.libexec, layout.wrapper.parent):
        directory.mkdir(parents=True, exist_ok=True)
    for path in (layout.keys_file, layout.operators_map):
        if not path.exists():
            _write(path, "", "root", 0o644, done)
        _own(path, "root", 0o644)
    wrapper = (source / "shell" / "helpdesk-login").read_text(encoding="utf-8")
    _shebang, _, rest = wrapper.partition("\n")
    _write(layout.wrapper, f"#!{WRAPPER_PYTHON} -I\n{rest}", "root", 0o755, done)
    _write(layout.backend, layout.backend_launcher(), "root", 0o755, done)
    _write(layout.ui, layout.ui_launcher(), "root", 0o755, done)
    _write(layout.login_conf, layout.login_text(), "root", 0o644, done)
    if layout.login_log != "syslog":
        log = Path(layout.login_log)
        log.parent.mkdir(parents=True, exist_ok=True)
        _own(log.parent, layout.helpdesk_user, 0o700)
        if not log.exists():
            log.touch()
        _own(log, layout.helpdesk_user, 0o600)


def ensure_cron(layout: Layout, source: Path, done: list[str]) -> None:
    """The cron jobs' file (config/cron.d, maintained with the jobs), for this service user."""
    for job_file in sorted((source / "config" / "cron.d").glob("*")):
        text = job_file.read_text(encoding="utf-8")
        text = text.replace(" moc-tools ", f" {layout.service_user} ")
        text = text.replace("/etc/moc-tui/settings.ini", str(layout.settings))
        _write(layout.cron_dir / job_file.name, text, "root", 0o644, done)


def ensure_sudoers(layout: Layout, done: list[str]) -> None:
    text = layout.sudoers_text()
    with tempfile.NamedTemporaryFile("w", suffix=".sudoers", delete=False) as handle:
        handle.write(text)
    try:
        _run(["visudo", "-c", "-q", "-f", handle.name])
    finally:
        Path(handle.name).unlink()
    _write(layout.sudoers, text, "root", 0o440, done)


def ensure_sshd(layout: Layout, done: list[str], check: bool) -> None:
    _write(layout.sshd_dropin, layout.sshd_text(), "root", 0o644, done)
    if check:
        _run(["/usr/sbin/sshd", "-t"])
        done.append("sshd -t: the configuration is valid; reload sshd to apply it")


def setup_host(layout: Layout, source: Path, *, check_sshd: bool = True) -> list[str]:
    """Bring the host in line with `layout`; returns what was changed, in order."""
    if os.geteuid() != 0:
        raise SetupError("setup-host must run as root")
    for tool in ("useradd", "usermod", "visudo"):
        if shutil.which(tool) is None:
            raise SetupError(f"{tool} is missing (install passwd and sudo)")
    done: list[str] = []
    ensure_accounts(layout, done)
    ensure_files(layout, source, done)
    ensure_cron(layout, source, done)
    ensure_sudoers(layout, done)
    ensure_sshd(layout, done, check_sshd)
    return done


def remove_accounts(layout: Layout) -> None:
    """For tests: delete the two accounts (not their files)."""
    for name in (layout.helpdesk_user, layout.service_user):
        if _user(name) is not None:
            _run(["userdel", name])
