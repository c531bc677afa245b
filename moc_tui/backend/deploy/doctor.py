"""`moc-tui doctor`: compare a deployed host with the layout and list every deviation.

Each check returns plain-words deviations (an empty list means fine), so the admin sees all of
them at once: accounts, owners and modes, the keys and the operator map, the sudo rule as sudo
itself reports it, sshd's effective settings for the helpdesk user, and code paths someone other
than root could write to.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import pwd
import re
import stat
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path

import moc_tui
from moc_tui.backend.deploy.keys import read_keys
from moc_tui.backend.deploy.layout import Layout
from moc_tui.backend.deploy.setup import NOLOGIN, SHELL

SSHD_EXPECTED = {
    "permituserenvironment": "no",
    "authenticationmethods": "publickey",
    "passwordauthentication": "no",
    "kbdinteractiveauthentication": "no",
    "exposeauthinfo": "yes",
    "disableforwarding": "yes",
    "allowtcpforwarding": "no",
    "allowagentforwarding": "no",
    "allowstreamlocalforwarding": "no",
    "x11forwarding": "no",
    "permittunnel": "no",
    "permitopen": "none",
    "permitlisten": "none",
    "permituserrc": "no",
    "permittty": "yes",
    "maxsessions": "1",
}


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check_path(path: Path, owner: str, mode: int, *, directory: bool = False) -> list[str]:
    """Owner as expected, no permission bits beyond `mode`, a real file or folder."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return [f"{path} is missing"]
    kind_ok = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
    if not kind_ok:
        return [f"{path} is not a {'folder' if directory else 'regular file'}"]
    found = []
    if _name(info.st_uid) != owner:
        found.append(f"{path} is owned by {_name(info.st_uid)}, expected {owner}")
    actual = stat.S_IMODE(info.st_mode)
    if actual & ~mode:
        found.append(f"{path} has mode {actual:04o}, expected at most {mode:04o}")
    return found


def check_accounts(layout: Layout) -> list[str]:
    found = []
    try:
        helpdesk = pwd.getpwnam(layout.helpdesk_user)
    except KeyError:
        return [f"account {layout.helpdesk_user} does not exist"]
    if helpdesk.pw_shell != SHELL:
        found.append(f"{layout.helpdesk_user}'s shell is {helpdesk.pw_shell}, expected {SHELL}")
    if helpdesk.pw_dir != str(layout.helpdesk_home):
        found.append(f"{layout.helpdesk_user}'s home is {helpdesk.pw_dir}")
    found += check_path(layout.helpdesk_home, "root", 0o755, directory=True)
    if layout.helpdesk_home.is_dir():
        for entry in layout.helpdesk_home.iterdir():
            if entry.lstat().st_uid != 0:
                found.append(f"{entry} in the helpdesk home is not root's")
    try:
        service = pwd.getpwnam(layout.service_user)
    except KeyError:
        return [*found, f"service user {layout.service_user} does not exist"]
    if service.pw_shell != NOLOGIN:
        found.append(f"{layout.service_user}'s shell is {service.pw_shell}, expected {NOLOGIN}")
    return found


def check_files(layout: Layout) -> list[str]:
    svc = layout.service_user
    found = check_path(layout.config_dir, svc, 0o700, directory=True)
    found += check_path(layout.settings, svc, 0o600)
    found += check_path(layout.state_dir, svc, 0o700, directory=True)
    for path in (layout.keys_file, layout.operators_map, layout.login_conf, layout.sshd_dropin):
        found += check_path(path, "root", 0o644)
    for path in (layout.wrapper, layout.backend, layout.ui):
        found += check_path(path, "root", 0o755)
    found += check_path(layout.sudoers, "root", 0o440)
    found += check_path(layout.keys_dir, "root", 0o755, directory=True)
    found += _key_files_of_settings(layout)
    return found


def _key_files_of_settings(layout: Layout) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(layout.settings, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return [f"{layout.settings} cannot be parsed"]
    found = []
    for section in ("excelsheet", "quota_sheet"):
        value = parser.get(section, "auth_file", fallback=None)
        if value:
            path = Path(value) if Path(value).is_absolute() else layout.settings.parent / value
            found += check_path(path, layout.service_user, 0o600)
    return found


def check_keys(layout: Layout) -> list[str]:
    found = []
    keys = read_keys(layout.keys_file) if layout.keys_file.is_file() else []
    seen: dict[str, str] = {}
    for line, key in keys:
        if not line.startswith("restrict,pty,command="):
            found.append(f"a key of {key.operator} lacks restrict,pty,command=")
        try:
            fingerprint = key.fingerprint
        except ValueError:
            found.append(f"a key line of {key.operator} cannot be decoded")
            continue
        if fingerprint in seen:
            found.append(f"key {fingerprint} is listed for {seen[fingerprint]} and {key.operator}")
        seen[fingerprint] = key.operator
    mapped: dict[str, str] = {}
    if layout.operators_map.is_file():
        for line in layout.operators_map.read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) >= 2 and not line.startswith("#"):
                mapped[fields[0]] = fields[1]
    if mapped != seen:
        found.append("the operator map does not match the keys file; re-run `moc-tui operator`")
    return found


