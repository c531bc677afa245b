"""Refuse secret files others could read, the way OpenSSH refuses a private key.

settings.ini holds the cloud admin password and the service-account key file grants write access
to the request sheets: both must belong to the user running the program and be unreadable by
group and others. The message says the command that fixes it.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def secret_file_problems(path: Path, what: str) -> list[str]:
    """Plain-words problems with a secret file (empty when it is safe to use)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return [f"{what} {path} does not exist"]
    except OSError as error:
        return [f"{what} {path} cannot be read: {error.strerror}"]
    if not stat.S_ISREG(info.st_mode):
        return [f"{what} {path} is not a regular file"]
    problems = []
    me = os.geteuid()
    if info.st_uid != me:
        problems.append(
            f"{what} {path} is owned by {_user_name(info.st_uid)}, not by {_user_name(me)} who "
            f"runs this program; run: chown {_user_name(me)} {path}"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        problems.append(
            f"{what} {path} is readable or writable by group or others (mode {mode:04o}); "
            f"run: chmod 600 {path}"
        )
    return problems
