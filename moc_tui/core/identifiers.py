"""Rules for the names that become Keystone objects: emails (user names), projects, PINs.

Each check returns problems in plain words (an empty list means fine). The rules are stricter than
Keystone's on purpose: a user name or project name from a public form must not be able to look
like another one (case, confusable letters, invisible characters), impersonate a service account,
or be read as an option or a path by any tool an admin might later run on it.
"""

from __future__ import annotations

import re
import unicodedata

from moc_tui.core.text import hidden_characters

# Keystone limits user and project names to 255 and 64 characters.
PROJECT_NAME_MAX = 64
EMAIL_MAX = 254

# Accounts and projects of the cloud itself: never created for, joined by, or reset for a user.
RESERVED_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "service",
        "services",
        "default",
        "demo",
        "keystone",
        "nova",
        "glance",
        "placement",
        "neutron",
        "cinder",
        "swift",
        "heat",
        "octavia",
        "barbican",
        "designate",
        "ironic",
        "manila",
        "magnum",
        "aodh",
        "ceilometer",
        "gnocchi",
        "panko",
        "zaqar",
        "trove",
        "sahara",
        "senlin",
        "watcher",
        "cloudkitty",
        "masakari",
        "zun",
        "kuryr",
        "blazar",
        "freezer",
        "mistral",
        "murano",
        "vitrage",
        "horizon",
        "adjutant",
        "setpass",
        "helpdesk",
        "nobody",
    }
)

_LOCAL_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_+-])?")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_PROJECT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")
_PIN_RE = re.compile(r"[0-9]{4}")


def canonical(name: str) -> str:
    """The form two names are compared in: case-folded (Keystone matching is case-insensitive)."""
    return name.casefold()


def is_reserved(name: str) -> bool:
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    return folded in RESERVED_NAMES or folded.split("@")[0] in RESERVED_NAMES


def _non_ascii(value: str) -> list[str]:
    return [
        f"{c!r} ({unicodedata.name(c, f'U+{ord(c):04X}')})"
        for c in dict.fromkeys(value)
        if ord(c) > 127
    ]


def _character_problems(value: str, what: str) -> list[str] | None:
    """Hidden and non-ASCII characters; None when the value is plain ASCII."""
    hidden = hidden_characters(value)
    if hidden:
        return [f"{what} contains invisible or control characters ({', '.join(hidden)})"]
    odd = _non_ascii(value)
    if odd:
        return [
            f"{what} contains characters outside plain ASCII that can imitate other letters: "
            + ", ".join(odd[:3])
        ]
    return None


def email_problems(email: str) -> list[str]:
    """Problems with an address used as a Keystone user name and a mail recipient."""
    if not email:
        return ["email is missing"]
    found = _character_problems(email, "email")
    if found:
        return found
    if any(c.isspace() for c in email):
        return ["email contains spaces"]
    if len(email) > EMAIL_MAX:
        return [f"email is longer than {EMAIL_MAX} characters"]
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return [f"{email!r} is not an email address (name@domain)"]
    problems = []
    if not _LOCAL_RE.fullmatch(local) or ".." in local:
        problems.append(
            f"the part before @ in {email!r} may hold only letters, digits and . _ % + - "
            "(not first or last, no '..')"
        )
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        problems.append(f"the domain of {email!r} is not a valid domain name")
    elif not labels[-1].isalpha():
        problems.append(f"the domain of {email!r} does not end in a top-level domain")
    elif any(label.lower().startswith("xn--") for label in labels):
        problems.append(f"the domain of {email!r} is an encoded international name; check it")
    if is_reserved(local) and not problems:
        problems.append(f"{email!r} uses the reserved name {local!r}")
    return problems


def project_name_problems(name: str, *, new: bool) -> list[str]:
    """Problems with a project name; `new` names must also fit the conservative character set."""
    if not name:
        return ["project name is missing"]
    found = _character_problems(name, "project name")
    if found:
        return found
    if len(name) > PROJECT_NAME_MAX:
        return [f"project name is {len(name)} characters; Keystone allows {PROJECT_NAME_MAX}"]
    if is_reserved(name):
        return [f"project name {name!r} is reserved for the cloud itself"]
    if new and not _PROJECT_RE.fullmatch(name):
        return [
            f"new project name {name!r} may hold only letters, digits, spaces and . _ - "
            "and must start with a letter or digit"
        ]
    if name.strip(".") == "" or "/" in name:
        return [f"project name {name!r} looks like a path"]
    return []


def pin_problems(pin: str) -> list[str]:
    """The PIN is exactly four ASCII digits, nothing around them (Unicode digits are refused)."""
    if pin == "":
        return ["PIN is missing"]
    if not _PIN_RE.fullmatch(pin):
        return ["PIN must be exactly four digits 0-9"]
    return []
