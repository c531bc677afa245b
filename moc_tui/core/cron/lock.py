"""One run of a job at a time: an flock on `<state>/locks/<job>.lock`.

The kernel drops an flock when its process dies, so a crashed run never leaves a stale lock. The
holder writes its pid, host and start time into the file so a second run can say who holds it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

# Exit status of a job that found another run of itself in progress (EX_TEMPFAIL).
BUSY_EXIT = 75


class JobBusy(Exception):
    """Another run of the same job holds the lock; `holder` says which (pid, host, start)."""

    def __init__(self, job: str, holder: str) -> None:
        super().__init__(f"another {job} run is in progress ({holder or 'holder unknown'})")
        self.job = job
        self.holder = holder


@contextmanager
def job_lock(state_dir: Path, job: str) -> Iterator[Path]:
    """Hold the job's lock for the `with` block; JobBusy at once if another run holds it."""
    directory = state_dir / "locks"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{job}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
            raise JobBusy(job, holder) from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
