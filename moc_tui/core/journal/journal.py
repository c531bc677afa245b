"""Read and write the journal: steps done per request, the mail outbox, errors, audit.

Each write is committed before it returns, so a crash after a call never loses what the call
recorded. Times are UTC ISO-8601; the clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moc_tui.core.journal.db import connect

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StepRecord:
    """One completed step of a request: what it recorded, and when."""

    request_key: str
    step: str
    data: dict[str, Any]
    at: str


@dataclass(frozen=True)
class OutboxItem:
    id: int
    request_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    claimed_by: str | None = None  # the run sending it now, or one that died while sending it


@dataclass(frozen=True)
class ErrorRecord:
    id: int
    at: str
    operator: str
    request_key: str | None
    tab: str | None
    row: int | None
    email: str | None
    step: str | None
    message: str
    acknowledged_by: str | None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: str
    operator: str
    action: str
    request_key: str | None
    detail: dict[str, Any]


class Journal:
    """The one journal of a state directory. Safe to share between threads of one process."""

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = path
        self._conn = connect(path)
        self._clock = clock

    def close(self) -> None:
        self._conn.close()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes so they commit together (or not at all)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # steps ---------------------------------------------------------------------------------
    def step_done(self, request_key: str, step: str, data: Mapping[str, Any] | None = None) -> None:
        self._conn.execute(
            "INSERT INTO steps (request_key, step, status, data, at) VALUES (?, ?, 'done', ?, ?)"
            " ON CONFLICT (request_key, step) DO UPDATE SET status='done', data=excluded.data,"
            " at=excluded.at",
            (request_key, step, json.dumps(dict(data or {})), self._now()),
        )

    def rekey(self, old: str, new: str) -> bool:
        """Move every record of `old` under `new`, once: False when `new` has steps already.

        How a request journaled under an earlier key scheme keeps its record.
        """
        with self.transaction():
            taken = self._conn.execute(
                "SELECT 1 FROM steps WHERE request_key = ? LIMIT 1", (new,)
            ).fetchone()
            if taken is not None:
                return False
            for table in ("steps", "outbox", "errors", "audit"):
                self._conn.execute(
                    f"UPDATE {table} SET request_key = ? WHERE request_key = ?",  # noqa: S608
                    (new, old),
                )
            self.audit("moc-tui", "rekeyed", new, {"from": old})
        return True

    def moved(self, request_key: str) -> tuple[str, int | None] | None:
        """When the request's row moved to the done tab, and from which row; None if never."""
        step = self._conn.execute(
            "SELECT at, data FROM steps WHERE request_key = ? AND step = 'sheet'"
            " AND status = 'done'",
            (request_key,),
        ).fetchone()
        if step is None:
            return None
        row = json.loads(step["data"]).get("row")
        if row is None:
            audit = self._conn.execute(
                "SELECT detail FROM audit WHERE request_key = ? AND action = 'moved'"
                " ORDER BY id DESC LIMIT 1",
                (request_key,),
            ).fetchone()
            row = None if audit is None else json.loads(audit["detail"]).get("from")
        return str(step["at"]), row if isinstance(row, int) else None

    def steps(self, request_key: str) -> dict[str, dict[str, Any]]:
        """Completed steps of a request and what each recorded (ids, names)."""
        rows = self._conn.execute(
            "SELECT step, data FROM steps WHERE request_key = ? AND status = 'done'",
            (request_key,),
        )
        return {row["step"]: json.loads(row["data"]) for row in rows}

    def with_step(self, step: str, *, without: Sequence[str] = ()) -> list[StepRecord]:
        """Every request that completed `step` and none of `without`, oldest first."""
        rows = self._conn.execute(
            "SELECT request_key, step, data, at FROM steps s WHERE step = ? AND status = 'done'"
            " AND NOT EXISTS (SELECT 1 FROM steps c WHERE c.request_key = s.request_key"
            " AND c.status = 'done' AND c.step IN (SELECT value FROM json_each(?)))"
            " ORDER BY at, request_key",
            (step, json.dumps(list(without))),
        )
        return [
            StepRecord(r["request_key"], r["step"], json.loads(r["data"]), r["at"]) for r in rows
        ]

    # outbox --------------------------------------------------------------------------------
    def enqueue_mail(self, request_key: str, kind: str, payload: Mapping[str, Any]) -> bool:
        """Queue a mail once per (request, kind); False when it was already queued or sent."""
        cursor = self._conn.execute(
            "INSERT INTO outbox (request_key, kind, payload, status, created_at)"
            " VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (request_key, kind) DO NOTHING",
            (request_key, kind, json.dumps(dict(payload)), self._now()),
        )
        return cursor.rowcount == 1

    def pending_mail(self, request_key: str | None = None) -> list[OutboxItem]:
        query = "SELECT * FROM outbox WHERE status = 'pending'"
        args: tuple[str, ...] = ()
        if request_key is not None:
            query += " AND request_key = ?"
            args = (request_key,)
        return [
            OutboxItem(
                r["id"],
                r["request_key"],
                r["kind"],
                json.loads(r["payload"]),
                r["attempts"],
                r["last_error"],
                r["claimed_by"],
            )
            for r in self._conn.execute(query + " ORDER BY id", args)
        ]

    def claim_mail(
        self, item: OutboxItem, claimer: str, payload: Mapping[str, Any] | None = None
    ) -> bool:
        """Claim `item` for sending, replacing its payload when given; False: another run has it.

        A compare-and-set on the item as it was read (claim and attempts): of two runs that read
        the same item, one wins. A claim left by a run that died is taken over the same way; only
        a run holding the request's lock may do that, since the lock is what proves the claimer
        gone (every run that sends holds it).
        """
        cursor = self._conn.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_at = ?, payload = COALESCE(?, payload)"
            " WHERE id = ? AND status = 'pending' AND claimed_by IS ? AND attempts = ?",
            (
                claimer,
                self._now(),
                None if payload is None else json.dumps(dict(payload)),
                item.id,
                item.claimed_by,
                item.attempts,
            ),
        )
        return cursor.rowcount == 1

    def mail_attempt(self, item_id: int) -> None:
        """A claimed mail is about to go to the server: from now on it may have arrived."""
        self._conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))

    def mail_sent(self, item_id: int) -> None:
        """Sent: the attempt counts once (a claim counted it already)."""
        self._conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?,"
            " attempts = attempts + (claimed_by IS NULL), claimed_by = NULL WHERE id = ?",
            (self._now(), item_id),
        )

    def mail_failed(self, item_id: int, error: str) -> None:
        """Not sent (as far as we know): back in the queue, the claim released."""
        self._conn.execute(
            "UPDATE outbox SET attempts = attempts + (claimed_by IS NULL), last_error = ?,"
            " claimed_by = NULL WHERE id = ?",
            (error, item_id),
        )

    def mail_status(self, request_key: str, kind: str) -> str | None:
        row = self._conn.execute(
            "SELECT status FROM outbox WHERE request_key = ? AND kind = ?", (request_key, kind)
        ).fetchone()
        return None if row is None else str(row["status"])

    # errors --------------------------------------------------------------------------------
    def record_error(
        self,
        operator: str,
        message: str,
        *,
        request_key: str | None = None,
        tab: str | None = None,
        row: int | None = None,
        email: str | None = None,
        step: str | None = None,
    ) -> int:
        """Record a failure; the same unacknowledged failure of a request is kept once, with
        the row it is on now (rows move up as others leave the tab)."""
        same = self._conn.execute(
            "SELECT id FROM errors WHERE acknowledged_at IS NULL AND request_key IS ?"
            " AND step IS ? AND message = ? AND (request_key IS NOT NULL OR row IS ?)",
            (request_key, step, message, row),
        ).fetchone()
        if same is not None:
            self._conn.execute("UPDATE errors SET row = ? WHERE id = ?", (row, same["id"]))
            return int(same["id"])
        cursor = self._conn.execute(
            "INSERT INTO errors (at, operator, request_key, tab, row, email, step, message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self._now(), operator, request_key, tab, row, email, step, message),
        )
        return int(cursor.lastrowid or 0)

    def errors(self, *, include_acknowledged: bool = False) -> list[ErrorRecord]:
        query = "SELECT * FROM errors"
        if not include_acknowledged:
            query += " WHERE acknowledged_at IS NULL"
        return [_error(r) for r in self._conn.execute(query + " ORDER BY id DESC")]

    def acknowledge_error(self, error_id: int, operator: str) -> bool:
        cursor = self._conn.execute(
            "UPDATE errors SET acknowledged_by = ?, acknowledged_at = ?"
            " WHERE id = ? AND acknowledged_at IS NULL",
            (operator, self._now(), error_id),
        )
        return cursor.rowcount == 1

    # audit ---------------------------------------------------------------------------------
    def audit(
        self,
        operator: str,
        action: str,
        request_key: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self._conn.execute(
            "INSERT INTO audit (at, operator, action, request_key, detail) VALUES (?, ?, ?, ?, ?)",
            (self._now(), operator, action, request_key, json.dumps(dict(detail or {}))),
        )

    def audit_trail(self, request_key: str | None = None) -> list[AuditRecord]:
        query, args = "SELECT * FROM audit", tuple[str, ...]()
        if request_key is not None:
            query, args = query + " WHERE request_key = ?", (request_key,)
        return [
            AuditRecord(
                r["id"],
                r["at"],
                r["operator"],
                r["action"],
                r["request_key"],
                json.loads(r["detail"]),
            )
            for r in self._conn.execute(query + " ORDER BY id", args)
        ]


def _error(r: sqlite3.Row) -> ErrorRecord:
    return ErrorRecord(
        r["id"],
        r["at"],
        r["operator"],
        r["request_key"],
        r["tab"],
        r["row"],
        r["email"],
        r["step"],
        r["message"],
        r["acknowledged_by"],
    )
