"""The rule for a "New" row without a project name: a new personal project named after the email.

The MOC runbook: "For a new personal project, the project name will be the first portion of the
email address" (kamfonik@..., l.k.kamf913@...). The parser applies it to every row that does not
join an existing project and names no project; the edit form offers the same name in one key.
"""

from __future__ import annotations

import re

from moc_tui.core.identifiers import PROJECT_NAME_MAX

_NOT_ALLOWED = re.compile(r"[^a-z0-9._-]+")
_EDGES = re.compile(r"^[^a-z0-9]+")


def personal_project_name(email: str) -> str:
    """The email's local part in lower case, made a valid project name ("" when none is left).

    Characters a project name may not hold become "-", leading punctuation is dropped, and the
    name is cut to Keystone's length: "Pat+Lab@x" -> "pat-lab".
    """
    local = email.strip().rpartition("@")[0].lower()
    name = _EDGES.sub("", _NOT_ALLOWED.sub("-", local))
    return name[:PROJECT_NAME_MAX].rstrip("-")


def asks_to_join(choice: str) -> bool:
    """The form's "New or existing project?" answer says the row joins a project."""
    return "existing" in choice.casefold()
