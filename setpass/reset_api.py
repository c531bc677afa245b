"""Redeeming a reset reference in PUT /token/<user_id> (`{"password": ..., "pin_reference": R}`).

The registration takes the PIN hash the reset form stored, so the operator never sees the PIN.
Refused, in words an operator can act on: a reference that is malformed, unknown, expired, used
by another reset, or filed under another user's name. Presenting the same reference again for
the same user while the registration it made is still waiting is a retry of the same reset (a
lost answer, a crashed run), not a second use: it is answered like the first time.

The registration is written before the reference is marked used, so a crash in between leaves the
reference usable for the retry. The price, when two resets race on one reference for two users
(possible only if one user's name is the other's email): the loser is refused, and its user's
earlier link was replaced by one nobody received (its password in Keystone is unchanged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, request

from setpass.keystone import AdminCheck
from setpass.reset_requests import Pending
from setpass_client.reference import normalize

if TYPE_CHECKING:
    from setpass.views import Services

STATUS = 409
MALFORMED = "Bad reset reference: it is 10 letters and digits, as in the ticket (e.g. 7K3QX-9W2HD)"
UNKNOWN = "Unknown reset reference: check it against the ticket"
EXPIRED = (
    "Reset reference expired: ask the user to fill in the reset form again (a reference is"
    " valid 7 days)"
)
USED = (
    "Reset reference already used: it works for one reset; ask the user to fill in the reset"
    " form again if they need another"
)
OTHER_USER = (
    "Reset reference filed for another user: the reset form was filled in with a different"
    " email; check the user name against the ticket"
)
NO_KEYSTONE = "Keystone is not reachable"
CANNOT_READ_USER = (
    "Forbidden: this token may not read the user from Keystone, so the reset reference cannot"
    " be checked (use a token scoped to the admin project)"
)


def refusal(message: str, status: int = STATUS) -> Response:
    return Response(message, status, mimetype="text/plain")


def redeemable(svc: Services, user_id: str, typed: object) -> Pending | Response:
    """The stored request `typed` names, if `user_id` may redeem it now; else the refusal."""
    reference = normalize(typed) if isinstance(typed, str) else None
    if reference is None:
        return refusal(MALFORMED, 400)
    found = svc.reset_requests.find(svc.keyring.hash_reference(reference))
    if found is None:
        return refusal(UNKNOWN)
    if svc.now() >= found.expires_at:
        return refusal(EXPIRED)
    if found.used_by is not None:
        waiting = svc.store.by_user_id(user_id)
        if found.used_by != user_id or waiting is None or waiting.pin_hash != found.pin_hash:
            return refusal(USED)
    check, names = svc.keystone.user_names(request.headers.get("X-Auth-Token", ""), user_id)
    if check is AdminCheck.UNAVAILABLE:
        return refusal(NO_KEYSTONE, 503)
    if check is AdminCheck.FORBIDDEN:
        return refusal(CANNOT_READ_USER, 403)
    if found.email not in names:
        return refusal(OTHER_USER)
    return found
