"""The routes, with the original's status codes, messages and check order (see README/DESIGN).

Deliberate changes from the original, each fixing one of its flaws:
- expiry is checked before the lock and the PIN, so an expired link never consumes attempts;
- exactly `max_attempts` wrong PINs lock the link (the original allowed one more);
- the PIN must be four ASCII digits (`re.fullmatch`), checked with the other input;
- `GET /?token=` says at once when a link is unknown, expired or locked;
- the forms carry a CSRF token; POSTs are rate limited per client;
- a bad JSON body is a 400; Keystone's refusals are shown in plain words;
- the reset form mails a reference, not the PIN; PUT may give `pin_reference` instead of `pin`
  (see `setpass.reset_api`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from setpass import mail, reset_api
from setpass.config import Settings
from setpass.crypto import MAX_TOKEN_LENGTH, DecryptError, Keyring, hash_token, new_token, valid_pin
from setpass.db import Record, Store
from setpass.keystone import AdminCheck, ChangeOutcome, Keystone
from setpass.ratelimit import RateLimiter
from setpass.reset_requests import Pending, ResetRequests
from setpass.web import CSRF_FIELD, csrf_ok, csrf_token, reply
from setpass_client.reference import ACCEPTED_HEADER, new_reference, shown

log = logging.getLogger("setpass")
bp = Blueprint("setpass", __name__)

MISSING = "Missing required field!"
NOT_FOUND = "Token not found"
EXPIRED = "Token expired"
LOCKED = "Account locked, too many wrong attempts!"
WRONG_PIN = "Wrong pin"
MISMATCH = "Passwords do not match"
BAD_PIN = "Pin should be 4-digit number"
FORM_EXPIRED = "The form has expired. Please reload the page and try again."
TOO_MANY = "Too many requests. Please wait a little and try again."
ASK_HELPDESK = "Please ask the helpdesk for a new link."
RESET_TITLE = "Request a password reset"
BOTH_PINS = "Bad request: give pin or pin_reference, not both"


@dataclass
class Services:
    """What the views use; one per app (see `setpass.app.create_app`)."""

    settings: Settings
    store: Store
    keyring: Keyring
    keystone: Keystone
    now: Callable[[], datetime]
    form_limiter: RateLimiter
    reset_limiter: RateLimiter
    api_limiter: RateLimiter
    reset_requests: ResetRequests


def services() -> Services:
    found: Services = current_app.extensions["setpass"]
    return found


def _client() -> str:
    return request.remote_addr or "unknown"


def _limited(limiter: RateLimiter) -> Response | None:
    wait = limiter.hit(_client())
    if wait is None:
        return None
    log.warning("rate limit: %s %s from %s", request.method, request.path, _client())
    response = reply(TOO_MANY, 429)
    response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return response


def _expired(svc: Services, record: Record) -> bool:
    lifetime = timedelta(seconds=svc.settings.token_expiration)
    return svc.now() - record.updated_at >= lifetime


def _lookup(token: str | None) -> tuple[Record | None, str]:
    """The record for a link token (or None) and the token's hash."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None, ""
    token_hash = hash_token(token)
    return services().store.by_token_hash(token_hash), token_hash


def _link_state(svc: Services, record: Record | None) -> Response | None:
    """The refusal for an unknown, expired or locked link; None if the link is usable."""
    # Every refusal page offers the way on that the form page offers: the reset form.
    if record is None:
        return reply(NOT_FOUND, 404, hint="The link is not valid. " + ASK_HELPDESK, reset_link=True)
    if _expired(svc, record):
        return reply(EXPIRED, 403, hint="The link is too old. " + ASK_HELPDESK, reset_link=True)
    if record.attempts >= svc.settings.max_attempts:
        return reply(LOCKED, 403, hint=ASK_HELPDESK, reset_link=True)
    return None


def _retry(message: str, status: int, hint: str = "") -> Response:
    """A mistake the visitor can fix: browsers get the form again with the message on top."""
    settings = services().settings
    return reply(
        message,
        status,
        hint=hint,
        page="form.html",
        min_length=settings.min_password_length,
        max_length=settings.max_password_length,
    )


def _reset_retry(message: str, status: int) -> Response:
    """The reset form again, with what was typed (not the PIN) and the message on top."""
    return reply(
        message,
        status,
        title=RESET_TITLE,
        page="reset.html",
        name=request.form.get("name", "")[:128],
        email=request.form.get("email", "")[:254],
    )


def _password_policy(svc: Services, password: str) -> str | None:
    low, high = svc.settings.min_password_length, svc.settings.max_password_length
    if len(password) < low:
        return f"The password must be at least {low} characters long."
    if len(password.encode("utf-8", "surrogatepass")) > high:
        # Keystone's bcrypt would silently cut it at `high` bytes
        return f"The password must be at most {high} characters long (fewer with accented letters)."
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "The password must not contain control characters."
    return None


