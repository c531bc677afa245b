"""sshd as it will act for the helpdesk account: effective settings per address, Match blocks.

`sshd -T -C user=...,addr=...` is evaluated for every address the admin says operators come
from, and compared with the drop-in setup-host writes (its settings are the expectation, so
the rule lives in one place). A Match block elsewhere that can apply to the helpdesk account
(by user, by group, or by address alone) is named even when it changes nothing today: sshd
takes the first value it meets, so such a block placed before the drop-in wins.
"""

from __future__ import annotations

import fnmatch
import glob
import grp
import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

from moc_tui.host.checks.base import Context, check
from moc_tui.host.layout import Layout

MAIN_CONFIG = Path("/etc/ssh/sshd_config")
_SECONDS = re.compile(r"([0-9]+)s", re.IGNORECASE)  # a whole value: `60s`, printed `60`


def _as_printed(value: str) -> str:
    """A time value as `sshd -T` prints it (seconds, no unit); anything else as written (a
    path such as `/srv/py3s/...` keeps its letters)."""
    seconds = _SECONDS.fullmatch(value)
    return seconds[1] if seconds else value


def expected_settings(layout: Layout) -> dict[str, list[str]]:
    """Keyword -> values of the drop-in's lines (global and Match), as `sshd -T` prints them."""
    expected: dict[str, list[str]] = {}
    for line in layout.sshd_text().splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or words[0] == "Match":
            continue
        key = words[0].lower()
        values = words[1:] if key == "setenv" else [" ".join(words[1:])]
        expected[key] = [_as_printed(v) for v in values]
    return expected


def effective(ctx: Context, address: str) -> dict[str, list[str]] | str:
    argv = [
        "/usr/sbin/sshd",
        "-T",
        "-C",
        f"user={ctx.layout.helpdesk_user},host=doctor,addr={address}",
    ]
    if ctx.sshd_config is not None:
        argv += ["-f", str(ctx.sshd_config)]
    output = ctx.run(argv)
    if output.startswith("error: "):
        return f"sshd -T failed: {output[7:]}"
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        key, _, value = line.partition(" ")
        found.setdefault(key.lower(), []).append(value.strip())
    return found or "sshd -T gave no output (is openssh-server installed and the config valid?)"


@check(
    "sshd.effective",
    "for every operator address, sshd's effective settings for the helpdesk account are the "
    "drop-in's (ForceCommand, no forwarding, LogLevel VERBOSE, SetEnv, timeouts, ...)",
)
def effective_settings(ctx: Context) -> list[str]:
    expected = expected_settings(ctx.layout)
    wrong: dict[tuple[str, str, str], list[str]] = {}  # (key, found, expected) -> addresses
    for address in ctx.addresses:
        actual = effective(ctx, address)
        if isinstance(actual, str):
            return [actual]
        for key, values in expected.items():
            have = actual.get(key, ["(unset)"])
            same = (
                sorted(have) == sorted(values)
                if key == "setenv"
                else have[0].lower() == values[0].lower()
            )
            if not same:
                wrong.setdefault((key, " ".join(have), " ".join(values)), []).append(address)
    return [
        f"sshd (from {', '.join(addresses)}): {key} is {have}, expected {want}"
        for (key, have, want), addresses in wrong.items()
    ]


@dataclass(frozen=True)
class MatchBlock:
    file: Path
    line: int
    criteria: str


def config_files(main: Path) -> list[Path]:
    """`main` and every file it includes (recursively, in sshd's order)."""
    files: list[Path] = []

    def read(path: Path) -> None:
        if path in files or not path.is_file():
            return
        files.append(path)
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0].lower() == "include":
                for pattern in words[1:]:
                    full = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
                    for name in sorted(glob.glob(full)):  # noqa: PTH207 (absolute patterns)
                        read(Path(name))

    read(main)
    return files


def match_blocks(files: list[Path]) -> list[MatchBlock]:
    blocks = []
    for path in files:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            words = line.split()
            if words and words[0].lower() == "match":
                blocks.append(MatchBlock(path, number, " ".join(words[1:])))
    return blocks


def _pattern_matches(patterns: str, names: list[str]) -> bool:
    """sshd's pattern-list rule: a negated match excludes, else any positive match includes."""
    positive = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        for name in names:
            if fnmatch.fnmatchcase(name, pattern.lstrip("!")):
                if negated:
                    return False
                positive = True
    return positive


def touches(criteria: str, user: str, groups: list[str]) -> bool:
    """Whether a Match line can apply to `user` (address and host criteria assumed to hold)."""
    words = criteria.split()
    pairs = dict(zip((w.lower() for w in words[::2]), words[1::2], strict=False))
    if "user" in pairs and not _pattern_matches(pairs["user"], [user]):
        return False
    return not ("group" in pairs and not _pattern_matches(pairs["group"], groups))


def groups_of(user: str) -> list[str]:
    try:
        gid = pwd.getpwnam(user).pw_gid
    except KeyError:
        return []
    names = []
    for number in os.getgrouplist(user, gid):
        try:
            names.append(grp.getgrgid(number).gr_name)
        except KeyError:
            continue
    return names


@check(
    "sshd.match-blocks",
    "no Match block outside the drop-in can apply to the helpdesk account "
    "(by user, group, or by address/host alone)",
)
def other_match_blocks(ctx: Context) -> list[str]:
    user = ctx.layout.helpdesk_user
    groups = groups_of(user)
    own = ctx.layout.sshd_dropin.resolve()
    found = []
    for block in match_blocks(config_files(ctx.sshd_config or MAIN_CONFIG)):
        if block.file.resolve() == own or not touches(block.criteria, user, groups):
            continue
        found.append(
            f"sshd: {block.file}:{block.line} `Match {block.criteria[:120]}` can apply to "
            f"{user}; keep the account's settings in {ctx.layout.sshd_dropin.name} only "
            f"(exclude it there: Match User !{user},...)"
        )
    return found
