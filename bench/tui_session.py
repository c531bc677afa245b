"""Sheets requests of a TUI session that lists, plans and provisions N rows, by route.

    .venv/bin/python bench/tui_session.py [--rows 1,5,20] [--flow batch|per-row|both]

Starts a real Keystone (seeded, cached per version: `bench/keystone_seed.py`) with its setpass
service, the Sheets fake (the Google store path: gspread and google-auth in the backend) and an
SMTP server. For each N it writes a sheet of N new requests and runs the real backend process
with every HTTP request counted (`bench/counted.py`), driven through the TUI's own link
(`moc_tui.tui.backend_link.BackendLink`, the code the screens call) as the screens drive it:

- batch (the TUI now): hello, list (pending screen), plan (the confirmation), ONE provision of
  every confirmed row (progress screen), list (the pending screen again);
- per-row (the TUI before, `--flow per-row`): the same, but one provision per row with the tab
  listed again before each row after the first, to find the next one by its key.

It prints each session's Sheets requests by route, and whether the total is the same for every
N. Exit status 1 when a row was not provisioned or (batch) the totals differ.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import counted  # noqa: E402
from bench.provision_stack import Stack, new_rows, start_cloud  # noqa: E402
from moc_tui.devstack.mail_sink import MailSink  # noqa: E402
from moc_tui.devstack.sheets_api import FakeSheetsServer  # noqa: E402
from moc_tui.devstack.sheets_auth import write_key_file  # noqa: E402
from moc_tui.protocol.client import BackendClient  # noqa: E402
from moc_tui.protocol.events import ProgressEvent  # noqa: E402
from moc_tui.protocol.views import AccessView  # noqa: E402
from moc_tui.tui.backend_link import BackendLink  # noqa: E402

FLOWS = ("batch", "per-row")
_KEY = re.compile(r"/spreadsheets/[^/:]+")


class SmallStack(Stack):
    """One small cloud (`few` users), the Sheets fake and the SMTP server."""

    def __init__(self, tmp: Path, cache: Path, few: int) -> None:
        self.tmp = tmp
        self.clouds = {"few": start_cloud(tmp, cache, "few", few)}
        self.sheets = FakeSheetsServer().start()
        self.mail = MailSink(tmp).start()
        self.key_file = write_key_file(tmp / "sa.json", self.sheets.new_service_account())
        self._runs = 0


def route(sent: counted.Sent) -> str:
    """`METHOD /path` with the spreadsheet's key as `{key}` (one route for every sheet)."""
    return f"{sent.method} {_KEY.sub('/spreadsheets/{key}', sent.path)}"


def batch_flow(link: BackendLink, views: list[AccessView], heard: Callable[..., None]) -> int:
    """The progress screen now: every confirmed row in one call. Returns the rows done."""
    return len(link.provision(views, heard)["done"])


def per_row_flow(link: BackendLink, views: list[AccessView], heard: Callable[..., None]) -> int:
    """The progress screen before: one row per call, the tab listed again before each next row
    (the rows below a moved row shift up), the row found again by its request key."""
    done = 0
    for index, seen in enumerate(views):
        now = seen
        if index > 0:
            fresh = {v["request_key"]: v for v in link.list_access()}
            now = fresh[seen["request_key"]]
        done += len(link.provision([now], heard)["done"])
    return done


def session(stack: SmallStack, rows: int, flow: str) -> tuple[Counter[str], int]:
    """One TUI session on a sheet of `rows` new requests: (Sheets requests by route, done)."""
    tag = f"s{secrets.token_hex(3)}"
    config = stack.settings_file("few", stack.sheet(new_rows(tag, rows)))
    counts = stack.tmp / f"counts-{tag}.jsonl"
    argv = [sys.executable, "-m", "bench.counted", str(counts), "moc_tui", "backend",
            "--config", str(config)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    events: list[ProgressEvent] = []
    link = BackendLink(lambda: BackendClient(argv, env=env), "bench")
    try:
        link.hello()
        views = [v for v in link.list_access() if not v["problems"]]  # the pending screen
        plans = link.plan_access(views)  # the confirmation
        confirmed = [v for v, p in zip(views, plans, strict=True) if p["ok"]]
        run = batch_flow if flow == "batch" else per_row_flow
        done = run(link, confirmed, events.append)
        link.list_access()  # back on the pending screen, which lists again
    finally:
        link.close()
    port = stack.ports("few")["sheets"]
    sent = [s for s in counted.read(counts) if s.kind == "http" and s.port == port]
    return Counter(route(s) for s in sent), done


def report(stack: SmallStack, sizes: Sequence[int], flows: Sequence[str]) -> int:
    status = 0
    for flow in flows:
        totals: dict[int, int] = {}
        print(f"\n== {flow}: hello, list, plan, provision, list (Sheets requests by route) ==")
        for rows in sizes:
            routes, done = session(stack, rows, flow)
            totals[rows] = sum(routes.values())
            print(f"N={rows}: {totals[rows]} Sheets requests, {done} of {rows} rows done")
            for name, count in sorted(routes.items()):
                print(f"    {count:4d}  {name}")
            if done != rows:
                status = 1
        same = len(set(totals.values())) == 1
        listed = ", ".join(f"N={n}: {t}" for n, t in totals.items())
        print(f"{flow} totals: {listed} (same for every N: {'yes' if same else 'no'})")
        if flow == "batch" and not same:
            status = 1
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", default="1,5,20", help="comma-separated session sizes")
    parser.add_argument("--flow", choices=(*FLOWS, "both"), default="both")
    parser.add_argument("--few", type=int, default=20, help="users in the seeded Keystone")
    parser.add_argument("--cache", type=Path, default=None, help="seeded templates (default: "
                        "<temp dir>/moc-tui-bench)")  # fmt: skip
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.rows.split(",") if n.strip()]
    flows = FLOWS if args.flow == "both" else (args.flow,)
    cache = args.cache or Path(tempfile.gettempdir()) / "moc-tui-bench"
    with tempfile.TemporaryDirectory(prefix="moc-tui-session-") as tmp:
        stack = SmallStack(Path(tmp), cache, args.few)
        try:
            return report(stack, sizes, flows)
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
