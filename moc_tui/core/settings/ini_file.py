"""Read the settings file's text and find where each section and key is, without quoting it.

configparser's own errors quote the offending line: a line `admin_pwd S3cret` (no `=`) put the
cloud admin password into every command's stderr, the cron mail and the TUI. This scanner walks
the lines with configparser's own patterns first and reports each structural problem by line
number and, when the line starts with a known key name, that key: never the text of the line.
It also records the line of every section and key so value problems can name their line.

A UTF-8 byte order mark (Windows editors add one) is dropped before anything else.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

_SECTION = configparser.ConfigParser.SECTCRE
_OPTION = configparser.ConfigParser.OPTCRE
_FIRST_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class IniScan:
    """Where things are in the file, and what is wrong with its structure (line, message)."""

    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    # (line, section, line of its first header): merged by the parser; the loader judges them
    repeated_sections: list[tuple[int, str, int]] = field(default_factory=list)

    def line_of(self, section: str, key: str = "") -> int | None:
        return self.lines.get((section, key.lower()))


def read_text(path: Path) -> str:
    """The file as text: UTF-8 with or without a byte order mark, bad bytes replaced."""
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def _named(line: str, known_keys: Collection[str]) -> str:
    """` (key NAME)` when the line starts with a key name this program knows, else ""."""
    match = _FIRST_WORD.match(line.strip())
    if match and match.group(0).lower() in known_keys:
        return f" (key {match.group(0).lower()})"
    return ""


def scan(text: str, known_keys: Collection[str]) -> IniScan:
    """Index sections and keys by line; note lines that configparser would refuse."""
    result = IniScan()
    section: str | None = None
    in_value = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if in_value and line[0].isspace():
            continue  # a continuation line of the value above
        in_value = False
        header = _SECTION.match(stripped)
        if header:
            section = header.group("header")
            if (section, "") in result.lines:
                result.repeated_sections.append((number, section, result.lines[(section, "")]))
            else:
                result.lines[(section, "")] = number
            continue
        option = _OPTION.match(line)
        if option is None:
            result.problems.append(
                (
                    number,
                    f"is not `key = value`{_named(line, known_keys)}; "
                    "put a = between the key and its value, or # before a comment",
                )
            )
            continue
        key = option.group("option").strip().lower()
        in_value = True
        if section is None:
            result.problems.append(
                (
                    number,
                    f"key {key} comes before any [section] header"
                    if key in known_keys
                    else "comes before any [section] header",
                )
            )
            continue
        if (section, key) in result.lines:
            first = result.lines[(section, key)]
            name = key if key in known_keys or _FIRST_WORD.fullmatch(key) else "a key"
            result.problems.append(
                (number, f"[{section}] {name} is set again (first on line {first}); keep one")
            )
        else:
            result.lines[(section, key)] = number
    return result


def parse(text: str, source: str) -> configparser.ConfigParser | None:
    """The parsed file, later duplicates merged, or None when configparser cannot read it.

    Called after `scan`, which has already reported why, so configparser's messages (which quote
    lines) are dropped here.
    """
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=source)
    except configparser.MissingSectionHeaderError:
        return None  # reading stopped at the first line
    except configparser.ParsingError:
        return parser  # raised after reading every other line: the rest can still be checked
    except configparser.Error:
        return None
    return parser
