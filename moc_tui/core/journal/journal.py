"""Read and write the journal: steps done per request, the mail outbox, errors, audit.

Each write is committed before it returns, so a crash after a call never loses what the call
recorded, unless the caller groups its writes (`Journal.grouped`): then a write nobody reads back
at once waits in memory for the next commit, which is the next `commit()`, transaction, write
whose answer is needed, read of a table it wrote, or the end of the group. Every commit is an
fsync; grouping is how a run pays for one per external effect instead of one per record. Times
are UTC ISO-8601; the clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moc_tui.core.journal.db import connect
from moc_tui.core.journal.records import (
    AuditRecord,
    ErrorRecord,
    OutboxItem,
    StepRecord,
    audit_record,
    error_record,
    outbox_item,
    step_record,
)

Clock = Callable[[], datetime]
REKEYED = "rekeyed"  # a request's records moved to its new key (`rekey`): detail `from`
Write = tuple[str, str, tuple[Any, ...]]  # table, statement, arguments


def utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """The one journal of a state directory. Safe to share between threads of one process."""

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = path
        self._conn = connect(path)
        self._clock = clock
        self._lock = threading.RLock()  # one connection: one thread in it at a time
        self._waiting: list[Write] = []  # grouped writes not committed yet, in order
        self._grouping = threading.local()  # per thread: how deep in `grouped()` it is
        self._in_transaction = False
        self.commits = 0  # transactions committed through this object (benches, tests)

    def close(self) -> None:
        with self._lock:
            self.commit()
            self._conn.close()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    # commits -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes so they commit together (or not at all), after what waits."""
        with self._lock:
            if self._in_transaction:  # nested: part of the enclosing one
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                for _table, sql, args in self._waiting:
                    self._conn.execute(sql, args)
                yield
            except BaseException:
                self._in_transaction = False
                self._conn.execute("ROLLBACK")  # what waited still waits
                raise
            self._in_transaction = False
            self._conn.execute("COMMIT")
            self._waiting.clear()
            self.commits += 1

    def commit(self) -> None:
        """Make every write so far durable now; nothing to do when none waits."""
        with self._lock:
            if self._waiting and not self._in_transaction:
                with self.transaction():
                    pass

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """Within the block (this thread), writes wait for the next commit instead of each
        committing. On leaving, normally or by an error, what waits is committed; when the
        process is going down (KeyboardInterrupt, SystemExit) it is left as a crash leaves it."""
        depth = getattr(self._grouping, "depth", 0)
        self._grouping.depth = depth + 1
        try:
            yield
        except Exception:
            self._grouping.depth = depth
            self.commit()
            raise
        except BaseException:
            self._grouping.depth = depth
            raise
        self._grouping.depth = depth
        self.commit()

    def _write(self, table: str, sql: str, args: tuple[Any, ...]) -> None:
        """A write (to `table`) whose answer nobody needs: in a group it waits for the next
        commit."""
        with self._lock:
            if self._in_transaction:
                self._conn.execute(sql, args)
            elif getattr(self._grouping, "depth", 0):
                self._waiting.append((table, sql, args))
            else:
                self._conn.execute(sql, args)
                self.commits += 1

    def _write_now(self, sql: str, args: tuple[Any, ...]) -> int:
        """A write whose answer is needed (rows changed): committed at once, after what waits."""
        with self.transaction():
            return self._conn.execute(sql, args).rowcount

    def _read(
        self, tables: tuple[str, ...], sql: str, args: tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        """Rows of `tables` as they stand with every write so far: when a write to one of them
        waits, everything waiting is committed first (in order)."""
        with self._lock:
            if any(table in tables for table, _sql, _args in self._waiting):
                self.commit()
            return list(self._conn.execute(sql, args))

    # steps ---------------------------------------------------------------------------------
    def step_done(self, request_key: str, step: str, data: Mapping[str, Any] | None = None) -> None:
        self._write(
            "steps",
            "INSERT INTO steps (request_key, step, status, data, at) VALUES (?, ?, 'done', ?, ?)"
            " ON CONFLICT (request_key, step) DO UPDATE SET status='done', data=excluded.data,"
            " at=excluded.at",
            (request_key, step, json.dumps(dict(data or {})), self._now()),
        )

    def rekey(
        self, old: str, new: str, operator: str = "moc-tui", detail: Mapping[str, Any] | None = None
    ) -> bool:
        """Move every record of `old` under `new`, once: False when `new` has steps already.

        How a request journaled under an earlier key scheme keeps its record, and one whose
        edit changed what it asks for keeps its trail (holds, edits, errors).
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
            self.audit(operator, REKEYED, new, {**(detail or {}), "from": old})
        return True

    def moved(self, request_key: str) -> tuple[str, int | None] | None:
        """When the request's row moved to the done tab, and from which row; None if never."""
        steps = self._read(
            ("steps", "audit"),
            "SELECT at, data FROM steps WHERE request_key = ? AND step = 'sheet'"
            " AND status = 'done'",
            (request_key,),
        )
        if not steps:
            return None
        row = json.loads(steps[0]["data"]).get("row")
        if row is None:
            audit = self._read(
                ("audit",),
                "SELECT detail FROM audit WHERE request_key = ? AND action = 'moved'"
                " ORDER BY id DESC LIMIT 1",
                (request_key,),
            )
            row = json.loads(audit[0]["detail"]).get("from") if audit else None
        return str(steps[0]["at"]), row if isinstance(row, int) else None

    def steps(self, request_key: str) -> dict[str, dict[str, Any]]:
        """Completed steps of a request and what each recorded (ids, names)."""
        rows = self._read(
            ("steps",),
            "SELECT step, data FROM steps WHERE request_key = ? AND status = 'done'",
            (request_key,),
        )
        return {row["step"]: json.loads(row["data"]) for row in rows}

    def with_step(self, step: str, *, without: Sequence[str] = ()) -> list[StepRecord]:
        """Every request that completed `step` and none of `without`, oldest first."""
        rows = self._read(
            ("steps",),
            "SELECT request_key, step, data, at FROM steps s WHERE step = ? AND status = 'done'"
            " AND NOT EXISTS (SELECT 1 FROM steps c WHERE c.request_key = s.request_key"
            " AND c.status = 'done' AND c.step IN (SELECT value FROM json_each(?)))"
            " ORDER BY at, rowid",  # oldest first; the same second in the order recorded
            (step, json.dumps(list(without))),
        )
        return [step_record(r) for r in rows]

    # outbox --------------------------------------------------------------------------------
    def enqueue_mail(self, request_key: str, kind: str, payload: Mapping[str, Any]) -> bool:
        """Queue a mail once per (request, kind); False when it was already queued or sent."""
        changed = self._write_now(
            "INSERT INTO outbox (request_key, kind, payload, status, created_at)"
            " VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (request_key, kind) DO NOTHING",
            (request_key, kind, json.dumps(dict(payload)), self._now()),
        )
        return changed == 1

    def pending_mail(self, request_key: str | None = None) -> list[OutboxItem]:
        query = "SELECT * FROM outbox WHERE status = 'pending'"
        args: tuple[str, ...] = ()
        if request_key is not None:
            query += " AND request_key = ?"
            args = (request_key,)
        return [outbox_item(r) for r in self._read(("outbox",), query + " ORDER BY id", args)]

    def claim_mail(
        self, item: OutboxItem, claimer: str, payload: Mapping[str, Any] | None = None
    ) -> bool:
        """Claim `item` for sending, replacing its payload when given; False: another run has it.

        A compare-and-set on the item as it was read (claim and attempts): of two runs that read
        the same item, one wins. A claim left by a run that died is taken over the same way; only
        a run holding the request's lock may do that, since the lock is what proves the claimer
        gone (every run that sends holds it). Committed at once: the claim is what a rerun sees
        of a mail that may have gone.
        """
        changed = self._write_now(
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
        return changed == 1

    def mail_attempt(self, item_id: int) -> None:
        """A claimed mail is about to go to the server: from now on it may have arrived."""
        self._write("outbox", "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))

    def mail_sent(self, item_id: int) -> None:
        """Sent: the attempt counts once (a claim counted it already)."""
        self._write(
            "outbox",
            "UPDATE outbox SET status = 'sent', sent_at = ?,"
            " attempts = attempts + (claimed_by IS NULL), claimed_by = NULL WHERE id = ?",
            (self._now(), item_id),
        )

    def mail_failed(self, item_id: int, error: str) -> None:
        """Not sent (as far as we know): back in the queue, the claim released."""
        self._write(
            "outbox",
            "UPDATE outbox SET attempts = attempts + (claimed_by IS NULL), last_error = ?,"
            " claimed_by = NULL WHERE id = ?",
            (error, item_id),
        )

    def mail_status(self, request_key: str, kind: str) -> str | None:
        rows = self._read(
            ("outbox",),
            "SELECT status FROM outbox WHERE request_key = ? AND kind = ?",
            (request_key, kind),
        )
        return str(rows[0]["status"]) if rows else None

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
        with self.transaction():
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
        return [error_record(r) for r in self._read(("errors",), query + " ORDER BY id DESC")]

    def acknowledge_error(self, error_id: int, operator: str) -> bool:
        changed = self._write_now(
            "UPDATE errors SET acknowledged_by = ?, acknowledged_at = ?"
            " WHERE id = ? AND acknowledged_at IS NULL",
            (operator, self._now(), error_id),
        )
        return changed == 1

    # audit ---------------------------------------------------------------------------------
    def audit(
        self,
        operator: str,
        action: str,
        request_key: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self._write(
            "audit",
            "INSERT INTO audit (at, operator, action, request_key, detail) VALUES (?, ?, ?, ?, ?)",
            (self._now(), operator, action, request_key, json.dumps(dict(detail or {}))),
        )

    def audit_trail(self, request_key: str | None = None) -> list[AuditRecord]:
        query, args = "SELECT * FROM audit", tuple[str, ...]()
        if request_key is not None:
            query, args = query + " WHERE request_key = ?", (request_key,)
        return [audit_record(r) for r in self._read(("audit",), query + " ORDER BY id", args)]


__all__ = ["REKEYED", "AuditRecord", "ErrorRecord", "Journal", "OutboxItem", "StepRecord"]
