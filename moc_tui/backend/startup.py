"""What the backend settles before it serves: its environment and why it may refuse to start.

Each refusal is one plain sentence that names the fix (the TUI shows it to the operator as
is); nothing here may end in a traceback on a stderr nobody reads.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import MutableMapping
from pathlib import Path

from moc_tui.core.settings.secret_files import secret_file_problems

# proxy and CA variables: cleared at start-up whatever sudo passed (compared in upper case)
ROUTING_VARIABLES = frozenset(
    {
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "FTP_PROXY",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    }
)


def clear_routing_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Drop what would send the backend's HTTP elsewhere or make it trust another CA.

    sudo's env_reset removes these, but a host may say `Defaults:helpdesk !env_reset`; the
    backend does not depend on it: an HTTP_PROXY of the operator's choosing would receive the
    admin password's token request. Any case (`https_proxy` too).
    """
    for name in list(environ):
        if name.upper() in ROUTING_VARIABLES:
            del environ[name]


def user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def unreadable(config: Path, error: OSError) -> list[str]:
    """Why the settings could not be read, with the command that fixes it."""
    me = user_name()
    hints = [p for p in secret_file_problems(config, "settings file") if "run:" in p]
    if hints:
        return hints
    return [
        f"settings file {config} cannot be read by {me} ({error.strerror}); it and its folder "
        f"must belong to {me}: run: chown {me} {config.parent} {config}"
    ]
