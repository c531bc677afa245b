"""Per-client rate limits counted in the database, so every worker process shares them.

A fixed window per limit: the row (bucket, slot) counts one client's requests in one window of
`limit.seconds`. One conditional UPDATE per request (`hits < count`) decides atomically, also
when the same client's requests reach different workers at once; the first request of a window
INSERTs the row and sweeps rows whose window has ended. The clock is the wall clock (aware UTC),
the one every worker shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    insert,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import DBAPIError, IntegrityError

from setpass.config import RateLimit

# Created by migration 0002; this is its Core description for the queries.
rate_limits = Table(
    "setpass_rate_limits",
    MetaData(),
    Column("bucket", String(96), primary_key=True),
    Column("slot", BigInteger, primary_key=True, autoincrement=False),
    Column("hits", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_setpass_rate_limits_expires_at", "expires_at"),
)
_MAX_BUCKET = 96
# Built once (every request runs it): one more hit in an existing window that is not full.
_COUNT = (
    sql_update(rate_limits)
    .where(
        rate_limits.c.bucket == bindparam("p_bucket"),
        rate_limits.c.slot == bindparam("p_slot"),
        rate_limits.c.hits < bindparam("p_max"),
    )
    .values(hits=rate_limits.c.hits + 1)
)


class RateLimiter:
    """`hit(client)` says whether one more request is allowed, and if not, when to retry."""

    def __init__(
        self, name: str, limit: RateLimit, engine: Engine, now: Callable[[], datetime]
    ) -> None:
        self.name = name
        self.limit = limit
        self._engine = engine  # autocommit (setpass.engine): one round trip per statement
        self._now = now

    def hit(self, client: str) -> float | None:
        """Count a request; None if allowed, else the seconds until the window ends."""
        moment = self._now().timestamp()
        slot = math.floor(moment / self.limit.seconds)
        ends = (slot + 1) * self.limit.seconds
        bucket = f"{self.name}:{client}"[:_MAX_BUCKET]
        if self._count(bucket, slot):
            return None
        try:
            with self._engine.connect() as conn:
                conn.execute(
                    insert(rate_limits).values(
                        bucket=bucket, slot=slot, hits=1, expires_at=math.ceil(ends)
                    )
                )
        except IntegrityError:  # the row exists: full, or another worker inserted it first
            if self._count(bucket, slot):
                return None
            return max(ends - moment, 0.001)
        self._sweep(moment)
        return None

    def _sweep(self, moment: float) -> None:
        """Forget ended windows; best effort (a lock conflict leaves them for the next sweep)."""
        try:
            with self._engine.connect() as conn:
                conn.execute(delete(rate_limits).where(rate_limits.c.expires_at < moment))
        except DBAPIError:
            pass

    def _count(self, bucket: str, slot: int) -> bool:
        """One more hit in an existing, not yet full window; False if none or full."""
        with self._engine.connect() as conn:
            result = conn.execute(
                _COUNT, {"p_bucket": bucket, "p_slot": slot, "p_max": self.limit.count}
            )
            return bool(result.rowcount == 1)
