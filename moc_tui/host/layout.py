"""Where everything lives on a helpdesk host, and the text of every file setup-host writes.

One `Layout` describes a host (optionally under a prefix, for tests and staging); the files in
`config/sshd`, `config/sudoers` and `config/accounts` are these renderings with the defaults (a
test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from moc_tui.host.interpreter import SHEBANG_FLAGS

DEFAULT_HELPDESK = "helpdesk"
DEFAULT_SERVICE = "moc-tools"
DEFAULT_PYTHON = "/opt/moc-tui/venv/bin/python"
WRAPPER_PYTHON = "/usr/bin/python3"
# the release checkout (shell/ and config/ live there) when run from it
RELEASE = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layout:
    prefix: Path = Path("/")
    helpdesk_user: str = DEFAULT_HELPDESK
    service_user: str = DEFAULT_SERVICE
    python: str = DEFAULT_PYTHON
    site_dirs: tuple[str, ...] = ()  # extra site-packages for the launchers (tests only)
    sudoers_dir: Path | None = None
    login_log: str = "syslog"

    def _p(self, path: str) -> Path:
        return self.prefix / path.lstrip("/")

    @property
    def config_dir(self) -> Path:
        return self._p("/etc/moc-tui")

    @property
    def settings(self) -> Path:
        return self.config_dir / "settings.ini"

    @property
    def state_dir(self) -> Path:
        return self._p("/var/lib/moc-tui")

    @property
    def helpdesk_home(self) -> Path:
        return self._p("/var/lib/helpdesk-home")

    @property
    def login_conf(self) -> Path:
        return self._p("/etc/moc-tui-login.conf")

    @property
    def operators_map(self) -> Path:
        return self._p("/etc/moc-tui-operators")

    @property
    def keys_dir(self) -> Path:
        return self._p("/etc/ssh/helpdesk")

    @property
    def keys_file(self) -> Path:
        return self.keys_dir / f"{self.helpdesk_user}.keys"

    @property
    def sshd_dropin(self) -> Path:
        return self._p("/etc/ssh/sshd_config.d/50-moc-tui.conf")

    @property
    def sudoers(self) -> Path:
        directory = self.sudoers_dir or self._p("/etc/sudoers.d")
        return directory / f"moc-tui-{self.helpdesk_user}"

    @property
    def cron_dir(self) -> Path:
        return self._p("/etc/cron.d")

    @property
    def wrapper(self) -> Path:
        return self._p("/usr/local/bin/helpdesk-login")

    @property
    def libexec(self) -> Path:
        return self._p("/usr/local/libexec")

    @property
    def backend(self) -> Path:
        return self.libexec / "moc-tui-backend"

    @property
    def ui(self) -> Path:
        return self.libexec / "moc-tui-ui"

    @property
    def forced_command(self) -> str:
        """The wrapper's command line; `--config` only when installed under a prefix."""
        if self.prefix == Path("/"):
            return str(self.wrapper)
        return f"{self.wrapper} --config {self.login_conf}"

    # file texts -----------------------------------------------------------------------------
    def sshd_text(self) -> str:
        return SSHD_TEMPLATE.format(
            user=self.helpdesk_user,
            keys=str(self.keys_dir) + "/%u.keys",
            command=self.forced_command,
        )

    def sudoers_rule(self) -> str:
        return f'{self.helpdesk_user} ALL=({self.service_user}) NOPASSWD: {self.backend} ""'

    def sudoers_text(self) -> str:
        return SUDOERS_HEADER + self.sudoers_rule() + "\n"

    def login_text(self) -> str:
        return LOGIN_TEMPLATE.format(
            python=self.python,
            ui=self.ui,
            service_user=self.service_user,
            backend=self.backend,
            operators=self.operators_map,
            log=self.login_log,
        )

    def launcher_path(self, library: Sequence[str]) -> list[str]:
        """What the launchers add to `sys.path`: the interpreter's site-packages, then ours."""
        return list(dict.fromkeys([*library, *self.site_dirs]))

    def backend_launcher(self, library: Sequence[str]) -> str:
        return BACKEND_LAUNCHER.format(
            python=self.python,
            flags=SHEBANG_FLAGS,
            path=self.launcher_path(library),
            settings=str(self.settings),
            operators=str(self.operators_map),
        )

    def ui_launcher(self, library: Sequence[str]) -> str:
        return UI_LAUNCHER.format(
            python=self.python, flags=SHEBANG_FLAGS, path=self.launcher_path(library)
        )


