"""The database schema's version: Alembic migrations in `setpass/migrations`, run in place.

`upgrade(engine)` brings any database to the newest revision: an empty one is created, one made
by a release before migrations (the registrations table, no `alembic_version`) is stamped with
the baseline first, so the links in it keep working. Several workers starting at once take a
database lock (PostgreSQL advisory lock, MariaDB GET_LOCK) so one of them migrates.
`state(engine)` tells `setpass check` whether the database is behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
LEGACY_TABLE = "setpass_registrations"  # what every release before migrations created
_LOCK_KEY = 0x5E7_9A55  # any constant; names the advisory lock

log = logging.getLogger(__name__)


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    if found is None:
        raise RuntimeError("setpass/migrations has no revisions")
    return found


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no alembic_version table
    head: str
    legacy: bool  # tables from before migrations, not yet stamped

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        if self.up_to_date:
            return f"database schema up to date (revision {self.head})"
        if self.legacy:
            where = "made by a release before migrations"
        elif self.current is None:
            return "database is empty: the service creates the schema when it starts"
        else:
            where = f"at revision {self.current}"
        return (
            f"database schema is behind: {where}, this release needs revision {self.head};"
            " run `setpass upgrade` (the service also upgrades when it starts)"
        )


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        legacy = current is None and inspect(conn).has_table(LEGACY_TABLE)
    return SchemaState(current=current, head=head(), legacy=legacy)


@contextmanager
def _migration_lock(conn: Connection) -> Iterator[None]:
    """One migrating process at a time; SQLite serialises writers by itself."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
    elif dialect in ("mysql", "mariadb"):
        conn.execute(text("SELECT GET_LOCK('setpass_schema', 120)"))
    try:
        yield
    finally:
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
        elif dialect in ("mysql", "mariadb"):
            conn.execute(text("SELECT RELEASE_LOCK('setpass_schema')"))


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision; a no-op when it is there already."""
    if state(engine).up_to_date:
        return
    with engine.connect() as lock_conn, _migration_lock(lock_conn):
        lock_conn.commit()
        found = state(engine)
        if found.up_to_date:
            return  # another worker did it while we waited
        try:
            # the engine autocommits (setpass.engine); a migration runs in one transaction
            # wherever the database can (PostgreSQL and SQLite roll DDL back, MariaDB cannot)
            level = engine.dialect.default_isolation_level
            with engine.connect() as raw, raw.execution_options(isolation_level=level).begin():
                config = _config(raw)
                if found.legacy:
                    log.info("stamping a database from before migrations as %s", BASELINE)
                    command.stamp(config, BASELINE)
                command.upgrade(config, "head")
        except Exception:
            if state(engine).up_to_date:  # SQLite: a second process raced us and won
                return
            raise
    log.info("database schema upgraded to revision %s", head())
