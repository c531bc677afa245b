"""Per-request locks: no two runs (TUI sessions, CLI runs, backend ops) act on one request at once.

One file per request key under `<state dir>/locks/`, locked with `flock`: the kernel drops the
lock when the holder exits or dies, so there are no stale locks to clean. After taking the lock the
holder writes who it is into the file (operator, pid, since); a refused run reads that to say who
holds the request. Every mutating run takes these locks around its whole work on a request,
through the journal's last write, so a second run finds either the lock held or the work done.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# what a key may look like to become a file name (every request key does: access-<hex>, ...)
_KEY = re.compile(r"[a-z][a-z0-9-]{0,63}")


class Busy(Exception):
    """Another run holds the lock; `holder` says who (operator, pid, since)."""

    def __init__(self, key: str, holder: dict[str, Any]) -> None:
        super().__init__(describe_holder(holder))
        self.key = key
        self.holder = holder


def describe_holder(holder: dict[str, Any]) -> str:
    who = holder.get("operator", "another session")
    pid = f"pid {holder['pid']}, " if "pid" in holder else ""
    return f"{who} is working on this request ({pid}since {holder.get('since', '?')})"


class Locks:
    """Non-blocking exclusive locks on request keys."""

    def __init__(self, directory: Path, operator: str) -> None:
        self.directory = directory
        self.operator = operator

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a request key")
        return self.directory / f"{key}.lock"

    @contextlib.contextmanager
    def hold(self, keys: Iterable[str]) -> Iterator[None]:
        """Lock every key or none: on the first busy one, release what was taken, raise Busy."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        taken: list[int] = []
        try:
            for key in sorted(set(keys)):
                taken.append(self._take(key))
            yield
        finally:
            for fd in taken:
                os.close(fd)  # closing the descriptor drops the flock

    @contextlib.contextmanager
    def hold_free(self, keys: Iterable[str]) -> Iterator[dict[str, Busy]]:
        """Lock every key that is free; yields the busy ones (key -> Busy), others keep going."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        taken: list[int] = []
        busy: dict[str, Busy] = {}
        try:
            for key in sorted(set(keys)):
                try:
                    taken.append(self._take(key))
                except Busy as error:
                    busy[key] = error
            yield busy
        finally:
            for fd in taken:
                os.close(fd)

    def _take(self, key: str) -> int:
        fd = os.open(self._path(key), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise Busy(key, holder) from None
        except BaseException:
            os.close(fd)
            raise
        info = {
            "operator": self.operator,
            "pid": os.getpid(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        return fd


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in ("operator", "pid", "since") if k in data}
