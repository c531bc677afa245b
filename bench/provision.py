"""Benchmark provisioning as operators run it, every HTTP request counted, on a crowded Keystone.

    .venv/bin/python bench/provision.py [--crowd 5000] [--few 20] [--requests 10]
                                        [--end-to-end 100] [--repeats 5]

Starts two real Keystones (one seeded by SQL with `--crowd` users and projects, one with `--few`;
`bench/keystone_seed.py`, cached per version), a setpass service for each, the Sheets fake and an
SMTP server with STARTTLS. Then it runs real processes, each with a hook counting every HTTP
request and SMTP connection it makes (`bench/counted.py`: token, discovery and metadata requests
included):

- ours: `python -m moc_tui provision --all` (the CLI), and the backend driven as the TUI drives
  it (`hello`, `list_access`, `plan_access`, `provision` over its JSON-lines protocol);
- the original's way (`bench/original_way.py`): list every user and project once, create, then
  one append, one metadata read and one batch delete per run;
- the minimal whole-job script (`bench/minimal_job.py`): the floor for the end-to-end ratio.

Timed variants run interleaved, `--repeats` times each, in a rotating order; ratios are given
for the minimum and the median. Every run has its own sheet and state directory.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from keystoneclient.v3 import client as ks_client  # noqa: E402

from bench import counted  # noqa: E402
from bench.keystone_seed import seed_project_name, seed_user_name  # noqa: E402
from bench.provision_stack import Stack, access_row, joining_rows, new_rows  # noqa: E402
from moc_tui.protocol.client import BackendClient  # noqa: E402

PER_RUN_PATHS = ("/v3", "/v3/", "/v3/auth/tokens", "/v3/roles")


@dataclass
class Run:
    """One measured process: wall time, what it sent, how it ended."""

    seconds: float
    sent: list[counted.Sent]
    status: int
    output: str
    ports: dict[str, Any] = field(default_factory=dict)

    def http(self, part: str) -> list[counted.Sent]:
        return [s for s in self.sent if s.kind == "http" and s.port == self.ports[part]]

    def keystone_wait(self) -> float:
        """Seconds this process waited on Keystone's answers (the part that could grow with N)."""
        port = self.ports["keystone"]
        return sum(s.seconds for s in self.sent if s.kind == "wait" and s.port == port)

    def keystone_per_request(self) -> list[counted.Sent]:
        return [s for s in self.http("keystone") if s.path not in PER_RUN_PATHS]

    def tokens(self) -> int:
        return sum(1 for s in self.http("keystone") if s.path == "/v3/auth/tokens")

    def smtp_connections(self) -> int:
        return sum(1 for s in self.sent if s.kind == "smtp")

    def journal_commits(self) -> int:
        """Commits of the journal that wrote a record: one fsync each."""
        return sum(1 for s in self.sent if s.kind == "commit")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run_process(stack: Stack, cloud: str, module_args: list[str]) -> Run:
    counts = stack.tmp / f"counts-{secrets.token_hex(6)}.jsonl"
    argv = [sys.executable, "-m", "bench.counted", str(counts), *module_args]
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=_env(), check=False)
    seconds = time.perf_counter() - started
    return Run(
        seconds,
        counted.read(counts),
        proc.returncode,
        proc.stdout + proc.stderr,
        stack.ports(cloud),
    )


def cli(stack: Stack, cloud: str, rows: list[list[str]]) -> Run:
    config = stack.settings_file(cloud, stack.sheet(rows))
    args = ["moc_tui", "provision", "--config", str(config), "--all", "--operator", "bench"]
    return run_process(stack, cloud, args)


def script(module: str) -> Callable[[Stack, str, list[list[str]]], Run]:
    def run(stack: Stack, cloud: str, rows: list[list[str]]) -> Run:
        config = stack.settings_file(cloud, stack.sheet(rows))
        return run_process(stack, cloud, [module, "--config", str(config)])

    return run


original, minimal = script("bench.original_way"), script("bench.minimal_job")


