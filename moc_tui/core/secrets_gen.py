"""Random passwords for new accounts, from `secrets` (the original used `random`)."""

from __future__ import annotations

import secrets
import string

# Letters and digits plus the original's symbols; no quote or backslash characters that a
# helpdesk might mistype when reading one out.
ALPHABET = string.ascii_letters + string.digits + "#$%&!"


def random_password(length: int = 24) -> str:
    """A password with at least one lower, upper, digit and symbol (common Keystone policies)."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
            and any(c in "#$%&!" for c in password)
        ):
            return password
