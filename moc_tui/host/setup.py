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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from moc_tui.host.fsops import (
    UnsafePathError,
    own,
    private_file,
    private_folder,
    read_text_nofollow,
    write_atomic,
)
from moc_tui.host.interpreter import SHEBANG_FLAGS, InterpreterError, describe
from moc_tui.host.layout import WRAPPER_PYTHON, Layout

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
    own(home, "root", 0o755, directory=True)
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


@dataclass(frozen=True)
class Installed:
    """One file setup-host writes: its exact text, owner and mode (doctor compares all three)."""

    path: Path
    text: str
    owner: str
    mode: int


def library_of(layout: Layout) -> tuple[str, ...]:
    """The site-packages the launchers list (they run without site)."""
    try:
        return describe(layout.python).library
    except InterpreterError as error:
        raise SetupError(f"--python: {error}") from None


def installed_files(layout: Layout, source: Path, library: Sequence[str]) -> list[Installed]:
    """Every file whose content setup-host decides; `library`: the interpreter's site-packages."""
    wrapper = (source / "shell" / "helpdesk-login").read_text(encoding="utf-8")
    _shebang, _, rest = wrapper.partition("\n")
    files = [
        Installed(layout.wrapper, f"#!{WRAPPER_PYTHON} {SHEBANG_FLAGS}\n{rest}", "root", 0o755),
        Installed(layout.backend, layout.backend_launcher(library), "root", 0o755),
        Installed(layout.ui, layout.ui_launcher(library), "root", 0o755),
        Installed(layout.login_conf, layout.login_text(), "root", 0o644),
        Installed(layout.sudoers, layout.sudoers_text(), "root", 0o440),
        Installed(layout.sshd_dropin, layout.sshd_text(), "root", 0o644),
    ]
    for job_file in sorted((source / "config" / "cron.d").glob("*")):
        text = job_file.read_text(encoding="utf-8")
        text = text.replace(" moc-tools ", f" {layout.service_user} ")
        text = text.replace("/etc/moc-tui/settings.ini", str(layout.settings))
        files.append(Installed(layout.cron_dir / job_file.name, text, "root", 0o644))
    return files


def _write(path: Path, text: str, user: str, mode: int, done: list[str]) -> None:
    """Write `text` atomically when it differs; always fix owner and mode (never via a link)."""
    if read_text_nofollow(path) != text:
        write_atomic(path, text, user, mode)
        done.append(f"wrote {path}")
    own(path, user, mode)


def ensure_files(layout: Layout, source: Path, done: list[str]) -> None:
    svc = layout.service_user
    if layout.login_log != "syslog":  # first: a refused log path leaves login.conf as it was
        ensure_login_log(layout, Path(layout.login_log), done)
    for directory in (layout.config_dir, layout.state_dir):
        directory.mkdir(parents=True, exist_ok=True)
        own(directory, svc, 0o700, directory=True)
    if not layout.settings.exists():
        example = source / "config" / "settings.example.ini"
        _write(layout.settings, example.read_text(encoding="utf-8"), svc, 0o600, done)
        done.append(f"{layout.settings} is the example: edit it (as root) before use")
    else:
        own(layout.settings, svc, 0o600)
    for path in (layout.keys_file, layout.operators_map):
        if not path.exists():
            _write(path, "", "root", 0o644, done)
        own(path, "root", 0o644)
    for item in installed_files(layout, source, library_of(layout)):
        if item.path == layout.sudoers:
            ensure_sudoers(item, done)
        else:
            _write(item.path, item.text, item.owner, item.mode, done)


def ensure_login_log(layout: Layout, log: Path, done: list[str]) -> None:
    """The log file in a folder of the helpdesk account's own, which setup-host creates.

    Never an existing folder it did not make (`/var/log` or `/tmp` would become the helpdesk
    account's): that is refused with a sentence saying what to choose instead.
    """
    if not log.is_absolute():
        raise SetupError(f"--login-log {log}: give an absolute path")
    created = not log.parent.exists()
    try:
        private_folder(log.parent, layout.helpdesk_user)
        private_file(log, layout.helpdesk_user)
    except UnsafePathError as error:
        raise SetupError(f"--login-log {log}: {error}") from None
    if created:
        done.append(f"created {log.parent} for the login log")


def ensure_sudoers(item: Installed, done: list[str]) -> None:
    """The rule, checked by visudo before it replaces the installed one."""
    with tempfile.NamedTemporaryFile("w", suffix=".sudoers", delete=False) as handle:
        handle.write(item.text)
    try:
        _run(["visudo", "-c", "-q", "-f", handle.name])
    finally:
        Path(handle.name).unlink()
    _write(item.path, item.text, item.owner, item.mode, done)


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
    if check_sshd:
        _run(["/usr/sbin/sshd", "-t"])
        done.append("sshd -t: the configuration is valid; reload sshd to apply it")
    return done


def remove_accounts(layout: Layout) -> None:
    """For tests: delete the two accounts (not their files)."""
    for name in (layout.helpdesk_user, layout.service_user):
        if _user(name) is not None:
            _run(["userdel", name])
