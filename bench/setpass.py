"""Benchmark the setpass service against a real local Keystone.

    .venv/bin/python bench/setpass.py [--users 100] [--concurrency 8] [--server waitress]

Starts a real Keystone (moc_tui.devstack.keystone, template cached under ~/.cache or
$XDG_CACHE_HOME) and the setpass app on 127.0.0.1, creates `--users` Keystone users, then measures
at a fixed concurrency:

1. PUT /token/<id> with the admin session's token, admin check cached (the default 30 s);
2. the same with the cache disabled (every PUT validates the token in Keystone);
3. the form POST (the Keystone self-service password change); the GET that fetches the CSRF
   field is made beforehand and not timed.

For each: requests per second, latency p50/p95/max, and Keystone calls per request (counted in
the service). Keystone is served by one waitress thread (SQLite), so it is the ceiling here.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from keystoneclient.v3 import client as ks_client  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moc_tui.devstack.keystone import LocalKeystone  # noqa: E402
from setpass.app import create_app, services_of  # noqa: E402
from setpass.config import RateLimit, Settings  # noqa: E402
from setpass_client import SetpassClient  # noqa: E402

PIN = "1357"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    keystone_calls: int
    failures: int

    def line(self) -> str:
        n = len(self.latencies)
        ordered = sorted(self.latencies)
        p95 = ordered[max(0, int(n * 0.95) - 1)] if n else 0.0
        return (
            f"{self.name:<34} n={n:<4} {n / self.seconds:8.1f} req/s   "
            f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
            f"max {ordered[-1] * 1000:7.1f} ms   keystone calls/req "
            f"{self.keystone_calls / max(n, 1):.2f}   failures {self.failures}"
        )


class Served:
    """The app on 127.0.0.1:0 with waitress (threads = concurrency) or werkzeug (threaded)."""

    def __init__(self, app: Any, kind: str, threads: int) -> None:
        self.kind = kind
        if kind == "waitress":
            from waitress.server import create_server

            self._server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads)
            port = self._server.effective_port
            target: Callable[[], None] = self._server.run
        else:
            self._server = make_server("127.0.0.1", 0, app, threaded=True)
            port = self._server.server_port
            target = self._server.serve_forever
        self.url = f"http://127.0.0.1:{port}/"
        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self.kind == "waitress":
            self._server.close()
        else:
            self._server.shutdown()


def run(name: str, jobs: Sequence[Callable[[], bool]], concurrency: int, app: Any) -> Result:
    keystone = services_of(app).keystone
    before = keystone.calls
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def timed(job: Callable[[], bool]) -> None:
        nonlocal failures
        t0 = time.perf_counter()
        ok = job()
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            failures += 0 if ok else 1

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(timed, jobs))
    seconds = time.perf_counter() - start
    return Result(name, latencies, seconds, keystone.calls - before, failures)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default="waitress")
    args = parser.parse_args(argv)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" noise

    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "moc-tui-bench"
    with tempfile.TemporaryDirectory() as tmp, LocalKeystone(Path(tmp) / "ks", cache) as ks:
        ks.start() if not ks.running else None
        admin_session = ks.admin_session()
        admin = ks_client.Client(session=admin_session, interface="public")
        print(f"creating {args.users} Keystone users ...", flush=True)
        users = []
        for i in range(args.users):
            temporary = secrets.token_urlsafe(16)
            user = admin.users.create(
                name=f"bench-{secrets.token_hex(6)}-{i}", domain="default", password=temporary
            )
            users.append((user, temporary))

        settings = Settings(
            secret_key=secrets.token_urlsafe(48),
            database=f"sqlite:///{tmp}/setpass.db",
            auth_url=ks.auth_url,
            secure_cookies=False,
            form_rate_limit=RateLimit(10**9, 60),
            api_rate_limit=RateLimit(10**9, 60),
        )
        app = create_app(settings, now=lambda: datetime.now(UTC))
        served = Served(app, args.server, args.concurrency)
        try:
            client = SetpassClient(admin_session, served.url, timeout=60)
            client.register(users[0][0].id, users[0][1], PIN)  # warm up: token, cache, imports

            def put(user_id: str, temporary: str) -> Callable[[], bool]:
                def job() -> bool:
                    try:
                        SetpassClient(admin_session, served.url, timeout=60).register(
                            user_id, temporary, PIN
                        )
                    except Exception:  # any failure is counted, not raised
                        return False
                    return True

                return job

            jobs = [put(u.id, t) for u, t in users]
            results = [run("PUT /token (admin check cached)", jobs, args.concurrency, app)]
            served.stop()
            app = create_app(
                replace(settings, admin_cache_seconds=0), now=lambda: datetime.now(UTC)
            )
            served = Served(app, args.server, args.concurrency)
            client = SetpassClient(admin_session, served.url, timeout=60)
            results.append(run("PUT /token (no admin cache)", jobs, args.concurrency, app))

            tokens = [client.register(u.id, t, PIN) for u, t in users]
            sessions = []
            for token in tokens:
                http = requests.Session()
                page = http.get(f"{served.url}?token={token}", timeout=60)
                found = CSRF.search(page.text)
                assert found, page.status_code
                http.close()  # keep the cookie, free the connection (waitress caps them)
                sessions.append((http, token, found.group(1)))

            def post(http: requests.Session, token: str, csrf: str) -> Callable[[], bool]:
                password = "Bench-" + secrets.token_urlsafe(12)
                fields = {"csrf_token": csrf, "pin": PIN, "password": password,
                          "confirm_password": password}  # fmt: skip

                def job() -> bool:
                    r = http.post(f"{served.url}?token={token}", data=fields, timeout=60)
                    http.close()
                    return r.status_code == 200

                return job

            form_jobs = [post(*s) for s in sessions]
            results.append(run("POST / (set password)", form_jobs, args.concurrency, app))
        finally:
            served.stop()
            for user, _ in users:
                user.delete()

    print(f"\nconcurrency {args.concurrency}, {args.users} users, server {args.server}, "
          f"Keystone: 1 waitress thread, SQLite")  # fmt: skip
    for result in results:
        print(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