SSHD_TEMPLATE = """\
# moc-tui (written by `moc-tui setup-host`): the shared helpdesk account lands in the helpdesk
# program and nothing else. Check with: sshd -T -C user={user},host=x,addr=192.0.2.1
# Global keywords (they cannot go inside Match): environment from keys is never accepted, and
# VERBOSE logs each accepted key's fingerprint and the session's pid (the attribution record).
PermitUserEnvironment no
LogLevel VERBOSE

Match User {user}
    AuthorizedKeysFile {keys}
    AuthenticationMethods publickey
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    # ForceCommand wins over a key's command=, so the operator comes from the key's
    # fingerprint (ExposeAuthInfo + the root-owned operator map), not from --operator.
    ForceCommand {command}
    ExposeAuthInfo yes
    DisableForwarding yes
    AllowTcpForwarding no
    AllowAgentForwarding no
    AllowStreamLocalForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitOpen none
    PermitListen none
    PermitUserRC no
    PermitTTY yes
    SetEnv LANG=C.UTF-8 LC_ALL=C.UTF-8
    MaxSessions 1
    UnusedConnectionTimeout 60s
    ClientAliveInterval 60
    ClientAliveCountMax 3
"""

SUDOERS_HEADER = """\
# moc-tui (written by `moc-tui setup-host`): the one rule. The helpdesk account may start the
# backend as the service user with NO arguments ("" forbids any) and no environment (env_reset
# is sudo's default; never add SETENV or env_keep here).
"""

LOGIN_TEMPLATE = """\
# moc-tui login wrapper settings (written by `moc-tui setup-host`); root-owned, mode 0644.
[login]
python = {python}
ui = {ui}
service_user = {service_user}
backend = {backend}
operators = {operators}
# syslog (authpriv), or a file the helpdesk account can append to
log = {log}
"""

BACKEND_LAUNCHER = """\
#!{python} {flags}
\"\"\"moc-tui backend (written by `moc-tui setup-host`). Reads no arguments and no environment:
the settings path and the operator map (roles) are fixed here, in a root-owned file. -I -S: no
site, so no .pth file runs; the library folders are listed here instead. If the program cannot
be loaded, the TUI gets one start-up line saying so (a traceback would go to a stderr nobody
reads).\"\"\"
import sys

sys.path.extend({path!r})
try:
    from pathlib import Path

    from moc_tui.backend.server import run
except Exception as error:
    import json

    message = (
        f"the backend cannot start: its program cannot be loaded ({{type(error).__name__}}); "
        "run: moc-tui setup-host, then moc-tui doctor"
    )
    error_line = {{"id": None, "ok": False, "error": {{"code": "startup", "message": message}}}}
    sys.stdout.write(json.dumps(error_line) + "\\n")
    sys.exit(78)

sys.exit(run(Path({settings!r}), sys.stdin.buffer, sys.stdout.buffer, Path({operators!r})))
"""

UI_LAUNCHER = """\
#!{python} {flags}
\"\"\"moc-tui terminal UI (written by `moc-tui setup-host`); started by helpdesk-login with
-I -S (no site, no .pth file); the library folders are listed here instead. If the program
cannot be loaded, the operator reads one sentence, not a traceback.\"\"\"
import sys

sys.path.extend({path!r})
try:
    from moc_tui.tui.__main__ import main
except Exception as error:
    sys.stderr.write(
        f"the helpdesk program cannot start ({{type(error).__name__}}); tell the admin "
        "(moc-tui doctor)\\n"
    )
    sys.exit(78)

sys.exit(main(sys.argv[1:]))
"""
