"""Refuse secret files others could read, the way OpenSSH refuses a private key.

settings.ini holds the cloud admin password and the service-account key file grants write access
to the request sheets: both must belong to the user running the program and be unreadable by
group and others. The message says the command that fixes it.

The backend (run through sudo) also refuses a symlinked settings file and a folder others may
write to, since either lets someone else swap the file; `moc-tui check` applies the same rules
through `backend_file_problems`, so what check passes the backend accepts.
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


# What `moc-tui check` says it applied, in the words of the rules above.
BACKEND_FILE_RULES = (
    "owned by the user running it, mode 0600, not a symbolic link, "
    "in a folder only its owner may write"
)


def backend_file_problems(path: Path) -> list[str]:
    """What the backend refuses beyond `secret_file_problems`: a symlinked settings file, or a
    folder writable by group or others."""
    problems = []
    try:
        info = path.lstat()
    except OSError:
        return []  # secret_file_problems reports a missing file
    if stat.S_ISLNK(info.st_mode):
        problems.append(f"settings file {path} is a symbolic link; use the real file")
    try:
        folder = path.parent.stat()
    except OSError:
        return problems
    if stat.S_IMODE(folder.st_mode) & 0o022:
        problems.append(
            f"folder {path.parent} is writable by group or others; run: chmod go-w {path.parent}"
        )
    return problems