def check_sudo(layout: Layout, run: Callable[[list[str]], str]) -> list[str]:
    output = run(["sudo", "-n", "-l", "-U", layout.helpdesk_user])
    _, marker, rules = output.partition("may run the following commands")
    commands = [line.strip() for line in rules.splitlines()[1:] if line.startswith((" ", "\t"))]
    expected = f'({layout.service_user}) NOPASSWD: {layout.backend} ""'
    if not marker:
        return [f"sudo grants {layout.helpdesk_user} nothing; expected: {expected}"]
    if commands != [expected]:
        return [
            f"sudo -l -U {layout.helpdesk_user} shows {len(commands)} rule(s) "
            f"{commands!r}; expected exactly: {expected}"
        ]
    return []


def check_sshd(layout: Layout, run: Callable[[list[str]], str], config: Path | None) -> list[str]:
    argv = ["/usr/sbin/sshd", "-T", "-C", f"user={layout.helpdesk_user},host=doctor,addr=192.0.2.1"]
    if config is not None:
        argv += ["-f", str(config)]
    effective: dict[str, str] = {}
    output = run(argv)
    if output.startswith("error: "):
        return [f"sshd -T failed: {output[7:]}"]
    for line in output.splitlines():
        key, _, value = line.partition(" ")
        effective.setdefault(key.lower(), value.strip())
    if not effective:
        return ["sshd -T gave no output (is openssh-server installed and the config valid?)"]
    found = [
        f"sshd: {key} is {effective.get(key, '(unset)')}, expected {value}"
        for key, value in SSHD_EXPECTED.items()
        if effective.get(key, "").lower() != value
    ]
    if effective.get("forcecommand") != layout.forced_command:
        found.append(f"sshd: forcecommand is {effective.get('forcecommand', '(unset)')}")
    keys = str(layout.keys_dir) + "/%u.keys"
    if effective.get("authorizedkeysfile") != keys:
        found.append(f"sshd: authorizedkeysfile is {effective.get('authorizedkeysfile')}")
    return found


def _writable_by_others(path: Path) -> str | None:
    info = path.lstat()
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return None
    sticky_root = stat.S_ISDIR(mode) and mode & stat.S_ISVTX and info.st_uid == 0
    if info.st_uid != 0:
        return f"{path} is owned by {_name(info.st_uid)}, not root"
    if mode & 0o022 and not sticky_root:
        return f"{path} is writable by group or others (mode {stat.S_IMODE(mode):04o})"
    return None


def code_paths() -> list[Path]:
    """The installed program: our package, the interpreter's library folders."""
    paths = {Path(moc_tui.__file__).resolve().parent, Path(sys.prefix)}
    for name in ("purelib", "platlib", "stdlib"):
        paths.add(Path(sysconfig.get_paths()[name]))
    return sorted(paths)


def check_code(layout: Layout, roots: Iterable[Path] | None = None) -> list[str]:
    found: list[str] = []
    tops = [*(roots or code_paths()), layout.wrapper, layout.backend, layout.ui]
    for top in tops:
        if not top.exists():
            continue
        for parent in [top, *top.parents]:
            problem = _writable_by_others(parent)
            if problem:
                found.append(problem)
        if top.is_dir():
            for folder, dirs, files in os.walk(top):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                for name in [*dirs, *files]:
                    problem = _writable_by_others(Path(folder) / name)
                    if problem:
                        found.append(problem)
    for module in ("textual_dev", "textual_serve"):
        if importlib.util.find_spec(module) is not None:
            found.append(f"{module} is installed; remove it from production (devtools/serving)")
    return sorted(set(found))


def _run(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"error: {error}"
    if result.returncode != 0:
        return f"error: {result.stderr.strip()[:300]}"
    return result.stdout


def doctor(
    layout: Layout,
    *,
    sshd_config: Path | None = None,
    run: Callable[[list[str]], str] = _run,
    code_roots: Iterable[Path] | None = None,
) -> list[str]:
    """Every deviation of the host from `layout`, in plain words."""
    found = check_accounts(layout)
    found += check_files(layout)
    found += check_keys(layout)
    found += check_sudo(layout, run)
    found += check_sshd(layout, run, sshd_config)
    found += check_code(layout, code_roots)
    return [re.sub(r"\s+", " ", item) for item in found]
