"""What the reset form stores: the visitor's PIN (hashed) under a random reference.

The helpdesk ticket carries the reference, never the PIN; the operator's reset hands the
reference back (PUT /token/<user_id> with `pin_reference`), and the registration then takes the
stored PIN hash as it is, so the PIN never leaves setpass. A reference is single use and expires.

Marking a reference used is a conditional UPDATE, so two resets racing on one reference cannot
both win. Rows past their expiry are deleted by the form itself, which keeps the table small
without a job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Engine, Integer, String, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from setpass.db import Base

LIFETIME = timedelta(days=7)  # a ticket waits up to a business day; a long weekend fits twice
KEEP_USED = timedelta(days=1)  # after expiry, so "already used" is said rather than "unknown"


class ResetRequest(Base):
    """One reset form submission waiting for (or used by) an operator's reset."""

    __tablename__ = "setpass_reset_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))  # lower case, as the visitor typed it
    pin_hash: Mapped[str] = mapped_column(String(64))  # salted (`Keyring.hash_pin_salted`)
    # naive UTC, as in setpass_registrations
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False), nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # Keystone user id


@dataclass(frozen=True)
class Pending:
    """A detached copy of a row."""

    id: int
    email: str
    pin_hash: str
    expires_at: datetime  # aware, UTC
    used_by: str | None


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class ResetRequests:
    """The queries on `setpass_reset_requests`; each method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, reference_hash: str, email: str, pin_hash: str, now: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(ResetRequest).where(ResetRequest.expires_at < _naive(now - KEEP_USED))
            )
            session.add(
                ResetRequest(
                    reference_hash=reference_hash,
                    email=email.lower(),
                    pin_hash=pin_hash,
                    created_at=_naive(now),
                    expires_at=_naive(now + LIFETIME),
                )
            )

    def find(self, reference_hash: str) -> Pending | None:
        with self._sessions.begin() as session:
            row = session.scalars(
                select(ResetRequest).where(ResetRequest.reference_hash == reference_hash)
            ).one_or_none()
            if row is None:
                return None
            return Pending(
                row.id, row.email, row.pin_hash, row.expires_at.replace(tzinfo=UTC), row.used_by
            )

    def mark_used(self, request_id: int, user_id: str, now: datetime) -> bool:
        """Bind the reference to `user_id`; False if another user's reset took it first."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(ResetRequest)
                .where(
                    ResetRequest.id == request_id,
                    or_(ResetRequest.used_by.is_(None), ResetRequest.used_by == user_id),
                )
                .values(used_by=user_id, used_at=func.coalesce(ResetRequest.used_at, _naive(now)))
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
