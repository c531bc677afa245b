"""The doctor's registry: each check has a name, says what it covers, and lists deviations.

A check is a function of the `Context` returning plain-words deviations (empty: fine). They
register themselves with `@check(...)` so that `doctor --json` can list every check made, the
ones that found nothing included: an admin sees what is and is not covered.
"""

from __future__ import annotations

import pwd
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from moc_tui.host.layout import Layout

Runner = Callable[[list[str]], str]
# where operators connect from, for `sshd -T -C addr=...` when the admin names none: an
# outside address (TEST-NET-1) and the host itself
DEFAULT_ADDRESSES = ("192.0.2.1", "127.0.0.1")


def run_command(argv: list[str]) -> str:
    """stdout of `argv`, or "error: <why>" (a check reports it, never raises)."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"error: {error}"
    if result.returncode != 0:
        return f"error: {(result.stderr.strip() or result.stdout.strip())[:300]}"
    return result.stdout


@dataclass(frozen=True)
class Context:
    layout: Layout
    source: Path  # the release checkout setup-host installs from (content comparisons)
    run: Runner = run_command
    sshd_config: Path | None = None
    addresses: tuple[str, ...] = DEFAULT_ADDRESSES
    code_roots: tuple[Path, ...] | None = None


@dataclass(frozen=True)
class Check:
    name: str
    covers: str
    function: Callable[[Context], list[str]]


@dataclass(frozen=True)
class Result:
    name: str
    covers: str
    deviations: tuple[str, ...] = ()
    error: str | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "deviation" if self.deviations else "ok"

    @property
    def detail(self) -> str:
        if self.error is not None:
            return f"the check itself failed: {self.error}"
        return "; ".join(self.deviations) if self.deviations else self.covers

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "covers": self.covers,
            "deviations": list(self.deviations),
        }


@dataclass
class Registry:
    checks: list[Check] = field(default_factory=list)

    def __call__(
        self, name: str, covers: str
    ) -> Callable[[Callable[[Context], list[str]]], Callable[[Context], list[str]]]:
        def add(function: Callable[[Context], list[str]]) -> Callable[[Context], list[str]]:
            if any(existing.name == name for existing in self.checks):
                raise ValueError(f"two checks named {name}")
            self.checks.append(Check(name, covers, function))
            return function

        return add


check = Registry()


def name_of(uid: int) -> str:
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
    if name_of(info.st_uid) != owner:
        found.append(f"{path} is owned by {name_of(info.st_uid)}, expected {owner}")
    actual = stat.S_IMODE(info.st_mode)
    if actual & ~mode:
        found.append(f"{path} has mode {actual:04o}, expected at most {mode:04o}")
    return found


def writable_by_others(path: Path) -> str | None:
    """Why someone other than root could change `path` (None: only root can)."""
    info = path.lstat()
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return None
    sticky_root = stat.S_ISDIR(mode) and mode & stat.S_ISVTX and info.st_uid == 0
    if info.st_uid != 0:
        return f"{path} is owned by {name_of(info.st_uid)}, not root"
    if mode & 0o022 and not sticky_root:
        return f"{path} is writable by group or others (mode {stat.S_IMODE(mode):04o})"
    return None
