"""Runs that exclude each other: two CLI runs and a TUI session's backend on the same rows.

The TUI session is the real backend process driven through `BackendClient` as the TUI drives it
(hello, list, provision the rows shown in one call; a row held by another run or changed since
the list fails alone, and the session reloads, as the operator would). The CLI runs are the
real command in their own processes, imported beforehand and released together with the
session. Each round uses a fixed seed (printed) for the order the runs are released in and the
order the session picks rows; the stack is shared by all rounds.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import random  # noqa: TID251 (a test's seeded schedule, not a secret)
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from moc_tui.cli import main
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.protocol.client import BackendClient, BackendError, dev_command
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import FakeClock, FormUser, can_log_in
from tests.fixtures.stack import MakeStack, Stack
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = pytest.mark.keystone
ROUNDS = int(os.environ.get("MOC_CONCURRENCY_ROUNDS", "20"))
ROWS = 10
EMAIL = 4
PASSWORD = "Choose your cloud password"
DONE_LINE = re.compile(r"^\s*\d+\s+(\S+)\s+done\s*$", re.MULTILINE)
# Moves are by row index until the sheet move identifies rows by what travels with them (a
# separate change): a mover finding rows shifted by another run's move refuses and leaves them
# pending, with all their work done. A rerun then only moves them (checked below).
MOVE_REFUSED = "changed since they were read"
PROVISION = ["provision", "--config"]
CLI = (
    "import sys\n"
    "from moc_tui.cli import main\n"
    "sys.stdin.readline()\n"  # imported and waiting: released together with the others
    "sys.exit(main(sys.argv[1:]))\n"
)


def rows_of(tag: str, project: str) -> list[list[str]]:
    """New users joining one project (made once for every round: a round's cost is its users)."""
    return [
        access_row(
            email=f"u{n}.{tag}@example.org",
            new_project="",
            existing_project=project,
            timestamp=f"t{n}",
        )
        for n in range(ROWS)
    ]


def session(client: BackendClient, rng: random.Random, outcome: dict[str, Any]) -> None:
    """What the TUI does: provision the ready rows it was shown; reload when refused."""
    done: list[str] = []
    for _ in range(200):  # each turn is one real call; the other runs finish in a few
        listed = [r for r in client.call("list_access")["requests"] if not r["problems"]]
        if not listed:
            break
        picked = rng.sample(listed, k=rng.randint(1, len(listed)))
        rows = [{"row": r["row"], "fingerprint": r["fingerprint"]} for r in picked]
        try:
            result = client.call("provision", {"rows": rows}, timeout=300)
        except BackendError as error:
            assert error.code in ("busy", "row_changed"), error
            outcome.setdefault("refused", Counter())[error.code] += 1
            continue
        for failure in result["failed"]:
            if failure["step"] in ("busy", "changed"):  # that row alone: reload and look again
                outcome.setdefault("refused", Counter())[failure["step"]] += 1
        refused = [
            f
            for f in result["failed"]
            if f["step"] not in ("busy", "changed")
            and (f["step"] != "sheet" or MOVE_REFUSED not in f["message"])
        ]
        assert refused == [], result
        by_row = {r["row"]: r["email"] for r in picked}
        done += [by_row[row] for row in result["done"]]
    outcome["done"] = done


def clean(stack: Stack, admin: KeystoneAdmin, tag: str) -> None:
    for user in admin.client.users.list(domain="default"):
        if tag in user.name:
            admin.client.users.delete(user)
    store = stack.store
    assert isinstance(store, LocalSheetStore)
    for tab in (FORM, ACCESS_DONE):
        count = len(store.read_tabs([tab])[tab])
        if count > 1:
            store.delete_rows(tab, list(range(2, count + 1)))
    stack.mail.clear()


def one_round(stack: Stack, admin: KeystoneAdmin, seed: int, project: str) -> None:
    rng = random.Random(seed)
    tag = f"{stack.suffix}r{seed}"
    stack.store.append_rows(FORM, rows_of(tag, project))
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    clis = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLI,
                "provision",
                "--config",
                str(stack.settings_path),
                "--all",
                "--operator",
                f"cli-{n}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for n in (1, 2)
    ]
    client = BackendClient(dev_command(stack.settings_path))
    outcome: dict[str, Any] = {}
    try:
        client.call("hello", {"operator": "tui-op"})
        go = threading.Event()

        def tui() -> None:
            go.wait()
            session(client, rng, outcome)

        def release(cli: subprocess.Popen[str]) -> None:
            assert cli.stdin is not None
            cli.stdin.write("go\n")
            cli.stdin.flush()

        worker = threading.Thread(target=tui)
        worker.start()
        starters: list[Any] = [go.set, *(functools.partial(release, cli) for cli in clis)]
        rng.shuffle(starters)
        for start in starters:
            start()
        outputs = [p.communicate(timeout=300)[0] for p in clis]
        worker.join(300)
        assert not worker.is_alive()
    finally:
        for p in clis:
            if p.poll() is None:
                p.kill()
        client.close()
    for p, out in zip(clis, outputs, strict=True):
        assert p.returncode in (0, 1), out
        assert "Traceback" not in out, out
        failed = [line for line in out.splitlines() if "failed (" in line]
        assert all("failed (sheet move)" in line for line in failed), out
    assert "done" in outcome, outcome
    # the rerun an operator makes after a refused move: it moves, and does nothing else
    if stack.tabs()[FORM][1:]:
        print("move refused by a shifted tab; rerun")
        with contextlib.redirect_stdout(io.StringIO()) as sweep:
            assert main([*PROVISION, str(stack.settings_path), "--all", "--operator", "sweep"]) == 0
        outputs.append(sweep.getvalue())

    # every row done once: moved once, in the done tab, none left
    tabs = stack.tabs()
    emails = [f"u{n}.{tag}@example.org" for n in range(ROWS)]
    assert sorted(r[EMAIL] for r in tabs[ACCESS_DONE][1:]) == sorted(emails)
    assert tabs[FORM][1:] == []
    cli_done = [
        line.split()[1]
        for out in outputs
        for line in out.splitlines()
        if re.match(r"\d+ .* done", line)
    ]
    assert sorted(cli_done + outcome["done"]) == sorted(emails), (cli_done, outcome)
    # one user each, in Keystone, each a member of the project
    users = [u for u in admin.client.users.list(domain="default") if tag in u.name]
    assert sorted(u.name for u in users) == sorted(emails)
    [shared] = admin.client.projects.list(name=project, domain="default")
    members = admin.client.role_assignments.list(project=shared, include_names=True)
    assert {a.user["name"] for a in members if tag in a.user["name"]} == set(emails)
    # mails exactly once each: welcome and password per row
    mails = stack.mail.wait_for(2 * ROWS)
    counts = Counter((m.rcpt_tos, str(m.message["Subject"])) for m in mails)
    assert len(mails) == 2 * ROWS and set(counts.values()) == {1}, counts
    # every user exactly one working link: the only password mail's link is the valid one
    browser = FormUser()
    links = {}
    for mail in mails:
        if mail.message["Subject"] == PASSWORD:
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", mail.text)
            assert found, mail.text
            links[mail.rcpt_tos[0]] = found.group(0)
    assert sorted(links) == sorted(emails)
    for link in links.values():
        assert requests.get(link, timeout=30).status_code == 200
    who = rng.choice(emails)
    browser.open(links[who])
    assert browser.set_password(links[who], "0123", "A-new-Passw0rd").status_code == 200
    [user] = [u for u in users if u.name == who]
    assert can_log_in(admin, user.id, "A-new-Passw0rd")


@pytest.mark.timeout(1800)  # 20 rounds: 10-20 s each on a shared 2-core machine
def test_two_cli_runs_and_a_tui_session_on_the_same_rows(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, clock: FakeClock
) -> None:
    stack = make_stack([], sheet="local")
    project = f"shared-{stack.suffix}"
    keystone_admin.cleanup(keystone_admin.client.projects.create(name=project, domain="default"))
    base = int(os.environ.get("MOC_TEST_SEED", "1300"))
    for number in range(ROUNDS):
        seed = base + number
        print(f"concurrency round {number}: seed {seed}")
        try:
            one_round(stack, keystone_admin, seed, project)
        finally:
            clean(stack, keystone_admin, f"{stack.suffix}r{seed}")
            clock.advance(3601)  # setpass's per-address form limit starts afresh each round
