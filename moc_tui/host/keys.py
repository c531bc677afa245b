"""Operators' SSH keys: the authorized_keys lines and the fingerprint map, kept in step.

Each operator key becomes one line

    restrict,pty,command="<helpdesk-login> --operator NAME" <type> <base64> NAME

(`restrict` turns off every forwarding and future feature; `pty` gives the TUI its terminal),
and one map line `SHA256:<fingerprint> NAME` that the wrapper uses under ForceCommand, with a
third word `viewer` for a read-only operator (the backend reads it: `moc_tui.backend.roles`). The
role lives in the map only, so a rewrite keeps each operator's role from the old map. A key
listed twice would be attributed to whichever line sshd meets first, so duplicates are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from moc_tui.backend.roles import VIEWER_MARK, Role, parse_roles
from moc_tui.host.fsops import read_text_nofollow, write_atomic
from moc_tui.protocol.wire import OPERATOR_PATTERN

KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa",
    }
)
EXPIRY = re.compile(r"[0-9]{8}")
_OPTIONS = re.compile(r'^(?P<options>restrict,pty,command="(?P<command>[^"]*)"(?:,[^ ]*)?) ')


class OperatorKeyError(Exception):
    """A key or name that cannot be added; the message says why."""


@dataclass(frozen=True)
class OperatorKey:
    operator: str
    key_type: str
    blob: str

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def parse_public_key(text: str, operator: str) -> OperatorKey:
    """The one public key in `text` (an id_*.pub file); options and comments are dropped."""
    if not OPERATOR_PATTERN.fullmatch(operator):
        raise OperatorKeyError(f"operator names match {OPERATOR_PATTERN.pattern}")
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) != 1 or len(lines[0]) < 2:
        raise OperatorKeyError("the key file must hold exactly one public key line")
    key_type, blob = lines[0][0], lines[0][1]
    if key_type not in KEY_TYPES:
        raise OperatorKeyError(f"key type {key_type[:40]!r} is not accepted")
    try:
        decoded = base64.b64decode(blob, validate=True)
    except binascii.Error:
        raise OperatorKeyError("the key is not valid base64") from None
    if not decoded[4:].startswith(key_type.encode()):
        raise OperatorKeyError("the key's data does not match its type")
    return OperatorKey(operator, key_type, blob)


def key_line(key: OperatorKey, command: str, expiry: str | None = None) -> str:
    options = f'restrict,pty,command="{command} --operator {key.operator}"'
    if expiry is not None:
        if not EXPIRY.fullmatch(expiry):
            raise OperatorKeyError("expiry is YYYYMMDD")
        options += f',expiry-time="{expiry}"'
    return f"{options} {key.key_type} {key.blob} {key.operator}"


def read_keys(path: Path) -> list[tuple[str, OperatorKey]]:
    """(line, key) for every key line of the file (comments and blanks skipped)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="ascii").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _OPTIONS.match(line)
        rest = line[match.end() :] if match else line
        fields = rest.split()
        name = (match.group("command").rsplit(" ", 1)[-1]) if match else "?"
        if len(fields) >= 2:
            found.append((line, OperatorKey(name, fields[0], fields[1])))
    return found


def _write_root_file(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` atomically; owner and mode are set on the new file before the rename."""
    write_atomic(path, text, "root", mode, encoding="ascii")


def read_roles(map_file: Path) -> dict[str, Role]:
    """Each mapped operator's role (an absent map: nobody yet)."""
    return parse_roles(read_text_nofollow(map_file) or "")


def write_keys(
    keys_file: Path,
    map_file: Path,
    lines: list[tuple[str, OperatorKey]],
    roles: dict[str, Role] | None = None,
) -> None:
    """Both files from `lines`; each operator's role from `roles`, else from the current map."""
    known = read_roles(map_file) if roles is None else roles
    header = "# moc-tui operators' keys (managed by `moc-tui operator`); one line per key\n"
    _write_root_file(keys_file, header + "".join(f"{line}\n" for line, _ in lines))
    mapping = "".join(
        f"{key.fingerprint} {key.operator}"
        + (f" {VIEWER_MARK}" if known.get(key.operator) is Role.VIEWER else "")
        + "\n"
        for _, key in lines
    )
    map_header = "# fingerprint -> operator (managed by `moc-tui operator`)\n"
    _write_root_file(map_file, map_header + mapping)


def add_key(
    keys_file: Path,
    map_file: Path,
    key: OperatorKey,
    command: str,
    expiry: str | None = None,
    role: Role = Role.OPERATOR,
) -> None:
    """One more key; its operator's role must match the role of their other keys, if any."""
    lines = read_keys(keys_file)
    for _, existing in lines:
        if existing.fingerprint == key.fingerprint:
            raise OperatorKeyError(
                f"this key ({key.fingerprint}) is already registered to {existing.operator}; "
                "sshd would use the first line, so a key may belong to one operator only"
            )
    roles = read_roles(map_file)
    current = roles.get(key.operator) if any(k.operator == key.operator for _, k in lines) else None
    if current is not None and current is not role:
        flag = "with --viewer" if current is Role.VIEWER else "without --viewer"
        raise OperatorKeyError(
            f"{key.operator} is registered as {current.value}: add the key {flag}, or remove "
            f"{key.operator} first to change the role"
        )
    roles[key.operator] = role
    write_keys(keys_file, map_file, [*lines, (key_line(key, command, expiry), key)], roles)


def remove_operator(keys_file: Path, map_file: Path, operator: str) -> int:
    lines = read_keys(keys_file)
    kept = [(line, key) for line, key in lines if key.operator != operator]
    write_keys(keys_file, map_file, kept)
    return len(lines) - len(kept)
