"""Several gunicorn worker processes on MariaDB and PostgreSQL, with the shipped configuration.

Proves across processes what the threaded tests prove in one: wrong PINs for one link that
reach different workers at once lock it after exactly `max_attempts`, and a client's rate limit
is counted once for all workers (kept in the database, not in each worker's memory).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from setpass.crypto import Keyring, hash_token, new_token
from setpass.db import Store
from setpass.engine import make_engine
from tests.fixtures.databases import free_port
from tests.fixtures.setpass import SECRET, FormUser, message_of
from tests.waiting import wait_until

SETPASS_DATABASES = ("mariadb", "postgresql")
GUNICORN_CONF = Path(__file__).resolve().parents[2] / "config" / "setpass-gunicorn.conf.py"
WORKERS = 4
MAX_ATTEMPTS = 3
FORM_LIMIT = 40  # per client address and hour, counted for all workers together
PIN = "4821"


@dataclass
class Gunicorn:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def pids(self, method: str, path: str = "/") -> set[str]:
        """The worker pids that answered `method path` (the shipped access-log format)."""
        pattern = re.compile(rf'"{method} {re.escape(path)} HTTP/1\.1" \d+ .* pid=<(\d+)>')
        return set(pattern.findall(self.log.read_text()))


@pytest.fixture
def gunicorn(setpass_db: str, tmp_path: Path) -> Iterator[Gunicorn]:
    conf = tmp_path / "setpass.conf"
    conf.write_text(
        "[DEFAULT]\n"
        f"database = {setpass_db}\n"
        f"secret_key = {SECRET}\n"
        "auth_url = http://127.0.0.1:9/v3\n"
        f"max_attempts = {MAX_ATTEMPTS}\n"
        f"form_rate_limit = {FORM_LIMIT}/3600\n"
    )
    conf.chmod(0o600)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
             "-b", f"127.0.0.1:{port}", "-w", str(WORKERS), "-e", f"SETPASS_CONFIG={conf}"],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(url, timeout=5).status_code == 404
        except requests.ConnectionError:
            return False

    try:
        wait_until(up, timeout=60, what="gunicorn answers")
        yield Gunicorn(url, log, process)
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        process.wait(30)


def issue(database: str) -> str:
    """A pending registration written straight to the database (no Keystone needed here)."""
    keyring = Keyring.from_secret(SECRET)
    token = new_token()
    engine = make_engine(database)
    Store(engine).upsert(
        "user-" + token[:8], hash_token(token), datetime.now(UTC),
        pin_hash=keyring.hash_pin("user-" + token[:8], PIN),
        password_enc=keyring.encrypt_password("Temporary-1"),
    )  # fmt: skip
    engine.dispose()
    return token


def post_in_parallel(url: str, browser: FormUser, pins: list[str]) -> list[requests.Response]:
    """Each POST on its own connection, so the kernel spreads them over the workers."""
    cookies = browser.http.cookies.get_dict()

    def post(pin: str) -> requests.Response:
        fields = {"csrf_token": browser.csrf, "pin": pin, "password": "Whatever-pass-1",
                  "confirm_password": "Whatever-pass-1"}  # fmt: skip
        return requests.post(url, data=fields, cookies=cookies, timeout=60,
                             headers={"Connection": "close", "Accept": "text/html"})  # fmt: skip

    with ThreadPoolExecutor(len(pins)) as pool:
        return list(pool.map(post, pins))


def test_lockout_and_rate_limit_hold_across_worker_processes(
    gunicorn: Gunicorn, setpass_db: str
) -> None:
    token = issue(setpass_db)
    link = f"{gunicorn.url}?token={token}"
    browser = FormUser()
    assert browser.open(link).status_code == 200

    guesses = [f"{n:04d}" for n in range(24)]  # none is the PIN
    answers = post_in_parallel(link, browser, guesses)
    assert [a.status_code for a in answers] == [403] * len(guesses)
    words = [message_of(a) for a in answers]
    assert words.count("Wrong pin") == MAX_ATTEMPTS - 1
    assert words.count("Account locked, too many wrong attempts!") == len(guesses) - 2
    engine = make_engine(setpass_db)
    record = Store(engine).by_token_hash(hash_token(token))
    assert record is not None and record.attempts == MAX_ATTEMPTS
    engine.dispose()

    # the same address has used 24 of its 40 form posts, whichever worker counted them
    more = post_in_parallel(link, browser, guesses)
    codes = [a.status_code for a in more]
    assert codes.count(429) == len(guesses) - (FORM_LIMIT - len(guesses)), codes
    wait_until(lambda: len(gunicorn.pids("POST")) >= 2, timeout=10, what="access log")
    assert len(gunicorn.pids("POST")) >= 2  # the posts really reached several processes
