"""The WSGI application factory.

`create_app()` reads the config (explicit path, $SETPASS_CONFIG or /etc), opens the database
(migrating its schema to this release's), and wires the views. Tests pass `Settings` and a
clock directly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from setpass import schema
from setpass.config import Settings, load_settings
from setpass.crypto import Keyring
from setpass.db import Store
from setpass.engine import make_engine
from setpass.keystone import Keystone
from setpass.ratelimit import RateLimiter
from setpass.reset_requests import ResetRequests
from setpass.views import Services, bp
from setpass.web import CsrfCookieInterface, install_log_redaction, security_headers

MAX_BODY = 64 * 1024  # the largest legitimate request is a few hundred bytes


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    config_path: str | os.PathLike[str] | None = None,
    now: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Flask:
    """Build the app; `now` (aware UTC) decides link expiry and rate-limit windows, `monotonic`
    the admin-token cache."""
    if settings is None:
        settings = load_settings(config_path)
    install_log_redaction()
    keyring = Keyring.from_secret(settings.secret_key)
    engine = make_engine(settings.database)
    schema.upgrade(engine)
    # No connection may cross a fork (gunicorn --preload, mod_wsgi): each worker opens its own.
    engine.dispose()
    store = Store(engine)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=keyring.session_key,
        SESSION_COOKIE_NAME="setpass_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
    )
    app.session_interface = CsrfCookieInterface()
    app.extensions["setpass"] = Services(
        settings=settings,
        store=store,
        keyring=keyring,
        keystone=Keystone(settings, monotonic),
        now=now,
        form_limiter=RateLimiter("form", settings.form_rate_limit, engine, now),
        reset_limiter=RateLimiter("reset", settings.reset_rate_limit, engine, now),
        api_limiter=RateLimiter("api", settings.api_rate_limit, engine, now),
        reset_requests=ResetRequests(store.engine),
    )
    app.register_blueprint(bp)
    app.after_request(security_headers)
    if settings.proxy_count:
        # Behind Apache/nginx: trust exactly that many X-Forwarded-* hops (client IP, https).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    return app


def services_of(app: Flask) -> Services:
    """The app's services (tests and the bench read the store and the Keystone call count)."""
    found: Services = app.extensions["setpass"]
    return found
