"""`moc-tui operator add|remove|list`: operators' SSH keys for the helpdesk account.

    moc-tui operator add NAME KEYFILE [--expiry YYYYMMDD] [--viewer]
    moc-tui operator remove NAME
    moc-tui operator list

Writes the root-owned authorized_keys file and the fingerprint map together; a key that is
already registered (to anyone) is refused. `--viewer` makes the operator read-only: the backend
refuses every op that changes something for them, and the TUI hides those keys.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from moc_tui.cli.setup_host import add_layout_options, layout_from


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("operator", help="add, remove or list operators' SSH keys")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register a public key for an operator")
    add.add_argument("name")
    add.add_argument("keyfile", type=Path)
    add.add_argument("--expiry", help="last day the key works (YYYYMMDD)")
    add.add_argument(
        "--viewer", action="store_true", help="read-only: may look at everything, change nothing"
    )
    remove = actions.add_parser("remove", help="remove every key of an operator")
    remove.add_argument("name")
    listing = actions.add_parser("list", help="operators and key fingerprints")
    for sub in (add, remove, listing):
        add_layout_options(sub)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from moc_tui.backend.roles import Role
    from moc_tui.host import keys

    layout = layout_from(args)
    try:
        if args.action == "add":
            key = keys.parse_public_key(args.keyfile.read_text(encoding="ascii"), args.name)
            role = Role.VIEWER if args.viewer else Role.OPERATOR
            keys.add_key(
                layout.keys_file,
                layout.operators_map,
                key,
                layout.forced_command,
                args.expiry,
                role,
            )
            print(f"added {key.fingerprint} for {key.operator} ({role.value})")
        elif args.action == "remove":
            count = keys.remove_operator(layout.keys_file, layout.operators_map, args.name)
            print(f"removed {count} key(s) of {args.name}")
            if count == 0:
                return 1
        else:
            roles = keys.read_roles(layout.operators_map)
            for _, key in keys.read_keys(layout.keys_file):
                shown = roles.get(key.operator, Role.OPERATOR).value
                print(f"{key.operator} {key.key_type} {key.fingerprint} {shown}")
    except (keys.OperatorKeyError, OSError, UnicodeDecodeError, ValueError) as error:
        print(f"operator {args.action}: {error}", file=sys.stderr)
        return 1
    return 0