@bp.get("/")
def form() -> Response:
    svc = services()
    if (limited := _limited(svc.api_limiter)) is not None:
        return limited
    record, _ = _lookup(request.args.get("token"))
    refusal = _link_state(svc, record)
    if refusal is not None:
        return refusal
    return Response(
        render_template(
            "form.html",
            csrf_field=CSRF_FIELD,
            csrf=csrf_token(),
            min_length=svc.settings.min_password_length,
            max_length=svc.settings.max_password_length,
        ),
        mimetype="text/html",
    )


@bp.post("/")
def set_password() -> Response:
    svc = services()
    if (limited := _limited(svc.form_limiter)) is not None:
        return limited
    # The original's order: the fields' presence and match, then the link's state. The CSRF
    # field comes after the link's state (a client that never loaded the form still learns that
    # a link is unknown, used, expired or locked) and before anything about the PIN.
    fields = [request.form.get(k) for k in ("pin", "password", "confirm_password")]
    if any(value is None or value == "" for value in fields):
        return _retry(MISSING, 400)
    pin, password, confirm = (str(value) for value in fields)
    if password != confirm:
        return _retry(MISMATCH, 400)
    record, token_hash = _lookup(request.args.get("token"))
    refusal = _link_state(svc, record)
    if refusal is not None or record is None:
        return refusal or reply(NOT_FOUND, 404)
    if not csrf_ok():
        return _retry(FORM_EXPIRED, 400)
    if not valid_pin(pin):
        return _retry(BAD_PIN, 400)
    if (problem := _password_policy(svc, password)) is not None:
        return _retry(problem, 400)
    if not svc.keyring.pin_matches(record.user_id, pin, record.pin_hash):
        count = svc.store.count_wrong_pin(record.id, svc.settings.max_attempts)
        log.info(
            "wrong PIN for user %s (attempt %s of %s)",
            record.user_id,
            count,
            svc.settings.max_attempts,
        )
        if count is None or count >= svc.settings.max_attempts:
            return reply(LOCKED, 403, hint=ASK_HELPDESK, reset_link=True)
        left = svc.settings.max_attempts - count
        return _retry(WRONG_PIN, 403, hint=f"{left} attempt{'s' if left != 1 else ''} left.")

    try:
        temporary = svc.keyring.decrypt_password(record.password_enc)
    except DecryptError:
        log.error("user %s: temporary password unreadable (secret_key changed?)", record.user_id)
        return reply("This link cannot be used any more. " + ASK_HELPDESK, 500)
    result = svc.keystone.change_password(record.user_id, temporary, password)
    if result.outcome is ChangeOutcome.CHANGED:
        svc.store.delete(record.id, token_hash)
        log.info("password set for user %s", record.user_id)
        return _success(svc)
    log.warning("user %s: Keystone %s", record.user_id, result.outcome.value)
    if result.outcome is ChangeOutcome.REFUSED:
        return _retry(result.detail, 400, hint="Please choose another password.")
    if result.outcome is ChangeOutcome.STALE:
        return reply("Your temporary password is no longer valid. " + ASK_HELPDESK, 409)
    if result.outcome is ChangeOutcome.NO_USER:
        return reply("Your account was not found. " + ASK_HELPDESK, 404)
    return _retry("The identity service is not reachable. Please try again in a few minutes.", 503)


def _success(svc: Services) -> Response:
    return reply("Password set.", 200, title="Password set", login_url=svc.settings.login_url)


@bp.put("/token/<user_id>")
def register(user_id: str) -> Response:
    """Create or renew a registration; the body of the answer is the new link token."""
    svc = services()
    if (limited := _limited(svc.api_limiter)) is not None:
        return limited
    if (refusal := _admin_refusal(svc, user_id)) is not None:
        return refusal

    body = _json_object()
    if body is None:
        return Response("Bad request: the body must be a JSON object", 400, mimetype="text/plain")
    password, pin = body.get("password"), body.get("pin")
    if password is not None and (not isinstance(password, str) or not 0 < len(password) <= 4096):
        return Response(
            "Bad request: password must be a non-empty string", 400, mimetype="text/plain"
        )
    if pin is not None and not valid_pin(pin):
        return Response(BAD_PIN, 400, mimetype="text/plain")
    pin_hash = svc.keyring.hash_pin(user_id, pin) if pin is not None else None
    redeemed: Pending | None = None
    if "pin_reference" in body:
        if pin is not None:
            return Response(BOTH_PINS, 400, mimetype="text/plain")
        found = reset_api.redeemable(svc, user_id, body["pin_reference"])
        if isinstance(found, Response):
            return found
        redeemed, pin_hash = found, found.pin_hash

    token = new_token()
    stored = svc.store.upsert(
        user_id,
        hash_token(token),
        svc.now(),
        pin_hash=pin_hash,
        password_enc=svc.keyring.encrypt_password(password) if password is not None else None,
    )
    if not stored:
        return Response(MISSING, 400, mimetype="text/plain")
    if redeemed is not None:
        # after the upsert: a crash in between leaves the reference usable for the retry
        if not svc.reset_requests.mark_used(redeemed.id, user_id, svc.now()):
            return reset_api.refusal(reset_api.USED)
        log.info("registration for user %s took its PIN from a reset reference", user_id)
        response = Response(token, 200, mimetype="text/plain")
        response.headers[ACCEPTED_HEADER] = "accepted"
        return response
    log.info("registration for user %s issued a new link", user_id)
    return Response(token, 200, mimetype="text/plain")


