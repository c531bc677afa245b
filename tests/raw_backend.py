"""The backend as a child process driven with raw bytes, for tests of what crosses its pipe.

The protocol client refuses malformed input before it is sent; these tests need to send it, and
to read every line the backend wrote (events too) to check that no secret is among them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


class RawBackend:
    """The backend as a child process, driven with raw bytes; every line it wrote is kept."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "moc_tui", "backend", "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env or {"PATH": "/usr/bin:/bin"},
        )
        self.lines: list[bytes] = []

    def send(self, raw: bytes) -> dict[str, Any]:
        """Write `raw` (a newline is added) and return the next reply (events are kept)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            assert line, "the backend stopped"
            self.lines.append(line)
            message: dict[str, Any] = json.loads(line)
            if "event" not in message:
                return message

    def call(self, op: str, params: dict[str, Any] | None = None, rid: int = 1) -> dict[str, Any]:
        return self.send(json.dumps({"id": rid, "op": op, "params": params or {}}).encode())

    def close(self) -> tuple[int, bytes]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        status = self.proc.wait(timeout=60)
        return status, self.proc.stderr.read()


def values(message: Any) -> list[Any]:
    """Every scalar in a JSON value, recursively."""
    if isinstance(message, dict):
        return [v for item in message.values() for v in values(item)]
    if isinstance(message, list):
        return [v for item in message for v in values(item)]
    return [message]
