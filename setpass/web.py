"""HTTP plumbing shared by the views: CSRF, security headers, log redaction, message replies."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Any

from flask import Flask, Response, render_template, request, session
from flask.sessions import SecureCookieSessionInterface

# The link token travels in the query string; access logs must not keep it.
_TOKEN_IN_URL = re.compile(r"(?i)(token=)[^&\s\"']+")
REDACTED = "[redacted]"
CSRF_FIELD = "csrf_token"

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def redact(text: str) -> str:
    return _TOKEN_IN_URL.sub(r"\1" + REDACTED, text)


class RedactTokenFilter(logging.Filter):
    """Rewrites `token=...` in a log record's final message (werkzeug/gunicorn access lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "waitress")


def install_log_redaction() -> None:
    """Idempotent: one filter per access logger; handlers of the root logger get one too."""
    loggers = [logging.getLogger(name) for name in ACCESS_LOGGERS]
    for logger in loggers:
        if not any(isinstance(f, RedactTokenFilter) for f in logger.filters):
            logger.addFilter(RedactTokenFilter())


def csrf_token() -> str:
    """The form's hidden value; the same value lives in the signed session cookie."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_ok() -> bool:
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    return isinstance(expected, str) and hmac.compare_digest(expected, given)


class CsrfCookieInterface(SecureCookieSessionInterface):
    """The session cookie (it only holds the CSRF nonce) is Secure whenever the request is https.

    `SESSION_COOKIE_SECURE` (config `secure_cookies`) forces it even when the request looks like
    plain http, for a TLS proxy in front that is not declared with `proxy_count`.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path != "/static/setpass.css":
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def wants_html() -> bool:
    """Browsers ask for text/html; scripts (curl, requests: */*) get the original plain strings."""
    return "text/html" in request.headers.get("Accept", "")


def reply(
    message: str,
    status: int,
    *,
    title: str = "Set your password",
    hint: str = "",
    page: str = "message.html",
    **extra: Any,
) -> Response:
    """The original's plain-string answer, or the same message in a page for browsers.

    `page` is the template for browsers: the message page, or a form shown again with the
    message above it when the visitor can correct the input and retry.
    """
    if wants_html():
        if page != "message.html":
            extra.update(csrf_field=CSRF_FIELD, csrf=csrf_token())
        body = render_template(page, title=title, message=message, hint=hint, **extra)
        return Response(body, status=status, mimetype="text/html")
    return Response(message, status=status, mimetype="text/plain")
