"""Owners, modes and content of what setup-host installs; the keys; the login log."""

from __future__ import annotations

import configparser
import socket
import stat
from pathlib import Path

from moc_tui.host.checks.base import Context, check, check_path, name_of
from moc_tui.host.checks.python_path import library
from moc_tui.host.fsops import read_text_nofollow
from moc_tui.host.keys import KEY_TYPES, OperatorKey, read_keys
from moc_tui.host.setup import installed_files

DEV_LOG = Path("/dev/log")
# options a key line may carry after restrict,pty,command=: what `moc-tui operator` writes,
# and `from=` (a restriction); anything else (environment=, port-forwarding, a second
# command=, ...) undoes part of `restrict` or of the forced command
ALLOWED_EXTRA = frozenset({"expiry-time", "from"})


@check("files.modes", "owners and modes of the settings, state, keys, launchers and sudoers rule")
def modes(ctx: Context) -> list[str]:
    layout = ctx.layout
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
    return found + _key_files_of_settings(ctx)


def _key_files_of_settings(ctx: Context) -> list[str]:
    layout = ctx.layout
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


@check(
    "files.content",
    "the wrapper, launchers, login.conf, sudoers rule, sshd drop-in and cron file are exactly "
    "what setup-host installs",
)
def content(ctx: Context) -> list[str]:
    wrapper_source = ctx.source / "shell" / "helpdesk-login"
    if not wrapper_source.is_file():
        return [f"no release checkout at {ctx.source} to compare with (use --source)"]
    found = []
    for item in installed_files(ctx.layout, ctx.source, library(ctx)):
        text = read_text_nofollow(item.path)
        if text is None:
            found.append(f"{item.path} is missing or not a regular file")
        elif text != item.text:
            found.append(f"{item.path} differs from what setup-host installs; re-run setup-host")
    return found


@check("files.cron", "the cron file is root's and only root can write it (cron runs it as root)")
def cron(ctx: Context) -> list[str]:
    found = check_path(ctx.layout.cron_dir, "root", 0o755, directory=True)
    for job in sorted((ctx.source / "config" / "cron.d").glob("*")):
        found += check_path(ctx.layout.cron_dir / job.name, "root", 0o644)
    return found


@check("files.login-log", "the login wrapper can write its log (syslog socket or the log file)")
def login_log(ctx: Context) -> list[str]:
    layout = ctx.layout
    if layout.login_log == "syslog":
        return _syslog_socket(DEV_LOG)
    log = Path(layout.login_log)
    found = check_path(log.parent, layout.helpdesk_user, 0o700, directory=True)
    found += check_path(log, layout.helpdesk_user, 0o600)
    try:
        parent = log.parent.parent.lstat()
    except OSError:
        return found
    if parent.st_uid != 0 or parent.st_mode & 0o022:
        found.append(
            f"{log.parent.parent} (above the log folder) is owned by {name_of(parent.st_uid)} "
            f"with mode {stat.S_IMODE(parent.st_mode):04o}; it must be root's and not writable "
            "by others"
        )
    return found


def _syslog_socket(path: Path) -> list[str]:
    lost = (
        "the login log is syslog but {why}: the wrapper's login records are lost; install and "
        "start a syslog daemon (rsyslog, systemd-journald) or set --login-log to a file"
    )
    try:
        info = path.stat()
    except OSError:
        return [lost.format(why=f"{path} does not exist")]
    if not stat.S_ISSOCK(info.st_mode):
        return [lost.format(why=f"{path} is not a socket")]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(str(path))
        except OSError as error:
            return [lost.format(why=f"{path} accepts nothing ({error.strerror})")]
    return []


def split_key_line(line: str) -> tuple[list[str], str]:
    """(options, rest) of an authorized_keys line; commas and spaces inside quotes kept."""
    if line.split(None, 1)[0] in KEY_TYPES:
        return [], line
    options: list[str] = []
    current, quoted = "", False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in " \t":
            return [*options, current], line[index + 1 :].strip()
        elif not quoted and char == ",":
            options.append(current)
            current = ""
            continue
        current += char
    return [*options, current], ""


def _operator(options: list[str]) -> str:
    for option in options:
        if option.startswith('command="'):
            return option.rstrip('"').rsplit(" ", 1)[-1][:32]
    return "?"


@check(
    "keys.lines",
    'every key line carries restrict,pty,command="..." and no other option '
    "(environment=, port-forwarding, ...); no key is listed twice",
)
def key_lines(ctx: Context) -> list[str]:
    keys_file = ctx.layout.keys_file
    text = read_text_nofollow(keys_file) or ""
    found = []
    seen: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        options, rest = split_key_line(line)
        operator = _operator(options)
        names = [option.split("=", 1)[0].lower() for option in options]
        if names[:3] != ["restrict", "pty", "command"]:
            found.append(f"a key of {operator} does not start with restrict,pty,command=")
        extra = [n for n in names[3:] if n not in ALLOWED_EXTRA]
        if extra:
            found.append(f"a key of {operator} carries extra options: {', '.join(extra)[:200]}")
        fields = rest.split()
        try:
            fingerprint = OperatorKey(operator, fields[0], fields[1]).fingerprint
        except (IndexError, ValueError):
            found.append(f"a key line of {operator} cannot be decoded")
            continue
        if fingerprint in seen:
            found.append(f"key {fingerprint} is listed for {seen[fingerprint]} and {operator}")
        seen[fingerprint] = operator
    return found


@check("keys.map", "the fingerprint-to-operator map matches the keys file")
def key_map(ctx: Context) -> list[str]:
    layout = ctx.layout
    keys = read_keys(layout.keys_file) if layout.keys_file.is_file() else []
    expected = {}
    for _, key in keys:
        try:
            expected[key.fingerprint] = key.operator
        except ValueError:
            continue
    mapped: dict[str, str] = {}
    if layout.operators_map.is_file():
        for line in layout.operators_map.read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) >= 2 and not line.startswith("#"):
                mapped[fields[0]] = fields[1]
    if mapped != expected:
        return ["the operator map does not match the keys file; re-run `moc-tui operator`"]
    return []
