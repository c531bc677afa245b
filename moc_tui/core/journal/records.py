"""What the journal hands back: plain frozen records, no connection attached."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any


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


def error_record(r: sqlite3.Row) -> ErrorRecord:
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


def outbox_item(r: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        r["id"],
        r["request_key"],
        r["kind"],
        json.loads(r["payload"]),
        r["attempts"],
        r["last_error"],
        r["claimed_by"],
    )


def audit_record(r: sqlite3.Row) -> AuditRecord:
    return AuditRecord(
        r["id"], r["at"], r["operator"], r["action"], r["request_key"], json.loads(r["detail"])
    )


def step_record(r: sqlite3.Row) -> StepRecord:
    return StepRecord(r["request_key"], r["step"], json.loads(r["data"]), r["at"])
