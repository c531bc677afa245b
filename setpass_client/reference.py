"""The reset reference: what a helpdesk ticket carries instead of the user's PIN.

setpass's reset form stores the PIN (hashed) under a random reference and mails only the
reference; the operator's reset hands it back (`SetpassClient.redeem`). Shared by the service
(which mints and parses it) and the client (which checks what an operator typed before any work).

Ten characters of Crockford's base32 (50 random bits; no I, L, O or U), shown as `XXXXX-XXXXX`.
Reading is forgiving as Crockford's is: case, spaces and dashes are ignored, I/L read as 1 and O
as 0. Guessing is no threat: only an admin can redeem one, once, before it expires.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
MAX_TYPED = 32  # what an operator may paste (spaces, dashes, a trailing newline)
# setpass answers a redeemed reference with this header, "accepted"; an older service ignores
# `pin_reference` (and would keep the old PIN), so the client refuses an answer without it
ACCEPTED_HEADER = "X-Setpass-Pin-Reference"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_HINT = f"a reset reference is {LENGTH} letters and digits, as in the ticket (e.g. 7K3QX-9W2HD)"


def new_reference() -> str:
    """A fresh reference, in its canonical form (no dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(reference: str) -> str:
    """The canonical form as the ticket shows it: `7K3QX-9W2HD`."""
    half = LENGTH // 2
    return f"{reference[:half]}-{reference[half:]}"


def normalize(typed: str) -> str | None:
    """The canonical reference for what was typed, or None if it cannot be one."""
    if not isinstance(typed, str) or len(typed) > MAX_TYPED or not typed.isascii():
        return None
    text = "".join(c for c in typed.upper() if c not in " -\t\r\n").translate(_READ_AS)
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def reference_problems(typed: str) -> list[str]:
    """Why `typed` is not a reference, in plain words (empty when it is one)."""
    if not typed.strip():
        return ["the reset reference from the ticket is missing"]
    return [] if normalize(typed) is not None else [_HINT]
