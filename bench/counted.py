"""Run a module with every HTTP request and SMTP connection it makes written to a file.

    python -m bench.counted COUNTS_FILE MODULE [ARGS...]

The hook sits in the measured process itself, at the lowest level every client shares:
`http.client.HTTPConnection.putrequest` (requests, urllib3, keystoneauth, google-auth's token
refresh, gspread and urllib all end there, once per request actually sent, retries included)
and `smtplib.SMTP.connect`; and each commit of the journal that wrote a record (SQLite's own
trace of the statements it runs on `journal.sqlite3`, kind "commit": one fsync each). Each is
one JSON line appended to COUNTS_FILE, written at once, so
a long-lived process (the backend) can be read while it runs and a crash loses nothing. A second
line per HTTP request (`kind` "wait") holds the seconds from sending it to its response headers:
the time the process spent waiting on that server.
"""

from __future__ import annotations

import http.client
import json
import os
import runpy
import smtplib
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Sent:
    """One request as the measured process sent it (path without the query string)."""

    kind: str  # "http", "smtp", "commit", or "wait" (the response time of the "http" before it)
    port: int
    method: str
    path: str
    seconds: float = 0.0


def install(counts: Path) -> None:
    """Patch this process so each request and SMTP connection appends a line to `counts`."""
    fd = os.open(counts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(**fields: Any) -> None:
        os.write(fd, (json.dumps(fields) + "\n").encode())

    putrequest = http.client.HTTPConnection.putrequest
    getresponse = http.client.HTTPConnection.getresponse
    connect = smtplib.SMTP.connect
    sent_at: dict[int, tuple[float, str, str]] = {}

    def counted_putrequest(
        self: http.client.HTTPConnection, method: str, url: str, *a: Any, **k: Any
    ) -> Any:
        path = url.split("?", 1)[0]
        record(kind="http", port=self.port, method=method, path=path)
        sent_at[id(self)] = (time.perf_counter(), method, path)
        return putrequest(self, method, url, *a, **k)

    def timed_getresponse(self: http.client.HTTPConnection) -> http.client.HTTPResponse:
        try:
            return getresponse(self)
        finally:
            started, method, path = sent_at.pop(id(self), (0.0, "", ""))
            if started:
                seconds = time.perf_counter() - started
                record(kind="wait", port=self.port, method=method, path=path, seconds=seconds)

    def counted_connect(
        self: smtplib.SMTP, host: str = "localhost", port: int = 0, *a: Any, **k: Any
    ) -> Any:
        record(kind="smtp", port=port, method="CONNECT", path="")
        return connect(self, host, port, *a, **k)

    open_sqlite = sqlite3.connect

    def traced_connect(database: Any, *a: Any, **k: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = open_sqlite(database, *a, **k)
        if str(database).endswith("journal.sqlite3"):
            conn.set_trace_callback(_commit_tracer(record))
        return conn

    sqlite3.connect = traced_connect  # type: ignore[assignment]
    http.client.HTTPConnection.putrequest = counted_putrequest  # type: ignore[method-assign]
    http.client.HTTPConnection.getresponse = timed_getresponse  # type: ignore[method-assign]
    smtplib.SMTP.connect = counted_connect  # type: ignore[method-assign]


def _commit_tracer(record: Any) -> Any:
    """A trace callback recording each transaction that wrote a row (schema migrations not)."""
    state = {"open": False, "wrote": False}

    def trace(statement: str) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb == "BEGIN":
            state.update(open=True, wrote=False)
        elif verb in ("INSERT", "UPDATE", "DELETE"):
            state["wrote"] = True
            if not state["open"]:  # autocommit: the statement is its own transaction
                record(kind="commit", port=0, method=verb, path="")
        elif verb in ("COMMIT", "ROLLBACK"):
            if verb == "COMMIT" and state["wrote"]:
                record(kind="commit", port=0, method=verb, path="")
            state.update(open=False, wrote=False)

    return trace


def read(counts: Path) -> list[Sent]:
    if not counts.exists():
        return []
    lines = counts.read_text().splitlines()
    return [Sent(**json.loads(line)) for line in lines if line.strip()]


def by_port(sent: Iterable[Sent]) -> Counter[int]:
    return Counter(s.port for s in sent if s.kind == "http")


def main(argv: list[str]) -> None:
    counts, module, *args = argv
    install(Path(counts))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
