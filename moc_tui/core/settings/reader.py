"""Typed reads from one ini section that collect problems instead of stopping at the first.

Every read names the section, the key and its line, so an operator can fix the whole file in one
go. No message quotes a value: the file holds the cloud admin password, and a value typed into the
wrong key (or a key that lost its `=`) must not reach stderr, the cron mail or the TUI. File names
are the exception, since the fix (`chmod 600 PATH`) needs them and no secret is a path.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# A key name an error may show. configparser allows spaces and signs in a key, so in
# `admin_pwd S3c:ret` (a `=` forgotten) the "key" is `admin_pwd s3c`: such a name is not shown.
KEY_NAME = re.compile(r"[a-z_][a-z0-9_.-]*")
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings file."""

    section: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"[{self.section}] {self.key}" if self.key else f"[{self.section}]"
        text = f"{where}: {self.message}" if self.section else self.message
        return f"line {self.line}: {text}" if self.line is not None else text


LineOf = Callable[[str, str], "int | None"]


def _no_line(section: str, key: str) -> int | None:
    return None


class SectionReader:
    """Reads keys of one section; records a Problem and returns a fallback on bad values."""

    def __init__(
        self,
        parser: configparser.ConfigParser,
        section: str,
        problems: list[Problem],
        base_dir: Path,
        line_of: LineOf = _no_line,
    ) -> None:
        self.section = section
        self.line_of = line_of
        self.present = parser.has_section(section)
        self.values: dict[str, str] = dict(parser.items(section)) if self.present else {}
        self.problems = problems
        self.base_dir = base_dir
        self.used: set[str] = set()

    def problem(self, key: str, message: str) -> None:
        line = self.line_of(self.section, key) if key in self.values or not key else None
        self.problems.append(Problem(self.section, key, message, line))

    def raw(self, key: str) -> str | None:
        """The trimmed value, or None when the key is absent or blank."""
        self.used.add(key)
        value = self.values.get(key)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.raw(key)
        if value is None:
            if required:
                self.problem(key, "is required but missing or blank")
            return default
        return value

    def integer(
        self, key: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            self.problem(key, "must be a whole number")
            return default
        if minimum is not None and number < minimum:
            self.problem(key, f"must be at least {minimum}")
            return default
        if maximum is not None and number > maximum:
            self.problem(key, f"must be at most {maximum}")
            return default
        return number

    def seconds(self, key: str, default: float) -> float:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 < number <= 3600:
            self.problem(key, "must be a number of seconds above 0 and at most 3600")
            return default
        return number

    def choice(self, key: str, choices: Collection[str], default: str) -> str:
        value = self.raw(key)
        if value is None:
            return default
        if value.lower() not in choices:
            self.problem(key, f"must be one of {', '.join(sorted(choices))}")
            return default
        return value.lower()

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(key, "must be an http:// or https:// URL with a host")
            return None
        return value

    def email(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is not None and not EMAIL_RE.match(value):
            self.problem(key, "is not an email address")
            return None
        return value

    def email_list(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if value is None:
            return ()
        addresses = tuple(a.strip() for a in re.split(r"[,;]", value) if a.strip())
        bad = [n for n, a in enumerate(addresses, start=1) if not EMAIL_RE.match(a)]
        if bad:
            which = ", ".join(f"#{n}" for n in bad)
            self.problem(key, f"holds entries that are not email addresses ({which} of the list)")
            return tuple(a for n, a in enumerate(addresses, start=1) if n not in bad)
        return addresses

    def path(self, key: str, *, must_exist: bool = True, required: bool = False) -> Path | None:
        """A path; relative ones are taken from the settings file's folder."""
        value = self.text(key, required=required)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if must_exist and not path.exists():
            self.problem(key, f"names {path}, which does not exist")
        return path

    def unknown_keys(self, allowed: Collection[str]) -> list[str]:
        return sorted(k for k in self.values if k not in allowed)

    def key_problem(self, key: str, message: str) -> None:
        """A problem with a key found in the file, whose name may be part of a value."""
        if KEY_NAME.fullmatch(key):
            self.problem(key, message)
            return
        line = self.line_of(self.section, key)
        self.problems.append(
            Problem(
                self.section,
                "",
                "a key (name not shown: it holds a space or a sign, perhaps a value after a "
                f"forgotten `=`) {message}",
                line,
            )
        )

    def refuse_unknown(self, allowed: Collection[str]) -> None:
        for key in self.unknown_keys(allowed):
            self.key_problem(key, f"is not a known key; known keys: {', '.join(sorted(allowed))}")
