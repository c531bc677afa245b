"""The two accounts: shells, homes, passwords and group memberships."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from moc_tui.host.checks.base import Context, check, check_path, name_of
from moc_tui.host.setup import NOLOGIN, SHELL

SHADOW = Path("/etc/shadow")
# groups whose members can read or change what the backend guards, or become root
PRIVILEGED_GROUPS = ("root", "sudo", "wheel", "adm", "shadow", "disk", "docker", "lxd")


def _account(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


@check("accounts.helpdesk", "the helpdesk account exists with login shell /bin/sh and its home")
def helpdesk_account(ctx: Context) -> list[str]:
    layout = ctx.layout
    account = _account(layout.helpdesk_user)
    if account is None:
        return [f"account {layout.helpdesk_user} does not exist"]
    found = []
    if account.pw_shell != SHELL:
        found.append(f"{layout.helpdesk_user}'s shell is {account.pw_shell}, expected {SHELL}")
    if account.pw_dir != str(layout.helpdesk_home):
        found.append(f"{layout.helpdesk_user}'s home is {account.pw_dir}")
    return found


def password_field(user: str, shadow: Path = SHADOW) -> str | None:
    for line in shadow.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[0] == user:
            return fields[1]
    return None


@check("accounts.helpdesk-password", "the helpdesk account has no password (shadow field '*')")
def helpdesk_password(ctx: Context) -> list[str]:
    user = ctx.layout.helpdesk_user
    field = password_field(user)
    if field is None:
        return [f"{user} has no line in {SHADOW}"]
    if field == "*":
        return []
    what = "an empty password" if field == "" else "a password (or a locked one)"
    return [f"{user} has {what} in {SHADOW}; key logins only: run usermod -p '*' {user}"]


@check(
    "accounts.helpdesk-groups",
    "the helpdesk account is in neither the service user's group nor a privileged one",
)
def helpdesk_groups(ctx: Context) -> list[str]:
    layout = ctx.layout
    account, service = _account(layout.helpdesk_user), _account(layout.service_user)
    if account is None:
        return []
    gids = set(os.getgrouplist(layout.helpdesk_user, account.pw_gid))
    found = []
    if service is not None and service.pw_gid in gids:
        group = grp.getgrgid(service.pw_gid).gr_name
        found.append(
            f"{layout.helpdesk_user} is in group {group} of the service user "
            f"{layout.service_user}; run: gpasswd -d {layout.helpdesk_user} {group}"
        )
    for name in PRIVILEGED_GROUPS:
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        if gid in gids:
            found.append(f"{layout.helpdesk_user} is in the privileged group {name}")
    return found


@check(
    "accounts.helpdesk-home",
    "the helpdesk home is root's (0755), everything in it root's, "
    "no folder in it writable by others",
)
def helpdesk_home(ctx: Context) -> list[str]:
    home = ctx.layout.helpdesk_home
    found = check_path(home, "root", 0o755, directory=True)
    if not home.is_dir() or home.is_symlink():
        return found
    for folder, dirs, files in os.walk(home):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            info = path.lstat()
            if info.st_uid != 0:
                found.append(f"{path} in the helpdesk home is owned by {name_of(info.st_uid)}")
            if stat.S_ISDIR(info.st_mode) and info.st_mode & 0o022:
                found.append(
                    f"{path} in the helpdesk home is writable by group or others "
                    f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod go-w {path}"
                )
    return found


@check("accounts.service", "the service user exists with shell nologin")
def service_account(ctx: Context) -> list[str]:
    name = ctx.layout.service_user
    account = _account(name)
    if account is None:
        return [f"service user {name} does not exist"]
    if account.pw_shell != NOLOGIN:
        return [f"{name}'s shell is {account.pw_shell}, expected {NOLOGIN}"]
    return []