def _admin_refusal(svc: Services, user_id: str) -> Response | None:
    """The answer to a caller without the admin role, or to a malformed user id; None if OK."""
    admin_token = request.headers.get("X-Auth-Token")
    if not admin_token:
        return Response("Unauthorized", 401, mimetype="text/plain")
    check = svc.keystone.check_admin(admin_token)
    if check is AdminCheck.UNAVAILABLE:
        return Response("Keystone is not reachable", 503, mimetype="text/plain")
    if check is not AdminCheck.ADMIN:
        return Response("Forbidden", 403, mimetype="text/plain")
    if not 0 < len(user_id) <= 64 or not user_id.isascii() or not user_id.isprintable():
        return Response("Invalid user id", 400, mimetype="text/plain")
    return None


@bp.get("/token/<user_id>")
def status(user_id: str) -> Response:
    """Whether a registration is waiting (new): {"state": pending|expired|locked, "expires_at"}.

    404 when there is none: the user has set their password (the record is deleted then), or it
    was never made or was purged. Admin only, like PUT; the answer holds no token or secret.
    """
    svc = services()
    if (limited := _limited(svc.api_limiter)) is not None:
        return limited
    if (refusal := _admin_refusal(svc, user_id)) is not None:
        return refusal
    record = svc.store.by_user_id(user_id)
    if record is None:
        return Response("No registration", 404, mimetype="text/plain")
    # locked first (unlike the form): a link someone guessed PINs on must not be renewed blindly
    if record.attempts >= svc.settings.max_attempts:
        state = "locked"
    elif _expired(svc, record):
        state = "expired"
    else:
        state = "pending"
    expires = record.updated_at + timedelta(seconds=svc.settings.token_expiration)
    body = {"state": state, "expires_at": expires.isoformat(timespec="seconds")}
    return Response(json.dumps(body), 200, mimetype="application/json")


def _json_object() -> dict[str, Any] | None:
    """The body as a JSON object; an empty body is {} (the original's renew-only call)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    parsed = request.get_json(force=True, silent=True)
    return parsed if isinstance(parsed, dict) else None


@bp.get("/reset")
def reset_form() -> Response:
    if (limited := _limited(services().api_limiter)) is not None:
        return limited
    return Response(
        render_template("reset.html", csrf_field=CSRF_FIELD, csrf=csrf_token()),
        mimetype="text/html",
    )


@bp.post("/reset")
def reset_request() -> Response:
    svc = services()
    if (limited := _limited(svc.reset_limiter)) is not None:
        return limited
    if not csrf_ok():
        return _reset_retry(FORM_EXPIRED, 400)
    values = [request.form.get(k) for k in ("name", "email", "confirm_email", "pin")]
    if any(value is None or value.strip() == "" for value in values):
        return _reset_retry(MISSING, 400)
    raw_name, raw_email, raw_confirm, pin = (str(value) for value in values)
    if raw_email.strip() != raw_confirm.strip():
        return _reset_retry("Email addresses do not match.", 400)
    name, email = mail.clean_name(raw_name), mail.clean_email(raw_email)
    if name is None:
        return _reset_retry("Please enter your name without special characters.", 400)
    if email is None:
        return _reset_retry("Please enter a valid email address.", 400)
    if not valid_pin(pin):
        return _reset_retry(BAD_PIN, 400)
    if not svc.settings.helpdesk_email:
        log.error("reset request refused: helpdesk_email is not configured")
        return reply("Password resets are not available here. Please write to the helpdesk.", 503)
    reference = new_reference()
    try:
        message = mail.build_ticket(
            svc.settings, name=name, username=email, reference=shown(reference)
        )
        # stored before the mail: a reference in a ticket always exists
        svc.reset_requests.add(
            svc.keyring.hash_reference(reference),
            email,
            svc.keyring.hash_pin_salted(pin),
            svc.now(),
        )
        mail.send(svc.settings, message)
    except (mail.MailError, OSError, KeyError, ValueError, IndexError, SQLAlchemyError) as exc:
        log.error("reset ticket not sent: %s", type(exc).__name__)
        return reply("The request could not be forwarded. Please try again later.", 503)
    log.info("reset ticket sent to the helpdesk")
    return reply("The request has been forwarded to the helpdesk.", 200, title=RESET_TITLE)
