"""The journal's SQLite file: one per state directory, private, schema versioned.

The journal is what makes provisioning resumable: every step a request completed, every mail
queued or sent, every failure and every operator action is committed here before the next thing
happens. It never holds a password, a PIN or a set-password token.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA = [
    # version 1
    """
    CREATE TABLE steps (
        request_key TEXT NOT NULL,
        step TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        data TEXT NOT NULL DEFAULT '{}',
        at TEXT NOT NULL,
        PRIMARY KEY (request_key, step)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        request_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (request_key, kind)
    );
    CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        request_key TEXT,
        tab TEXT,
        row INTEGER,
        email TEXT,
        step TEXT,
        message TEXT NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at TEXT
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        request_key TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_request ON audit (request_key);
    """,
    # version 2: the outbox claims a mail before sending it (see Journal.claim_mail)
    """
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
    CREATE INDEX errors_request ON errors (request_key);
    """,
]


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating, mode 0600) and migrate the journal; autocommit, each write its own
    transaction unless the caller opens one with `with conn:`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(SCHEMA[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn
