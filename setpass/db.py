"""The registrations table and every query the service makes on it (SQLAlchemy 2.x).

One row per Keystone user waiting to set a password. The row holds only a hash of the link token,
a keyed hash of the PIN and the temporary password encrypted; see `setpass.crypto`. Attempts are
counted with a conditional UPDATE, so concurrent wrong PINs can never pass `max_attempts`, also
when they reach different worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Registration(Base):
    """A user's pending first password (the original's `users` table, without plaintext)."""

    __tablename__ = "setpass_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    password_enc: Mapped[str] = mapped_column(Text)
    # naive UTC: SQLite drops time zones, so every backend stores the same thing
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Record:
    """A detached copy of a row, safe to use after the session is closed."""

    id: int
    user_id: str
    pin_hash: str
    password_enc: str
    updated_at: datetime  # aware, UTC
    attempts: int


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


_COLUMNS = (
    Registration.id,
    Registration.user_id,
    Registration.pin_hash,
    Registration.password_enc,
    Registration.updated_at,
    Registration.attempts,
)


_FIELDS = ("user_id", "token_hash", "pin_hash", "password_enc", "updated_at", "attempts")


def _upsert_statement(dialect: str) -> Any:
    """INSERT, or on the user's existing row replace every column: one statement.

    Built once with bind parameters (`p_<column>`): building and keying a statement costs more
    CPU than the round trip it makes.
    """
    values: dict[str, Any] = {name: bindparam("p_" + name) for name in _FIELDS}
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(Registration).values(**values)
        replaced = {name: statement.excluded[name] for name in _FIELDS if name != "user_id"}
        return statement.on_conflict_do_update(index_elements=["user_id"], set_=replaced)
    if dialect in ("mysql", "mariadb"):
        my = mysql_insert(Registration).values(**values)
        return my.on_duplicate_key_update(
            {name: my.inserted[name] for name in _FIELDS if name != "user_id"}
        )
    raise NotImplementedError(f"setpass does not support the {dialect} database")


_BY_TOKEN_HASH = select(*_COLUMNS).where(Registration.token_hash == bindparam("p_key"))
_BY_USER_ID = select(*_COLUMNS).where(Registration.user_id == bindparam("p_key"))


class Store:
    """The registration queries, each one atomic statement on an autocommit engine.

    One statement per call keeps a request to a few round trips to the database server, and
    makes every change atomic without holding a transaction open.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        self._upsert = _upsert_statement(self._dialect)

    def _one(self, statement: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(statement)

    def by_token_hash(self, token_hash: str) -> Record | None:
        return self._find(_BY_TOKEN_HASH, token_hash)

    def by_user_id(self, user_id: str) -> Record | None:
        return self._find(_BY_USER_ID, user_id)

    def _find(self, statement: Any, key: str) -> Record | None:
        with self.engine.connect() as conn:
            row = conn.execute(statement, {"p_key": key}).one_or_none()
        if row is None:
            return None
        values = row._asdict()
        values["updated_at"] = values["updated_at"].replace(tzinfo=UTC)
        return Record(**values)

    def exists(self, user_id: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.scalar(select(Registration.id).where(Registration.user_id == user_id))
        return found is not None

    def upsert(
        self,
        user_id: str,
        token_hash: str,
        now: datetime,
        pin_hash: str | None,
        password_enc: str | None,
    ) -> bool:
        """Create or renew: a new token, attempts 0, fresh timestamp; None keeps a field.

        Returns False when the user is new and a field is missing (nothing written). With both
        fields it is one INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE, so two concurrent
        first registrations of one user cannot both insert.
        """
        values: dict[str, Any] = {
            "token_hash": token_hash,
            "updated_at": _naive(now),
            "attempts": 0,
        }
        if pin_hash is not None:
            values["pin_hash"] = pin_hash
        if password_enc is not None:
            values["password_enc"] = password_enc
        if pin_hash is None or password_enc is None:  # a renewal: only an existing row
            result = self._one(
                update(Registration).where(Registration.user_id == user_id).values(**values)
            )
            return bool(result.rowcount == 1)
        values["user_id"] = user_id
        with self.engine.connect() as conn:
            conn.execute(self._upsert, {"p_" + name: values[name] for name in _FIELDS})
        return True

    def count_wrong_pin(self, record_id: int, max_attempts: int) -> int | None:
        """Add one attempt unless already locked; the new count, or None if it was locked.

        The count comes back from the UPDATE itself (RETURNING, or a MariaDB/MySQL session
        variable set by it), so parallel wrong PINs each learn their own count.
        """
        allowed = (Registration.id == record_id, Registration.attempts < max_attempts)
        with self.engine.connect() as conn:
            if self._dialect in ("mysql", "mariadb"):
                result = conn.execute(
                    update(Registration)
                    .where(*allowed)
                    .values(attempts=literal_column("(@setpass_attempts := attempts + 1)"))
                )
                if result.rowcount != 1:
                    return None
                return int(conn.execute(text("SELECT @setpass_attempts")).scalar_one())
            found = conn.execute(
                update(Registration)
                .where(*allowed)
                .values(attempts=Registration.attempts + 1)
                .returning(Registration.attempts)
            ).scalar_one_or_none()
            return None if found is None else int(found)

    def delete(self, record_id: int, token_hash: str) -> None:
        """Forget a used registration (only if it was not renewed in the meantime)."""
        self._one(
            delete(Registration).where(
                Registration.id == record_id, Registration.token_hash == token_hash
            )
        )

    def purge_expired(self, now: datetime, max_age_seconds: int) -> int:
        """Delete every registration older than the link lifetime; the number deleted."""
        cutoff = _naive(now - timedelta(seconds=max_age_seconds))
        result = self._one(delete(Registration).where(Registration.updated_at < cutoff))
        return int(result.rowcount)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count(Registration.id))) or 0)
