"""Owner and mode changes done as root, without following links someone else planted.

`os.chown(follow_symlinks=False)` then `Path.chmod()` follows a symlink on the second call: a
link the helpdesk account put where its log file was turned a root 4755 file into 0600. Here
every change goes through a descriptor opened with O_NOFOLLOW (a link is refused, not
followed), after checking on that descriptor that it is the kind of file expected and not a
hard link to something else.
"""

from __future__ import annotations

import os
import pwd
import stat
import tempfile
from pathlib import Path


class UnsafePathError(OSError):
    """A path root will not touch: a link, the wrong kind of file, or a folder not its own."""


def ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def open_nofollow(path: Path, *, directory: bool = False) -> int:
    """A descriptor on `path` itself; a symlink as the last component is refused."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    if directory:
        flags |= os.O_DIRECTORY
    try:
        return os.open(path, flags)
    except OSError as error:
        if path.is_symlink():
            raise UnsafePathError(f"{path} is a symbolic link; refusing to follow it") from None
        raise error


def own_fd(fd: int, path: Path, user: str, mode: int, *, directory: bool = False) -> None:
    """chown/chmod through `fd`, after checking what it is."""
    info = os.fstat(fd)
    if directory and not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"{path} is not a folder")
    if not directory:
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"{path} is not a regular file")
        if info.st_nlink > 1:
            raise UnsafePathError(f"{path} has other hard links; refusing to change it")
    uid, gid = ids(user)
    os.fchown(fd, uid, gid)
    os.fchmod(fd, mode)


def own(path: Path, user: str, mode: int, *, directory: bool = False) -> None:
    """Give `path` (not what it may link to) to `user` with `mode`."""
    fd = open_nofollow(path, directory=directory)
    try:
        own_fd(fd, path, user, mode, directory=directory)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, user: str, mode: int, encoding: str = "utf-8") -> None:
    """Replace `path` by a new file with owner and mode set before it is renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as handle:
            handle.write(text)
            handle.flush()
            own_fd(handle.fileno(), Path(temp), user, mode)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_text_nofollow(path: Path) -> str | None:
    """The text of a regular file at `path`; None when missing, a link or not a file."""
    try:
        fd = open_nofollow(path)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read().decode("utf-8", "replace")


def private_folder(folder: Path, user: str) -> None:
    """A folder of `user`'s own (0700) that root created, or a refusal.

    Root never takes over a folder it did not make: an existing folder is accepted only when it
    already belongs to `user` (a previous run made it); its parent must be root's and writable
    by nobody else, so that the folder cannot be swapped for a link afterwards.
    """
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    info = parent.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise UnsafePathError(
            f"{parent} must be a folder of root's that nobody else can write; "
            f"choose a log path in a new folder such as /var/log/helpdesk-login/login.log"
        )
    uid, _gid = ids(user)
    try:
        folder.mkdir(0o700)
    except FileExistsError:
        existing = folder.lstat()
        if not stat.S_ISDIR(existing.st_mode) or existing.st_uid != uid:
            raise UnsafePathError(
                f"{folder} already exists and is not a folder setup-host made for {user}; "
                "the login log needs a folder of its own (a new path, such as "
                "/var/log/helpdesk-login/login.log)"
            ) from None
        return
    own(folder, user, 0o700, directory=True)


def private_file(path: Path, user: str) -> None:
    """Create `path` if needed (never through a link) and give it to `user` with mode 0600."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:
        if path.is_symlink():
            raise UnsafePathError(f"{path} is a symbolic link; refusing to follow it") from None
        raise
    try:
        info = os.fstat(fd)
        if info.st_uid not in (0, ids(user)[0]):
            raise UnsafePathError(f"{path} belongs to another account; refusing to take it over")
        own_fd(fd, path, user, 0o600)
    finally:
        os.close(fd)
