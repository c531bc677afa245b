"""An operator's role, read by the backend itself from the root-owned operator map.

The operator's name reaches the backend in `hello`, as the login wrapper found it (the key's
fingerprint in the map under ForceCommand, or the key line's `--operator`): sudo passes neither
arguments nor environment, so the backend cannot be told a role. It reads the map the wrapper
reads (its path is fixed in the root-owned backend launcher) and looks the name up there; the
TUI's `hello` carries no role, so a session that bypasses the TUI gains nothing.

A map line is `SHA256:<fingerprint> NAME` (an operator: every op) or `SHA256:<fingerprint> NAME
viewer` (read-only: `wire.MUTATING` ops are refused). Two-column maps stay valid. A role is per
operator: one `viewer` line makes every key of that name read-only (failing closed). A name the
map does not hold is refused; a map that is missing, not root-owned or writable by others is
refused for everybody, because then anyone could have written it.
"""

from __future__ import annotations

import os
import stat
from enum import StrEnum
from pathlib import Path

from moc_tui.protocol.wire import OPERATOR_PATTERN
from moc_tui.protocol.wire import ProtocolError as Refused

VIEWER_MARK = "viewer"


class Role(StrEnum):
    OPERATOR = "operator"
    VIEWER = "viewer"


def parse_roles(text: str) -> dict[str, Role]:
    """Each operator named in the map text, with its role (viewer wins over operator)."""
    roles: dict[str, Role] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or line.startswith("#") or not OPERATOR_PATTERN.fullmatch(fields[1]):
            continue
        viewer = len(fields) >= 3 and fields[2] == VIEWER_MARK
        if viewer or fields[1] not in roles:
            roles[fields[1]] = Role.VIEWER if viewer else Role.OPERATOR
    return roles


def read_map(path: Path) -> str:
    """The map's text; refused unless a regular, root-owned file only root can write."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise Refused(
            "unknown_operator", f"the operator map {path} cannot be read ({error.strerror})"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            raise Refused(
                "unknown_operator",
                f"the operator map {path} must be a root-owned file only root can write",
            )
        return handle.read(1 << 20).decode("utf-8", "replace")


def role_of(operator: str, operators_map: Path | None) -> Role:
    """The role of `operator`; every operator has every op when no map is configured (dev)."""
    if operators_map is None:
        return Role.OPERATOR
    role = parse_roles(read_map(operators_map)).get(operator)
    if role is None:
        raise Refused(
            "unknown_operator",
            f"operator {operator} is not in the operator map; ask the admin (moc-tui operator add)",
        )
    return role


def refuse_read_only(operator: str) -> Refused:
    return Refused("read_only", f"operator {operator} is read-only")
