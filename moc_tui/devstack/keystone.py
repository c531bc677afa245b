"""A real Keystone (the PyPI `keystone` package) on 127.0.0.1, for tests and the demo.

Keystone's setup (db_sync + bootstrap) costs seconds, mostly imports, so it runs once per
keystone version and config into a cached *template*; every start copies the template's
SQLite DB and key repositories (milliseconds) and serves them with `ks_serve.py`.
See shared/reference/keystone-local.md for the measurements behind each choice.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.metadata
import os
import queue
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

KS_FILES = Path(__file__).with_name("keystone_files")
ADMIN_USER = "admin"
ADMIN_PROJECT = "admin"
DEFAULT_DOMAIN = "default"
REGION = "RegionOne"
_KEY_DIRS = ("fernet-keys", "credential-keys")
# Must match keystone.conf.in's [identity] password_hash_rounds: cheap hashing for tests.
_BCRYPT_ROUNDS = 4


class KeystoneStartError(RuntimeError):
    """Keystone could not be set up or did not come up; the message carries the log tail."""


def _child_env() -> dict[str, str]:
    """Our environment minus OS_* (a developer's openrc must not leak into keystone-manage)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PYTHONWARNINGS"] = "ignore"  # eventlet/cgi deprecation noise
    env["KS_EXIT_ON_STDIN_EOF"] = "1"  # an orphaned server exits when our end of stdin closes
    return env


def _tail(path: Path, limit: int = 3000) -> str:
    """The end of a log file, for error messages."""
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError as exc:
        return f"(no log: {exc})"


def write_conf(state: Path) -> Path:
    """Render keystone.conf.in for one state directory."""
    conf = state / "keystone.conf"
    text = (KS_FILES / "keystone.conf.in").read_text()
    conf.write_text(text.replace("@STATE@", str(state.resolve())))
    return conf


def template_key() -> str:
    """Keystone version + config + init script: a change in any of them needs a new template."""
    version = importlib.metadata.version("keystone")
    digest = hashlib.sha256(version.encode())
    for name in ("keystone.conf.in", "ks_init.py"):
        digest.update((KS_FILES / name).read_bytes())
    return f"keystone-{version}-{digest.hexdigest()[:12]}"


def ensure_template(cache_root: Path, *, timeout: float = 300.0) -> Path:
    """Return a directory holding a bootstrapped keystone.db + key repositories, building it once.

    The build happens in a private directory that is renamed into place, so concurrent
    builders (pytest-xdist workers, two shells) never see a half-built template.
    """
    cache_root.mkdir(parents=True, exist_ok=True)
    done = cache_root / template_key()
    if (done / "keystone.db").exists():
        return done
    build = cache_root / f"{done.name}.build-{os.getpid()}-{secrets.token_hex(4)}"
    build.mkdir()
    log_path = build / "init.log"
    try:
        with log_path.open("wb") as log:
            proc = subprocess.run(
                [sys.executable, str(KS_FILES / "ks_init.py"), str(write_conf(build))],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_env(),
                timeout=timeout,
                check=False,
            )
        if proc.returncode != 0:
            raise KeystoneStartError(
                f"keystone template build failed (exit {proc.returncode}):\n{_tail(log_path)}"
            )
        try:
            build.rename(done)
        except OSError:
            if not (done / "keystone.db").exists():
                raise
            # another builder won the race with an equivalent template
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return done


def set_admin_password(db_path: Path, password: str) -> None:
    """Replace the bootstrap admin's password hash in a stopped server's DB.

    The template is shared, so its admin password cannot be the per-run one; rewriting the
    hash here keeps the password inside this process (no argv, no environment, no file).
    """
    import bcrypt  # keystone's own dependency: present wherever keystone is

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=_BCRYPT_ROUNDS)).decode()
    db = sqlite3.connect(db_path)
    try:
        with db:
            cur = db.execute(
                "UPDATE password SET password_hash = ? WHERE local_user_id IN "
                "(SELECT id FROM local_user WHERE name = ? AND domain_id = ?)",
                (hashed, ADMIN_USER, DEFAULT_DOMAIN),
            )
            if cur.rowcount < 1:
                raise KeystoneStartError(f"no {ADMIN_USER!r} password row in {db_path}")
    finally:
        db.close()


