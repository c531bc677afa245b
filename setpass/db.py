"""The registrations table and every query the service makes on it (SQLAlchemy 2.x).

One row per Keystone user waiting to set a password. The row holds only a hash of the link token,
a keyed hash of the PIN and the temporary password encrypted; see `setpass.crypto`. Attempts are
counted with a conditional UPDATE, so concurrent wrong PINs can never pass `max_attempts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


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


def _record(row: Registration) -> Record:
    return Record(
        id=row.id,
        user_id=row.user_id,
        pin_hash=row.pin_hash,
        password_enc=row.password_enc,
        updated_at=row.updated_at.replace(tzinfo=UTC),
        attempts=row.attempts,
    )


class Store:
    """The registration queries; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def by_token_hash(self, token_hash: str) -> Record | None:
        with self._session() as session:
            row = session.scalars(
                select(Registration).where(Registration.token_hash == token_hash)
            ).one_or_none()
            return _record(row) if row else None

    def by_user_id(self, user_id: str) -> Record | None:
        with self._session() as session:
            row = session.scalars(
                select(Registration).where(Registration.user_id == user_id)
            ).one_or_none()
            return _record(row) if row else None

    def exists(self, user_id: str) -> bool:
        with self._session() as session:
            found = session.scalar(select(Registration.id).where(Registration.user_id == user_id))
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

        Returns False when the user is new and a field is missing (nothing written). Two
        concurrent first registrations of one user race on the unique user_id; the loser retries
        as a renewal.
        """
        try:
            return self._upsert(user_id, token_hash, now, pin_hash, password_enc)
        except IntegrityError:
            return self._upsert(user_id, token_hash, now, pin_hash, password_enc)

    def _upsert(
        self,
        user_id: str,
        token_hash: str,
        now: datetime,
        pin_hash: str | None,
        password_enc: str | None,
    ) -> bool:
        with self._session() as session:
            row = session.scalars(
                select(Registration).where(Registration.user_id == user_id).with_for_update()
            ).one_or_none()
            if row is None:
                if pin_hash is None or password_enc is None:
                    return False
                session.add(
                    Registration(
                        user_id=user_id,
                        token_hash=token_hash,
                        pin_hash=pin_hash,
                        password_enc=password_enc,
                        updated_at=_naive(now),
                        attempts=0,
                    )
                )
                return True
            row.token_hash = token_hash
            row.updated_at = _naive(now)
            row.attempts = 0
            if pin_hash is not None:
                row.pin_hash = pin_hash
            if password_enc is not None:
                row.password_enc = password_enc
            return True

    def count_wrong_pin(self, record_id: int, max_attempts: int) -> int | None:
        """Add one attempt unless already locked; the new count, or None if it was locked."""
        with self._session() as session:
            result = session.execute(
                update(Registration)
                .where(Registration.id == record_id, Registration.attempts < max_attempts)
                .values(attempts=Registration.attempts + 1)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return session.scalar(select(Registration.attempts).where(Registration.id == record_id))

    def delete(self, record_id: int, token_hash: str) -> None:
        """Forget a used registration (only if it was not renewed in the meantime)."""
        with self._session() as session:
            session.execute(
                delete(Registration).where(
                    Registration.id == record_id, Registration.token_hash == token_hash
                )
            )

    def purge_expired(self, now: datetime, max_age_seconds: int) -> int:
        """Delete every registration older than the link lifetime; the number deleted."""
        cutoff = _naive(now - timedelta(seconds=max_age_seconds))
        with self._session() as session:
            result = session.execute(delete(Registration).where(Registration.updated_at < cutoff))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def count(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count(Registration.id))) or 0)