def backend(stack: Stack, cloud: str, rows: list[list[str]]) -> Run:
    """The backend process, driven as the TUI drives it: hello, list, plan, provision."""
    config = stack.settings_file(cloud, stack.sheet(rows))
    counts = stack.tmp / f"counts-{secrets.token_hex(6)}.jsonl"
    argv = [sys.executable, "-m", "bench.counted", str(counts), "moc_tui", "backend",
            "--config", str(config)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with BackendClient(argv, env=env) as link:
        link.call("hello", {"operator": "bench"}, timeout=120)
        listed = link.call("list_access", timeout=120)["requests"]
        picked = [{"row": r["row"], "fingerprint": r["fingerprint"]} for r in listed]
        link.call("plan_access", {"rows": picked}, timeout=600)
        result = link.call("provision", {"rows": picked}, timeout=600)
    seconds = time.perf_counter() - started
    status = 0 if len(result["done"]) == len(rows) else 1
    return Run(seconds, counted.read(counts), status, str(result), stack.ports(cloud))


def checked(run: Run, what: str) -> Run:
    if run.status != 0:
        raise SystemExit(f"{what} failed (exit {run.status}):\n{run.output[-3000:]}")
    return run


def breakdown(sent: Sequence[counted.Sent], per: int) -> str:
    kinds: dict[str, int] = {}
    for s in sent:
        key = f"{s.method} {s.path.split('/')[2] if s.path.count('/') >= 2 else s.path}"
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{k} {v / per:g}" for k, v in sorted(kinds.items()))


def interleaved(variants: dict[str, Callable[[], Run]], repeats: int) -> dict[str, list[Run]]:
    """Each variant `repeats` times, the order rotating so no variant always runs first."""
    names = list(variants)
    runs: dict[str, list[Run]] = {n: [] for n in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs[name].append(checked(variants[name](), name))
    return runs


def ratio_line(
    label: str,
    mine: list[Run],
    other: list[Run],
    goal: str,
    measure: Callable[[Run], float] = lambda run: run.seconds,
) -> str:
    a, b = [measure(r) for r in mine], [measure(r) for r in other]
    return (
        f"{label}: min {min(a):.2f} s vs {min(b):.2f} s = {min(a) / min(b):.2f}x, "
        f"median {statistics.median(a):.2f} s vs {statistics.median(b):.2f} s = "
        f"{statistics.median(a) / statistics.median(b):.2f}x (goal {goal}; {len(a)} runs each)"
    )


def beyond_the_cap(stack: Stack) -> tuple[dict[str, str], int, int]:
    """Seeded names the 1,000-entry listings leave out, and the listings' sizes."""
    admin: Any = ks_client.Client(session=stack.clouds["crowd"].keystone.admin_session())
    users = {u.name for u in admin.users.list(domain="default")}
    projects = {p.name for p in admin.projects.list(domain="default")}
    crowd = stack.clouds["crowd"].users
    unlisted = [seed_user_name(n) for n in range(crowd) if seed_user_name(n) not in users]
    names = {
        "user": next(u for u in unlisted if u == u.lower()),
        "capitalised": next(u for u in unlisted if u != u.lower()),
        "project": next(
            seed_project_name(n) for n in range(crowd) if seed_project_name(n) not in projects
        ),
    }
    return names, len(users), len(projects)


def past_the_cap(stack: Stack, tag: str, say: Callable[[str], None]) -> None:
    """Rows the original's way gets wrong on a crowded Keystone; ours runs each first."""
    names, _, _ = beyond_the_cap(stack)
    cases: dict[str, Callable[[str], list[list[str]]]] = {
        "an existing user beyond the cap asks for a new project": lambda who: [
            access_row(names["user"], new_project=f"cap-{tag}-{who}-1", new_user=False)
        ],
        "an existing user stored with capitals (by the original), beyond the cap, typed in "
        "lower case, asks for a new project": lambda who: [
            access_row(names["capitalised"].lower(), new_project=f"cap-{tag}-{who}-2")
        ],
        "a new user joins an existing project beyond the cap": lambda who: [
            access_row(f"cap-{tag}-{who}@example.org", join=names["project"])
        ],
    }
    admin: Any = ks_client.Client(session=stack.clouds["crowd"].keystone.admin_session())
    for label, case in cases.items():
        ours = cli(stack, "crowd", case("ours"))
        theirs = original(stack, "crowd", case("orig"))
        last = (theirs.output.strip().splitlines() or ["(no output)"])[-1]
        twins = admin.users.list(
            domain="default",
            name__istartswith=names["capitalised"],
            name__iendswith=names["capitalised"],
        )
        say(
            f"{label}:\n  ours: exit {ours.status}"
            f"{', done' if ours.status == 0 else ': ' + ours.output[-300:]}\n"
            f"  original: exit {theirs.status}: {last[:200]}"
        )
        if "capitals" in label:
            say(
                f"  users named {names['capitalised']!r} ignoring case now: "
                f"{sorted(u.name for u in twins)}"
            )


def report(stack: Stack, args: argparse.Namespace, say: Callable[[str], None]) -> None:
    n, tag = args.requests, secrets.token_hex(3)
    crowd, few = stack.clouds["crowd"].users, stack.clouds["few"].users
    fresh = iter(range(10**6))

    def rows(count: int) -> list[list[str]]:
        return new_rows(f"b{tag}-{next(fresh)}", count)

    for cloud in ("crowd", "few"):  # imports and caches warm, not measured
        checked(cli(stack, cloud, rows(2)), "warm-up")

    _, listed_users, listed_projects = beyond_the_cap(stack)
    say(
        f"Keystone holds {crowd + 1} users and {crowd + 1} projects; GET /v3/users answers "
        f"{listed_users} and GET /v3/projects {listed_projects}, with no error (the 1,000 cap)"
    )

    say("\n== Keystone calls (CLI, every request counted) ==")
    new = checked(cli(stack, "crowd", rows(n)), "ours: new users")
    per_new = new.keystone_per_request()
    say(f"per new user + new project: {len(per_new) / n:g} (goal <= 5): {breakdown(per_new, n)}")
    join = checked(cli(stack, "crowd", joining_rows(n, crowd)), "ours: existing users joining")
    per_join = join.keystone_per_request()
    say(
        f"per existing user joining a project: {len(per_join) / n:g} (goal <= 3): "
        f"{breakdown(per_join, n)}"
    )
    legacy = checked(
        cli(stack, "crowd", joining_rows(n, crowd, capitalised=True)), "ours: capitalised users"
    )
    per_legacy = legacy.keystone_per_request()
    say(
        f"per existing user stored with capitals (by the original), typed in lower case, "
        f"joining: {len(per_legacy) / n:g} (the exact query misses, the case-insensitive one "
        f"finds it): {breakdown(per_legacy, n)}"
    )
    for run, label in ((new, "new"), (join, "joining")):
        per_run = [s for s in run.http("keystone") if s.path in PER_RUN_PATHS]
        say(f"per run ({label}): {len(per_run)} ({breakdown(per_run, 1)}); tokens: {run.tokens()}")
    say(f"SMTP connections per run: {new.smtp_connections()} for {3 * n} mails")
    for run, label in ((new, "new user + new project"), (join, "existing user joining")):
        commits = run.journal_commits()
        say(
            f"journal commits (one fsync each), {n} requests ({label}): {commits}, "
            f"{commits / n:g} per request"
        )

    say("\n== Backend as the TUI drives it (hello, list_access, plan_access, provision) ==")
    session = checked(backend(stack, "crowd", rows(n)), "backend session")
    per_session = session.keystone_per_request()
    say(
        f"{n} new users + projects: Keystone {len(session.http('keystone'))} requests "
        f"({len(per_session) / n:g} per request incl. the plan's look-ups: "
        f"{breakdown(per_session, n)}), tokens {session.tokens()}, "
        f"Sheets {len(session.http('sheets'))} per session, SMTP connections "
        f"{session.smtp_connections()}, {session.seconds:.2f} s"
    )

    say(f"\n== {n} requests, interleaved x{args.repeats} ==")
    timed = interleaved(
        {
            f"ours@{crowd}": lambda: cli(stack, "crowd", rows(n)),
            f"ours@{few}": lambda: cli(stack, "few", rows(n)),
            f"original@{crowd}": lambda: original(stack, "crowd", rows(n)),
        },
        args.repeats,
    )
    say(
        ratio_line(
            f"ours at {crowd} vs {few} users",
            timed[f"ours@{crowd}"],
            timed[f"ours@{few}"],
            "<= 1.1x",
        )
    )
    say(
        ratio_line(
            f"  waiting on Keystone, ours at {crowd} vs {few} users",
            timed[f"ours@{crowd}"],
            timed[f"ours@{few}"],
            "does not grow",
            lambda run: run.keystone_wait(),
        )
    )
    say(
        ratio_line(
            f"ours vs the original's way at {crowd} users",
            timed[f"ours@{crowd}"],
            timed[f"original@{crowd}"],
            "< 1x",
        )
    )
    base = timed[f"original@{crowd}"][0]
    say(
        f"the original's way: Keystone {len(base.keystone_per_request()) / n:g} per request "
        f"({breakdown(base.keystone_per_request(), n)}; its two listings among them); "
        f"Sheets {len(base.http('sheets'))} per run; SMTP connections "
        f"{base.smtp_connections()} for {3 * n} mails"
    )

    say("\n== Past the cap: ours, then the original's way, on the same kind of row ==")
    past_the_cap(stack, tag, say)

    m = args.end_to_end
    if m <= 0:
        return
    say(f"\n== {m} requests end to end (CLI process vs the minimal script), x{args.repeats} ==")
    whole = interleaved(
        {"ours": lambda: cli(stack, "crowd", rows(m)),
         "minimal": lambda: minimal(stack, "crowd", rows(m))},
        args.repeats,
    )  # fmt: skip
    say(ratio_line("ours vs the minimal whole job", whole["ours"], whole["minimal"], "<= 1.15x"))
    say(
        f"Sheets requests per CLI run: {len(new.http('sheets'))} for {n} rows, "
        f"{len(whole['ours'][0].http('sheets'))} for {m} rows (goal: constant in N); "
        f"minimal script {len(whole['minimal'][0].http('sheets'))}"
    )
    say(
        f"Keystone requests per CLI run of {m}: {len(whole['ours'][0].http('keystone'))}, "
        f"tokens {whole['ours'][0].tokens()}; SMTP connections "
        f"{whole['ours'][0].smtp_connections()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--crowd", type=int, default=5000, help="users/projects seeded")
    parser.add_argument("--few", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--end-to-end", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="seeded templates (default: "
                        "<temp dir>/moc-tui-bench)")  # fmt: skip
    args = parser.parse_args(argv)
    cache = args.cache or Path(tempfile.gettempdir()) / "moc-tui-bench"
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), cache, args.crowd, args.few)
        try:
            report(stack, args, lambda line: print(line, flush=True))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
