"""Turning the configured `database` URL into an SQLAlchemy engine.

The seeds write `mysql://user:pw@host/db`; a URL without a driver gets the pure-Python driver
the `setpass-mysql` / `setpass-postgres` extras install (PyMySQL, psycopg 3). Statement
parameters never reach a log (`hide_parameters`): they are token and PIN hashes and the
encrypted temporary password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

_DEFAULT_DRIVERS = {
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
}
_EXTRA_OF_MODULE = {"pymysql": "setpass-mysql", "psycopg": "setpass-postgres"}


class DatabaseConfigError(ValueError):
    """The database URL cannot be used: malformed, or its driver is not installed."""


def engine_url(raw: str) -> URL:
    """The URL setpass connects to, with the default driver filled in."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseConfigError("database is not a valid SQLAlchemy URL") from exc
    if url.drivername in _DEFAULT_DRIVERS:
        url = url.set(drivername=_DEFAULT_DRIVERS[url.drivername])
    return url


def shown(raw: str) -> str:
    """The URL with its password masked, for messages and `setpass check`."""
    try:
        return engine_url(raw).render_as_string(hide_password=True)
    except DatabaseConfigError:
        return "(not a valid URL)"


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers run beside the writer; busy_timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(raw: str) -> Engine:
    """An engine for the URL; for SQLite files, the folder is created if missing."""
    url = engine_url(raw)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        # Autocommit: every query setpass makes is one atomic statement, so it needs no
        # BEGIN/COMMIT round trips (see setpass.db).
        engine = create_engine(
            url, pool_pre_ping=not sqlite, hide_parameters=True, isolation_level="AUTOCOMMIT"
        )
    except ModuleNotFoundError as exc:
        extra = _EXTRA_OF_MODULE.get(str(exc.name), "")
        hint = f": pip install 'moc-tui[{extra}]'" if extra else ""
        raise DatabaseConfigError(
            f"database {shown(raw)} needs the Python module {exc.name!r}{hint}"
        ) from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
