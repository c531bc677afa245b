"""`moc-tui doctor`: check a deployed host and list every deviation (exit 1 if any).

`--json` lists every check made (name, status, detail), the clean ones too, so an admin sees
what is covered and what is not.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from moc_tui.cli.setup_host import add_layout_options, layout_from


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check accounts, modes, owners, content, sudo, sshd and the Python path of this host",
    )
    add_layout_options(parser)
    parser.add_argument("--sshd-config", type=Path, help="sshd main config (default: sshd's)")
    parser.add_argument(
        "--operator-address",
        action="append",
        default=[],
        metavar="ADDR",
        help="an address operators connect from (repeat); sshd's settings are evaluated for "
        "each (default: 192.0.2.1 and 127.0.0.1)",
    )
    parser.add_argument("--json", action="store_true", help="every check as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from moc_tui.host.checks import Context
    from moc_tui.host.checks.base import DEFAULT_ADDRESSES
    from moc_tui.host.doctor import run_checks

    ctx = Context(
        layout_from(args),
        args.source,
        sshd_config=args.sshd_config,
        addresses=tuple(args.operator_address) or DEFAULT_ADDRESSES,
    )
    results = run_checks(ctx)
    bad = [result for result in results if result.status != "ok"]
    if args.json:
        report = {
            "checks": [result.as_json() for result in results],
            "addresses": list(ctx.addresses),
            "deviations": sum(len(r.deviations) or 1 for r in bad),
        }
        print(json.dumps(report, indent=2))
        return 1 if bad else 0
    count = 0
    for result in bad:
        for item in result.deviations or (result.detail,):
            print(f"- [{result.name}] {item}")
            count += 1
    print(f"doctor: {count} deviation{'s' if count != 1 else ''} in {len(results)} checks")
    return 1 if bad else 0
