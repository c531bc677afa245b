"""Make a Keystone state dir in ONE process: fernet + credential keys, db_sync and bootstrap.

Same code paths as `keystone-manage`, about 4x faster because keystone is imported once.
The bootstrap admin gets a throwaway random password: the harness sets its own per start.

usage: python ks_init.py KEYSTONE_CONF
"""

from __future__ import annotations

import configparser
import os
import secrets
import sys
import warnings
from pathlib import Path


def write_key_repositories(conf_file: Path) -> None:
    """Write the fernet and credential key repositories (what fernet_setup/credential_setup do).

    A repository is two files, "0" (staged) and "1" (primary), each one Fernet key. Writing
    them here avoids keystone-manage's demand for --keystone-user/--keystone-group as root.
    """
    from cryptography.fernet import Fernet

    cp = configparser.ConfigParser(interpolation=None)
    cp.read(conf_file)
    for section in ("fernet_tokens", "fernet_receipts", "credential"):
        repo = Path(cp.get(section, "key_repository"))
        repo.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in ("0", "1"):
            path = repo / name
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())


def sync_and_bootstrap(conf_file: Path) -> None:
    """Run `keystone-manage db_sync` then `bootstrap` in this process."""
    from keystone.cmd import cli

    base = ["keystone-manage", "--config-file", str(conf_file)]
    cli.main(argv=[*base, "db_sync"])
    cli.CONF.reset()  # allow a second cli.main() call in the same process
    cli.CONF.unregister_opt(cli.command_opt)
    # keystone-manage reads the bootstrap password from this variable too; not from argv,
    # so it never shows in `ps`.
    os.environ["OS_BOOTSTRAP_PASSWORD"] = secrets.token_urlsafe(24)
    cli.main(
        argv=[
            *base,
            "bootstrap",
            "--bootstrap-username",
            "admin",
            "--bootstrap-project-name",
            "admin",
            "--bootstrap-role-name",
            "admin",
            "--bootstrap-service-name",
            "keystone",
            "--bootstrap-region-id",
            "RegionOne",
            # the port is rewritten by ks_serve.py at every start
            "--bootstrap-public-url",
            "http://127.0.0.1:5000/v3",
        ]
    )


def main(argv: list[str]) -> int:
    """Entry point; returns the process exit status."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    conf_file = Path(argv[1]).resolve()
    write_key_repositories(conf_file)
    sync_and_bootstrap(conf_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
