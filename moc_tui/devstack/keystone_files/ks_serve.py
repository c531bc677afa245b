"""Run a real Keystone on 127.0.0.1 with waitress and ONE worker thread.

usage: python ks_serve.py KEYSTONE_CONF [PORT]   (PORT 0 or omitted: the kernel picks)

Prints "READY <port>" on stdout once the app is loaded and listening. With
KS_EXIT_ON_STDIN_EOF=1 it exits when its stdin closes, so it cannot outlive its parent.
"""

from __future__ import annotations

import configparser
import os
import signal
import socket
import sqlite3
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType


def bind(port: int) -> socket.socket:
    """Bind first, so the port is ours before anything else happens (no free-port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def fix_identity_endpoint(conf_file: Path, port: int) -> None:
    """Point the catalog's identity endpoint at the real port before the app caches anything.

    Bootstrap stored some other port; clients follow the catalog, so a stale port breaks them.
    """
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(conf_file)
    db_path = cp.get("database", "connection").removeprefix("sqlite:///")
    db = sqlite3.connect(db_path)
    try:
        with db:
            db.execute(
                "UPDATE endpoint SET url = ? WHERE service_id IN "
                "(SELECT id FROM service WHERE type = 'identity')",
                (f"http://127.0.0.1:{port}/v3",),
            )
    finally:
        db.close()


def _exit_now(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: nothing to flush (SQLite commits per request), so stop in milliseconds."""
    os._exit(0)


def _exit_on_stdin_eof() -> None:
    """The parent holds our stdin pipe; if it dies (even by SIGKILL) the pipe closes."""
    sys.stdin.read()
    os._exit(0)


def main(argv: list[str]) -> int:
    """Entry point; serves until terminated."""
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    conf_file = Path(argv[1]).resolve()
    sock = bind(int(argv[2]) if len(argv) == 3 else 0)
    port: int = sock.getsockname()[1]
    fix_identity_endpoint(conf_file, port)

    # oslo.config parses sys.argv: keystone must not see our arguments.
    sys.argv = sys.argv[:1]
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = str(conf_file)
    from keystone.server import wsgi as keystone_wsgi
    from waitress.server import create_server

    app = keystone_wsgi.initialize_public_application()
    # threads=1: SQLite cannot take concurrent writers ("database is locked");
    # waitress still accepts many connections and queues their requests.
    server = create_server(app, sockets=[sock], threads=1, ident="keystone")
    signal.signal(signal.SIGTERM, _exit_now)
    if os.environ.get("KS_EXIT_ON_STDIN_EOF") == "1":
        threading.Thread(target=_exit_on_stdin_eof, daemon=True).start()
    print(f"READY {port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
