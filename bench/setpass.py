"""Benchmark setpass under gunicorn on PostgreSQL and MariaDB, 1 and 4 worker processes.

    .venv/bin/python bench/setpass.py [--repeats 2] [--puts 600] [--posts 48]

Starts a real Keystone (moc_tui.devstack.keystone), throwaway PostgreSQL and MariaDB servers
(tests/fixtures/databases.py, Debian's packages) and setpass under the shipped gunicorn
configuration (config/setpass-gunicorn.conf.py; only -w and -b are changed). For each database
and worker count it measures, at concurrency 8 and 32:

1. PUT /token/<id> with the admin's token (admin check cached per worker, the default 30 s);
2. the form POST (the Keystone self-service password change); the GET that fetches the form's
   CSRF field is made beforehand and not timed, and each POST is for a fresh link.

The load generator runs in its own process (threads, keep-alive connections), so it does not
share the GIL with anything measured. Configurations are interleaved and repeated; the table
gives the median req/s and p95 over the repeats, and every non-2xx answer or lost request.
The form and API rate limits are lifted (they would refuse a benchmark from one address);
the rate-limit counting still happens in the database on every request, as in production.
Keystone is served by one waitress thread on SQLite: it is the ceiling of the form POST.

The machine is shared, so req/s depends on everyone else's load. Each run therefore also
reports the CPU time used per request (/proc) by gunicorn (master and workers), by the
database server (with its backends) and by the load generator, and what that
cost means for a machine whose CPUs were idle: CPUs x 1000 / (sum of the three, in ms).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.databases import free_port  # noqa: E402

PIN = "1357"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LIFTED = "1000000000/60"
GUNICORN_CONF = ROOT / "config" / "setpass-gunicorn.conf.py"


# -- the load generator (runs in a child process) ------------------------------------------


def generate_load(items: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """Send every request at `concurrency`; latencies, status counts, lost requests, seconds."""
    local = threading.local()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lost = 0
    lock = threading.Lock()

    def send(item: dict[str, Any]) -> None:
        nonlocal lost
        http = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
        t0 = time.perf_counter()
        try:
            status = http.request(timeout=60, **item).status_code
        except requests.RequestException:
            status = 0
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            statuses[status] += 1
            lost += status == 0

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, items))
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "lost": lost,
        "seconds": time.perf_counter() - start,
    }


# -- the service under test ----------------------------------------------------------------


def tree_cpu(roots: Sequence[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and all their descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    wanted, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in wanted:
            wanted.add(pid)
            todo.extend(child for child, up in parent.items() if up == pid)
    return sum(used.get(pid, 0.0) for pid in wanted)


@dataclass
class Runs:
    """Every repeat of one (database, workers, request, concurrency) cell."""

    rates: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lost: int = 0
    # CPU ms per request: gunicorn (setpass), the database server, the load generator
    app_cpu: list[float] = field(default_factory=list)
    db_cpu: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)

    def add(self, outcome: dict[str, Any], cpu: tuple[float, float, float]) -> None:
        ordered = sorted(outcome["latencies"])
        for series, seconds in zip((self.app_cpu, self.db_cpu, self.client_cpu), cpu, strict=True):
            series.append(seconds * 1000 / len(ordered))
        self.rates.append(len(ordered) / outcome["seconds"])
        self.p95s.append(ordered[max(0, int(len(ordered) * 0.95) - 1)])
        self.statuses.update({int(k): v for k, v in outcome["statuses"].items()})
        self.lost += outcome["lost"]

    def line(self, name: str) -> str:
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        fivexx = sum(n for status, n in self.statuses.items() if status >= 500)
        rates = " ".join(f"{r:.0f}" for r in self.rates)
        return (
            f"{name:<34} {statistics.median(self.rates):7.1f} req/s  "
            f"p95 {statistics.median(self.p95s) * 1000:7.1f} ms   "
            f"non-2xx {bad}  5xx {fivexx}  lost {self.lost}   (runs: {rates})\n"
            f"{'':<34} CPU per request: setpass {statistics.median(self.app_cpu):.1f} ms,"
            f" database {statistics.median(self.db_cpu):.1f} ms,"
            f" load generator {statistics.median(self.client_cpu):.1f} ms"
            f" -> {os.cpu_count()} idle CPUs would serve ~{self.idle_rate():.0f} req/s"
        )

    def idle_rate(self) -> float:
        per_request = sum(
            statistics.median(series) for series in (self.app_cpu, self.db_cpu, self.client_cpu)
        )
        return (os.cpu_count() or 1) * 1000 / max(per_request, 0.001)


class Gunicorn:
    def __init__(self, conf: Path, workers: int, log: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-w", str(workers),
                "-b", f"127.0.0.1:{port}", "-e", f"SETPASS_CONFIG={conf}"]  # fmt: skip
        with log.open("ab") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url, timeout=5).status_code == 404:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        self.process.wait(30)


def write_conf(path: Path, database: str, auth_url: str) -> Path:
    path.write_text(
        "[DEFAULT]\n"
        f"database = {database}\n"
        f"secret_key = {secrets.token_urlsafe(48)}\n"
        f"auth_url = {auth_url}\n"
        f"form_rate_limit = {LIFTED}\n"
        f"api_rate_limit = {LIFTED}\n"
    )
    path.chmod(0o600)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--puts", type=int, default=600, help="PUT requests per run")
    parser.add_argument("--posts", type=int, default=48, help="form POSTs per run")
    parser.add_argument("--databases", default="postgresql,mariadb")
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--concurrency", default="8,32")
    args = parser.parse_args(argv)

    from keystoneclient.v3 import client as ks_client

    from moc_tui.devstack.keystone import LocalKeystone
    from tests.fixtures.databases import LocalMariaDB, LocalPostgres

    databases = args.databases.split(",")
    worker_counts = [int(w) for w in args.workers.split(",")]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "moc-tui-bench"
    results: dict[str, Runs] = {}
    loadgen = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    with tempfile.TemporaryDirectory() as tmp, LocalKeystone(Path(tmp) / "ks", cache) as ks:
        ks.start() if not ks.running else None
        admin_session = ks.admin_session()
        admin_token = str(admin_session.get_token())
        admin = ks_client.Client(session=admin_session, interface="public")
        print(f"creating {args.posts} Keystone users ...", flush=True)
        passwords: dict[str, str] = {}
        for i in range(args.posts):
            temporary = secrets.token_urlsafe(16)
            user = admin.users.create(name=f"bench-{secrets.token_hex(6)}-{i}", password=temporary)
            passwords[user.id] = temporary
        started = {
            name: LocalPostgres().start() if name == "postgresql" else LocalMariaDB().start()
            for name in databases
        }
        loadgen_pid = loadgen.submit(os.getpid).result()  # the child is up before any timing
        try:
            for repeat in range(args.repeats):
                for name in databases:
                    for workers in worker_counts:
                        conf = write_conf(
                            Path(tmp) / f"{name}.conf", started[name].create_database(), ks.auth_url
                        )
                        server = Gunicorn(conf, workers, Path(tmp) / "gunicorn.log")
                        try:
                            for concurrency in concurrencies:
                                label = f"{name:<10} w={workers} c={concurrency:<2}"
                                puts = [
                                    {"method": "PUT", "url": f"{server.url}token/bench-{n}",
                                     "headers": {"X-Auth-Token": admin_token},
                                     "json": {"password": "Temp-" + str(n), "pin": PIN}}
                                    for n in range(args.puts)
                                ]  # fmt: skip
                                # untimed warm-up: every worker checks the admin token once
                                # and opens its database connections
                                loadgen.submit(generate_load, puts[:64], concurrency).result()
                                trees = [[server.process.pid], [started[name].pid], [loadgen_pid]]
                                for request, items in (
                                    ("PUT /token", puts),
                                    ("POST / (form)", None),
                                ):
                                    if items is None:
                                        items = form_posts(server.url, admin_token, passwords)
                                    before = [tree_cpu(tree) for tree in trees]
                                    outcome = loadgen.submit(
                                        generate_load, items, concurrency
                                    ).result()
                                    after = [tree_cpu(tree) for tree in trees]
                                    used = tuple(b - a for a, b in zip(before, after, strict=True))
                                    results.setdefault(f"{label} {request}", Runs()).add(
                                        outcome,
                                        used,  # type: ignore[arg-type]
                                    )
                        finally:
                            server.stop()
                print(f"repeat {repeat + 1} of {args.repeats} done", flush=True)
        finally:
            loadgen.shutdown()
            for db in started.values():
                db.stop()
            for user_id in passwords:
                admin.users.delete(user_id)

    load = os.getloadavg()
    print(
        f"\n{args.puts} PUTs / {args.posts} form POSTs per run, {args.repeats} interleaved repeats;"
        f" gunicorn gthread x4 threads per worker (shipped config);\nrate limits lifted:"
        f" form_rate_limit and api_rate_limit = {LIFTED} (still counted in the database);"
        f" Keystone: 1 waitress thread, SQLite;\nload average at the end"
        f" {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"
    )
    for name, runs in results.items():
        print(runs.line(name))
    return 0


def form_posts(url: str, admin_token: str, passwords: dict[str, str]) -> list[dict[str, Any]]:
    """A fresh link per user (untimed PUT + GET of the form), then the timed POST's arguments.

    The POST will change the user's Keystone password; the next run registers that one.
    """
    items = []
    http = requests.Session()
    for user_id, temporary in passwords.items():
        put = http.put(
            f"{url}token/{user_id}",
            json={"password": temporary, "pin": PIN},
            headers={"X-Auth-Token": admin_token},
            timeout=60,
        )
        put.raise_for_status()
        browser = requests.Session()
        page = browser.get(f"{url}?token={put.text}", timeout=60)
        found = CSRF.search(page.text)
        assert found, page.status_code
        new = "Bench-" + secrets.token_urlsafe(12)
        passwords[user_id] = new
        items.append({
            "method": "POST", "url": f"{url}?token={put.text}",
            "cookies": browser.cookies.get_dict(),
            "data": {"csrf_token": found.group(1), "pin": PIN, "password": new,
                     "confirm_password": new},
        })  # fmt: skip
        browser.close()
    http.close()
    return items


if __name__ == "__main__":
    sys.exit(main())
