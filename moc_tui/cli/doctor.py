"""`moc-tui doctor`: check a deployed host and list every deviation (exit 1 if any)."""

from __future__ import annotations

import argparse
from pathlib import Path

from moc_tui.cli.setup_host import add_layout_options, layout_from


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check modes, owners, the sudo rule, sshd settings and code paths of this host",
    )
    add_layout_options(parser)
    parser.add_argument("--sshd-config", type=Path, help="sshd main config (default: sshd's)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from moc_tui.backend.deploy.doctor import doctor

    found = doctor(layout_from(args), sshd_config=args.sshd_config)
    for item in found:
        print(f"- {item}")
    print(f"doctor: {len(found)} deviation{'s' if len(found) != 1 else ''}")
    return 1 if found else 0