class LocalKeystone:
    """One Keystone server process on 127.0.0.1 with its own state directory.

    Usage: `with LocalKeystone(state, cache) as ks: ks.admin_session()`. The state directory
    survives stop(), so a later start() serves the same data (with a fresh admin password).
    """

    def __init__(
        self,
        state_dir: Path,
        template_root: Path,
        *,
        startup_timeout: float = 60.0,
    ) -> None:
        self.state_dir = state_dir
        self.template_root = template_root
        self.startup_timeout = startup_timeout
        self.log_path = state_dir / "server.log"
        self.admin_password = ""
        self.port = 0
        self.template_seconds = 0.0  # time spent finding or building the template
        self.start_seconds = 0.0  # process start until GET /v3 answered 200
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def _prepare_state(self) -> None:
        """Copy the template into the state dir unless a previous start already did."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if (self.state_dir / "keystone.db").exists():
            return
        t0 = time.monotonic()
        template = ensure_template(self.template_root)
        self.template_seconds = time.monotonic() - t0
        shutil.copy2(template / "keystone.db", self.state_dir / "keystone.db")
        for name in _KEY_DIRS:
            shutil.copytree(template / name, self.state_dir / name, dirs_exist_ok=True)

    def start(self) -> Self:
        """Start the server and return once `GET /v3` answers 200; raise with the log tail."""
        if self._proc is not None:
            raise RuntimeError("keystone is already running")
        self._prepare_state()
        self.admin_password = secrets.token_urlsafe(24)
        set_admin_password(self.state_dir / "keystone.db", self.admin_password)
        conf = write_conf(self.state_dir)
        t0 = time.monotonic()
        self._log = self.log_path.open("ab")  # stderr to a file, never an unread PIPE
        self._proc = subprocess.Popen(
            [sys.executable, str(KS_FILES / "ks_serve.py"), str(conf), "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=_child_env(),
            text=True,
        )
        try:
            self.port = self._wait_ready(self._proc)
            self._check_version_document()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _wait_ready(self, proc: subprocess.Popen[str]) -> int:
        """Wait for the `READY <port>` line; keep draining stdout afterwards so it never fills."""
        lines: queue.Queue[str] = queue.Queue()
        stdout = proc.stdout
        assert stdout is not None

        def pump() -> None:
            for line in stdout:
                lines.put(line)
            lines.put("")  # EOF: the process exited

        threading.Thread(target=pump, name="keystone-stdout", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KeystoneStartError(
                    f"keystone not ready after {self.startup_timeout:.0f} s; "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line.startswith("READY "):
                return int(line.split()[1])
            if line == "":
                raise KeystoneStartError(
                    f"keystone exited (status {proc.wait()}) before it was ready; "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )

    def _check_version_document(self) -> None:
        """READY means loaded and listening; one real request proves it answers."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/v3")
            resp = conn.getresponse()
            resp.read()
        finally:
            conn.close()
        if resp.status != 200:
            raise KeystoneStartError(
                f"GET {self.auth_url} gave {resp.status}; log:\n{_tail(self.log_path)}"
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (the shim exits in milliseconds), then SIGKILL if it is still alive."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        """The identity v3 URL, as a client's `auth_url`."""
        if not self.port:
            raise RuntimeError("keystone is not started")
        return f"http://127.0.0.1:{self.port}/v3"

    def admin_credentials(self) -> dict[str, str]:
        """Keyword arguments for `keystoneauth1.identity.v3.Password` as the cloud admin."""
        return {
            "auth_url": self.auth_url,
            "username": ADMIN_USER,
            "password": self.admin_password,
            "project_name": ADMIN_PROJECT,
            "user_domain_id": DEFAULT_DOMAIN,
            "project_domain_id": DEFAULT_DOMAIN,
        }

    def user_session(self, username: str, password: str, project_id: str) -> ks_session.Session:
        """A session for a domain-`default` user scoped to one project (tests' second party)."""
        auth = v3.Password(
            auth_url=self.auth_url,
            username=username,
            password=password,
            user_domain_id=DEFAULT_DOMAIN,
            project_id=project_id,
        )
        return ks_session.Session(auth=auth)

    def admin_session(self) -> ks_session.Session:
        """A new keystoneauth session as admin; its token (and catalog) is issued on first use."""
        auth = v3.Password(
            auth_url=self.auth_url,
            username=ADMIN_USER,
            password=self.admin_password,
            project_name=ADMIN_PROJECT,
            user_domain_id=DEFAULT_DOMAIN,
            project_domain_id=DEFAULT_DOMAIN,
        )
        return ks_session.Session(auth=auth)


def register_endpoints(
    keystone: Any, entries: Iterable[tuple[str, str, str]], region: str = REGION
) -> dict[str, str]:
    """Find-or-create services and their public endpoints: (type, name, url) per entry.

    `keystone` is an admin keystoneclient v3 Client. An existing endpoint is repointed (a
    restarted stand-in has a new port) and duplicates are removed. Only tokens issued after
    this call see the change in their catalog. Returns {service type: url}.
    """
    stored: dict[str, str] = {}
    for service_type, name, url in entries:
        services = keystone.services.list(type=service_type)
        service = services[0] if services else keystone.services.create(name, type=service_type)
        endpoints = list(
            keystone.endpoints.list(service=service, interface="public", region_id=region)
        )
        if not endpoints:
            keystone.endpoints.create(service, url, interface="public", region=region)
        elif endpoints[0].url != url:
            keystone.endpoints.update(endpoints[0], url=url)
        for extra in endpoints[1:]:
            keystone.endpoints.delete(extra)
        stored[service_type] = url
    return stored
